"""Holds the contract's problem codes to what the app sends: the `client` fixture records every
problem response of a test, and the test fails (at teardown) when one carries a `code` that its
operation does not list under that status (`x-problem-codes`). So the lists stay true as the
suite grows: a new error raised by a route must be declared on it or on the dependency raising it.
"""

import re
from typing import Any

import httpx

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
