"""Who is calling, as the platform core sees it: a caller with a stable key.

The core keys on the caller (the idempotency scope, the creation rate limit, the contract's
security requirement) but authenticating one is the identity context's job, and the core imports
no domain. So the core states what it needs, a `Caller`, and asks for it through
`authenticated_caller`; the composition root (app.main) plugs identity's resolver in as
`app.state.authenticate`.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionDep
from app.errors import MissingCredentials, NotAuthenticated, raises

# The one OAuth2 security scheme of the contract (both flows, people and partner systems).
SCHEME_NAME = "OAuth2"

F = TypeVar("F", bound=Callable[..., Any])


class Caller(Protocol):
    @property
    def key(self) -> str:
        """Stable string identifying the caller (idempotency scope, rate-limit key, audit actor)."""
        ...


Authenticate = Callable[[Request, AsyncSession], Awaitable[Caller]]


def authenticates(dependency: F) -> F:
    """Mark a dependency that requires a signed-in caller: app.contract declares the OAuth2 scheme
    on every route depending on one, directly or not."""
    dependency.authenticates = True  # type: ignore[attr-defined]
    return dependency


def requires_caller(calls: list[Any]) -> bool:
    """Whether a route whose dependencies call these needs a signed-in caller."""
    return any(getattr(call, "authenticates", False) for call in calls)


@authenticates
@raises(MissingCredentials, NotAuthenticated)
async def authenticated_caller(request: Request, session: SessionDep) -> Caller:
    authenticate: Authenticate = request.app.state.authenticate
    return await authenticate(request, session)


AuthenticatedCaller = Annotated[Caller, Depends(authenticated_caller)]
