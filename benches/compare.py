#!/usr/bin/env python3
"""Side by side: prefect-secrets from C against Prefect 0.5.3's own Secret(name).get().

    python3 benches/compare.py [--quick] [--json] [--no-cargo]

1. Builds the C benchmark (`make -C benches/c`; with --no-cargo the library in
   target/release is used as it is) and runs it with --json.
2. Starts the C benchmark's HTTP server (`bench --serve PORT_FILE`) and runs the same
   workloads through Prefect 0.5.3 in Python against it: the reference venv and module
   loading of the repository's oracle (tests/oracle: oracle.py's reference_python(),
   prefect_worker.py's import_prefect()), timed with time.perf_counter_ns in batches,
   medians across batches as on the C side.
3. Prints a table (workload, prefect-secrets, Prefect 0.5.3, how many times faster, the
   target, met?) plus the C side's thread scaling and server/raw-HTTP ratio; --json prints
   everything as one JSON object instead (the tables go to stderr).

The first use installs Prefect 0.5.3 into ~/.cache/prefect-secrets-oracle
(PREFECT_SECRETS_ORACLE_VENV moves it), as tests/oracle/oracle.py does; that takes about
a minute.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORACLE = os.path.join(ROOT, "tests", "oracle")
BENCH = os.path.join(ROOT, "target", "bench-c", "bench")

# The same names and values as benches/c/bench.c.
STRING_VALUE = "hunter2"
OBJECT_VALUE = '{"user": "svc", "password": "p4ss", "port": 5432}'
SERVER_VALUE = "s3cr3t"

LOCAL_TARGET_NS = 200
LOCAL_TARGET_RATIO = 20
SERVER_TARGET_RATIO = 3
SERVER_RAW_TARGET = 1.3
SCALING_TARGET = 1.8  # "close to 2x" with 2 threads
FLAT_KIB = 256  # RSS growth allowed over the whole memory run
MIN_CPU_SHARE = 0.9  # below this, readers competed with other programs for the CPUs

# Runs inside the Prefect 0.5.3 venv; reads its parameters as JSON on stdin and prints
# the results as JSON on its last line of stdout.
DRIVER = r'''
import gc, json, os, sys, time

params = json.load(sys.stdin)
sys.path.insert(0, params["oracle"])
from prefect_worker import import_prefect

prefect, Secret, Flow = import_prefect()
dumps = json.dumps
SEP = (",", ":")
clock = time.perf_counter_ns


def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def dist(samples):
    s = sorted(samples)
    n = len(s)
    median = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    return {"median": median, "p90": s[-(-9 * n // 10) - 1], "min": s[0], "max": s[-1]}


def time_batches(run, expected, plan):
    """ns per call across batches, as time_batches() in benches/c/report.c."""
    warmup, batches, calls = plan
    for _ in range(warmup):
        run(calls)
    samples = []
    for _ in range(batches):
        start = clock()
        value = run(calls)
        samples.append((clock() - start) / calls)
        if value != expected:
            raise SystemExit("unexpected value %r, expected %r" % (value, expected))
    return dist(samples)


# Each loop is written out so that the only work per call is the expression itself.
def get(name):
    def run(calls):
        for _ in range(calls):
            value = Secret(name).get()
        return value
    return run


def get_json(name):
    def run(calls):
        for _ in range(calls):
            value = dumps(Secret(name).get(), separators=SEP)
        return value
    return run


def memory(runs, calls):
    gc.collect()
    before = rss_kib()
    start = clock()
    for run, _ in runs:
        run(calls // len(runs))
    seconds = (clock() - start) / 1e9
    gc.collect()
    after = rss_kib()
    return {"calls": calls // len(runs) * len(runs), "rss_kib_before": before,
            "rss_kib_after": after, "rss_kib_delta": after - before, "seconds": seconds}


obj = json.loads(params["object_value"])
local = {
    "local_string": (get("bench_string"), params["string_value"]),
    "local_string_json": (get_json("bench_string"), dumps(params["string_value"])),
    "local_object": (get("bench_object"), obj),
    "local_object_json": (get_json("bench_object"), dumps(obj, separators=SEP)),
    "miss": (get("bench_missing"), None),
}
server = (get("bench_server"), params["server_value"])

if "secrets" not in prefect.context:
    prefect.context["secrets"] = {}
prefect.context.secrets["bench_string"] = params["string_value"]
prefect.context.secrets["bench_object"] = params["object_value"]
results = {"python": sys.version.split()[0]}
for name, (run, expected) in local.items():
    results[name] = {"unit": "ns/call",
                     "per_call": time_batches(run, expected, params["local_plan"])}
results["memory_local"] = memory(list(local.values()), params["memory_local_calls"])

prefect.config.cloud.use_local_secrets = False
prefect.config.cloud.graphql = "http://127.0.0.1:%d/graphql" % params["port"]
prefect.config.cloud.auth_token = "tok"
d = time_batches(server[0], server[1], params["server_plan"])
results["server"] = {"unit": "us/call", "per_call": {k: v / 1000 for k, v in d.items()}}
results["memory_server"] = memory([server], params["memory_server_calls"])
import logging
results["memory_server"]["client_logger_handlers"] = len(logging.getLogger("Client").handlers)
print(json.dumps(results))
'''


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def provenance():
    """Which library was measured: the commit, uncommitted changes, the build time."""
    def git(*args):
        return subprocess.run(["git", "-C", ROOT, *args], capture_output=True,
                              text=True).stdout
    lib = os.path.join(ROOT, "target", "release", "libprefect_secrets.so")
    changed = [line[3:] for line in git("status", "--porcelain", "--untracked-files=all",
                                        "--", "src", "Cargo.toml", "Cargo.lock").splitlines()]
    built = os.path.getmtime(lib)
    newer = [f for f in changed if os.path.exists(os.path.join(ROOT, f))
             and os.path.getmtime(os.path.join(ROOT, f)) > built]
    return {"commit": git("rev-parse", "--short", "HEAD").strip() or None,
            "uncommitted_changes": changed,
            "changed_after_the_build": newer,
            "library_built": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(built))}


def build(no_cargo):
    cmd = ["make", "-s", "-C", os.path.join(ROOT, "benches", "c")]
    if no_cargo:
        cmd.append("CARGO=:")
    subprocess.run(cmd, check=True, stdout=sys.stderr)


def run_c_bench(quick):
    cmd = [BENCH, "--json"] + (["--quick"] if quick else [])
    log("$ " + " ".join(cmd))
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out)


def on_cpu(cpu):
    """For Popen: run the child on one CPU (None: wherever the scheduler likes)."""
    return None if cpu is None else (lambda: os.sched_setaffinity(0, {cpu}))


class BenchServer:
    """`bench --serve PORT_FILE`: the C benchmark's loopback server, in its own process."""

    def __init__(self, cpu):
        self.cpu = cpu

    def __enter__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="prefect-secrets-compare-")
        port_file = os.path.join(self.dir.name, "port")
        self.proc = subprocess.Popen([BENCH, "--serve", port_file], preexec_fn=on_cpu(self.cpu))
        deadline = time.monotonic() + 10
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("bench --serve did not start")
            time.sleep(0.01)
        with open(port_file) as f:
            self.port = int(f.read())
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait()
        self.dir.cleanup()


def oracle():
    """The Prefect 0.5.3 venv's python, as tests/oracle/oracle.py makes it."""
    sys.path.insert(0, ORACLE)
    try:
        import oracle as reference
    finally:
        sys.path.remove(ORACLE)
    # A first use runs venv and pip, which print on stdout: keep stdout for --json.
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        return reference.reference_python()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def run_prefect(quick, port, cpu):
    py = oracle()
    params = {
        "oracle": ORACLE, "port": port,
        "string_value": STRING_VALUE, "object_value": OBJECT_VALUE, "server_value": SERVER_VALUE,
        # (warm-up batches, batches, calls per batch)
        "local_plan": (2, 10, 2000) if quick else (3, 30, 5000),
        "server_plan": (1, 10, 10) if quick else (2, 20, 25),
        "memory_local_calls": 100000,
        "memory_server_calls": 500 if quick else 2000,
    }
    with tempfile.TemporaryDirectory(prefix="prefect053-bench-home-") as home:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": home}
        log("$ %s -c DRIVER  (Prefect 0.5.3, server port %d)" % (py, port))
        proc = subprocess.run([py, "-c", DRIVER], input=json.dumps(params), env=env,
                              capture_output=True, text=True, timeout=1800,
                              preexec_fn=on_cpu(cpu))
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise SystemExit("the Prefect 0.5.3 driver failed (exit %d):\n%s"
                         % (proc.returncode, proc.stderr[-2000:]))
    return json.loads(lines[-1])


# ---- the comparison ----

def median(results, name):
    entry = results.get(name)
    return entry["per_call"]["median"] if entry else None


def speed_row(c, py, name, unit, target=None, check=None):
    mine, theirs = median(c, name), median(py, name)
    ratio = theirs / mine if mine and theirs else None
    met = check(mine, ratio) if check and ratio else None
    return {"workload": name, "unit": unit, "prefect_secrets": mine, "prefect053": theirs,
            "times_faster": ratio, "target": target, "met": met}


def memory_row(c, py, name):
    mine, theirs = c.get(name), py.get(name)

    def per_call(m):
        return m["rss_kib_delta"] * 1024 / m["calls"]

    return {"workload": name, "unit": "KiB RSS growth",
            "prefect_secrets": mine["rss_kib_delta"], "prefect053": theirs["rss_kib_delta"],
            "calls": mine["calls"], "prefect053_calls": theirs["calls"],
            "bytes_per_call": per_call(mine), "prefect053_bytes_per_call": per_call(theirs),
            "target": "flat (<= %d KiB)" % FLAT_KIB,
            "met": mine["rss_kib_delta"] <= FLAT_KIB}


def compare(c_run, py):
    c = c_run["workloads"]
    derived = c_run.get("derived", {})
    rows = [
        speed_row(c, py, "local_string", "ns/call",
                  "< %d ns and >= %dx" % (LOCAL_TARGET_NS, LOCAL_TARGET_RATIO),
                  lambda m, r: m < LOCAL_TARGET_NS and r >= LOCAL_TARGET_RATIO),
        speed_row(c, py, "local_string_json", "ns/call"),
        speed_row(c, py, "local_object", "ns/call"),
        speed_row(c, py, "local_object_json", "ns/call"),
        speed_row(c, py, "miss", "ns/call"),
        speed_row(c, py, "server", "us/call", ">= %dx" % SERVER_TARGET_RATIO,
                  lambda m, r: r >= SERVER_TARGET_RATIO),
        memory_row(c, py, "memory_local"),
        memory_row(c, py, "memory_server"),
    ]
    c_only = []
    if "threads_2_vs_1" in derived:
        r = derived["threads_2_vs_1"]
        # With other programs on the CPUs the readers cannot each get a whole CPU, and
        # wall-clock scaling says nothing about the library: inconclusive then.
        share = min(c["threads_1"]["reader_cpu_share"], c["threads_2"]["reader_cpu_share"])
        c_only.append({"what": "2 threads vs 1 (throughput)", "value": r,
                       "target": ">= %.1fx (close to 2x)" % SCALING_TARGET,
                       "met": r >= SCALING_TARGET if share >= MIN_CPU_SHARE else None,
                       "reader_cpu_share": share})
        c_only.append({"what": "2 threads vs 1 (calls per CPU-second)",
                       "value": derived["threads_2_vs_1_per_cpu_second"],
                       "target": "1.00 = no contention", "met": None})
    if "threads_8_vs_1" in derived:
        c_only.append({"what": "8 threads vs 1 (throughput)", "value": derived["threads_8_vs_1"],
                       "target": "<= ~%dx on %d CPUs" % (c_run["cpus"], c_run["cpus"]),
                       "met": None})
    if "server_vs_raw_http" in derived:
        r = derived["server_vs_raw_http"]
        c_only.append({"what": "server get / raw keep-alive request", "value": r,
                       "target": "<= %.1fx" % SERVER_RAW_TARGET, "met": r <= SERVER_RAW_TARGET})
    return rows, c_only


def fmt(v, digits=2):
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, int):
        return "%+d" % v
    return "%.*f" % (digits, v)


def calls_text(n):
    return "%dM" % (n // 1000000) if n % 1000000 == 0 else "%dk" % (n // 1000) \
        if n % 1000 == 0 else str(n)


def print_tables(rows, c_only, c_run, py, out):
    w = "%-18s %-15s %16s %16s %10s  %-28s %s"
    print(w % ("workload", "unit", "prefect-secrets", "Prefect 0.5.3", "x faster", "target",
               "met?"), file=out)
    for r in rows:
        if "times_faster" in r:
            cells = (fmt(r["prefect_secrets"]), fmt(r["prefect053"]), fmt(r["times_faster"], 1))
        else:  # memory: growth over how many calls
            cells = ("%s/%s" % (fmt(r["prefect_secrets"]), calls_text(r["calls"])),
                     "%s/%s" % (fmt(r["prefect053"]), calls_text(r["prefect053_calls"])), "-")
        print(w % ((r["workload"], r["unit"]) + cells + (r["target"] or "-", fmt(r["met"]))),
              file=out)
    print(file=out)
    print("C side only:", file=out)
    for r in c_only:
        met = fmt(r["met"])
        if r.get("reader_cpu_share", 1) < MIN_CPU_SHARE:
            met = "inconclusive: readers got only %.0f%% of a CPU each (machine busy)" % (
                100 * r["reader_cpu_share"])
        print("  %-40s %7.2fx   target %-24s %s" % (r["what"], r["value"], r["target"], met),
              file=out)
    mem = py["memory_server"]
    print("\nPrefect 0.5.3 grows %.0f bytes of RSS per server get (its 'Client' logger holds "
          "%d handlers after the run); prefect-secrets %.2f." % (
              mem["rss_kib_delta"] * 1024 / mem["calls"], mem["client_logger_handlers"],
              c_run["workloads"]["memory_server"]["rss_kib_delta"] * 1024
              / c_run["workloads"]["memory_server"]["calls"]), file=out)
    fc = c_run["workloads"].get("first_call")
    if fc:
        print("First secret_get of a process (50 env vars, a 20-entry user config): median "
              "%.0f us, p90 %.0f us." % (fc["first_call"]["median"], fc["first_call"]["p90"]),
              file=out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer batches, shorter runs")
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ap.add_argument("--no-cargo", action="store_true",
                    help="do not run cargo; use the library already in target/release")
    args = ap.parse_args()

    load_before = loadavg()
    build(args.no_cargo)
    source = provenance()
    c_run = run_c_bench(args.quick)
    # The C side measured its server get with client and server on one CPU; Prefect's
    # server get runs the same way (its process and the server's), and so do its local gets.
    cpu = c_run["workloads"].get("server", {}).get("pinned_cpu", -1)
    cpu = cpu if cpu >= 0 else None
    with BenchServer(cpu) as server:
        py = run_prefect(args.quick, server.port, cpu)
    load_after = loadavg()

    rows, c_only = compare(c_run, py)
    out = sys.stderr if args.json else sys.stdout
    print(file=out)
    print_tables(rows, c_only, c_run, py, out)
    notes = ["Prefect 0.5.3 column: Secret(name).get() (json.dumps(...) of it for the _json "
             "rows), medians across batches; its value is checked once per batch, the C "
             "side's status and length on every call",
             "load average %.2f before, %.2f after, on %d CPUs" % (
                 load_before, load_after, c_run["cpus"]),
             "library: commit %s%s, built %s" % (
                 source["commit"], " + uncommitted changes to " + ", ".join(
                     source["uncommitted_changes"]) if source["uncommitted_changes"] else "",
                 source["library_built"])]
    if provenance()["library_built"] != source["library_built"]:
        notes.append("the library was rebuilt during the run (by someone else): the C side "
                     "measured the one built %s" % source["library_built"])
    if source["changed_after_the_build"]:
        notes.append("the library is older than its sources (%s): rebuild (without "
                     "--no-cargo) to measure them" % ", ".join(source["changed_after_the_build"]))
    if max(load_before, load_after) > 0.5 * c_run["cpus"]:
        notes.append("the machine was busy with other work: figures are noisy, run again "
                     "on a quiet machine before trusting a missed target")
    for n in notes:
        print("note: " + n, file=out)
    if args.json:
        json.dump({"rows": rows, "c_only": c_only, "c": c_run, "prefect053": py,
                   "library": source, "notes": notes}, sys.stdout, indent=1)
        print()


if __name__ == "__main__":
    main()
