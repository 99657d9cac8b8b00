"""What tests/prefect3/record_settings.py and record_client.py share: run every case of
a cases file through Prefect 3 (two at a time) and write the outcomes as the expected
file, or with --check compare them with it and show a diff."""

import difflib
import json
import sys
from concurrent.futures import ThreadPoolExecutor


def record(cases_path, expected_path, run_case, wrap=lambda outcomes: outcomes):
    """Runs `run_case(case)` for each case of `cases_path` and records
    `wrap({name: outcome})` in `expected_path` (sorted, indented JSON); with --check in
    argv, only compares. Returns the process's exit status."""
    check = "--check" in sys.argv[1:]
    cases = json.loads(cases_path.read_text(encoding="utf-8"))
    names = [c["name"] for c in cases]
    if len(set(names)) != len(names):
        raise SystemExit("duplicate case names")
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(run_case, cases))
    text = json.dumps(wrap(dict(zip(names, outcomes))), indent=1, sort_keys=True) + "\n"
    if check:
        old = expected_path.read_text(encoding="utf-8") if expected_path.exists() else ""
        if old != text:
            sys.stdout.writelines(
                difflib.unified_diff(
                    old.splitlines(True), text.splitlines(True), "recorded", "now"
                )
            )
            return 1
        print(f"{len(cases)} cases match")
        return 0
    expected_path.write_text(text, encoding="utf-8")
    print(f"recorded {len(cases)} cases")
    return 0
