"""One conformance case through the library's C ABI, via ctypes (oracle.py --lib).

    python3 lib_worker.py path/to/libprefect_secrets.so < case.json

Like prefect_worker.py, it runs in the case's environment, HOME and working directory, and
prints the outcome as one JSON line: {"status": "value", "json_bytes": ..., "raw_status":
..., "raw_bytes_hex": ...}, {"status": "none"} or {"status": "error", "error": ...,
"message": ...}.
"""
import ctypes
import json
import sys

FOUND = {0: "value", 1: "none"}
ERRORS = {-1: "invalid_argument", -2: "buffer_too_small", -3: "flow_building", -4: "auth",
          -5: "client", -6: "config", -99: "internal"}
TOO_SMALL = -2


def load(path):
    lib = ctypes.CDLL(path)
    c = ctypes
    signatures = {
        "secret_get": [c.c_char_p, c.c_void_p, c.c_size_t, c.POINTER(c.c_size_t)],
        "secret_get_json": [c.c_char_p, c.c_void_p, c.c_size_t, c.POINTER(c.c_size_t)],
        "secret_config_set_use_local_secrets": [c.c_bool],
        "secret_config_set_auth_token": [c.c_char_p],
        "secret_config_set_cloud_graphql": [c.c_char_p],
        "secret_context_set": [c.c_char_p, c.c_char_p],
        "secret_context_set_flow_building": [c.c_bool],
    }
    for name, argtypes in signatures.items():
        getattr(lib, name).argtypes = argtypes
        getattr(lib, name).restype = c.c_int32
    lib.secret_last_error.restype = c.c_char_p
    return lib


def read(getter, name):
    """(status, bytes or None): a 1 MiB buffer, grown once if the value is longer (each call
    is a request on the server path, so the first one should fit)."""
    size, length = 1 << 20, ctypes.c_size_t()
    for _ in range(2):
        buf = ctypes.create_string_buffer(size)
        rc = getter(name, buf, size, ctypes.byref(length))
        if rc != TOO_SMALL:
            return rc, buf.raw[:length.value] if rc == 0 else None
        size = length.value + 1
    return rc, None


def error(lib, rc, message=None):
    text = message or (lib.secret_last_error() or b"").decode("utf-8", "replace")
    return {"status": "error", "error": ERRORS.get(rc, str(rc)), "message": text[:300]}


def outcome(lib, case):
    utf8 = lambda text: text.encode("utf-8", "surrogatepass")  # noqa: E731
    setters = {"use_local_secrets": lambda v: lib.secret_config_set_use_local_secrets(bool(v)),
               "auth_token": lambda v: lib.secret_config_set_auth_token(utf8(v)),
               "cloud_graphql": lambda v: lib.secret_config_set_cloud_graphql(utf8(v))}
    for key, value in case.get("config_set", {}).items():
        rc = setters[key](value)
        if rc < 0:
            return error(lib, rc, "config_set " + key)
    for name, value in case.get("context_set", {}).items():
        lib.secret_context_set(utf8(name), utf8(value))  # Prefect's TypeError is get()'s
    if case.get("flow_building"):
        lib.secret_context_set_flow_building(True)
    name = utf8(case["name"])
    rc, as_json = read(lib.secret_get_json, name)
    if rc not in FOUND:
        return error(lib, rc)
    if rc == 1:
        return {"status": "none"}
    raw_rc, raw = read(lib.secret_get, name)
    return {"status": "value", "json_bytes": as_json.decode("utf-8", "surrogateescape"),
            "raw_status": FOUND.get(raw_rc) or ERRORS.get(raw_rc, str(raw_rc)),
            "raw_bytes_hex": raw.hex() if raw is not None else None}


if __name__ == "__main__":
    print(json.dumps(outcome(load(sys.argv[1]), json.load(sys.stdin))))
