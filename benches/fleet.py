#!/usr/bin/env python3
"""A fleet against a real Prefect 3 server: prefect-secrets' CLI against Prefect's client.

    python3 benches/fleet.py --venv target/prefect3-venv [--csrf] [--processes 32]
                             [--secrets 50] [--threads 64] [--rounds 5] [--skip-429]

1. Starts a real Prefect 3 server (tests/prefect3/server.py, no auth; CSRF protection at
   Prefect's default, which is off, or on with --csrf) and creates the Secret blocks
   `fleet-0` ... `fleet-<M-1>` with Prefect's own API (tests/prefect3/make_secrets.py):
   plain strings, JSON-looking strings (Prefect's get() decodes them) and dicts. What
   Prefect's `Secret.load(name).get()` returns for each is the expected value.
2. Puts a counting reverse proxy in front of the server (this file, stdlib, threaded,
   HTTP/1.1 keep-alive on both sides, websocket upgrades tunnelled): it counts requests
   by method and route; with 429s injected it answers every second request (one global
   counter) with `429` and `Retry-After: 1` instead of forwarding it. Every client talks
   to the proxy.
3. Scenario A, "library": N processes started together (released by one gate), each
   `prefect-secrets get fleet-0 ... --json` with PREFECT_SECRETS_FLAVOR=prefect-3.
   Scenario B, "Prefect's client": N processes of the venv's python, each
   `Secret.load(name).get()` for every name; and the same processes doing only the
   import, to show what of B is Python and Prefect starting. Both with and without 429s.
   Every output is compared with the expected values: a mismatch is a failure.
4. Scenario C: one process loads the library with ctypes (which releases the GIL in a
   call), turns the cache and the reuse window off, and releases T threads at once on
   `secret_get_alloc("fleet-0")`; the requests for that name are counted, per round.
5. Prints Markdown tables (scenario, processes x secrets, wall time, server requests by
   route, 429s, failures) and the targets with "met".

Exit status: 1 when a value differs from Prefect's, or a process fails with no 429s
injected (a correctness failure); 0 otherwise, also when a speed or count target is
missed (the table says "no"). 2 when the setup (server, blocks, build) fails.

No secret value is printed: a mismatch shows the name, the lengths and hashes.
Everything runs on 127.0.0.1; every process started here (the server included) runs in
its own process group and is killed on exit, error or Ctrl-C.
"""
import argparse
import hashlib
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER_PY = os.path.join(ROOT, "tests", "prefect3", "server.py")
MAKE_SECRETS_PY = os.path.join(ROOT, "tests", "prefect3", "make_secrets.py")

PAGE = 200  # names per POST /block_documents/filter (the server's largest page)
SPEED_TARGET = 10  # times faster than Prefect's client, for the whole fleet
THREADS_TARGET = 2  # requests for one name, T threads at once
PROCESS_TIMEOUT = 900  # seconds for one fleet run, then its processes are killed

FILTER = "POST /api/block_documents/filter"
CSRF = "GET /api/csrf-token"
BY_NAME = "GET /api/block_types/slug/secret/block_documents/name/*"
NAME_ROUTE = re.compile(r"^(/api/block_types/slug/secret/block_documents/name/)([^/?]+)")
SHORT = {FILTER: "filter", CSRF: "csrf-token", BY_NAME: "by name"}

# Prefect's client, run by the venv's python: loads every name, prints {name: value}.
PREFECT_LOAD = r'''
import json, sys
from prefect.blocks.system import Secret
names = sys.argv[1:]
print(json.dumps({name: Secret.load(name).get() for name in names}))
'''
PREFECT_IMPORT_ONLY = "from prefect.blocks.system import Secret"

CHILDREN = []  # every Popen started here, killed (by process group) on exit
CHILDREN_LOCK = threading.Lock()


def log(*args):
    """Progress and notes, on stderr (stdout is the report)."""
    print(*args, file=sys.stderr, flush=True)


# ---- values ----

def secret_values(count):
    """The values to save, by name: a third plain strings (some non-ASCII), a third
    JSON-looking strings (Prefect's get() turns them into objects, lists, numbers), a
    third dicts."""
    values = {}
    for i in range(count):
        token = hashlib.sha256(b"fleet-%d" % i).hexdigest()[:20]
        kind = i % 3
        if kind == 0:
            value = "pw-%s-%s" % (token, "\u00e9\u00df" if i % 2 else "x")
        elif kind == 1:
            value = [json.dumps({"user": "svc-%d" % i, "password": token, "port": 5400 + i}),
                     json.dumps([token, i, True, None]),
                     str(1000 + i)][i % 3]
        else:
            value = {"user": "svc-%d" % i, "password": token,
                     "nested": {"n": i, "ok": True, "ratio": i / 8, "tags": ["a", "b"]}}
        values["fleet-%d" % i] = value
    return values


def canon(value):
    """One text per value, as tests/prefect3/make_secrets.py renders Prefect's get()."""
    return json.dumps(value, separators=(",", ":"))


def fingerprint(text):
    """Length and a short hash: how a value is shown when it differs (never the value)."""
    if text is None:
        return "absent"
    return "%d chars, sha256 %s" % (len(text), hashlib.sha256(text.encode()).hexdigest()[:12])


def compare_values(expected, got):
    """Mismatches between {name: canonical JSON} and {name: value}, as printable lines."""
    problems = []
    if not isinstance(got, dict):
        return ["the output is not one JSON object"]
    for name, want in expected.items():
        have = canon(got[name]) if name in got else None
        if have != want:
            problems.append("%s: expected %s, got %s" % (name, fingerprint(want),
                                                          fingerprint(have)))
    extra = sorted(set(got) - set(expected))
    if extra:
        problems.append("%d names not asked for" % len(extra))
    return problems


# ---- processes ----

def spawn(argv, **kwargs):
    """Popen in a process group of its own, remembered for cleanup."""
    proc = subprocess.Popen(argv, process_group=0, **kwargs)
    with CHILDREN_LOCK:
        CHILDREN.append(proc)
    return proc


def kill_group(proc, grace=3.0):
    """SIGTERM to the child's process group, SIGKILL after `grace` seconds."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def kill_all_children():
    """Kills every process group still running (the server's last: it stops on its own
    when its stdin closes)."""
    with CHILDREN_LOCK:
        procs = list(CHILDREN)
    for proc in reversed(procs):
        kill_group(proc)


def client_env(home, proxy_url):
    """The environment every fleet process gets (both scenarios the same): nothing
    inherited but PATH, a fresh HOME and PREFECT_HOME, the proxy as the API."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": home,
        "PREFECT_HOME": os.path.join(home, ".prefect"),
        "PREFECT_API_URL": proxy_url,
        "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "false",
        "PREFECT_SECRETS_FLAVOR": "prefect-3",
    }


def run_fleet(label, argv, count, workdir, proxy_url):
    """Starts `count` processes of `argv` together and times them.

    Each process waits behind a gate (`sh -c 'read _; exec ...'` on one shared pipe) until
    all are spawned; the clock starts when the gate opens and stops when the last one has
    exited. Each gets its own HOME and PREFECT_HOME (made beforehand). Returns the wall
    time and, per process, (exit status, stdout, the last line of stderr)."""
    gate_r, gate_w = os.pipe()
    procs, files = [], []
    try:
        for i in range(count):
            home = os.path.join(workdir, "%s-%d" % (label, i))
            os.makedirs(os.path.join(home, ".prefect"), exist_ok=True)
            out = open(os.path.join(home, "stdout"), "w+b")
            err = open(os.path.join(home, "stderr"), "w+b")
            files.append((out, err))
            procs.append(spawn(["/bin/sh", "-c", 'read _ && exec "$@"', "sh"] + argv,
                               stdin=gate_r, stdout=out, stderr=err,
                               env=client_env(home, proxy_url)))
        os.close(gate_r)
        gate_r = None
        start = time.monotonic()
        os.write(gate_w, b"\n" * count)
        os.close(gate_w)
        gate_w = None
        deadline = start + PROCESS_TIMEOUT
        for proc in procs:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                kill_group(proc)
        wall = time.monotonic() - start
        results = []
        for proc, (out, err) in zip(procs, files):
            out.seek(0)
            err.seek(0)
            lines = err.read().decode("utf-8", "replace").strip().splitlines()
            results.append((proc.returncode, out.read().decode("utf-8", "replace"),
                            lines[-1][:300] if lines else ""))
        return wall, results
    finally:
        for fd in (gate_r, gate_w):
            if fd is not None:
                os.close(fd)
        for proc in procs:
            kill_group(proc)
        for out, err in files:
            out.close()
            err.close()


# ---- the counting proxy ----

class Counts:
    """Requests seen by the proxy: forwarded ones by route (and by name for single
    gets), and the ones it answered with 429 itself."""

    def __init__(self):
        self.lock = threading.Lock()
        self.every_second_429 = False
        self.reset()

    def reset(self):
        """Starts counting afresh (the 429 alternation starts afresh too)."""
        with self.lock:
            self.seen = 0
            self.routes = {}
            self.names = {}
            self.rejected = 0

    def admit(self, route, name):
        """Counts one request; False when the proxy must answer it with a 429."""
        with self.lock:
            self.seen += 1
            if self.every_second_429 and self.seen % 2 == 0:
                self.rejected += 1
                return False
            self.routes[route] = self.routes.get(route, 0) + 1
            if name is not None:
                self.names[name] = self.names.get(name, 0) + 1
            return True

    def snapshot(self):
        """(forwarded by route, forwarded by name, answered 429) so far."""
        with self.lock:
            return dict(self.routes), dict(self.names), self.rejected


def route_of(method, target):
    """(the route counted for a request, the secret's name for a single get)."""
    path = target.split("?", 1)[0]
    m = NAME_ROUTE.match(path)
    if m:
        return BY_NAME.replace("GET", method, 1), m.group(2)
    return "%s %s" % (method, path), None


HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
              "trailer", "upgrade", "content-length"}


class ProxyHandler(BaseHTTPRequestHandler):
    """One client connection, kept alive; its own kept-alive connection to the server."""

    protocol_version = "HTTP/1.1"
    timeout = 120  # an idle client connection is closed after this

    def setup(self):
        super().setup()
        self.upstream = None

    def finish(self):
        if self.upstream is not None:
            self.upstream.close()
        super().finish()

    def log_message(self, *args):
        pass

    def read_body(self):
        """The request body (Content-Length or chunked), or b""."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def reply(self, status, reason, headers, body):
        """Sends a response with a Content-Length, keeping the connection open."""
        self.send_response_only(status, reason)
        for k, v in headers:
            self.send_header(k, v)
        if status >= 200 and status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def forward(self):
        body = self.read_body()
        route, name = route_of(self.command, self.path)
        if not self.server.counts.admit(route, name):
            self.reply(429, "Too Many Requests",
                       [("Retry-After", "1"), ("Content-Type", "application/json")],
                       b'{"detail":"fleet bench: every second request is refused"}')
            return
        if "upgrade" in self.headers.get("Connection", "").lower():
            self.tunnel(body)
            return
        for attempt in (1, 2):
            if self.upstream is None:
                self.upstream = http.client.HTTPConnection(*self.server.upstream, timeout=120)
            try:
                self.upstream.putrequest(self.command, self.path, skip_host=True,
                                         skip_accept_encoding=True)
                for k, v in self.headers.items():
                    if k.lower() not in HOP_BY_HOP:
                        self.upstream.putheader(k, v)
                if body or self.command in ("POST", "PUT", "PATCH"):
                    self.upstream.putheader("Content-Length", str(len(body)))
                self.upstream.endheaders(body or None)
                resp = self.upstream.getresponse()
                data = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionError, BrokenPipeError):
                # The server closed a kept-alive connection: once more on a new one.
                self.upstream.close()
                self.upstream = None
                if attempt == 2:
                    raise
        if resp.will_close:
            self.upstream.close()
            self.upstream = None
        self.reply(resp.status, resp.reason,
                   [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP],
                   data)

    def tunnel(self, body):
        """A websocket upgrade (Prefect's events client): relayed as it is, then the two
        sockets are joined until either side closes."""
        up = socket.create_connection(self.server.upstream, timeout=120)
        head = "%s %s %s\r\n" % (self.command, self.path, self.request_version)
        head += "".join("%s: %s\r\n" % (k, v) for k, v in self.headers.items())
        up.sendall(head.encode("latin-1") + b"\r\n" + body)
        down = self.connection
        try:
            while True:
                ready, _, _ = select.select([down, up], [], [], 120)
                if not ready:
                    break
                for src in ready:
                    data = src.recv(65536)
                    if not data:
                        return
                    (up if src is down else down).sendall(data)
        except OSError:
            pass
        finally:
            up.close()
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = forward


class CountingProxy(ThreadingHTTPServer):
    """The proxy, on 127.0.0.1 at a free port, serving from a thread of its own."""

    daemon_threads = True
    request_queue_size = 512  # a fleet connects at once: no SYN drops (1 s retransmits)

    def __init__(self, upstream_port):
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.upstream = ("127.0.0.1", upstream_port)
        self.counts = Counts()
        self.url = "http://127.0.0.1:%d/api" % self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def handle_error(self, request, client_address):
        """A client that went away (killed on Ctrl-C) is no error; anything else is."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def stop(self):
        self.shutdown()
        self.server_close()


# ---- the Prefect server and its blocks ----

class PrefectServer:
    """tests/prefect3/server.py in its own process group; stops when its stdin closes."""

    def __init__(self, venv_python, workdir, csrf):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        if csrf:
            env["PREFECT_SERVER_CSRF_PROTECTION_ENABLED"] = "true"
        self.dir = os.path.join(workdir, "server")
        self.helper_log = open(os.path.join(workdir, "server-helper.log"), "wb")
        self.proc = spawn([venv_python, SERVER_PY, "--home", self.dir, "--timeout", "120"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=self.helper_log, env=env)
        ready, _, _ = select.select([self.proc.stdout], [], [], 150)
        line = self.proc.stdout.readline() if ready else b""
        info = json.loads(line) if line.strip() else {"ready": False, "error": "no answer"}
        if not info.get("ready"):
            self.stop()
            raise SetupError("the Prefect server did not start: %s (log: %s)"
                             % (info.get("error"), info.get("log")))
        self.api_url, self.port = info["api_url"], info["port"]

    def stop(self):
        """Closes the helper's stdin (it stops the server), then kills what is left."""
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            pass
        kill_group(self.proc)
        self.helper_log.close()


class SetupError(Exception):
    """The server, the blocks or the build are not there: nothing was measured."""


def make_blocks(venv_python, api_url, values, workdir):
    """Saves the values as Secret blocks with Prefect's API (straight to the server, not
    through the proxy) and returns what Prefect's get() gives for each, canonical."""
    home = os.path.join(workdir, "make-secrets")
    os.makedirs(home, exist_ok=True)
    env = client_env(home, api_url)
    request = {"save": [{"name": n, "value": v} for n, v in values.items()],
               "load": list(values)}
    proc = subprocess.run([venv_python, MAKE_SECRETS_PY], input=json.dumps(request),
                          capture_output=True, text=True, env=env, timeout=600)
    if proc.returncode != 0:
        raise SetupError("make_secrets.py failed: %s" % proc.stderr.strip()[-500:])
    reply = json.loads(proc.stdout)
    expected = {}
    for name, entry in reply["loaded"].items():
        if not entry.get("found"):
            raise SetupError("Prefect cannot load %s back: %s" % (name, entry.get("error")))
        expected[name] = entry["json"]
    return reply["prefect_version"], expected


# ---- scenarios ----

def fleet_scenario(label, argv, count, workdir, proxy, expected):
    """Runs one fleet through the proxy and checks every output against `expected`
    (None: nothing to check). Returns a result row."""
    proxy.counts.reset()
    wall, results = run_fleet(label, argv, count, workdir, proxy.url)
    routes, _, rejected = proxy.counts.snapshot()
    failures, mismatches, notes = 0, 0, []
    for i, (status, out, err) in enumerate(results):
        if status != 0:
            failures += 1
            notes.append("process %d exited %s: %s" % (i, status, err))
            continue
        if expected is None:
            continue
        try:
            got = json.loads(out)
        except ValueError:
            got = None
        problems = compare_values(expected, got)
        if problems:
            failures += 1
            mismatches += 1
            notes.append("process %d: %d values differ from Prefect's: %s"
                         % (i, len(problems), "; ".join(problems[:3])))
    log("  %s: %d x, %.2f s, failures %d, 429s %d, %s" % (
        label, count, wall, failures, rejected, routes))
    for n in notes[:5]:
        log("    " + n)
    return {"label": label, "processes": count, "wall": wall, "routes": routes,
            "rejected": rejected, "failures": failures, "mismatches": mismatches,
            "notes": notes}


THREADS_CHILD = r'''
import ctypes, json, sys, threading, time
params = json.loads(sys.stdin.readline())
lib = ctypes.CDLL(params["lib"])
lib.secret_get_alloc.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p),
                                 ctypes.POINTER(ctypes.c_size_t)]
lib.secret_free.argtypes = [ctypes.c_void_p]
lib.secret_config_set.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
for key in (b"cache_ttl", b"reuse_window"):
    status = lib.secret_config_set(key, b"0")
    if status != 0:
        sys.exit("secret_config_set(%r, \"0\") returned %d" % (key, status))
want = json.loads(params["expected"])
name = params["name"].encode()

def matches(text):
    if isinstance(want, str):
        return text == want
    return json.dumps(json.loads(text), separators=(",", ":")) == params["expected"]

print("ready", flush=True)
for line in sys.stdin:
    barrier = threading.Barrier(params["threads"])
    outcome = []
    def one():
        out, n = ctypes.c_void_p(), ctypes.c_size_t()
        barrier.wait()
        status = lib.secret_get_alloc(name, ctypes.byref(out), ctypes.byref(n))
        ok = status == 0 and matches(ctypes.string_at(out.value, n.value).decode())
        if out.value:
            lib.secret_free(out)
        outcome.append((status, ok))
    threads = [threading.Thread(target=one) for _ in range(params["threads"])]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"wall": time.monotonic() - start,
                      "statuses": sorted({s for s, _ in outcome}),
                      "wrong": sum(1 for _, ok in outcome if not ok)}), flush=True)
'''


def threads_scenario(lib, name, expected, threads, rounds, workdir, proxy):
    """Scenario C: one process, `threads` threads released at once on one name, cache and
    reuse window off; the server requests for that name, per round."""
    home = os.path.join(workdir, "threads")
    os.makedirs(os.path.join(home, ".prefect"), exist_ok=True)
    proc = spawn([sys.executable, "-c", THREADS_CHILD], stdin=subprocess.PIPE,
                 stdout=subprocess.PIPE, env=client_env(home, proxy.url), text=True)
    try:
        proc.stdin.write(json.dumps({"lib": lib, "name": name, "expected": expected,
                                     "threads": threads}) + "\n")
        proc.stdin.flush()
        if proc.stdout.readline().strip() != "ready":
            raise SetupError("the ctypes child did not start (exit %s)" % proc.wait(10))
        per_round = []
        for _ in range(rounds):
            proxy.counts.reset()
            proc.stdin.write("go\n")
            proc.stdin.flush()
            result = json.loads(proc.stdout.readline())
            routes, names, rejected = proxy.counts.snapshot()
            result.update(requests=names.get(name, 0), routes=routes)
            per_round.append(result)
            log("  threads: %d on %s: %d requests, %.3f s, statuses %s, wrong %d" % (
                threads, name, result["requests"], result["wall"], result["statuses"],
                result["wrong"]))
        return per_round
    finally:
        if proc.stdin and not proc.stdin.closed:
            proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            kill_group(proc)


# ---- the report ----

def routes_text(routes):
    """`filter 32, csrf-token 32, GET /api/admin/version 3`: the routes, known ones short."""
    if not routes:
        return "0"
    order = sorted(routes, key=lambda r: (r not in SHORT, -routes[r], r))
    return ", ".join("%s %d" % (SHORT.get(r, r), routes[r]) for r in order)


def yes_no(ok):
    return "yes" if ok else "**no**"


def report(args, runs, import_only, threads_rounds, alone, provenance):
    """The Markdown tables: the fleets, scenario C, then the targets."""
    csrf = "on" if args.csrf else "off (Prefect's default)"
    print("Fleet against Prefect %s's server (CSRF protection %s), %s, commit %s, %d CPUs, "
          "load average %s" % (provenance["prefect"], csrf, provenance["date"],
                               provenance["commit"], os.cpu_count(), provenance["load"]))
    print()
    print("| scenario | processes x secrets | 429s injected | wall time | server requests "
          "(by route) | answered 429 by the proxy | failures |")
    print("|---|---|---|---|---|---|---|")
    rows = [(r, inj) for inj, pair in runs for r in pair]
    if import_only:
        rows.insert(2, (import_only, False))
    for r, injected in rows:
        print("| %s | %d x %d | %s | %.2f s | %s | %d | %d |" % (
            r["title"], r["processes"], r["secrets"], "every 2nd" if injected else "no",
            r["wall"], routes_text(r["routes"]), r["rejected"], r["failures"]))
    if threads_rounds:
        worst = max(r["requests"] for r in threads_rounds)
        print("| C: %d threads on one name, one process (ctypes, cache and reuse window "
              "off), %d rounds | 1 x 1 | no | %s s per round | requests for `fleet-0`: %s "
              "(max %d) | 0 | %d |" % (
                  args.threads, len(threads_rounds),
                  "/".join("%.3f" % r["wall"] for r in threads_rounds),
                  "/".join(str(r["requests"]) for r in threads_rounds), worst,
                  sum(r["wrong"] for r in threads_rounds)))
    print()
    print("| target | measured | met |")
    print("|---|---|---|")
    pages = -(-args.secrets // PAGE)
    for injected, (lib, pre) in runs:
        tag = " (every 2nd request 429)" if injected else ""
        n = lib["processes"]
        filt = lib["routes"].get(FILTER, 0) / n
        token = lib["routes"].get(CSRF, 0) / n
        other = sum(v for k, v in lib["routes"].items() if k not in (FILTER, CSRF))
        print("| <= 1 request per %d names per process, + a CSRF token request%s | "
              "%.2f filter + %.2f csrf-token per process, %d other (%d names: %d page%s) "
              "| %s |" % (PAGE, tag, filt, token, other, args.secrets, pages,
                          "s" if pages > 1 else "", yes_no(filt <= pages and token <= 1
                                                           and other == 0)))
        ratio = pre["wall"] / lib["wall"]
        print("| >= %dx faster than Prefect's client for the fleet%s | %.1fx (%.2f s vs "
              "%.2f s) | %s |" % (SPEED_TARGET, tag, ratio, lib["wall"], pre["wall"],
                                  yes_no(ratio >= SPEED_TARGET)))
        if injected:
            print("| 0 failures under 429s | library %d of %d, Prefect's client %d of %d | "
                  "%s |" % (lib["failures"], n, pre["failures"], pre["processes"],
                            yes_no(lib["failures"] == 0)))
    if threads_rounds:
        worst = max(r["requests"] for r in threads_rounds)
        print("| %d threads on one name <= %d requests | max %d over %d rounds | %s |" % (
            args.threads, THREADS_TARGET, worst, len(threads_rounds),
            yes_no(worst <= THREADS_TARGET)))
    if import_only:
        print()
        print("Prefect's client wall times include starting Python and importing Prefect "
              "in each process: %d processes doing only `%s` took %.2f s." % (
                  import_only["processes"], PREFECT_IMPORT_ONLY, import_only["wall"]))
    print("One process alone (the warm-up, no 429s): library %.2f s, Prefect's client %.2f s."
          % (alone["lib"]["wall"], alone["pre"]["wall"]))
    print("Routes: filter = `%s`, csrf-token = `%s`, by name = `%s`." % (FILTER, CSRF, BY_NAME))


def provenance(venv_prefect):
    """Commit, date, load average: what the report was measured on."""
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "src",
                            "Cargo.toml", "Cargo.lock"], capture_output=True,
                           text=True).stdout.strip()
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    return {"commit": commit + (" + uncommitted changes to src" if dirty else ""),
            "date": time.strftime("%Y-%m-%d"), "load": load, "prefect": venv_prefect}


# ---- main ----

def measure(args, workdir):
    """Sets everything up, runs the scenarios, prints the report; the exit status."""
    target = args.target_dir or os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    cli = os.path.join(target, "release", "prefect-secrets")
    lib = os.path.join(target, "release", "libprefect_secrets.so")
    venv_python = os.path.join(os.path.abspath(args.venv), "bin", "python")
    for path in (cli, lib, venv_python):
        if not os.path.exists(path):
            raise SetupError("%s is missing (cargo build --release; scripts/prefect3-venv)"
                             % path)

    log("starting a Prefect 3 server (CSRF protection %s)" % ("on" if args.csrf else "default"))
    server = PrefectServer(venv_python, workdir, args.csrf)
    proxy = None
    try:
        names = ["fleet-%d" % i for i in range(args.secrets)]
        log("server at %s; creating %d Secret blocks" % (server.api_url, len(names)))
        version, expected = make_blocks(venv_python, server.api_url,
                                        secret_values(args.secrets), workdir)
        proxy = CountingProxy(server.port)
        log("proxy at %s" % proxy.url)
        scenarios = [
            ("A: library (`prefect-secrets get ... --json`)", "lib",
             [cli, "get"] + names + ["--json"], expected),
            ("B: Prefect's client (`Secret.load(name).get()`, wall includes import)", "pre",
             [venv_python, "-c", PREFECT_LOAD] + names, expected),
        ]
        # Warm-up (not in the tables): one process of each, alone, so files are in the
        # page cache; its time is what one process takes without a fleet around it.
        alone = {}
        runs, mismatches, clean_failures = [], 0, 0
        for _, label, argv, exp in scenarios:
            alone[label] = fleet_scenario("warmup-" + label, argv, 1, workdir, proxy, exp)
            mismatches += alone[label]["mismatches"]
            clean_failures += alone[label]["failures"]
        for injected in ([False] if args.skip_429 else [False, True]):
            proxy.counts.every_second_429 = injected
            log("fleets, %s429s" % ("every second request " if injected else "no "))
            pair = []
            for title, label, argv, exp in scenarios:
                r = fleet_scenario("%s-%s" % (label, "429" if injected else "ok"), argv,
                                   args.processes, workdir, proxy, exp)
                r.update(title=title, secrets=args.secrets)
                pair.append(r)
                mismatches += r["mismatches"]
                if not injected:
                    clean_failures += r["failures"]
            runs.append((injected, pair))
        proxy.counts.every_second_429 = False

        import_only = fleet_scenario("import", [venv_python, "-c", PREFECT_IMPORT_ONLY],
                                     args.processes, workdir, proxy, None)
        import_only.update(title="B0: Prefect's client, import only", secrets=0)

        threads_rounds = []
        if args.threads:
            log("%d threads on fleet-0, %d rounds" % (args.threads, args.rounds))
            threads_rounds = threads_scenario(lib, names[0], expected[names[0]],
                                              args.threads, args.rounds, workdir, proxy)
            mismatches += sum(r["wrong"] for r in threads_rounds)

        report(args, runs, import_only, threads_rounds, alone, provenance(version))
    finally:
        if proxy is not None:
            proxy.stop()
        server.stop()

    if mismatches or clean_failures:
        log("FAILED: %d wrong values, %d processes failed with no 429s injected"
            % (mismatches, clean_failures))
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--venv", required=True,
                    help="the Prefect 3.9.1 venv (scripts/prefect3-venv makes it)")
    ap.add_argument("--csrf", action="store_true",
                    help="PREFECT_SERVER_CSRF_PROTECTION_ENABLED=true on the server")
    ap.add_argument("--processes", type=int, default=32, help="processes per fleet (32)")
    ap.add_argument("--secrets", type=int, default=50, help="Secret blocks (50)")
    ap.add_argument("--threads", type=int, default=64,
                    help="threads on one name in scenario C (64; 0 skips it)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of scenario C (5)")
    ap.add_argument("--skip-429", action="store_true",
                    help="only the fleets without injected 429s")
    ap.add_argument("--target-dir", help="cargo's target directory (default: "
                    "$CARGO_TARGET_DIR, else target/)")
    args = ap.parse_args()
    if args.processes < 1 or args.secrets < 1:
        ap.error("--processes and --secrets must be at least 1")

    # Ctrl-C, SIGTERM and SIGHUP end the run through the cleanup below (SIGINT set
    # explicitly: a shell starting this in the background leaves it ignored).
    def interrupted(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupted)

    workdir = tempfile.mkdtemp(prefix="prefect-secrets-fleet-")
    try:
        return measure(args, workdir)
    except SetupError as e:
        log("fleet.py: %s" % e)
        return 2
    except KeyboardInterrupt:
        log("fleet.py: interrupted; stopping every process started")
        return 130
    finally:
        kill_all_children()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
