#!/usr/bin/env python3
"""Regenerates the expected outcomes kept under tests/conformance from Prefect 0.5.3 itself,
with the repository's oracle (tests/oracle/oracle.py; it builds its venv on first use):

    python3 tests/conformance/refresh.py                     # both files
    python3 tests/conformance/refresh.py public-cases.json   # only public-expected.json
    python3 tests/conformance/refresh.py --check             # regenerate, compare, write nothing

cases.json gives expected.json, public-cases.json gives public-expected.json. The outcomes
keep {HOME} and {SERVER} where the case's HOME and loopback server appeared, so the Rust
tests (tests/golden.rs) can substitute their own. --check exits 1 when Prefect's answers
differ from the files kept here. --jobs N runs N cases at once (default 2).
"""
import argparse
import difflib
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.path.normpath(os.path.join(HERE, "..", "oracle", "oracle.py"))
PAIRS = {"cases.json": "expected.json", "public-cases.json": "public-expected.json"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="*", help=" or ".join(PAIRS) + " (default: both)")
    ap.add_argument("--check", action="store_true", help="compare with the kept files instead")
    ap.add_argument("--jobs", default="2", help="cases run at once (default 2)")
    args = ap.parse_args()
    unknown = set(args.cases) - set(PAIRS)
    if unknown:
        ap.error("unknown cases file %s: one of %s" % (", ".join(unknown), ", ".join(PAIRS)))
    differ = []
    for cases in args.cases or PAIRS:
        expected = os.path.join(HERE, PAIRS[cases])
        out = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name if args.check else expected
        try:
            subprocess.run([sys.executable, ORACLE, os.path.join(HERE, cases), "--jobs", args.jobs,
                            "--write-expected", out], check=True)
            if args.check:
                with open(expected) as kept, open(out) as now:
                    diff = list(difflib.unified_diff(kept.readlines(), now.readlines(),
                                                     expected, "Prefect 0.5.3 now"))
                if diff:
                    differ.append(PAIRS[cases])
                    sys.stdout.writelines(diff)
        finally:
            if args.check:
                os.unlink(out)
    if differ:
        sys.exit("Prefect 0.5.3 now answers differently from " + ", ".join(differ))


if __name__ == "__main__":
    main()
