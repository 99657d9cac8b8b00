#!/usr/bin/env python3
"""Writes the fuzz seed corpus from the conformance cases.

    python3 fuzz/seed_corpus.py

Reads tests/conformance/cases.json and tests/conformance/public-cases.json and writes one
small file per distinct input (named by its SHA-1, as libFuzzer names corpus files) into
fuzz/corpus/<target>/:

- json_decode: every context value and every PREFECT__CONTEXT__SECRETS__* value (the
  texts `get` applies json.loads to), plus a few hand-written edge cases;
- env_value: every environment value, and every PREFECT__ variable as NAME\0VALUE;
- config_file: every user_config text;
- render: a few byte strings that drive the value builder to each kind of value;
- yaml: every document of tests/prefect3/yaml_cases.json (recorded from PyYAML).

Existing files are replaced; files for inputs no longer in the cases are removed, so the
directory always matches the cases. Only the standard library is used.
"""

import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = [
    os.path.join(ROOT, "tests", "conformance", "cases.json"),
    os.path.join(ROOT, "tests", "conformance", "public-cases.json"),
]
OUT = os.path.join(ROOT, "fuzz", "corpus")
YAML_CASES = os.path.join(ROOT, "tests", "prefect3", "yaml_cases.json")
# Larger inputs are of little use as seeds (scripts/fuzz runs with -max_len=8192).
MAX_SEED = 8192

JSON_EXTRA = [
    "NaN", "-Infinity", "[Infinity,-0.0,1e400,1E-400]", '"\\ud800"', '"\\ud83d\\ude00"',
    '"\\udc00\\ud800"', '{"a":1,"a":2}', "1" * 4300, "1" * 4301, "[" * 64 + "]" * 64,
    '{"k":' * 32 + "null" + "}" * 32, "0.30000000000000004", "1e16", "123456789012345678901234567890",
    " \t\r\n[ 1 , { } , [ ] ] ", '"\\/\\b\\f\\n\\r\\t\\"\\\\"', '"\u00e9\u2028\U0001f600"',
]

# Byte strings for the render target's builder (tag byte % 10 picks the kind; see
# fuzz/src/lib.rs). One seed per kind, and a mixed list and dict.
RENDER_EXTRA = [
    bytes([0]), bytes([1 | 0x80]), bytes([2, 1]) + (2**63 - 1).to_bytes(8, "little"),
    bytes([3, 3, 200, 7, 1, 2, 3, 4]), bytes([4, 1, 0]), bytes([4, 0]) + b"\x00" * 7 + b"\x80",
    bytes([5, 8, 0, 65, 6, 0, 0xD8, 7, 0, 0, 0, 0, 8, 0x3D, 0, 0, 0, 3, 9, 4, 0]),
    bytes([7, 6, 0, 1, 2, 9, 4, 1, 3, 5, 2, 0, 66, 8, 3]),
    bytes([8, 3, 1, 0, 97, 0, 1, 0, 98, 4, 1, 4, 1, 0, 99, 7, 0]),
    bytes([9, 0xA5, 0x55, 2, 0, 5]), bytes([9, 6, 0xFF, 0x03, 0xAA, 4, 1, 0]), bytes([9, 1, 40, 0, 0]),
]


def load_cases():
    cases = []
    for path in CASES:
        with open(path, encoding="utf-8") as f:
            cases.extend(json.load(f))
    return cases


def as_bytes(value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    # A non-string context value (a number, list, ...) seeds the decoder as its JSON.
    return json.dumps(value).encode("utf-8")


def write_dir(target, items):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    wanted = {}
    for item in items:
        data = as_bytes(item)
        if len(data) > MAX_SEED:
            continue
        wanted[hashlib.sha1(data).hexdigest()] = data
    for name in os.listdir(d):
        if name not in wanted:
            os.remove(os.path.join(d, name))
    for name, data in sorted(wanted.items()):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    print(f"fuzz/corpus/{target}: {len(wanted)} files")


def main():
    cases = load_cases()
    context, env_values, configs = [], [], []
    for case in cases:
        for value in (case.get("context_set") or {}).values():
            context.append(value)
        for name, value in (case.get("env") or {}).items():
            env_values.append(value)
            if name.startswith("PREFECT__"):
                # NAME\0VALUE: the env_value target then sets PREFECT__NAME.
                env_values.append(name[len("PREFECT__"):] + "\0" + value)
            if name.upper().startswith("PREFECT__CONTEXT__SECRETS__"):
                context.append(value)
        if "user_config" in case:
            configs.append(case["user_config"])
    write_dir("json_decode", context + JSON_EXTRA)
    write_dir("env_value", env_values)
    write_dir("config_file", configs)
    write_dir("render", RENDER_EXTRA)
    with open(YAML_CASES, encoding="utf-8") as f:
        write_dir("yaml", [case["yaml"] for case in json.load(f)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
