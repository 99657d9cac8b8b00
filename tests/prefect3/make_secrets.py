"""Creates Secret blocks with Prefect 3's own API and reads them back, for
tests/prefect3_server.rs.

    PREFECT_API_URL=http://127.0.0.1:<port>/api [PREFECT_API_AUTH_STRING=user:pass] \
      <venv>/bin/python tests/prefect3/make_secrets.py < request.json > reply.json

request: {"save": [{"name": ..., "value": <any JSON>}, ...], "load": [name, ...],
          "load_many": [name, ...],                                    (optional)
          "variables": [{"name": ..., "value": <any JSON>}, ...],      (optional)
          "settings_blocks": [{"name": ..., "values": {...}}, ...],    (optional)
          "render": [<template JSON>, ...]}                           (optional)
  - each "save" entry: Secret(value=value).save(name, overwrite=True) (after the first,
    its async form, a few at a time)
  - each "load" name: Secret.load(name).get()
  - each "load_many" name (optional; names that exist): (await Secret.aload(name)).get(),
    a few at a time
  - each variable: Variable.set(name, value, overwrite=True)
  - each settings block: a block of type "fixture-settings" (one field, `values`: a dict),
    a block that is not a system block, for key paths into several fields
  - each "render" template: resolve_variables(resolve_block_document_references(t)), as
    Prefect 3's workers render job variables
reply (stdout, one JSON document):
  {"prefect_version": "3.x.y",
   "rendered": [{"ok": json.dumps(result, separators=(",", ":"))} | {"error": "<type>"}],
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
    save_all(Secret, request.get("save", []))

    loaded = load_many(Secret, request.get("load_many", []))
    for name in request.get("load", []):
        try:
            loaded[name] = found(Secret.load(name).get())
        except ValueError as e:
            # Prefect 3: "Unable to find block document named ... for block type secret"
            if "Unable to find block document" in str(e):
                loaded[name] = {"found": False}
            else:
                loaded[name] = {"error": f"{type(e).__name__}: {e}"}
        except Exception as e:  # noqa: BLE001  (reported to the test, which fails)
            loaded[name] = {"error": f"{type(e).__name__}: {e}"}

    for item in request.get("variables", []):
        from prefect.variables import Variable

        Variable.set(item["name"], item["value"], overwrite=True)
    if request.get("settings_blocks"):
        from prefect.blocks.core import Block

        class FixtureSettings(Block):
            _block_type_slug = "fixture-settings"
            values: dict

        for item in request["settings_blocks"]:
            FixtureSettings(values=item["values"]).save(item["name"], overwrite=True)
    rendered = [render(t) for t in request.get("render", [])]

    json.dump(
        {"prefect_version": prefect.__version__, "loaded": loaded, "rendered": rendered},
        sys.stdout,
    )
    sys.stdout.write("\n")


def found(value):
    """A loaded value's reply, rendered here as the library renders it: the reply stays
    standard JSON even for NaN, and big ints keep every digit."""
    return {"found": True,
            "json": json.dumps(value, separators=(",", ":")),
            "text": value if isinstance(value, str) else None}


def a_few_at_a_time(work, items):
    """[await work(client, item) for item in items], eight at a time on one client:
    Prefect's server answers hundreds of blocks one by one in half a minute."""
    import asyncio

    from prefect.client.orchestration import get_client

    async def all_of():
        gate = asyncio.Semaphore(8)
        async with get_client() as client:
            async def one(item):
                async with gate:
                    return await work(client, item)
            return await asyncio.gather(*(one(item) for item in items))

    return asyncio.run(all_of()) if items else []


def save_all(Secret, items):
    """Secret(value=value).save(name, overwrite=True) for each item: the first alone (it
    registers the block type), the rest by its async form, a few at a time."""
    def stop(item, e):
        # Only the messages: a pydantic error's text would quote the input value.
        if hasattr(e, "errors"):
            why = "; ".join(err["msg"] for err in e.errors(include_input=False))
        else:
            why = str(e)
        sys.exit(f"prefect3/make_secrets.py: cannot save {item['name']!r}: "
                 f"{type(e).__name__}: {why}")

    async def save(client, item):
        try:
            await Secret(value=item["value"]).asave(item["name"], overwrite=True, client=client)
        except Exception as e:  # noqa: BLE001
            stop(item, e)

    for item in items[:1]:
        try:
            Secret(value=item["value"]).save(item["name"], overwrite=True)
        except Exception as e:  # noqa: BLE001
            stop(item, e)
    a_few_at_a_time(save, items[1:])


def load_many(Secret, names):
    """{name: found((await Secret.aload(name)).get())}, a few at a time: Prefect's async
    load, for names that exist, by the hundred (an error stops the script)."""
    async def load(client, name):
        return name, found((await Secret.aload(name, client=client)).get())

    return dict(a_few_at_a_time(load, names))


def render(template):
    """Prefect's own rendering of job variables; the error's type only (a message could
    quote the template, and with it a value)."""
    import asyncio

    from prefect.utilities.templating import (
        resolve_block_document_references,
        resolve_variables,
    )

    async def both():
        return await resolve_variables(await resolve_block_document_references(template))

    try:
        return {"ok": json.dumps(asyncio.run(both()), separators=(",", ":"))}
    except Exception as e:  # noqa: BLE001
        return {"error": type(e).__name__}


if __name__ == "__main__":
    main()
