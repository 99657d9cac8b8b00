"""Creates Secret blocks with Prefect 3's own API and reads them back, for
tests/prefect3_server.rs.

    PREFECT_API_URL=http://127.0.0.1:<port>/api [PREFECT_API_AUTH_STRING=user:pass] \
      <venv>/bin/python tests/prefect3/make_secrets.py < request.json > reply.json

request: {"save": [{"name": ..., "value": <any JSON>}, ...], "load": [name, ...]}
  - each "save" entry: Secret(value=value).save(name, overwrite=True)
  - each "load" name: Secret.load(name).get()
reply (stdout, one JSON document):
  {"prefect_version": "3.x.y",
   "loaded": {name: {"found": true,
                     "json": json.dumps(v, separators=(",", ":")),  where v = get()
                     "text": v if it is a str, else null}
                  | {"found": false}                       (Prefect: no such block)
                  | {"error": "<exception type>: <message>"}}}

PREFECT_API_URL must be set: without it Prefect 3 would start a temporary server of its
own. Values only ever go to stdout, read by the test; nothing here prints one.
"""

import json
import os
import sys


def main():
    if not os.environ.get("PREFECT_API_URL"):
        sys.exit("prefect3/make_secrets.py: PREFECT_API_URL is not set; refusing to run")
    # Belt and braces: never fall back to an ephemeral server.
    os.environ["PREFECT_SERVER_ALLOW_EPHEMERAL_MODE"] = "false"

    import prefect
    from prefect.blocks.system import Secret

    request = json.load(sys.stdin)
    for item in request.get("save", []):
        try:
            Secret(value=item["value"]).save(item["name"], overwrite=True)
        except Exception as e:  # noqa: BLE001
            # Only the messages: a pydantic error's text would quote the input value.
            if hasattr(e, "errors"):
                why = "; ".join(err["msg"] for err in e.errors(include_input=False))
            else:
                why = str(e)
            sys.exit(f"prefect3/make_secrets.py: cannot save {item['name']!r}: "
                     f"{type(e).__name__}: {why}")

    loaded = {}
    for name in request.get("load", []):
        try:
            value = Secret.load(name).get()
            loaded[name] = {
                "found": True,
                # Rendered here, as the library renders it: the reply stays standard JSON
                # even for NaN, and big ints keep every digit.
                "json": json.dumps(value, separators=(",", ":")),
                "text": value if isinstance(value, str) else None,
            }
        except ValueError as e:
            # Prefect 3: "Unable to find block document named ... for block type secret"
            if "Unable to find block document" in str(e):
                loaded[name] = {"found": False}
            else:
                loaded[name] = {"error": f"{type(e).__name__}: {e}"}
        except Exception as e:  # noqa: BLE001  (reported to the test, which fails)
            loaded[name] = {"error": f"{type(e).__name__}: {e}"}

    json.dump({"prefect_version": prefect.__version__, "loaded": loaded}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
