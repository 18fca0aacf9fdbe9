"""A clone has what the product and its tests need: only tests/external_data.py may look for the
team's `../shared` folder (for documents that are not ours to ship, behind an environment variable).

A path built as `... / "shared"` or a string naming `../shared`, anywhere else in app/, tests/,
scripts/ or bench/, fails here (docstrings and comments may mention it)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {ROOT / "tests" / "external_data.py", Path(__file__).resolve()}  # and this guard


def docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def reaches_shared(source: str, name: str) -> list[str]:
    tree = ast.parse(source, name)
    skip = docstrings(tree)
    hits = []
    for node in ast.walk(tree):
        divides_into_shared = (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Div)
            and isinstance(node.right, ast.Constant)
            and node.right.value == "shared"
        )
        names_shared = (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and ("../shared" in node.value or "/shared/data" in node.value)
        )
        if divides_into_shared or names_shared:
            hits.append((node.lineno, f"{name}:{node.lineno}: {ast.unparse(node)}"))
    return [hit for _, hit in sorted(hits)]


def test_only_external_data_looks_for_the_shared_folder():
    sources = [p for folder in ("app", "tests", "scripts", "bench") for p in sorted((ROOT / folder).rglob("*.py"))]

    hits = [
        hit
        for path in sources
        if path not in ALLOWED
        for hit in reaches_shared(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]

    assert len(sources) > 100
    assert hits == []


def test_the_guard_sees_a_path_into_the_shared_folder():
    source = '"""Reads ../shared (a docstring may say so)."""\nDATA = Path("..") / "shared"\nCSV = "../shared/x.csv"\n'

    hits = reaches_shared(source, "sample.py")

    assert hits == ["sample.py:2: Path('..') / 'shared'", "sample.py:3: '../shared/x.csv'"]
