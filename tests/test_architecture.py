"""STYLE.md section 2, enforced: who may import whom, read from the source with `ast`.

Plus a guard against a forgotten auth dependency: every route outside an explicit public
allow-list must require a signed-in caller and say so in the OpenAPI document.
"""

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from app.accounts.auth import current_principal

APP_DIR = Path(__file__).resolve().parents[1] / "app"
FRAMEWORK = {"fastapi", "starlette"}  # FastAPI is Starlette underneath: both count as "fastapi"


@dataclass(frozen=True)
class Import:
    file: str  # e.g. "app/zones/router.py"
    line: int
    modules: tuple[str, ...]  # dotted modules it reaches: "app.zones.repository", "sqlalchemy.orm"
    names: tuple[str, ...]  # names bound by `from ... import`, else ()
    source: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.source}"


def module_name(path: Path) -> str:
    parts = path.relative_to(APP_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_app_module(dotted: str) -> bool:
    base = APP_DIR.parent.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def parse_imports(path: Path, tree: ast.AST) -> list[Import]:
    """Every import in a module (also those inside functions), resolved to the modules it reaches."""
    file, package = str(path.relative_to(APP_DIR.parent)), module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules, names = tuple(alias.name for alias in node.names), ()
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{anchor}.{base}".rstrip(".")
            names = tuple(alias.name for alias in node.names)
            # `from app.zones import repository` reaches the module app.zones.repository
            submodules = tuple(f"{base}.{n}" for n in names if is_app_module(f"{base}.{n}"))
            modules = submodules or (base,)
        else:
            continue
        found.append(Import(file, node.lineno, modules, names, ast.unparse(node)))
    return found


def app_sources() -> dict[Path, ast.AST]:
    return {path: ast.parse(path.read_text(encoding="utf-8"), str(path)) for path in sorted(APP_DIR.rglob("*.py"))}


SOURCES = app_sources()
IMPORTS = {path: parse_imports(path, tree) for path, tree in SOURCES.items()}


def files_named(name: str) -> list[Path]:
    return [path for path in SOURCES if path.name == name]


def domain_of(dotted_or_path: str | Path) -> str | None:
    """`app.zones.repository` or app/zones/repository.py → "zones"; top-level app modules → None."""
    parts = (
        Path(dotted_or_path).relative_to(APP_DIR.parent).parts
        if isinstance(dotted_or_path, Path)
        else tuple(dotted_or_path.split("."))
    )
    return parts[1] if len(parts) > 2 and parts[0] == "app" else None


def layer_of(dotted: str) -> str | None:
    """The layer an app module belongs to: router, service, repository, schemas (else None)."""
    last = dotted.split(".")[-1]
    return last if dotted.startswith("app.") and last in {"router", "service", "repository", "schemas"} else None


def top(dotted: str) -> str:
    return dotted.split(".")[0]


def violations(paths: list[Path], bad) -> list[str]:  # noqa: ANN001 - a predicate on (path, module)
    return [
        f"{imp} (imports {module})"
        for path in paths
        for imp in IMPORTS[path]
        for module in imp.modules
        if bad(path, module)
    ]


def enum_names_in_models() -> set[str]:
    """Classes in app/models/* deriving from an Enum (StrEnum, Enum, IntEnum): schemas may import these."""
    names = set()
    for path in (p for p in SOURCES if p.parent == APP_DIR / "models"):
        for node in ast.walk(SOURCES[path]):
            if isinstance(node, ast.ClassDef):
                bases = {ast.unparse(b).rpartition(".")[2] for b in node.bases}
                if bases & {"Enum", "StrEnum", "IntEnum"}:
                    names.add(node.name)
    return names


# --- the layering table ---------------------------------------------------------------------------


def test_the_app_has_all_four_layers_to_check():
    counts = {name: len(files_named(name)) for name in ("router.py", "service.py", "repository.py", "schemas.py")}

    assert min(counts.values()) >= 4, counts
    assert enum_names_in_models() >= {"Role", "ZoneKind"}


def test_routers_never_import_repositories_or_sqlalchemy():
    found = violations(
        files_named("router.py"), lambda path, module: layer_of(module) == "repository" or top(module) == "sqlalchemy"
    )

    assert found == [], "router.py may not import repositories or sqlalchemy:\n" + "\n".join(found)


def test_services_never_import_fastapi_or_another_domains_repository():
    found = violations(
        files_named("service.py"),
        lambda path, module: (
            top(module) in FRAMEWORK or (layer_of(module) == "repository" and domain_of(module) != domain_of(path))
        ),
    )

    assert found == [], "service.py may not import fastapi or another domain's repository:\n" + "\n".join(found)


def test_repositories_never_import_fastapi_pydantic_errors_or_services():
    found = violations(
        files_named("repository.py"),
        lambda path, module: (
            top(module) in FRAMEWORK | {"pydantic"}
            or module == "app.errors"
            or (domain_of(module) is not None and module.endswith(".errors"))  # app.accounts.errors
            or layer_of(module) == "service"
        ),
    )

    assert found == [], "repository.py may not import fastapi, pydantic, errors or services:\n" + "\n".join(found)


def test_schemas_never_import_sqlalchemy_fastapi_or_orm_classes():
    enums = enum_names_in_models()
    found = violations(files_named("schemas.py"), lambda path, module: top(module) in FRAMEWORK | {"sqlalchemy"})
    found += [
        f"{imp} (imports ORM class {name} from {module})"
        for path in files_named("schemas.py")
        for imp in IMPORTS[path]
        for module in imp.modules
        if module == "app.models" or module.startswith("app.models.")
        for name in (imp.names or ["app.models (whole package)"])
        if name not in enums
    ]

    assert found == [], "schemas.py may import only enums from app.models, and no sqlalchemy/fastapi:\n" + "\n".join(
        found
    )


def test_models_import_only_sqlalchemy_stdlib_and_models():
    models = [path for path in SOURCES if path.parent == APP_DIR / "models"]

    found = violations(
        models,
        lambda path, module: (
            not (
                top(module) in sys.stdlib_module_names
                or top(module) == "sqlalchemy"
                or module == "app.models"
                or module.startswith("app.models.")
            )
        ),
    )

    assert found == [], "app/models/* may import only sqlalchemy, the stdlib and app.models:\n" + "\n".join(found)


def test_only_main_imports_routers():
    others = [path for path in SOURCES if path != APP_DIR / "main.py"]

    found = violations(others, lambda path, module: layer_of(module) == "router")

    assert found == [], "only app/main.py may import routers:\n" + "\n".join(found)


# A domain's request-side dependencies that routers declare (who is calling; the search filters as
# query parameters) are part of its HTTP edge, like its router.
HTTP_EDGE = {APP_DIR / "accounts" / "auth.py", APP_DIR / "catalog" / "search_params.py"}


def test_only_routers_and_top_level_app_modules_touch_fastapi():
    others = [path for path in SOURCES if path.name != "router.py" and path.parent != APP_DIR and path not in HTTP_EDGE]

    found = violations(others, lambda path, module: top(module) in FRAMEWORK)

    assert found == [], "only routers and app/*.py may import fastapi/starlette:\n" + "\n".join(found)


def raised_http_exceptions(path: Path) -> list[str]:
    found = []
    for node in ast.walk(SOURCES[path]):
        if isinstance(node, ast.Raise) and node.exc is not None:
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if ast.unparse(raised).rpartition(".")[2].endswith("HTTPException"):
                found.append(f"{path.relative_to(APP_DIR.parent)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_http_exception_is_raised_only_in_routers_and_top_level_app_modules():
    others = [path for path in SOURCES if path.name != "router.py" and path.parent != APP_DIR]

    found = [line for path in others for line in raised_http_exceptions(path)]

    assert found == [], "raise AppError subclasses, not HTTPException, outside routers:\n" + "\n".join(found)


# --- the checker itself catches what it should (so a green run is not a vacuous one) -----------------


def test_import_parser_resolves_module_imports_from_packages():
    path = APP_DIR / "zones" / "service.py"
    tree = ast.parse("from app.zones import repository as repo\nfrom app.models import Zone\nimport sqlalchemy.orm\n")

    imports = parse_imports(path, tree)

    assert [imp.modules for imp in imports] == [("app.zones.repository",), ("app.models",), ("sqlalchemy.orm",)]
    assert layer_of(imports[0].modules[0]) == "repository" and domain_of(imports[0].modules[0]) == "zones"


# --- authentication is never forgotten ----------------------------------------------------------------

PUBLIC_OPERATIONS = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("POST", "/v1/auth/register"),
    ("POST", "/v1/auth/token"),
    ("POST", "/v1/auth/logout"),
    # The public catalogue (DESIGN: anonymous people browse it); signing in only shows more.
    ("GET", "/v1/providers"),
    ("GET", "/v1/providers/{provider_id}"),
    ("GET", "/v1/providers/{provider_id}/verifications"),
    ("GET", "/v1/providers/{provider_id}/reviews"),
    ("GET", "/v1/services"),
    ("GET", "/v1/services/{service_id}"),
    # Hubs are public places; their needs are published with small cells suppressed.
    ("GET", "/v1/hubs"),
    ("GET", "/v1/hubs/{hub_id}"),
    ("GET", "/v1/hubs/{hub_id}/needs/public"),
    # Courses and volunteer initiatives are public offers of the hubs (enrolments, rides: private).
    ("GET", "/v1/courses"),
    ("GET", "/v1/courses/{course_id}"),
    ("GET", "/v1/initiatives"),
    ("GET", "/v1/initiatives/{initiative_id}"),
}
# Reference data, and the open HSDS feed (DESIGN §5: read-only, for anyone): every GET under these.
PUBLIC_READ_PREFIXES = ("/v1/zones", "/v1/categories", "/hsds")


def is_public(method: str, path: str) -> bool:
    return (method, path) in PUBLIC_OPERATIONS or (method == "GET" and path.startswith(PUBLIC_READ_PREFIXES))


def dependency_calls(dependant: Dependant) -> set:
    calls = {dependant.call}
    for sub in dependant.dependencies:
        calls |= dependency_calls(sub)
    return calls


def api_operations(app) -> list[tuple[str, str, RouteContext]]:
    """(method, full path as in the OpenAPI (no `:uuid` convertors), route) of every API operation."""
    return [
        (method, re.sub(r":\w+}", "}", route.path), route)
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute)
        for method in sorted(route.methods)
    ]


def test_every_route_requiring_authentication_declares_security_in_openapi(app):
    paths = app.openapi()["paths"]

    undeclared = [
        f"{method} {path}"
        for method, path, route in api_operations(app)
        if current_principal in dependency_calls(route.dependant) and not paths[path][method.lower()].get("security")
    ]

    assert undeclared == [], f"routes requiring a caller without `security` in the OpenAPI: {undeclared}"


def test_every_route_outside_the_public_allow_list_requires_authentication(app):
    paths = app.openapi()["paths"]

    unguarded = [
        f"{method} {path}"
        for method, path, route in api_operations(app)
        if not is_public(method, path)
        and (
            current_principal not in dependency_calls(route.dependant)
            or not paths[path][method.lower()].get("security")
        )
    ]

    assert unguarded == [], f"not public, yet no auth guard (add one, or add the route to PUBLIC_*): {unguarded}"


@pytest.mark.parametrize(("method", "path"), sorted(PUBLIC_OPERATIONS))
def test_every_public_allow_list_entry_is_a_real_route_without_auth(app, method, path):
    operations = {(m, p): route for m, p, route in api_operations(app)}

    route = operations.get((method, path))

    assert route is not None, f"{method} {path} is in the allow-list but is not a route: remove it"
    assert current_principal not in dependency_calls(route.dependant)
