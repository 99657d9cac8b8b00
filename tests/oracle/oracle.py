#!/usr/bin/env python3
"""The oracle: what Prefect 0.5.3's Secret(name).get() answers for each conformance case.

    python3 tests/oracle/oracle.py CASES.json                        # print Prefect's outcomes
    python3 tests/oracle/oracle.py CASES.json --write-expected OUT.json
    python3 tests/oracle/oracle.py CASES.json --lib target/release/libprefect_secrets.so
        [--only ID] [--path local|server] [--jobs N] [--verbose]

Each case runs in a fresh process of the real Prefect 0.5.3 (prefect_worker.py, in a venv
built on first use from requirements.txt), with only PATH, LANG=C.UTF-8, HOME and the case's
`env` in its environment, an empty working directory, the case's `user_config` and
`credentials` under HOME/.prefect, and, for a case with `server`, a fresh GraphQL server on
127.0.0.1 answering the case's script in order. `{HOME}` and `{SERVER}` in the case are
replaced by that HOME and that server's URL first, and put back in the outcome recorded.

--write-expected writes the outcomes in the format of tests/conformance/*expected.json.
--lib also runs each case through the library's C ABI (lib_worker.py) in a process of its
own with its own HOME and server, compares, and ends with "N passed, M failed" (exit 1 when
any failed).

Environment: PREFECT_SECRETS_ORACLE_VENV moves the venv (default
~/.cache/prefect-secrets-oracle); PREFECT_SECRETS_ORACLE_PYTHON is the Python that builds it
(default: the one running this; the expected files were recorded with Python 3.11).
"""
import argparse
import concurrent.futures
import fcntl
import hashlib
import http.server
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
PINS = os.path.join(HERE, "requirements.txt")
VENV = os.environ.get("PREFECT_SECRETS_ORACLE_VENV") or os.path.join(
    os.path.expanduser("~"), ".cache", "prefect-secrets-oracle")
RECORDED_WITH = "3.11"  # the Python of the reference machine: json, int and recursion limits
TIMEOUT = 60


def note(text):
    print("oracle: " + text, file=sys.stderr, flush=True)


def reference_python():
    """The venv's Python, with Prefect 0.5.3; (re)built when requirements.txt changes."""
    with open(PINS, "rb") as f:
        stamp = "requirements.txt sha256 " + hashlib.sha256(f.read()).hexdigest()
    python = os.path.join(VENV, "bin", "python")
    marker = os.path.join(VENV, ".oracle-ready")

    def ready():
        try:
            with open(marker) as f:
                return f.read() == stamp and os.path.exists(python)
        except OSError:
            return False

    if not ready():
        os.makedirs(os.path.dirname(VENV) or ".", exist_ok=True)
        with open(VENV + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time
            if not ready():
                builder = os.environ.get("PREFECT_SECRETS_ORACLE_PYTHON") or sys.executable
                note("building the reference venv %s with %s" % (VENV, builder))
                shutil.rmtree(VENV, ignore_errors=True)
                subprocess.run([builder, "-m", "venv", VENV], check=True, stdout=sys.stderr)
                subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-input",
                                "--disable-pip-version-check", "--no-deps", "-r", PINS],
                               check=True, stdout=sys.stderr)
                with open(marker, "w") as f:
                    f.write(stamp)
    with open(os.path.join(VENV, "pyvenv.cfg")) as f:
        version = re.search(r"^version(?:_info)?\s*=\s*(\S+)", f.read(), re.M)
    if version and not version.group(1).startswith(RECORDED_WITH + "."):
        note("WARNING: the venv has Python %s; the expected outcomes were recorded with "
             "Python %s, and some depend on it" % (version.group(1), RECORDED_WITH))
    return python


class Loopback(http.server.ThreadingHTTPServer):
    """A GraphQL server on 127.0.0.1 answering a case's `server` script: `responses` in
    order (then HTTP 500), `refresh` for any path ending in /refresh_token. Logs what each
    request asked, as the expected files record it."""

    def __init__(self, script):
        super().__init__(("127.0.0.1", 0), Answer)
        self.replies = list(script.get("responses", []))
        self.refresh = script.get("refresh", {"status": 200, "body": {"token": "refreshed-token"}})
        self.log = []
        self.url = "http://127.0.0.1:%d" % self.server_port
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def close(self):
        if self.url:
            self.shutdown()
            self.server_close()
            self.url = None


class Answer(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        loopback, path = self.server, self.path.rstrip("/")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(body or b"null")
        except ValueError:
            body = None
        variables = body.get("variables") if isinstance(body, dict) else None
        if isinstance(variables, str):  # Prefect 0.5.3 sends them as a JSON string
            try:
                variables = json.loads(variables)
            except ValueError:
                pass
        loopback.log.append({"method": self.command, "path": path,
                             "authorization": self.headers.get("Authorization"),
                             "variables": variables})
        if path.endswith("/refresh_token"):
            reply = loopback.refresh
        else:
            reply = loopback.replies.pop(0) if loopback.replies else {"status": 500, "raw": ""}
        payload = reply["raw"] if "raw" in reply else json.dumps(reply.get("body"))
        payload = payload.encode()
        self.send_response(reply.get("status", 200))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST

    def log_message(self, *args):
        pass


def replace(obj, pairs):
    """Replaces each (old, new) in every string of obj, keys excepted."""
    if isinstance(obj, str):
        for old, new in pairs:
            obj = obj.replace(old, new)
        return obj
    if isinstance(obj, list):
        return [replace(item, pairs) for item in obj]
    if isinstance(obj, dict):
        return {key: replace(item, pairs) for key, item in obj.items()}
    return obj


def run(argv, case):
    """Runs the case in a fresh process of argv: (outcome, its {HOME}/{SERVER} marks)."""
    scratch = tempfile.mkdtemp(prefix="prefect-secrets-oracle-")
    server = Loopback(case["server"]) if "server" in case else None
    try:
        home, cwd = os.path.join(scratch, "home"), os.path.join(scratch, "cwd")
        os.makedirs(home)
        os.makedirs(cwd)
        marks = [("{HOME}", home)] + ([("{SERVER}", server.url)] if server else [])
        case = replace(case, marks)
        for key, where in [("user_config", ".prefect/config.toml"),
                           ("credentials", ".prefect/.credentials/auth_token")]:
            if case.get(key) is not None:
                path = os.path.join(home, where)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(case[key])
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "HOME": home, **case.get("env", {})}
        try:
            done = subprocess.run(argv, input=json.dumps(case), capture_output=True, text=True,
                                  env=env, cwd=cwd, timeout=TIMEOUT)
            lines = done.stdout.strip().splitlines()
            outcome = json.loads(lines[-1]) if lines else {
                "status": "crash",
                "message": "exit %d: %s" % (done.returncode, done.stderr[-400:])}
        except subprocess.TimeoutExpired:
            outcome = {"status": "crash", "message": "no answer in %d s" % TIMEOUT}
        if server:
            server.close()
            outcome["requests"] = server.log
        return outcome, marks
    finally:
        if server:
            server.close()  # again, after an exception: a second close does nothing
        shutil.rmtree(scratch, ignore_errors=True)


def recorded(outcome, marks):
    """The outcome as the expected files keep it: {HOME} and {SERVER} put back, and object
    addresses in messages (different in every run) blanked."""
    outcome = replace(outcome, [(value, mark) for mark, value in marks])
    if "message" in outcome:
        outcome["message"] = re.sub(r" at 0x[0-9a-f]+", " at 0x...", outcome["message"])
    return outcome


def same(a, b):
    """Python value equality keeping bool/int/float apart, NaN equal to NaN, -0.0 not 0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    return a == b


def disagreement(want, got):
    """None when the library's outcome agrees with Prefect's, else why not."""
    if got["status"] == "crash":
        return "the library's worker crashed: " + got["message"]
    if want["status"] == "crash":
        return "Prefect's worker crashed: " + want["message"]
    if want.get("error") == "recursion":  # Python's recursion limit: no parity expected
        return None if got["status"] in ("value", "error") else "deep nesting gave " + got["status"]
    if (got["status"], got.get("error")) != (want["status"], want.get("error")):
        return "%s %s (%s), expected %s %s (%s)" % (
            got["status"], got.get("error", ""), got.get("message", ""),
            want["status"], want.get("error", ""), want.get("message", ""))
    if want["status"] == "value":
        value = json.loads(want["json"])
        try:
            if not same(json.loads(got["json_bytes"]), value):
                return "secret_get_json %.120r, expected %.120s" % (got["json_bytes"], want["json"])
        except ValueError:
            return "secret_get_json wrote invalid JSON: %.80r" % got["json_bytes"]
        if got["raw_status"] != "value":
            return "secret_get said %s where secret_get_json found a value" % got["raw_status"]
        raw = bytes.fromhex(got["raw_bytes_hex"])
        if isinstance(value, str):
            # Lone surrogates are checked by tests/golden.rs (WTF-8), not here.
            if not any(0xD800 <= ord(c) <= 0xDFFF for c in value) and raw != value.encode():
                return "secret_get %.80r, expected the string itself" % raw
        else:
            try:
                if not same(json.loads(raw), value):
                    return "secret_get %.80r, expected JSON of %.80s" % (raw, want["json"])
            except ValueError:
                return "secret_get %.80r is not JSON" % raw
    asked, expected = got.get("requests", []), want.get("requests", [])
    if asked[:len(expected)] != expected or len(asked) > 2 * len(expected):
        return "requests %.300s, expected %.300s" % (json.dumps(asked), json.dumps(expected))
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases")
    ap.add_argument("--write-expected", metavar="OUT.json")
    ap.add_argument("--lib", help="also run the cases through this libprefect_secrets and compare")
    ap.add_argument("--only", metavar="ID", help="just the case with this id")
    ap.add_argument("--path", choices=["local", "server"],
                    help="only the cases without (local) or with (server) a loopback server")
    ap.add_argument("--jobs", type=int, default=1, help="cases run at once (default 1)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    with open(args.cases, encoding="utf-8") as f:
        cases = json.load(f)
    cases = [c for c in cases if args.only in (None, c["id"])
             and args.path in (None, "server" if "server" in c else "local")]
    prefect = [reference_python(), "-I", os.path.join(HERE, "prefect_worker.py")]
    lib = args.lib and [sys.executable, "-I", os.path.join(HERE, "lib_worker.py"),
                        os.path.abspath(args.lib)]

    def one(case):
        want = recorded(*run(prefect, case))
        if not lib:
            return want, None
        got, marks = run(lib, case)
        return want, disagreement(replace(want, marks), got)

    failed = 0
    outcomes = []
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        for case, (want, why) in zip(cases, pool.map(one, cases)):
            outcomes.append({"id": case["id"], "expected": want})
            if not lib:
                if not args.write_expected or args.verbose:
                    print(case["id"], json.dumps(want), flush=True)
            elif why:
                failed += 1
                print("FAIL ", case["id"], "-", why, flush=True)
            elif args.verbose:
                print("ok   ", case["id"], flush=True)
    crashed = [o["id"] for o in outcomes if o["expected"]["status"] == "crash"]
    if args.write_expected and crashed:
        note("Prefect gave no answer for %s: %s not written" % (", ".join(crashed),
                                                            args.write_expected))
        sys.exit(2)
    if args.write_expected:
        with open(args.write_expected, "w", encoding="utf-8") as f:
            json.dump(outcomes, f, indent=1, ensure_ascii=True)
            f.write("\n")
        note("wrote %d outcomes to %s" % (len(outcomes), args.write_expected))
    if lib:
        print("%d passed, %d failed" % (len(cases) - failed, failed))
        sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
