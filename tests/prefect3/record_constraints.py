#!/usr/bin/env python3
"""Re-records tests/prefect3/constraints.txt, the versions scripts/prefect3-venv pins.

    python3 tests/prefect3/record_constraints.py             # clean install, rewrite the file
    python3 tests/prefect3/record_constraints.py --check     # the pinned venv has exactly them?
    python3 tests/prefect3/record_constraints.py --output FILE

Recording: a clean install of the Prefect that scripts/prefect3-venv pins (its
PREFECT_VERSION), without constraints, into a temporary venv built by PREFECT3_PYTHON
(default python3; the kept file was recorded with Python 3.11 on Linux x86_64); `pip freeze`
of it, Prefect left out, becomes the file under its header. The changed file then makes
scripts/prefect3-venv rebuild its venv; run `cargo test --test prefect3_server` against it.

--check: `pip freeze` of the venv scripts/prefect3-venv builds or reuses (PREFECT3_VENV
moves it) must be exactly the kept pins; exits 1 and lists the differences if not.
"""
import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "prefect3-venv")
KEPT = os.path.join(ROOT, "tests", "prefect3", "constraints.txt")


def pinned_version():
    with open(SCRIPT) as f:
        return re.search(r"^PREFECT_VERSION=(\S+)$", f.read(), re.M).group(1)


def freeze(venv):
    """`pip freeze` of a venv, without prefect itself, and the venv's Python as "3.11"."""
    python = os.path.join(venv, "bin", "python")
    lines = subprocess.run([python, "-m", "pip", "freeze", "--disable-pip-version-check"],
                           check=True, capture_output=True, text=True).stdout.splitlines()
    version = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    return [line for line in lines if not line.lower().startswith("prefect==")], version


def pins(lines):
    return {line for line in lines if line.strip() and not line.startswith("#")}


def record(output):
    version = pinned_version()
    python = os.environ.get("PREFECT3_PYTHON") or "python3"
    with tempfile.TemporaryDirectory(prefix="prefect3-record-") as venv:
        print("record_constraints: clean install of prefect==%s with %s" % (version, python),
              file=sys.stderr)
        subprocess.run([python, "-m", "venv", venv], check=True)
        subprocess.run([os.path.join(venv, "bin", "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", "--no-input", "prefect==" + version],
                       check=True)
        lines, python_version = freeze(venv)
    header = [
        "# Versions pinned for scripts/prefect3-venv (pip install prefect==%s -c this file)," % version,
        "# from a clean install of prefect %s (Python %s, %s %s). Changing this file" % (
            version, python_version, platform.system(), platform.machine()),
        "# makes scripts/prefect3-venv rebuild the venv.",
    ]
    with open(output, "w") as f:
        f.write("\n".join(header + lines) + "\n")
    print("record_constraints: %d pins written to %s" % (len(lines), output), file=sys.stderr)


def check():
    venv = subprocess.run(["bash", SCRIPT], check=True, stdout=subprocess.PIPE,
                          text=True).stdout.strip().splitlines()[-1]
    with open(KEPT) as f:
        kept = pins(f.read().splitlines())
    have = pins(freeze(venv)[0])
    for line in sorted(kept - have):
        print("pinned, not in the venv:", line)
    for line in sorted(have - kept):
        print("in the venv, not pinned:", line)
    if kept != have:
        sys.exit(1)
    print("record_constraints: the venv %s has exactly the %d pins" % (venv, len(kept)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--output", default=KEPT)
    args = ap.parse_args()
    check() if args.check else record(args.output)


if __name__ == "__main__":
    main()
