"""The bounds a value's grammar already fixes, stated in the contract (OWASP API4: every string
with a maximum length, every integer with a format), without a Field() on each of the hundreds of
ids and timestamps.

* A UUID is sent as 36 characters, a date as 10, a date-time as at most 32 (pydantic writes
  `2026-12-03T11:40:58.123456+01:00`, or `Z` for UTC). The server also reads longer spellings
  (`urn:uuid:…`, nanoseconds), so the contract is the narrower side: what it calls valid is
  always understood, and every value the server sends keeps to it.
* An integer's format follows from its bounds, which its type declares (app/shared_schemas.py):
  int32 when they fit in 32 bits, int64 otherwise.
"""

from typing import Any

FORMAT_MAX_LENGTH = {"uuid": 36, "date": 10, "date-time": 32}
INT32 = (-(2**31), 2**31 - 1)


def _integer_format(node: dict[str, Any]) -> str:
    low = node.get("minimum", node.get("exclusiveMinimum"))
    high = node.get("maximum", node.get("exclusiveMaximum"))
    fits = low is not None and high is not None and INT32[0] <= low and high <= INT32[1]
    return "int32" if fits else "int64"


def _bound(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _bound(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "string" and node.get("format") in FORMAT_MAX_LENGTH:
        node.setdefault("maxLength", FORMAT_MAX_LENGTH[node["format"]])
    if node.get("type") == "integer":
        node.setdefault("format", _integer_format(node))
    for key, value in node.items():
        if key not in ("example", "examples"):  # values, not schemas
            _bound(value)


def declare_format_bounds(schema: dict[str, Any]) -> None:
    """Every schema in the document (components, parameters, headers), bounded by its format."""
    _bound(schema)
