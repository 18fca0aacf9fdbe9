"""Every denial a test asserts is pinned to its reason: a 4xx status check is followed by a check of
the problem `code` (STYLE.md section 8).

Why a meta-test over the source rather than a client hook: a hook on the HTTP client could demand
that every 4xx response be inspected, but it could not tell a `code` assertion from a read of the
body, and it would fire on the setup requests a test makes before the behaviour it names. The
rule is about what the test *says*, so it is checked where the test says it: in its AST. Two 403s
with different codes (`forbidden` from a role guard, `not_staff` from a per-object check) are
different behaviours; a test that checks only the status passes for either.

The rule, per test function: after each `assert <response>.status_code == 4xx` (or `in (...)` of
4xx literals), a later statement of the same function, before the next status assertion, mentions
the `code` of a problem: a subscript or `.get` with the literal "code", or a call to a helper whose
name says it checks a problem (`assert_problem...`, `..._problem`). An answer to HEAD has no body:
asserting `response.content == b""` stands for the code there.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class UnexplainedDenial:
    file: str
    line: int
    test: str
    status: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} {self.test} asserts {self.status} without the problem code"


def _status_literals(node: ast.expr) -> list[int]:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [v for element in node.elts for v in _status_literals(element)]
    return []


def _status_assertion(node: ast.stmt) -> list[int] | None:
    """The statuses an `assert x.status_code == N` / `in (...)` checks, or None if it is not one."""
    if not isinstance(node, ast.Assert) or not isinstance(node.test, ast.Compare):
        return None
    compare = node.test
    if len(compare.ops) != 1 or not isinstance(compare.ops[0], ast.Eq | ast.In):
        return None
    left, right = compare.left, compare.comparators[0]
    if isinstance(right, ast.Attribute) and right.attr == "status_code":
        left, right = right, left
    if not (isinstance(left, ast.Attribute) and left.attr == "status_code"):
        return None
    return _status_literals(right)


def _is_empty_body_check(node: ast.AST) -> bool:
    """`x.content == b""`: a bodiless answer (to HEAD) carries no problem to check."""
    return (
        isinstance(node, ast.Compare)
        and isinstance(node.left, ast.Attribute)
        and node.left.attr == "content"
        and any(isinstance(c, ast.Constant) and c.value == b"" for c in node.comparators)
    )


def _checks_code(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if _is_empty_body_check(sub):
            return True
        if isinstance(sub, ast.Subscript) and isinstance(sub.slice, ast.Constant) and sub.slice.value == "code":
            return True
        if isinstance(sub, ast.Call):
            func = sub.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name == "get" and sub.args and isinstance(sub.args[0], ast.Constant) and sub.args[0].value == "code":
                return True
            if "problem" in name:
                return True
    return False


def _statements_in_order(function: ast.AST) -> list[ast.stmt]:
    """Every statement of the function, nested blocks included, in source order."""
    found = [node for node in ast.walk(function) if isinstance(node, ast.stmt) and node is not function]
    return sorted(found, key=lambda node: (node.lineno, node.col_offset))


def unexplained_denials(source: str, file: str) -> list[UnexplainedDenial]:
    tree = ast.parse(source, filename=file)
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) or not function.name.startswith("test"):
            continue
        statements = _statements_in_order(function)
        for index, statement in enumerate(statements):
            statuses = _status_assertion(statement)
            if not statuses or not all(400 <= s < 500 for s in statuses):
                continue
            explained = False
            for later in statements[index + 1 :]:
                if _status_assertion(later) is not None:
                    break
                if isinstance(later, ast.Assert | ast.Expr) and _checks_code(later):
                    explained = True
                    break
            if not explained:
                status = "/".join(str(s) for s in statuses)
                found.append(UnexplainedDenial(file, statement.lineno, function.name, status))
    return found


def test_every_denial_a_test_asserts_checks_the_problem_code():
    found = [
        denial
        for path in sorted(TESTS_DIR.rglob("test_*.py"))
        for denial in unexplained_denials(path.read_text(), str(path.relative_to(TESTS_DIR.parent)))
    ]

    assert found == [], "\n".join(map(str, found))


def test_the_rule_catches_a_bare_status_and_accepts_a_code():
    bare = "async def test_x(client):\n    r = await client.get('/')\n    assert r.status_code == 404\n"
    explained = bare + "    assert r.json()['code'] == 'not_found'\n"
    checked_later = (
        "async def test_y(client):\n    r = await client.get('/')\n    assert r.status_code == 403\n"
        "    r2 = await client.get('/x')\n    assert r2.status_code == 200\n    assert r.json()['code'] == 'x'\n"
    )
    assert [d.status for d in unexplained_denials(bare, "sample.py")] == ["404"]
    assert unexplained_denials(explained, "sample.py") == []
    # a code checked only after another status assertion belongs to that other response
    assert [d.status for d in unexplained_denials(checked_later, "sample.py")] == ["403"]
