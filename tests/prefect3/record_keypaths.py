"""Records what Prefect 3's `get_from_dict` (`prefect.utilities.collections`) finds at
each key path of tests/prefect3/keypath_cases.json, for src/value/get_from_dict's tests.

    target/prefect3-venv/bin/python tests/prefect3/record_keypaths.py [--check]

Each case: {"name", "data": <JSON>, "path": "a.b[0]"}; the recording, by name:
{"found": false} or {"found": true, "json": json.dumps(value, separators=(",", ":"))}.
"""

import json
import sys
from pathlib import Path

from recording import record

HERE = Path(__file__).resolve().parent
CASES = HERE / "keypath_cases.json"
EXPECTED = HERE / "keypath_expected.json"


def run_case(case):
    from prefect.utilities.collections import get_from_dict

    missing = object()
    found = get_from_dict(case["data"], case["path"], missing)
    if found is missing:
        return {"found": False}
    return {"found": True, "json": json.dumps(found, separators=(",", ":"))}


def main():
    return record(CASES, EXPECTED, run_case)


if __name__ == "__main__":
    sys.exit(main())
