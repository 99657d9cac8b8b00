"""Records what PyYAML's `yaml.safe_load` (Prefect 3 loads a deployment's job variables
with it) makes of each document of tests/prefect3/yaml_cases.json, for src/yaml's tests.

    target/prefect3-venv/bin/python tests/prefect3/record_yaml.py [--check]

Each case: {"name", "yaml": <the document's text>, "differs"?: why this reader refuses
what PyYAML reads}. The recording, by name, one of:
{"json": json.dumps(value, separators=(",", ":"))} (NaN and infinities as Python writes
them); {"error": <exception type name>} when PyYAML refuses the document;
{"unrepresentable": <what>} when it reads a value that a JSON-like value cannot hold (a
date, bytes, a set, a tuple, a key that is not a string, a recursive structure);
{"expands_to": <number of values>} when aliases make it bigger than a million values
(PyYAML shares them; written out they would not fit).
"""

import json
import sys
from pathlib import Path

import yaml

from recording import record

HERE = Path(__file__).resolve().parent
CASES = HERE / "yaml_cases.json"
EXPECTED = HERE / "yaml_expected.json"

BIG = 1_000_000


def unrepresentable(value, parents=()):
    """What in `value` a JSON-like value cannot hold, or None."""
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return None
    if id(value) in parents:
        return "recursive"
    inside = parents + (id(value),)
    if kind is list:
        for item in value:
            why = unrepresentable(item, inside)
            if why:
                return why
        return None
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                return "key " + type(key).__name__
            why = unrepresentable(item, inside)
            if why:
                return why
        return None
    return kind.__name__


def size(value, memo):
    """The number of values in `value`, aliases counted each time (memoized by object)."""
    if id(value) in memo:
        return memo[id(value)]
    children = value.values() if type(value) is dict else value if type(value) is list else ()
    n = 1 + sum(size(child, memo) for child in children)
    memo[id(value)] = n
    return n


def run_case(case):
    try:
        value = yaml.safe_load(case["yaml"])
    except Exception as e:  # PyYAML's own errors, and the ValueErrors of int() and float()
        return {"error": type(e).__name__}
    why = unrepresentable(value)
    if why:
        return {"unrepresentable": why}
    n = size(value, {})
    if n > BIG:
        return {"expands_to": n}
    return {"json": json.dumps(value, separators=(",", ":"))}


def main():
    return record(CASES, EXPECTED, run_case)


if __name__ == "__main__":
    sys.exit(main())
