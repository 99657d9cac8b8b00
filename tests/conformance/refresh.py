#!/usr/bin/env python3
"""Regenerates the expected outcomes kept under tests/conformance from Prefect 0.5.3.

    python3 tests/conformance/refresh.py [path/to/shared/conformance]

Runs run.py --write-expected on cases.json and public-cases.json and replaces the
per-run HOME directory and loopback server address in the outcomes with {HOME} and
{SERVER}, so the Rust tests can substitute their own.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
KIT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared", "conformance")


def normalize(obj):
    if isinstance(obj, str):
        obj = re.sub(r"/tmp/secret-conformance-[A-Za-z0-9_]+/home", "{HOME}", obj)
        return re.sub(r"http://127\.0\.0\.1:\d+", "{SERVER}", obj)
    if isinstance(obj, list):
        return [normalize(x) for x in obj]
    if isinstance(obj, dict):
        return {k: normalize(v) for k, v in obj.items()}
    return obj


for cases, expected in [("cases.json", "expected.json"), ("public-cases.json", "public-expected.json")]:
    with tempfile.NamedTemporaryFile(suffix=".json") as tmp:
        subprocess.run([sys.executable, os.path.join(KIT, "run.py"), os.path.join(HERE, cases),
                        "--write-expected", tmp.name], check=True, stdout=subprocess.DEVNULL)
        with open(tmp.name) as f:
            outcomes = normalize(json.load(f))
    with open(os.path.join(HERE, expected), "w") as f:
        json.dump(outcomes, f, indent=1, ensure_ascii=True)
        f.write("\n")
    print(expected, len(outcomes), "outcomes")
