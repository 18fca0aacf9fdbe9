"""Every route whose signature names a role guard (`Admin`, `Citizen`, `Verifier`... built by
`app.accounts.auth.require_roles`) turns away each other role with the guard's problem code, before it looks
anything up: the ids in the path are random and the body is empty, so a 403 here can only come
from the guard. The routes are found from their dependencies, so a new guarded route is covered
as soon as it exists."""

import uuid
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from app.contract import dependency_calls
from app.main import create_app
from app.models import Role
from tests.factories import auth_headers, make_user


def _guarded() -> list[tuple[str, str, Any]]:
    routes = []
    for route in iter_route_contexts(create_app().routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        guards = [call for call in dependency_calls(route.dependant) if hasattr(call, "roles")]
        routes += [(method, route.path_format, guard) for guard in guards for method in sorted(route.methods or ())]
    return routes


GUARDED = _guarded()
DENIALS = [
    pytest.param(method, path, guard, role, id=f"{method} {path} as {role.value}")
    for method, path, guard in GUARDED
    for role in Role
    if role not in guard.roles
]


def test_the_guards_are_found():
    guarded = {(method, path) for method, path, _ in GUARDED}

    assert ("POST", "/v1/pools/{pool_id}/join") in guarded
    assert ("POST", "/v1/hubs") in guarded


@pytest.mark.parametrize(("method", "path", "guard", "role"), DENIALS)
async def test_a_role_the_guard_does_not_name_gets_its_403(client, session, method, path, guard, role):
    person = await make_user(session, role=role)
    url = path.format_map({name: uuid.uuid4() for name in _path_names(path)})

    response = await client.request(
        method, url, json={}, headers=auth_headers(person) | {"Idempotency-Key": str(uuid.uuid4())}
    )

    assert response.status_code == 403
    assert response.json()["code"] == guard.problems[0].code


def _path_names(path: str) -> list[str]:
    return [part[1:-1].split(":")[0] for part in path.split("/") if part.startswith("{")]
