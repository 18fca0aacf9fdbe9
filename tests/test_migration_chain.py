"""The migrations form one linear chain, and each file's number is its revision.

Helpers land migrations in parallel: two branches that each add "the next" revision leave two heads
(`alembic upgrade head` then fails), which the suite's schema setup would not notice on its own.
"""

import ast
from pathlib import Path

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


def _assigned(path: Path, name: str) -> str | None:
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                value = node.value
                return value.value if isinstance(value, ast.Constant) else None
    raise AssertionError(f"{path.name} assigns no {name}")


def test_each_migration_file_is_named_by_its_revision_and_the_chain_is_linear():
    files = sorted(VERSIONS.glob("*.py"))
    revisions = {path.name: (_assigned(path, "revision"), _assigned(path, "down_revision")) for path in files}

    for name, (revision, _) in revisions.items():
        assert name.split("_")[1] == revision, f"{name} holds revision {revision}"
    numbers = [revision for revision, _ in revisions.values()]
    assert len(numbers) == len(set(numbers)), f"two migrations share a revision: {sorted(numbers)}"
    children: dict[str | None, list[str]] = {}
    for revision, parent in revisions.values():
        children.setdefault(parent, []).append(revision)
    branching = {parent: kids for parent, kids in children.items() if len(kids) > 1}
    assert branching == {}, f"the chain branches (renumber the later one): {branching}"
    chain, current = [], None
    while current in children:
        current = children[current][0]
        chain.append(current)
    assert chain == sorted(numbers), "every migration is reached from the first, in order"
