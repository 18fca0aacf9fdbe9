"""Holds the contract's problem codes to what the app sends: every in-process client of the suite
(the `client` fixture, whatever role its requests carry, and the clients tests build on their own
app: race, fault, metrics, CORS) records each problem response, and fails when one carries a `code`
that its operation does not list under that status (`x-problem-codes`). So the lists stay true as
the suite grows: a new error raised by a route must be declared on it or on the dependency raising it.
"""

import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI

from app.errors import PROBLEM_CODES, PROBLEM_JSON


class ProblemCodeRecorder:
    def __init__(self, spec: dict[str, Any]) -> None:
        # Literal segments win over parameters (/v1/requests/inbox before /v1/requests/{request_id}).
        templates = sorted(spec["paths"], key=lambda path: (path.count("{"), path))
        self.paths = [(re.compile("^" + re.sub(r"{[^}]+}", "[^/]+", path) + "$"), path) for path in templates]
        self.spec = spec
        self.undeclared: list[str] = []

    def operation(self, method: str, url_path: str) -> tuple[str, dict[str, Any]] | None:
        for pattern, path in self.paths:
            item = self.spec["paths"][path]
            if pattern.match(url_path) and method.lower() in item:
                return path, item[method.lower()]
        return None  # an unknown path or method: the router's 404/405, not an operation's problem

    async def check(self, response: httpx.Response) -> None:
        if response.status_code < 400 or not response.headers.get("content-type", "").startswith(PROBLEM_JSON):
            return
        await response.aread()
        if not response.content:  # HEAD
            return
        found = self.operation(response.request.method, response.request.url.path)
        if found is None:
            return
        path, operation = found
        code = response.json().get("code")
        declared = operation["responses"].get(str(response.status_code), {}).get(PROBLEM_CODES, [])
        if code not in declared:
            self.undeclared.append(f"{response.request.method} {path} -> {response.status_code} {code}")


class CreatedLocationRecorder:
    """Holds a 201 to the `Location` its operation declares: the header is sent, and it is a GET
    path of the contract naming the created resource (its `id`, when the body has one). Checked on
    every create the suite makes, through the `client` fixture, like the problem codes above."""

    def __init__(self, problems: ProblemCodeRecorder) -> None:
        self.problems = problems
        self.wrong: list[str] = []

    async def check(self, response: httpx.Response) -> None:
        if response.status_code != 201:
            return
        found = self.problems.operation(response.request.method, response.request.url.path)
        if found is None or "Location" not in found[1]["responses"]["201"].get("headers", {}):
            return
        await response.aread()
        where = f"{response.request.method} {found[0]}"
        location = response.headers.get("location")
        target = self.problems.operation("GET", location or "")
        if location is None or target is None:
            self.wrong.append(f"{where} -> Location {location!r} is not a GET path of the contract")
            return
        created_id = response.json().get("id")
        if created_id is not None and target[0].endswith("}") and location.rsplit("/", 1)[1] != str(created_id):
            self.wrong.append(f"{where} -> Location {location} does not name the created {created_id}")


@contextlib.asynccontextmanager
async def checked_client(app: FastAPI, *, seconds: float = 5.0, **transport: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of `app` whose problem codes and 201 `Location`s are held to the
    contract: leaving it fails on any it saw undeclared or wrong. `seconds` is its timeout,
    `transport` ASGITransport's options."""
    problems = ProblemCodeRecorder(app.openapi())
    locations = CreatedLocationRecorder(problems)
    hooks = {"response": [problems.check, locations.check]}
    asgi = httpx.ASGITransport(app=app, **transport)
    options: dict[str, Any] = {"base_url": "http://testserver", "event_hooks": hooks, "timeout": seconds}
    async with httpx.AsyncClient(transport=asgi, **options) as client:
        yield client
    assert problems.undeclared == [], "undeclared problem codes (declare them: error_responses/raises): " + "; ".join(
        problems.undeclared
    )
    assert locations.wrong == [], "201 without the declared Location: " + "; ".join(locations.wrong)
