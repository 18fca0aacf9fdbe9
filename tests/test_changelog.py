"""CHANGELOG.md's deprecation section tells the truth about the published contract: what the contract
marks `deprecated` is listed there (with its Deprecation and Sunset dates), and "nothing" means nothing."""

import json
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTHING_DEPRECATED = "**Deprecated today: nothing.**"


def deprecated_items(node: object, where: str = "") -> Iterator[str]:
    """JSON pointers of every object in the document with `deprecated: true` (operations,
    parameters, schema properties)."""
    if isinstance(node, dict):
        if node.get("deprecated") is True:
            yield where or "/"
        for key, value in node.items():
            token = str(key).replace("~", "~0").replace("/", "~1")  # RFC 6901
            yield from deprecated_items(value, f"{where}/{token}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from deprecated_items(value, f"{where}/{i}")


def test_changelog_lists_exactly_what_the_contract_deprecates():
    contract = json.loads((ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8"))
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")

    deprecated = list(deprecated_items(contract))

    if deprecated:
        assert NOTHING_DEPRECATED not in changelog, f"the contract deprecates {deprecated}"
        assert "Sunset" in changelog
    else:
        assert NOTHING_DEPRECATED in changelog


def test_deprecated_items_are_found_where_the_contract_marks_them():
    contract = {"paths": {"/v1/old": {"get": {"deprecated": True, "parameters": [{"name": "q", "deprecated": True}]}}}}

    assert list(deprecated_items(contract)) == ["/paths/~1v1~1old/get", "/paths/~1v1~1old/get/parameters/0"]
