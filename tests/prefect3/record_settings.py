#!/usr/bin/env python3
"""Record how Prefect 3 resolves its client settings, one case at a time.

Usage (with the pinned Prefect 3 venv's python, see scripts/prefect3-venv):
    python tests/prefect3/record_settings.py          # rewrite settings_expected.json
    python tests/prefect3/record_settings.py --check  # exit 1 with a diff if it changed

Each case of settings_cases.json names an environment, files to create under a fresh
temporary root, and the working directory. Prefect runs in a subprocess whose
environment is exactly the case's (plus HOME, unless the case sets it): nothing of the
recorder's own environment leaks in. `<root>` in the case stands for the temporary
root, and the temporary root is written back as `<root>` in the outcome.
"""

import json
import os
import sys
import tempfile
from pathlib import Path

from recording import record, run_child

HERE = Path(__file__).resolve().parent
CASES = HERE / "settings_cases.json"
EXPECTED = HERE / "settings_expected.json"

# The settings a client reads, by accessor on `Settings`.
SETTINGS = [
    "api.url",
    "api.key",
    "api.auth_string",
    "api.request_timeout",
    "api.ssl_cert_file",
    "api.tls_insecure_skip_verify",
    "client.max_retries",
    "client.retry_jitter_factor",
    "client.retry_extra_codes",
    "client.custom_headers",
    "client.csrf_support_enabled",
    "home",
    "profiles_path",
]

# Runs inside the subprocess. `get_client` reads `PREFECT_API_URL.value()` and the like,
# that is `get_current_settings()`: the global settings context's settings once `prefect`
# is imported. The profile name is that context's profile.
CHILD = r"""
import json, sys, warnings
from pathlib import PurePath
root = sys.argv[1]
caught = []
warnings.simplefilter("always")
def show(message, category, *a, **k):
    caught.append(category.__name__)
warnings.showwarning = show
def plain(v):
    if hasattr(v, "get_secret_value"):
        v = v.get_secret_value()
    if isinstance(v, PurePath):
        v = str(v)
    if isinstance(v, (set, frozenset)):
        v = sorted(v)
    if isinstance(v, str):
        v = v.replace(root, "<root>")
    return v
out = {}
try:
    import prefect.context
    from prefect.settings import get_current_settings
    ctx = prefect.context.get_settings_context()
    s = get_current_settings()
    vals = {}
    for acc in json.loads(sys.argv[2]):
        v = s
        for part in acc.split("."):
            v = getattr(v, part)
        vals[acc] = plain(v)
    out["settings"] = vals
    out["profile"] = ctx.profile.name
except BaseException as e:
    out["error"] = type(e).__name__
    errs = getattr(e, "errors", None)
    if callable(errs):
        try:
            out["error_fields"] = sorted(".".join(str(p) for p in x["loc"]) for x in errs())
        except Exception:
            pass
out["warnings"] = sorted(set(caught))
print(json.dumps(out))
"""


def run_case(case):
    with tempfile.TemporaryDirectory(prefix="p3settings-") as tmp:
        root = os.path.realpath(tmp)
        sub = lambda s: s.replace("<root>", root)
        out, stderr = run_child(
            case, root, sub, [sys.executable, "-c", CHILD, root, json.dumps(SETTINGS)], {}
        )
        out["profile_not_found_warning"] = "not found. The default profile" in stderr
        return out


def main():
    return record(CASES, EXPECTED, run_case)


if __name__ == "__main__":
    sys.exit(main())
