"""One conformance case through Prefect 0.5.3's own `Secret(name).get()`.

Run by oracle.py with the oracle venv's Python: reads a case (JSON) on stdin and prints its
outcome as one JSON line on stdout. The environment, HOME, the working directory and the
files under ~/.prefect are already the case's: Prefect reads its configuration while
`prefect.configuration` is imported, as in any program that imports Prefect.

`prefect/__init__.py` imports all of Prefect (dask, pendulum, marshmallow, ...), which the
venv does not have and `Secret.get()` does not use. So the packages on the way to
`prefect.client.secrets` are entered without running their `__init__.py`, `pendulum` is an
empty module, and `prefect.core.flow.Flow` is a bare class: `get()` only asks whether
`context.flow` is one. Every module that `get()` runs is Prefect's own.

Names other than loopback ones do not resolve here (as on a machine without DNS), so a case
whose URL points elsewhere fails the same way everywhere and nothing leaves 127.0.0.1.
"""
import importlib.machinery
import importlib.util
import json
import socket
import sys
import types
from collections.abc import Mapping

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def loopback_only():
    resolve = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in LOOPBACK:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return resolve(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def enter_package(name, directory):
    """Puts package `name` in sys.modules with its real directory, without its __init__."""
    spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
    spec.submodule_search_locations = [directory]
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module


def import_prefect():
    """Returns (prefect, Secret, Flow); loading the configuration happens here."""
    root = importlib.util.find_spec("prefect").submodule_search_locations[0]
    for package in ("prefect", "prefect.utilities", "prefect.client", "prefect.core"):
        enter_package(package, root + package[len("prefect"):].replace(".", "/"))
    flow = types.ModuleType("prefect.core.flow")
    flow.Flow = type("Flow", (), {})
    sys.modules["prefect.core.flow"] = sys.modules["prefect.core"].flow = flow
    sys.modules["pendulum"] = types.ModuleType("pendulum")  # imported by client.py, unused

    import prefect
    import prefect.configuration  # reads the defaults, PREFECT__* and ~/.prefect/config.toml
    import prefect.utilities.context

    prefect.config = prefect.configuration.config
    prefect.context = prefect.utilities.context.context
    from prefect.client.secrets import Secret

    return prefect, Secret, flow.Flow


def apply_sets(prefect, Flow, case):
    """What the C ABI's setters do, in the order lib_worker.py calls them."""
    for key, value in case.get("config_set", {}).items():
        attribute = {"use_local_secrets": "use_local_secrets", "auth_token": "auth_token",
                     "cloud_graphql": "graphql"}[key]
        setattr(prefect.config.cloud, attribute, value)
    for name, value in case.get("context_set", {}).items():
        if "secrets" not in prefect.context:
            prefect.context["secrets"] = {}
        prefect.context.secrets[name] = value
    if case.get("flow_building"):
        prefect.context.flow = Flow()


def plain(value):
    """Prefect's Config and DotDict tables as plain dicts, tuples as lists."""
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def found(value):
    if value is None:
        return {"status": "none"}
    value = plain(value)
    # ensure_ascii (the default) carries lone surrogates through; str() renders dates.
    return {"status": "value", "kind": type(value).__name__, "json": json.dumps(value, default=str)}


def failed(kind, exc):
    return {"status": "error", "error": kind, "type": type(exc).__name__,
            "message": str(exc)[:300]}


def kind_of(exc, case, prefect):
    """The C ABI's status for an exception raised by the setters or by get()."""
    if case.get("flow_building") and isinstance(exc, ValueError):
        return "flow_building"
    if isinstance(exc, RecursionError):
        return "recursion"  # Python's stack limit, which the library does not reproduce
    if prefect.config.cloud.get("use_local_secrets") is True:
        return "config"  # the local path only fails on a malformed configuration
    name = type(exc).__name__
    if name == "AuthorizationError" or (name == "HTTPError" and str(exc).startswith("401")):
        return "auth"
    return "client"


def main():
    case = json.load(sys.stdin)
    loopback_only()
    try:
        prefect, Secret, Flow = import_prefect()
    except BaseException as exc:  # Prefect cannot start: its configuration is broken
        print(json.dumps(failed("config", exc)))
        return
    try:
        apply_sets(prefect, Flow, case)
        outcome = found(Secret(case["name"]).get())
    except BaseException as exc:
        outcome = failed(kind_of(exc, case, prefect), exc)
    print(json.dumps(outcome))


if __name__ == "__main__":
    main()
