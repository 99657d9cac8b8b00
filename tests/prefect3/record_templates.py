"""Records what Prefect 3's placeholder rendering makes of each template of
tests/prefect3/template_cases.json, for src/templating's tests: the real
`resolve_variables(resolve_block_document_references(template, client=...), client=...)`
(`prefect.utilities.templating`), as its workers resolve job variables, with a fake
client that serves the case's recorded blocks and variables.

    target/prefect3-venv/bin/python tests/prefect3/record_templates.py [--check]

Each case: {"name", "template": <JSON>}, served the blocks and variables of
tests/prefect3/template_documents.json ({"blocks": [{"slug", "name", "id"?, "data"}],
"variables": {name: value}}: a variable set to null is there, a missing one is not), or
the case's own "blocks" and "variables" when it has them.
The fake client returns real `BlockDocument` and `Variable` models; a block it does not
have raises `ObjectNotFound` as Prefect's client does (around an httpx 404), a variable
it does not have is None (`read_variable_by_name`). The recording, by name:
{"ok": json.dumps(rendered, separators=(",", ":")), "fetches": [...]} (the calls made,
sorted: each block and variable is fetched once per render) or {"error": <exception
type name>}.
"""

import asyncio
import copy
import json
import sys
import uuid
from pathlib import Path

import httpx
from prefect.client.schemas.objects import BlockDocument, Variable
from prefect.exceptions import ObjectNotFound
from prefect.utilities.templating import (
    resolve_block_document_references,
    resolve_variables,
)

from recording import record

HERE = Path(__file__).resolve().parent
CASES = HERE / "template_cases.json"
EXPECTED = HERE / "template_expected.json"
DOCUMENTS = json.loads((HERE / "template_documents.json").read_text(encoding="utf-8"))


def not_found(path):
    """The ObjectNotFound Prefect's client raises on a 404 (`ObjectNotFound(http_exc=e)`)."""
    request = httpx.Request("GET", f"http://127.0.0.1:4200/api{path}")
    response = httpx.Response(404, request=request, json={"detail": "Block document not found"})
    error = httpx.HTTPStatusError("404 Not Found", request=request, response=response)
    return ObjectNotFound(http_exc=error)


class FakeClient:
    """The three calls the rendering makes, answered from a case."""

    def __init__(self, case):
        self.blocks = case.get("blocks", DOCUMENTS["blocks"])
        self.variables = case.get("variables", DOCUMENTS["variables"])
        self.fetches = []

    @staticmethod
    def document(block):
        return BlockDocument(
            id=uuid.UUID(block["id"]) if "id" in block else uuid.uuid4(),
            name=block["name"],
            data=copy.deepcopy(block["data"]),
            block_schema_id=uuid.uuid4(),
            block_type_id=uuid.uuid4(),
        )

    async def read_block_document_by_name(self, name, block_type_slug, include_secrets=True):
        self.fetches.append(f"block {block_type_slug}/{name}")
        for block in self.blocks:
            if block["slug"] == block_type_slug and block["name"] == name:
                return self.document(block)
        raise not_found(f"/block_types/slug/{block_type_slug}/block_documents/name/{name}")

    async def read_block_document(self, block_document_id, include_secrets=True):
        self.fetches.append(f"id {block_document_id}")
        for block in self.blocks:
            if block.get("id") == str(block_document_id):
                return self.document(block)
        raise not_found(f"/block_documents/{block_document_id}")

    async def read_variable_by_name(self, name):
        self.fetches.append(f"variable {name}")
        if name not in self.variables:
            return None
        return Variable.model_validate(
            {"id": str(uuid.uuid4()), "name": name, "value": self.variables[name], "tags": []}
        )


async def render(template, client):
    resolved = await resolve_block_document_references(template, client=client)
    return await resolve_variables(resolved, client=client)


def run_case(case):
    client = FakeClient(case)
    try:
        rendered = asyncio.run(render(copy.deepcopy(case["template"]), client))
    except Exception as e:  # noqa: BLE001 - the type is the outcome
        return {"error": type(e).__name__}
    return {
        "ok": json.dumps(rendered, separators=(",", ":")),
        "fetches": sorted(client.fetches),
    }


def main():
    return record(CASES, EXPECTED, run_case)


if __name__ == "__main__":
    sys.exit(main())
