"""Runs a real Prefect 3 server on 127.0.0.1 for tests/prefect3_server.rs.

    <venv>/bin/python tests/prefect3/server.py --home DIR [--timeout SECONDS] [--remove-home]

Starts, in a fresh PREFECT_HOME (DIR/home, its own SQLite database):

    PREFECT_HOME=... PREFECT_SERVER_ANALYTICS_ENABLED=false PREFECT_SERVER_UI_ENABLED=false \
      prefect server start --host 127.0.0.1 --port <free> --no-ui --analytics-off --no-services

with PREFECT_SERVER_API_AUTH_STRING passed through when the caller sets it. Waits for
`GET /api/health` to answer 200 (it needs no credentials even with an auth string), then
prints ONE JSON line on stdout: {"ready": true, "port": ..., "api_url": ..., "pid": ...,
"log": ...}, or {"ready": false, "error": ..., "log": ...} and exits 1.

Then runs until stdin reaches EOF (the caller closed it, or died) or SIGTERM/SIGINT, and
stops the server: SIGTERM, then SIGKILL after 15 s. The server's output goes to
DIR/server.log; this script's own notes go to stderr. No secret value passes through here.
With --remove-home, DIR is deleted once the server has stopped on request (so nothing is
left behind even when the test process was killed); after a failure it stays for the logs.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

STOP = threading.Event()


def note(msg):
    print(f"prefect3/server.py: {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(port):
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/health", timeout=2
        ) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError):
        return False


def stop(proc):
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        note(f"server {proc.pid} ignored SIGTERM for 15 s: SIGKILL")
        proc.kill()
        proc.wait()


def start(args, log):
    """One attempt: (proc, port), or (None, why) if the server exited or never got healthy."""
    port = free_port()
    prefect = os.path.join(os.path.dirname(sys.executable), "prefect")
    env = dict(os.environ)
    env.update(
        PREFECT_HOME=os.path.join(args.home, "home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_UI_ENABLED="false",
    )
    cmd = [
        prefect, "server", "start",
        "--host", "127.0.0.1", "--port", str(port),
        "--no-ui", "--analytics-off", "--no-services",
    ]
    log.write(f"\n$ {' '.join(cmd)}  (auth string: "
              f"{'set' if env.get('PREFECT_SERVER_API_AUTH_STRING') else 'none'})\n")
    log.flush()
    proc = subprocess.Popen(
        cmd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline and not STOP.is_set():
        if proc.poll() is not None:
            return None, f"the server exited with status {proc.returncode} before it was healthy"
        if healthy(port):
            return proc, port
        time.sleep(0.25)
    stop(proc)
    return None, f"the server was not healthy after {args.timeout} s"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", required=True)
    ap.add_argument("--timeout", type=float, default=90.0)
    ap.add_argument("--remove-home", action="store_true")
    args = ap.parse_args()
    status = serve(args)
    # Only after a requested stop: when the server failed, the caller shows its log.
    if args.remove_home and STOP.is_set():
        shutil.rmtree(args.home, ignore_errors=True)
    return status


def serve(args):
    os.makedirs(args.home, exist_ok=True)
    log_path = os.path.join(args.home, "server.log")

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: STOP.set())

    def watch_stdin():
        try:
            # os.read, not sys.stdin: a daemon thread blocked in a buffered read
            # aborts the interpreter's shutdown.
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        finally:
            STOP.set()

    threading.Thread(target=watch_stdin, daemon=True).start()

    began = time.monotonic()
    with open(log_path, "a", encoding="utf-8") as log:
        proc, why = None, "stopped before start"
        # The free port can be taken between the probe and the server's bind: retry.
        for attempt in range(3):
            if STOP.is_set():
                break
            proc, got = start(args, log)
            if proc is not None:
                break
            why = got
            note(f"attempt {attempt + 1}: {why}")
            if "not healthy" in why:
                break
        if proc is None:
            print(json.dumps({"ready": False, "error": why, "log": log_path}), flush=True)
            return 1
        port = got
        note(f"server pid {proc.pid} healthy on port {port} after "
             f"{time.monotonic() - began:.1f} s (log: {log_path})")
        print(json.dumps({
            "ready": True,
            "port": port,
            "api_url": f"http://127.0.0.1:{port}/api",
            "pid": proc.pid,
            "log": log_path,
        }), flush=True)
        while not STOP.wait(0.5):
            if proc.poll() is not None:
                note(f"the server exited on its own with status {proc.returncode}")
                return 1
        stop(proc)
        note(f"server pid {proc.pid} stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
