"""What tests/prefect3/record_settings.py and record_client.py share: run every case of
a cases file through Prefect 3 (two at a time) and write the outcomes as the expected
file, or with --check compare them with it and show a diff."""

import difflib
import json
import os
import subprocess
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


def run_child(case, root, sub, argv, env):
    """Lays out `case`'s files (and `dirs`) under `root` (each text through `sub`), then
    runs `argv` in the case's working directory with `env` plus the case's variables
    (through `sub`) and HOME at <root>/home. Returns the last line of its output as JSON,
    and its stderr; a failed child ends the recording."""
    for rel in case.get("dirs", []):
        os.makedirs(os.path.join(root, rel), exist_ok=True)
    for rel, text in case.get("files", {}).items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(sub(text))
    env = dict(env, HOME=os.path.join(root, "home"))
    env.update({k: sub(v) for k, v in case.get("env", {}).items()})
    os.makedirs(os.path.join(root, "home"), exist_ok=True)
    cwd = os.path.join(root, case.get("cwd", "cwd"))
    os.makedirs(cwd, exist_ok=True)
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise SystemExit(f"case {case['name']}: child failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr
