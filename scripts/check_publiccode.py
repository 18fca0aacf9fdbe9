"""Check publiccode.yml against the publiccode.yml standard, offline.

    make publiccode          (or: .venv/bin/python scripts/check_publiccode.py [FILE])

The standard's own parser (publiccode-parser-go) is published as Go source and release binaries
only: no PyPI, npm or Debian package ships it, and CI reaches only those registries. So this check
uses the standard's published JSON Schema (the SchemaStore one the standard lists, vendored in
scripts/publiccode/ with its source), plus the parser's offline rules that a schema cannot say:
- legal.license is the licence of this repository's LICENSE file, as an SPDX id;
- every description language and availableLanguages entry is a BCP 47 tag with its primary subtag;
- URLs are absolute http(s) URLs (the parser also checks that they answer: that needs the network);
- softwareVersion and releaseDate go together, and a release date is not in the future;
- a logo, when given, is a file in the repository.
Prints one line per problem ("publiccode.yml: <where>: <problem>") and exits 1 when there is any.
"""

import datetime as dt
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from jsonschema import Draft7Validator

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = Path(__file__).resolve().parent / "publiccode" / "publiccode.schema.json"
# The first line of each licence text we would ship, by SPDX id.
LICENCE_FIRST_LINES = {"EUPL-1.2": "EUROPEAN UNION PUBLIC LICENCE v. 1.2"}
# BCP 47 (RFC 5646) language tag, as the standard asks: a 2-3 letter primary subtag, then subtags.
BCP47 = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")
URL_KEYS = {"url", "landingURL", "roadmap", "documentation", "apiDocumentation", "website", "uri"}


def schema_problems(document: dict) -> Iterator[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        where = ".".join(str(part) for part in error.absolute_path) or "(root)"
        yield f"{where}: {error.message}"


def urls(node: object, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if key in URL_KEYS and isinstance(value, str):
                yield where, value
            else:
                yield from urls(value, where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from urls(value, f"{path}.{i}")


def licence_problems(document: dict, root: Path) -> Iterator[str]:
    licence = (document.get("legal") or {}).get("license")
    expected = LICENCE_FIRST_LINES.get(licence)
    if expected is None:
        yield f"legal.license: {licence!r} is not a licence this check knows the text of: {sorted(LICENCE_FIRST_LINES)}"
        return
    licence_file = root / "LICENSE"
    first_line = licence_file.read_text(encoding="utf-8").splitlines()[0] if licence_file.is_file() else ""
    if first_line.strip() != expected:
        yield f"legal.license: {licence} but LICENSE does not start with {expected!r}"


def semantic_problems(document: dict, root: Path) -> Iterator[str]:
    yield from licence_problems(document, root)
    languages = list((document.get("description") or {}).keys())
    languages += (document.get("localisation") or {}).get("availableLanguages") or []
    for tag in languages:
        if not BCP47.match(tag):
            yield f"description/availableLanguages: {tag!r} is not a BCP 47 tag"
    for where, url in urls(document):
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            yield f"{where}: {url!r} is not an absolute http(s) URL"
    version, released = document.get("softwareVersion"), document.get("releaseDate")
    if (version is None) != (released is None):
        yield "softwareVersion/releaseDate: a released version needs both keys (or neither before the first release)"
    if isinstance(released, str) and released > dt.date.today().isoformat():
        yield f"releaseDate: {released} is in the future"
    logo = document.get("logo")
    if isinstance(logo, str) and "://" not in logo and not (root / logo).is_file():
        yield f"logo: {logo} is not a file in the repository"


def problems(path: Path) -> list[str]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        return [f"(file): cannot read it: {error}"]
    if not isinstance(document, dict):
        return ["(root): is not a mapping"]
    # YAML dates become "YYYY-MM-DD" strings, as JSON Schema and the standard's parser see them.
    typed = json.loads(json.dumps(document, default=str))
    return list(schema_problems(typed)) + list(semantic_problems(typed, path.resolve().parent))


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "publiccode.yml"
    found = problems(path)
    for problem in found:
        print(f"{path.name}: {problem}")
    verdict = f"{len(found)} problem(s)" if found else "valid"
    print(f"{path.name}: {verdict} (publiccode.yml standard: JSON Schema and the parser's offline rules)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
