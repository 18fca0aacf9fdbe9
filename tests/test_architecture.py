"""docs/architecture.md, enforced: the map of contexts and who may import whom, read from the source with `ast`.

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


# --- the map of contexts (STYLE.md section 1) ---------------------------------------------------------

# In order: a domain may import domains of its own context or an earlier one, never a later one.
CONTEXTS: dict[str, tuple[str, ...]] = {
    # accounts, their sessions, and auth (app/accounts/auth.py); sign-in with SPID/CIE over OpenID Connect;
    # a household's declared and verified income (ISEE), which supply's prices read
    "identity": ("accounts", "signin", "income"),
    # domestic_work: the dated CCNL / INPS / Libretto Famiglia tables and the rules and costs computed from them
    "supply": ("zones", "categories", "providers", "catalog", "integrations", "partner_sync", "hsds", "domestic_work"),
    "demand": ("demand",),
    "sharing and community": ("pools", "condominiums", "hubs", "courses", "initiatives"),
    "conversations": ("conversations",),
    # the double-entry ledger (money), funding programmes and their grants, funding of what a household
    # accepts (spending), timesheets with co-payments, and providers' statements
    "money": ("money", "programmes", "spending", "timesheets", "statements"),
    "integration": ("events", "webhooks", "notifications", "mail"),
}
RANK = {domain: rank for rank, domains in enumerate(CONTEXTS.values()) for domain in domains}
DOMAINS = set(RANK)
# The platform core: app/*.py and these packages (ORM models; health, readiness and metrics access).
# They serve every domain, so they import none.
CORE_PACKAGES = {"models", "ops"}
# The composition roots assemble the product out of every domain, and nothing imports them: the app
# (routers), the worker (jobs), the CLI (commands) and the demo seed (data written through services).
COMPOSITION_ROOTS = {"app.main", "app.worker", "app.cli", "app.seed"}
# A domain's request-side dependencies that routers declare (who is calling; the search filters as
# query parameters) are part of its HTTP edge: they play the router's role.
HTTP_EDGE = {"app.accounts.auth", "app.catalog.search_params"}
# errors.py and the modules split out of it by job (the handlers, the mapping of database failures to
# 503, the body-size middleware): what a repository may not know, whichever of them it would reach.
ERROR_MODULES = {"app.errors", "app.error_handlers", "app.database_failures", "app.body_limit"}


def is_composition(dotted: str) -> bool:
    return any(dotted == root or dotted.startswith(root + ".") for root in COMPOSITION_ROOTS)


def role_of(dotted: str) -> str | None:
    """A domain module's role in the layering table: router, views, repository, schemas or service
    (any other module of a domain package: service.py, flows.py, tasks.py, access.py, offers.py...)."""
    parts = dotted.split(".")
    if domain_of(dotted) not in DOMAINS or len(parts) < 3:
        return None
    if dotted in HTTP_EDGE or parts[2] == "router":
        return "router"
    return parts[2] if parts[2] in {"views", "repository", "schemas"} else "service"


def domain_modules(role: str) -> list[Path]:
    return [path for path in SOURCES if role_of(module_name(path)) == role]


def domain_edges() -> list[tuple[str, str, Import]]:
    """(importer's domain, imported domain, the import) for every import between two domains,
    including those inside functions."""
    return [
        (domain_of(path), domain_of(module), imp)
        for path in SOURCES
        if domain_of(path) in DOMAINS
        for imp in IMPORTS[path]
        for module in imp.modules
        if domain_of(module) in DOMAINS and domain_of(module) != domain_of(path)
    ]


def cycles(edges: set[tuple[str, str]]) -> list[set[str]]:
    """The groups of domains that reach each other (strongly connected components, Tarjan)."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while (member := stack.pop()) != node:
                group.add(member)
            groups.append(group | {node})

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [group for group in groups if len(group) > 1]


def test_every_package_of_the_app_has_its_place():
    packages = {path.parent.name for path in SOURCES if path.name == "__init__.py" and path.parent != APP_DIR}

    unplaced = packages - DOMAINS - CORE_PACKAGES - {root.split(".")[1] for root in COMPOSITION_ROOTS}

    assert unplaced == set(), (
        f"a new package takes its place in CONTEXTS (or the core) before its first line: {unplaced}"
    )


def test_the_platform_core_imports_no_domain():
    core = [
        path
        for path in SOURCES
        if not is_composition(module_name(path)) and (path.parent == APP_DIR or domain_of(path) in CORE_PACKAGES)
    ]

    found = violations(core, lambda path, module: domain_of(module) in DOMAINS or is_composition(module))

    assert found == [], "the platform core imports no domain (and no composition root):\n" + "\n".join(found)


def test_nothing_imports_a_composition_root():
    others = [path for path in SOURCES if not is_composition(module_name(path))]

    found = violations(others, lambda path, module: is_composition(module))

    assert found == [], "app.main, app.worker, app.cli and app.seed assemble the product; nothing imports them:\n" + (
        "\n".join(found)
    )


def test_domains_import_only_their_own_or_earlier_contexts():
    found = [
        f"{imp} ({importer} imports {imported}, a later context)"
        for importer, imported, imp in domain_edges()
        if RANK[imported] > RANK[importer]
    ]

    assert found == [], "a domain imports only its own context or earlier ones (STYLE.md 1):\n" + "\n".join(found)


def test_the_domain_import_graph_is_acyclic():
    edges = domain_edges()

    found = [
        f"{', '.join(sorted(group))} reach each other through:\n"
        + "\n".join(f"  {imp}" for a, b, imp in edges if {a, b} <= group)
        for group in cycles({(a, b) for a, b, _ in edges})
    ]

    assert found == [], "the domains import each other in a cycle:\n" + "\n".join(found)


def test_every_module_of_a_domain_gets_a_role_and_core_modules_none():
    assert role_of("app.demand.offers") == role_of("app.pools.flows") == "service"
    assert is_use_case_module("app.pools.service") and not is_use_case_module("app.pools.shares")
    assert role_of("app.demand.views") == "views" and role_of("app.accounts.auth") == "router"
    assert role_of("app.models.pool") is role_of("app.seed.demo") is None
    assert {role_of(module) for module in ERROR_MODULES} == {None}
    assert all(map(is_app_module, ERROR_MODULES)), "a renamed error module would slip past the repository rule"


def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle():
    assert cycles({("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")}) == [{"a", "b", "c"}]
    assert cycles({("a", "b"), ("b", "c"), ("a", "c")}) == []


# --- the layering table (STYLE.md section 2), on every module of every domain package ----------------


def test_every_role_of_the_layering_table_has_modules_to_check():
    counts = {role: len(domain_modules(role)) for role in ("router", "views", "service", "repository", "schemas")}

    assert min(counts.values()) >= 1, counts
    assert counts["service"] > len(files_named("service.py")), "use-case modules beyond service.py are checked"
    assert enum_names_in_models() >= {"Role", "ZoneKind"}


def test_routers_never_import_repositories_or_sqlalchemy():
    found = violations(
        domain_modules("router"),
        lambda path, module: role_of(module) == "repository" or top(module) == "sqlalchemy",
    )

    assert found == [], "routers may not import repositories or sqlalchemy:\n" + "\n".join(found)


def test_services_never_import_fastapi_or_another_domains_repository_or_views():
    found = violations(
        domain_modules("service"),
        lambda path, module: (
            top(module) in FRAMEWORK
            or (role_of(module) in {"repository", "views"} and domain_of(module) != domain_of(path))
        ),
    )

    assert found == [], "use-case modules may not import fastapi or another domain's repository or views:\n" + (
        "\n".join(found)
    )


def is_use_case_module(dotted: str) -> bool:
    """service.py, flows.py, tasks.py: where use cases run. A domain's other modules may also hold pure
    rules (app/pools/shares.py, app/events/catalogue.py) that its views and repositories may use."""
    return role_of(dotted) == "service" and dotted.split(".")[2] in {"service", "flows", "tasks"}


def test_views_never_import_services_or_fastapi():
    found = violations(
        domain_modules("views"),
        lambda path, module: (
            top(module) in FRAMEWORK
            or role_of(module) == "router"
            or is_use_case_module(module)
            or (domain_of(module) != domain_of(path) and role_of(module) == "repository")
        ),
    )

    assert found == [], "views build responses from rows: no use cases, routers, fastapi, or other domains' " + (
        "repositories (use their views):\n" + "\n".join(found)
    )


def test_repositories_never_import_fastapi_pydantic_errors_or_services():
    found = violations(
        domain_modules("repository"),
        lambda path, module: (
            top(module) in FRAMEWORK | {"pydantic"}
            or module in ERROR_MODULES
            or is_use_case_module(module)
            or role_of(module) in {"views", "router", "schemas"}
            or (domain_of(module) in DOMAINS and module.endswith(".errors"))  # app.accounts.errors
            # a query may build on the query of the domain that owns the table (one owner per query)
            or (domain_of(module) != domain_of(path) and role_of(module) not in {None, "repository"})
        ),
    )

    assert found == [], "repositories may not import fastapi, pydantic, errors, services or schemas:\n" + "\n".join(
        found
    )


def test_schemas_never_import_sqlalchemy_fastapi_or_orm_classes():
    enums = enum_names_in_models()
    schemas = domain_modules("schemas")
    found = violations(schemas, lambda path, module: top(module) in FRAMEWORK | {"sqlalchemy"})
    found += [
        f"{imp} (imports ORM class {name} from {module})"
        for path in schemas
        for imp in IMPORTS[path]
        for module in imp.modules
        if module == "app.models" or module.startswith("app.models.")
        for name in (imp.names or ["app.models (whole package)"])
        if name not in enums
    ]

    assert found == [], "schemas may import only enums from app.models, and no sqlalchemy/fastapi:\n" + "\n".join(found)


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


def test_only_routers_and_top_level_app_modules_touch_fastapi():
    others = [
        path
        for path in SOURCES
        if path.name != "router.py" and path.parent != APP_DIR and module_name(path) not in HTTP_EDGE
    ]

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
    # Forgotten passwords and e-mail confirmation (app/accounts/recovery.py, verification.py): the
    # mailed code is the proof, the person may not be able to sign in.
    ("POST", "/v1/auth/password-reset"),
    ("POST", "/v1/auth/password-reset/confirm"),
    ("POST", "/v1/auth/email-verification"),
    # Signing in with SPID/CIE (app/signin): the person is not signed in yet.
    ("POST", "/v1/auth/oidc/{provider}/authorize"),
    ("POST", "/v1/auth/oidc/{provider}/callback"),
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
    # Funding programmes once open are public information (who pays for what, for whom); drafts: staff.
    ("GET", "/v1/programmes"),
    ("GET", "/v1/programmes/{programme_id}"),
    # The domestic-work cost simulator: public figures (CCNL, INPS) for any family weighing a hire.
    ("GET", "/v1/domestic-work/cost"),
    # An e-mail's one-click unsubscribe (RFC 8058): the signed link is the credential, no sign-in.
    ("GET", "/v1/email/unsubscribe/{token}"),
    ("POST", "/v1/email/unsubscribe/{token}"),
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
