"""How the contract shows the server's defaults for fields a client may leave out of a request body.

JSON Schema's `default` on a request property means "assumed when absent", but openapi-typescript
with its default options (defaultNonNullable) types every property that has a `default` in a
referenced component as always present, so a client creating a request had to send `mode` and
`open_now` (issue 10; openapi-typescript issues #1903 and #2012, open). Request body schemas are
therefore published without `default`, stating it in the property's description instead: the field
stays optional for every generator, and the server applies the default as before (pydantic). Response
schemas keep their defaults.
"""

import json
from typing import Any

SCHEMA_REF = "#/components/schemas/"


def _referenced(node: Any, schemas: dict[str, Any], found: set[str]) -> set[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMA_REF):
            name = ref.removeprefix(SCHEMA_REF)
            if name not in found:
                found.add(name)
                _referenced(schemas.get(name), schemas, found)
        for value in node.values():
            _referenced(value, schemas, found)
    elif isinstance(node, list):
        for value in node:
            _referenced(value, schemas, found)
    return found


def request_body_schemas(spec: dict[str, Any]) -> set[str]:
    """Names of the component schemas a request body uses, directly or nested."""
    schemas = spec.get("components", {}).get("schemas", {})
    found: set[str] = set()
    for path_item in spec.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                _referenced(operation["requestBody"], schemas, found)
    return found


def describe_request_defaults(spec: dict[str, Any]) -> dict[str, Any]:
    """Move `default` of request body properties into their description (see the module docstring)."""
    schemas = spec.get("components", {}).get("schemas", {})
    for name in sorted(request_body_schemas(spec)):
        for prop in schemas[name].get("properties", {}).values():
            if "default" not in prop:
                continue
            default = json.dumps(prop.pop("default"), ensure_ascii=False)
            sentence = f"Defaults to {default} when left out."
            described = prop.get("description", "").rstrip(".")
            prop["description"] = f"{described}. {sentence}" if described else sentence
    return spec
