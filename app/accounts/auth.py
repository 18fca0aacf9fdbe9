"""Who is calling: bearer-token resolution and role/scope guards for routers.

One OAuth2 security scheme documents both flows (password for people, client credentials for
partner systems), so Swagger's Authorize button works for either. Every guard answers 401 with
`WWW-Authenticate: Bearer` when the token is missing or bad, 403 when the caller may not do this.
"""

import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlowPassword, OAuthFlows
from fastapi.security import OAuth2

from app.accounts import service as account_service
from app.accounts import verification
from app.accounts.errors import EmailNotVerified
from app.config import get_settings
from app.db import SessionDep
from app.errors import Forbidden, MissingCredentials, NotAuthenticated, raises
from app.models import PartnerClient, PartnerScope, Role, User
from app.principal import SCHEME_NAME, authenticates
from app.tokens import InvalidToken, decode_access_token

TOKEN_URL = "/v1/auth/token"

# What each partner scope lets a client-credentials token do; the contract lists them in the flow,
# and every operation guarded by `require_scope` declares the one it needs.
PARTNER_SCOPES: dict[str, str] = {
    PartnerScope.listings_write: "Create, replace and delete the partner's own service listings",
    PartnerScope.events_read: "Read the event feed (what changed, for systems that poll instead of receiving webhooks)",
    PartnerScope.webhooks_manage: "Manage the partner's webhook subscriptions, their secrets and their deliveries",
}

oauth2_scheme = OAuth2(
    flows=OAuthFlows(
        # People's sessions rotate a refresh token at the same endpoint (grant_type=refresh_token).
        password=OAuthFlowPassword(tokenUrl=TOKEN_URL, refreshUrl=TOKEN_URL),
        clientCredentials=OAuthFlowClientCredentials(tokenUrl=TOKEN_URL, scopes=PARTNER_SCOPES),
    ),
    scheme_name=SCHEME_NAME,
    description=(
        "Citizens and staff: password flow. Partner systems: client credentials. Access tokens are "
        "short-lived JWTs issued and verified following RFC8725 (JWT Best Current Practices)."
    ),
    auto_error=False,
)


@dataclass(frozen=True, slots=True)
class Principal:
    kind: Literal["user", "partner"]
    id: uuid.UUID
    user: User | None = None
    partner: PartnerClient | None = None
    scopes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Stable string identifying the caller (idempotency scope, rate-limit key, audit actor)."""
        return f"{self.kind}:{self.id}"


def _bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@raises(NotAuthenticated)  # a token that is sent must be valid, even where none is needed
async def optional_principal(
    request: Request, session: SessionDep, authorization: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal | None:
    if (known := getattr(request.state, "principal", None)) is not None:
        return known  # already resolved for this request by `authenticate` (the core's caller)
    token = _bearer_token(authorization)
    if token is None:
        return None
    try:
        claims = decode_access_token(get_settings().auth, token)
    except InvalidToken as exc:
        raise NotAuthenticated("The access token is invalid or expired.") from exc
    if claims.kind == "user":
        assert claims.session_id is not None  # decode_access_token requires it of people's tokens
        user = await account_service.get_user_for_token(session, claims.subject, claims.epoch, claims.session_id)
        if user is None:
            raise NotAuthenticated("The access token is no longer valid.")
        principal = Principal(kind="user", id=user.id, user=user)
    else:
        partner = await account_service.get_partner_for_token(session, claims.subject)
        if partner is None:
            raise NotAuthenticated("The partner client is revoked or unknown.")
        principal = Principal(kind="partner", id=partner.id, partner=partner, scopes=claims.scopes)
    request.state.principal = principal
    return principal


@authenticates
@raises(MissingCredentials)
async def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise MissingCredentials("Authentication is required.")
    return principal


async def authenticate(request: Request, session: SessionDep) -> Principal:
    """The core's `authenticated_caller` (app.principal), plugged in by app.main: the same checks
    as `current_principal`, and the same principal for the rest of the request."""
    principal = await optional_principal(request, session, request.headers.get("Authorization"))
    return await current_principal(principal)


@raises(Forbidden)
async def current_user(principal: Annotated[Principal, Depends(current_principal)]) -> User:
    if principal.user is None:
        raise Forbidden("This operation is for people, not partner systems.")
    return principal.user


async def optional_user(principal: Annotated[Principal | None, Depends(optional_principal)]) -> User | None:
    """The signed-in person, or None for anonymous callers and partner systems (public views)."""
    return principal.user if principal is not None else None


@raises(EmailNotVerified)
async def verified_user(user: Annotated[User, Depends(current_user)]) -> User:
    """The signed-in person, once their e-mail is confirmed: what filing requests, offers and reviews
    needs (app/accounts/verification.py says which accounts start verified)."""
    verification.require_verified_email(user)
    return user


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
CurrentUser = Annotated[User, Depends(current_user)]
VerifiedUser = Annotated[User, Depends(verified_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]


def require_roles(
    *roles: Role, reason: str = "Your role may not perform this operation.", error: type[Forbidden] = Forbidden
) -> Callable[..., Coroutine[Any, Any, User]]:
    """A guard letting through people of these roles; `reason` is the denial's detail, `error` its
    problem type (a domain's own 403, such as `citizens_only`, keeps its code)."""

    async def guard(user: CurrentUser) -> User:
        if user.role not in roles:
            raise error(reason)
        return user

    guard.__name__ = "require_" + "_or_".join(r.value for r in roles)
    guard.roles = roles  # type: ignore[attr-defined]  # read by tests/test_role_guards.py: who may pass
    return raises(error)(guard)


def require_scope(scope: str) -> Callable[..., Coroutine[Any, Any, PartnerClient]]:
    async def guard(principal: CurrentPrincipal) -> PartnerClient:
        if principal.partner is None or scope not in principal.scopes:
            raise Forbidden(f"This operation needs a partner token with scope {scope!r}.")
        return principal.partner

    guard.__name__ = f"require_scope_{scope.replace(':', '_')}"
    guard.oauth_scope = scope  # type: ignore[attr-defined]  # read by app.contract: the operation's scope
    return raises(Forbidden)(guard)


# Who may call a route, in its signature: `admin: Admin`. Each guard checks the role only; whether
# this person may act on this object (this hub, this provider, this pool) stays in the service.
# Combinations a single domain needs are built there with `require_roles(..., reason=...)`.
Admin = Annotated[User, Depends(require_roles(Role.admin))]
Citizen = Annotated[User, Depends(require_roles(Role.citizen, reason="This operation is for citizens (households)."))]
CitizenOrWorker = Annotated[
    User,
    Depends(
        require_roles(Role.citizen, Role.worker, reason="Citizens and workers do this for themselves; staff do not.")
    ),
]

# Partner systems, one guard per OAuth2 scope (the scope shows in the route's signature and in the
# contract). Aliases rather than a `Partner(scope=...)` call: type checkers accept no call in an
# annotation.
ListingWriter = Annotated[PartnerClient, Depends(require_scope(PartnerScope.listings_write.value))]
EventReader = Annotated[PartnerClient, Depends(require_scope(PartnerScope.events_read.value))]
WebhookManager = Annotated[PartnerClient, Depends(require_scope(PartnerScope.webhooks_manage.value))]
