from typing import Annotated

from fastapi import Path

from app.accounts.schemas import TokenRead
from app.db import SessionDep
from app.errors import RateLimited, error_responses
from app.ratelimit import SignInRateLimit
from app.routing import api_router
from app.signin import service as signin_service
from app.signin.errors import (
    AcrNotAllowed,
    FiscalCodeInvalid,
    IdentityClaimMissing,
    IdTokenAlgorithmRefused,
    IdTokenAudienceMismatch,
    IdTokenClaimMissing,
    IdTokenExpired,
    IdTokenIssuedInFuture,
    IdTokenIssuerMismatch,
    IdTokenMalformed,
    IdTokenNonceMismatch,
    IdTokenSignatureInvalid,
    IdTokenUnsigned,
    OidcCodeRejected,
    OidcEmailInUse,
    OidcProviderUnavailable,
    OidcProviderUnknown,
    OidcStateExpired,
    OidcStateInvalid,
    OidcStateUsed,
    RedirectUriNotRegistered,
    SignInAccountInactive,
    UserinfoSubjectMismatch,
)
from app.signin.schemas import AuthorizationRead, AuthorizationStart, CallbackCreate
from app.tokens import IssuedTokens

router = api_router(prefix="/auth/oidc", tags=["auth"])

ProviderName = Annotated[
    str, Path(min_length=1, max_length=40, pattern="^[a-z0-9_-]+$", description="A configured provider (spid, cie)")
]


@router.post(
    "/{provider}/authorize",
    response_model=AuthorizationRead,
    dependencies=[SignInRateLimit],
    responses=error_responses(OidcProviderUnknown, RedirectUriNotRegistered, OidcProviderUnavailable, RateLimited),
)
async def start_oidc_sign_in(
    provider: ProviderName, data: AuthorizationStart, session: SessionDep
) -> signin_service.StartedAuthorization:
    """Start signing in with SPID/CIE: the provider's authorization URL (PKCE, state and nonce kept here)."""
    return await signin_service.start_authorization(session, provider, redirect_uri=data.redirect_uri)


@router.post(
    "/{provider}/callback",
    response_model=TokenRead,
    dependencies=[SignInRateLimit],
    responses=error_responses(
        RateLimited,
        OidcProviderUnknown,
        OidcStateInvalid,
        OidcStateUsed,
        OidcStateExpired,
        OidcCodeRejected,
        IdTokenMalformed,
        IdTokenUnsigned,
        IdTokenAlgorithmRefused,
        IdTokenSignatureInvalid,
        IdTokenIssuerMismatch,
        IdTokenAudienceMismatch,
        IdTokenExpired,
        IdTokenIssuedInFuture,
        IdTokenNonceMismatch,
        IdTokenClaimMissing,
        AcrNotAllowed,
        UserinfoSubjectMismatch,
        IdentityClaimMissing,
        FiscalCodeInvalid,
        OidcEmailInUse,
        SignInAccountInactive,
        OidcProviderUnavailable,
    ),
)
async def complete_oidc_sign_in(provider: ProviderName, data: CallbackCreate, session: SessionDep) -> IssuedTokens:
    """Finish signing in with SPID/CIE: the code and state the provider returned, for this API's tokens."""
    return await signin_service.complete_sign_in(session, provider, code=data.code, state=data.state)
