#!/usr/bin/env python3
"""Record what Prefect 3's own client sends and returns for `Secret.load(name).get()`.

Usage (with the pinned Prefect 3 venv's python, see scripts/prefect3-venv):
    python tests/prefect3/record_client.py          # rewrite client_expected.json
    python tests/prefect3/record_client.py --check  # exit 1 with a diff if it changed

Each case of client_cases.json names an environment, files to create under a fresh
temporary root, the working directory, and a script of replies. A loopback HTTP server
answers the script in order (the last reply again once it runs out) and records every
request; Prefect runs in a subprocess whose environment is exactly the case's (plus HOME
and PATH): nothing of the recorder's own environment leaks in. In env values and files,
`{api}` stands for the server's API URL and `<root>` for the temporary root; both are
written back as placeholders in the recording. tests/prefect3_client.rs replays every case
with the library and compares.

A reply in a script: `status` (default 200), `headers` (e.g. `Retry-After`), and either
`value` (a Secret block document holding it, in the shape Prefect's server sends, built
here from Prefect's own `Secret` schema) or `body` (any JSON).
"""

import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from recording import record, run_child

HERE = Path(__file__).resolve().parent
CASES = HERE / "client_cases.json"
EXPECTED = HERE / "client_expected.json"
DEFAULT_SECRET = "db-pass"

# The block document a Prefect 3.9.1 server answers for a Secret, from Prefect's own
# `Secret` block type and schema, with fixed ids and times so the recording is stable.
# `data.value` is filled in per reply.
DOCUMENT = r"""
import json, uuid
from prefect.blocks.system import Secret
when = "2026-01-01T00:00:00Z"
type_id, schema_id, doc_id = (str(uuid.UUID(int=n)) for n in (1, 2, 3))
block_type = Secret._to_block_type().model_dump(mode="json")
block_type.update(id=type_id, created=when, updated=when)
schema = Secret._to_block_schema(block_type_id=type_id).model_dump(mode="json")
schema.update(id=schema_id, created=when, updated=when, block_type=block_type)
print(json.dumps({
    "id": doc_id, "created": when, "updated": when, "name": "NAME",
    "data": {"value": None},
    "block_schema_id": schema_id, "block_schema": schema,
    "block_type_id": type_id, "block_type_name": block_type["name"],
    "block_type": block_type, "block_document_references": {}, "is_anonymous": False,
}, sort_keys=True))
"""

# Runs inside the subprocess: exactly what a user's code does.
CHILD = r"""
import json, sys
name = sys.argv[1]
try:
    from prefect.blocks.system import Secret
    out = {"value": Secret.load(name).get()}
except ValueError as e:
    # Block.load turns the client's ObjectNotFound (a 404) into this ValueError.
    if str(e).startswith("Unable to find block document named"):
        out = {"not_found": True}
    else:
        out = {"error": type(e).__name__}
except BaseException as e:
    out = {"error": type(e).__name__}
    response = getattr(e, "response", None)
    if response is not None:
        out["status"] = response.status_code
print(json.dumps(out))
"""


def block_document(python):
    proc = subprocess.run(
        [python, "-c", DOCUMENT],
        env={"HOME": tempfile.gettempdir(), "PATH": os.environ.get("PATH", "")},
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def reply_body(reply, document, secret):
    if "value" in reply:
        doc = json.loads(json.dumps(document))
        doc["name"] = secret
        doc["data"]["value"] = reply["value"]
        return doc
    return reply.get("body", {})


class Scripted(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, replies, recorded):
        super().__init__(("127.0.0.1", 0), Handler)
        self.replies = replies
        self.recorded = recorded  # header names to record
        self.requests = []
        self.lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self):
        srv = self.server
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        with srv.lock:
            # Names as the case spells them; a header sent twice (in two cases) is
            # combined as HTTP combines repeated headers.
            headers = {
                name: ", ".join(self.headers.get_all(name))
                for name in srv.recorded
                if self.headers.get_all(name)
            }
            srv.requests.append(
                {"method": self.command, "path": self.path, "headers": headers}
            )
            status, extra, body = srv.replies[min(len(srv.requests), len(srv.replies)) - 1]
        data = json.dumps(body).encode()
        self.send_response(status)
        for k, v in extra.items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer


def run_case(case, document):
    secret = case.get("secret", DEFAULT_SECRET)
    replies = [
        (r.get("status", 200), r.get("headers", {}), reply_body(r, document, secret))
        for r in case["script"]
    ]
    recorded = ["Authorization"] + case.get("record_headers", [])
    server = Scripted(replies, recorded)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api = f"http://127.0.0.1:{server.server_address[1]}/api"
    try:
        with tempfile.TemporaryDirectory(prefix="p3client-") as tmp:
            root = os.path.realpath(tmp)
            sub = lambda s: s.replace("{api}", api).replace("<root>", root)
            path_only = {"PATH": os.environ.get("PATH", "")}
            out, _ = run_child(case, root, sub, [sys.executable, "-c", CHILD, secret], path_only)
    finally:
        server.shutdown()
        server.server_close()
    back = lambda s: s.replace(api, "{api}").replace(root, "<root>")
    out["requests"] = [
        {
            "method": r["method"],
            "path": back(r["path"]),
            "headers": {k: back(v) for k, v in sorted(r["headers"].items())},
        }
        for r in server.requests
    ]
    return out


def main():
    document = block_document(sys.executable)
    return record(
        CASES,
        EXPECTED,
        lambda case: run_case(case, document),
        lambda outcomes: {"block_document": document, "cases": outcomes},
    )


if __name__ == "__main__":
    sys.exit(main())
