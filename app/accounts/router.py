import uuid
from typing import Annotated

from fastapi import Form, Header, Query, status
from pydantic import BaseModel, ConfigDict, Field

from app.accounts import login, recovery, verification
from app.accounts import service as account_service
from app.accounts.auth import Admin, CurrentUser
from app.accounts.errors import (
    AccountTokenExpired,
    AccountTokenUnknown,
    AccountTokenUsed,
    EmailTaken,
    InvalidClientCredentials,
    InvalidGrant,
    InvalidScope,
    OwnAccountProtected,
    UnsupportedGrantType,
    UserNotFound,
    WeakPassword,
    WrongPassword,
)
from app.accounts.schemas import (
    EmailVerification,
    LogoutRequest,
    MeUpdate,
    PasswordChange,
    PasswordReset,
    PasswordResetRequest,
    RegistrationAccepted,
    RegistrationCreate,
    TokenRead,
    UserAdminUpdate,
    UserRead,
)
from app.accounts.views import user_views
from app.db import SessionDep
from app.errors import Forbidden, NotAuthenticated, PreconditionFailed, RateLimited, error_responses
from app.languages import AcceptLanguage
from app.models import Role
from app.pagination import Page, PageParamsDep, Paginated
from app.ratelimit import LoginRateLimit, RegistrationRateLimit
from app.routing import IfMatch, api_router
from app.shared_schemas import one
from app.tokens import IssuedTokens

auth_router = api_router(prefix="/auth", tags=["auth"])
me_router = api_router(prefix="/me", tags=["me"])
users_router = api_router(prefix="/users", tags=["users"])

AUTHENTICATED = error_responses(NotAuthenticated)
ADMIN_ONLY = error_responses(NotAuthenticated, Forbidden)


class TokenForm(BaseModel):
    """OAuth2 token request (application/x-www-form-urlencoded)."""

    model_config = ConfigDict(extra="ignore")

    grant_type: str = Field(
        default="password", max_length=40, description="password, refresh_token or client_credentials"
    )
    username: str | None = Field(default=None, max_length=254, description="E-mail (password grant)")
    password: str | None = Field(default=None, max_length=128)
    refresh_token: str | None = Field(default=None, max_length=200)
    client_id: str | None = Field(default=None, max_length=64)
    client_secret: str | None = Field(default=None, max_length=200)
    scope: str | None = Field(default=None, max_length=500)


REGISTRATION_ACCEPTED = (
    "If this address can be used, an e-mail is on its way to it: a code to confirm the address for a new "
    "account, or word for the owner of an existing one. Then sign in at /v1/auth/token."
)
RESET_ACCEPTED = (
    "If this address has an account, an e-mail with a code to reset its password is on its way; the code "
    "works once, within 30 minutes."
)


@auth_router.post(
    "/register",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RegistrationAccepted,
    dependencies=[RegistrationRateLimit],
    responses=error_responses(WeakPassword, RateLimited),
)
async def register_account(
    data: RegistrationCreate, session: SessionDep, language: AcceptLanguage
) -> RegistrationAccepted:
    """Register a citizen or an individual worker; the answer is the same whether or not the e-mail
    already has an account (its owner is told by e-mail). Confirm the address with the mailed code
    (POST /v1/auth/email-verification); sign in at /v1/auth/token meanwhile."""
    await account_service.register(session, data, language=language)
    return RegistrationAccepted(detail=REGISTRATION_ACCEPTED)


@auth_router.post(
    "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RegistrationAccepted,
    dependencies=[RegistrationRateLimit],
    responses=error_responses(RateLimited),
)
async def request_password_reset(data: PasswordResetRequest, session: SessionDep) -> RegistrationAccepted:
    """Mail a single-use code to reset the password; the same answer whether or not the e-mail has an account."""
    await recovery.request_reset(session, data.email)
    return RegistrationAccepted(detail=RESET_ACCEPTED)


@auth_router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[RegistrationRateLimit],
    responses=error_responses(AccountTokenUnknown, AccountTokenUsed, AccountTokenExpired, WeakPassword, RateLimited),
)
async def reset_password(data: PasswordReset, session: SessionDep, language: AcceptLanguage) -> None:
    """Set a new password with the mailed code; every session of the account ends."""
    await recovery.reset_password(session, data.token, data.new_password, language=language)


@auth_router.post(
    "/email-verification",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[RegistrationRateLimit],
    responses=error_responses(AccountTokenUnknown, AccountTokenUsed, AccountTokenExpired, RateLimited),
)
async def verify_email(data: EmailVerification, session: SessionDep) -> None:
    """Confirm the account's e-mail address with the mailed code (no sign-in needed: the code is the proof)."""
    await verification.verify(session, data.token)


@auth_router.post(
    "/token",
    response_model=TokenRead,
    dependencies=[LoginRateLimit],
    responses=error_responses(InvalidGrant, UnsupportedGrantType, InvalidClientCredentials, InvalidScope, RateLimited),
)
async def issue_token(
    form: Annotated[TokenForm, Form()],
    session: SessionDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> IssuedTokens:
    """OAuth2 token endpoint: password, refresh_token (rotating) and client_credentials grants."""
    return await login.token_grant(
        session,
        grant_type=form.grant_type,
        username=form.username,
        password=form.password,
        refresh_token=form.refresh_token,
        client_id=form.client_id,
        client_secret=form.client_secret,
        scope=form.scope,
        basic_auth=authorization,
    )


@auth_router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Log out")
async def revoke_refresh_token(data: LogoutRequest, session: SessionDep) -> None:
    """Revoke a refresh token and every token rotated from the same sign-in."""
    await login.logout(session, refresh_token=data.refresh_token)


@me_router.get("", response_model=UserRead, responses=AUTHENTICATED)
async def get_me(session: SessionDep, user: CurrentUser) -> UserRead:
    """The signed-in person's own account."""
    return await one(user_views(session, [user]))


@me_router.patch(
    "", response_model=UserRead, responses=error_responses(NotAuthenticated, PreconditionFailed, EmailTaken)
)
async def update_me(data: MeUpdate, session: SessionDep, user: CurrentUser, if_match: IfMatch) -> UserRead:
    """Change one's own e-mail, name, phone or language (send If-Match to avoid lost updates). A new
    e-mail is unverified until the code mailed to it is confirmed."""
    user = await account_service.update_me(session, user, data, if_match=if_match)
    return await one(user_views(session, [user]))


@me_router.post(
    "/email-verification",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RegistrationAccepted,
    dependencies=[RegistrationRateLimit],
    responses=error_responses(NotAuthenticated, RateLimited),
)
async def resend_email_verification(session: SessionDep, user: CurrentUser) -> RegistrationAccepted:
    """Mail a new code to confirm one's address (the earlier one stops working); nothing when it is confirmed."""
    await verification.resend(session, user)
    return RegistrationAccepted(detail="If your address is not confirmed yet, a new code is on its way to it.")


@me_router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(NotAuthenticated, WrongPassword, WeakPassword),
)
async def change_password(
    data: PasswordChange, session: SessionDep, user: CurrentUser, language: AcceptLanguage
) -> None:
    """Change one's password; every existing session (refresh and access tokens) ends."""
    await account_service.change_password(session, user, data, language=language)


@users_router.get("", response_model=Page[UserRead], responses=ADMIN_ONLY)
async def list_users(
    session: SessionDep,
    admin: Admin,
    page: PageParamsDep,
    role: Role | None = None,
    email_prefix: Annotated[str | None, Query(max_length=254)] = None,
) -> Paginated[UserRead]:
    """Users, by e-mail (admins)."""
    found = await account_service.list_users(session, page, role=role, email_prefix=email_prefix)
    return found.with_items(await user_views(session, found.items))


@users_router.get(
    "/{user_id}", response_model=UserRead, responses=error_responses(NotAuthenticated, Forbidden, UserNotFound)
)
async def get_user(user_id: uuid.UUID, session: SessionDep, admin: Admin) -> UserRead:
    """One user (admins)."""
    user = await account_service.get_user(session, user_id)
    return await one(user_views(session, [user]))


@users_router.patch(
    "/{user_id}",
    response_model=UserRead,
    responses=error_responses(NotAuthenticated, Forbidden, UserNotFound, PreconditionFailed, OwnAccountProtected),
)
async def update_user(
    user_id: uuid.UUID, data: UserAdminUpdate, session: SessionDep, admin: Admin, if_match: IfMatch
) -> UserRead:
    """Change a user's role or deactivate them (admins); deactivation ends their sessions."""
    user = await account_service.update_user(session, admin, user_id, data, if_match=if_match)
    return await one(user_views(session, [user]))
