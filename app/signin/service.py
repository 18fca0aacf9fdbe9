"""Sign-in with an OpenID Provider (SPID/CIE), for third-party frontends.

1. `start_authorization`: the frontend names the provider and its registered redirect URI; this API
   keeps a single-use, short-lived state with the nonce and the PKCE verifier, and answers the
   provider's authorization URL.
2. `complete_sign_in`: the frontend posts the code and state it got back; this API takes the state
   (once), exchanges the code with the verifier, verifies the id_token, reads userinfo, and signs the
   person in to the account of that fiscal code, with this API's own access and refresh tokens.

Accounts are joined by the fiscal code a provider verified, never by e-mail: a first sign-in creates a
citizen, unless the e-mail is already an account's, which is then refused (the person signs in with
the password; nobody takes over an account by having a SPID identity with its e-mail).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import login
from app.accounts import service as account_service
from app.config import OidcProviderSettings, get_settings
from app.models import IdentityLevel, OidcAuthorization, User
from app.signin import fiscal_code, provider
from app.signin import repository as repo
from app.signin.errors import (
    AcrNotAllowed,
    IdentityClaimMissing,
    OidcEmailInUse,
    OidcProviderUnknown,
    OidcStateExpired,
    OidcStateInvalid,
    OidcStateUsed,
    RedirectUriNotRegistered,
    SignInAccountInactive,
)
from app.tokens import IssuedTokens

SPID_LEVELS = {
    "https://www.spid.gov.it/SpidL2": IdentityLevel.spid_l2,
    "https://www.spid.gov.it/SpidL3": IdentityLevel.spid_l3,
}


@dataclass(frozen=True, slots=True)
class StartedAuthorization:
    authorization_url: str
    state: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class VerifiedPerson:
    fiscal_code: str
    level: IdentityLevel
    email: str | None
    full_name: str | None


def _provider(name: str) -> OidcProviderSettings:
    found = get_settings().oidc.providers.get(name)
    if found is None:
        raise OidcProviderUnknown(f"No identity provider is called {name!r} here.")
    return found


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


async def start_authorization(session: AsyncSession, provider_name: str, *, redirect_uri: str) -> StartedAuthorization:
    config = _provider(provider_name)
    # Exact match (OAuth 2.0 Security BCP 4.1.3): no prefixes, no patterns.
    if redirect_uri not in config.redirect_uris:
        raise RedirectUriNotRegistered("This redirect_uri is not registered for this provider.")
    settings = get_settings().oidc
    now = datetime.now(UTC)
    # 256 bits each (43 characters, above the SPID/CIE profile's minimum of 32); the PKCE verifier
    # is 64 characters of the RFC 7636 alphabet.
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    async with provider.provider_client(config, settings) as client:
        meta = await provider.metadata(client, config, settings)
        url = provider.authorization_url(
            client, meta, config, redirect_uri=redirect_uri, state=state, nonce=nonce, code_verifier=verifier
        )
    await repo.delete_expired(session, before=now)
    expires_at = now + timedelta(minutes=settings.state_minutes)
    session.add(
        OidcAuthorization(
            provider=provider_name,
            state_hash=_hash(state),
            nonce=nonce,
            code_verifier=verifier,
            redirect_uri=redirect_uri,
            expires_at=expires_at,
        )
    )
    await session.flush()
    return StartedAuthorization(authorization_url=url, state=state, expires_at=expires_at)


async def _take_state(session: AsyncSession, provider_name: str, state: str) -> OidcAuthorization:
    now = datetime.now(UTC)
    taken = await repo.take_authorization(session, provider=provider_name, state_hash=_hash(state), now=now)
    if taken is not None:
        return taken
    found = await repo.get_by_state_hash(session, _hash(state))
    if found is None or found.provider != provider_name:
        raise OidcStateInvalid("No sign-in with this provider was started with this state.")
    if found.used_at is not None:
        raise OidcStateUsed("This sign-in state was already used; start again.")
    raise OidcStateExpired("This sign-in state has expired; start again.")


async def complete_sign_in(session: AsyncSession, provider_name: str, *, code: str, state: str) -> IssuedTokens:
    config = _provider(provider_name)
    authorization = await _take_state(session, provider_name, state)
    settings = get_settings().oidc
    async with provider.provider_client(config, settings) as client:
        meta = await provider.metadata(client, config, settings)
        token = await provider.exchange_code(
            client, meta, code=code, redirect_uri=authorization.redirect_uri, code_verifier=authorization.code_verifier
        )
        claims = await provider.verify_id_token(
            client, meta, config, settings, id_token=token["id_token"], nonce=authorization.nonce
        )
        access_token = token.get("access_token")
        info = (
            await provider.userinfo(client, meta, access_token=access_token, subject=claims["sub"])
            if isinstance(access_token, str)
            else {}
        )
    person = _person(config, claims, info)
    user = await _account_for(session, provider_name, person)
    return await login.start_session(session, user)


def _person(config: OidcProviderSettings, claims: dict[str, Any], info: dict[str, Any]) -> VerifiedPerson:
    attributes = {**claims, **info}
    raw_fiscal_number = attributes.get(fiscal_code.FISCAL_NUMBER_CLAIM)
    if raw_fiscal_number is None:
        raise IdentityClaimMissing("The identity provider did not release the fiscal number.")
    if config.kind == "cie":
        level = IdentityLevel.cie
    elif claims["acr"] in SPID_LEVELS:
        level = SPID_LEVELS[claims["acr"]]
    else:  # allowed by the settings, but below the levels an identity is verified with here
        raise AcrNotAllowed("SPID level 2 or 3 is needed to verify an identity.")
    names = [attributes.get("given_name"), attributes.get("family_name")]
    full_name = " ".join(name.strip() for name in names if isinstance(name, str) and name.strip()) or attributes.get(
        "name"
    )
    email = attributes.get("email")
    return VerifiedPerson(
        fiscal_code=fiscal_code.from_claim(raw_fiscal_number),
        level=level,
        email=email.strip() if isinstance(email, str) and email.strip() else None,
        full_name=full_name[:200].strip() if isinstance(full_name, str) and full_name.strip() else None,
    )


async def _account_for(session: AsyncSession, provider_name: str, person: VerifiedPerson) -> User:
    # A concurrent first sign-in of the same person may create the account between two of these
    # statements (each sees what was committed before it ran): a second look by fiscal code finds it.
    for attempt in range(2):
        user = await account_service.find_by_verified_fiscal_code(session, person.fiscal_code)
        if user is not None:
            if not user.is_active:
                raise SignInAccountInactive("This account is deactivated.")
            account_service.record_verified_identity(user, provider=provider_name, level=person.level)
            return user
        if person.email is None or person.full_name is None:
            raise IdentityClaimMissing("A first sign-in needs the provider to release the name and e-mail.")
        if await account_service.email_in_use(session, person.email):
            if attempt == 0:
                continue
            raise OidcEmailInUse(
                "An account with this e-mail exists and no verified identity joins it to this fiscal code: "
                "sign in with its password."
            )
        created = await account_service.register_verified_citizen(
            session,
            email=person.email,
            full_name=person.full_name,
            fiscal_code=person.fiscal_code,
            provider=provider_name,
            level=person.level,
        )
        if created is not None:
            return created
    raise OidcEmailInUse("An account with this e-mail was created at the same moment; sign in again.")
