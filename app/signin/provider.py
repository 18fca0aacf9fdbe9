"""Talking to an OpenID Provider: discovery, the authorization URL, the code exchange, the id_token
and userinfo. Authlib is the OAuth 2.0 client (PKCE S256, client authentication by private_key_jwt or
client secret); joserfc (Authlib's JOSE library) verifies the id_token. No JOSE is written here.

Discovery documents and key sets are cached per issuer for OIDC__METADATA_CACHE_SECONDS. An id_token
whose signature no cached key verifies makes one fresh fetch of the key set before it is refused: that
is how a provider's key rotation is followed (OpenID Connect Core 10.1.1). The fetch is bounded by
sign-ins, since an id_token only arrives from the provider's own token endpoint, for a code it issued.
"""

import json
import time
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

with warnings.catch_warnings():
    # Authlib announces a move from httpx to a fork (httpx2) on import; this app uses httpx, which
    # Authlib 1.x supports. The pin (<2) keeps it so. Authlib's own "always" filter goes in first.
    import authlib.deprecate  # noqa: F401

    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError
    from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc import jws, jwt
from joserfc.errors import (
    BadSignatureError,
    DecodeError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import JWKRegistry, KeySet, RSAKey

from app.config import OidcProviderSettings, OidcSettings
from app.signin.errors import (
    AcrNotAllowed,
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
    OidcProviderUnavailable,
    UserinfoSubjectMismatch,
)
from app.signin.fiscal_code import FISCAL_NUMBER_CLAIM

# Asked for through the `claims` request parameter (OIDC Core 5.5): SPID releases attributes only when
# they are requested there; a gateway or OP that does not support the parameter ignores it.
REQUESTED_CLAIMS = {
    "userinfo": {
        FISCAL_NUMBER_CLAIM: {"essential": True},
        "given_name": {"essential": True},
        "family_name": {"essential": True},
        "email": {"essential": True},
    }
}


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None


_metadata: dict[str, tuple[float, ProviderMetadata]] = {}
_key_sets: dict[str, tuple[float, KeySet]] = {}


def forget_cached_metadata() -> None:
    """Drop every cached discovery document and key set (tests start providers on new ports)."""
    _metadata.clear()
    _key_sets.clear()


@asynccontextmanager
async def provider_client(provider: OidcProviderSettings, settings: OidcSettings) -> AsyncIterator[AsyncOAuth2Client]:
    """An OAuth 2.0 client (an httpx client) for one provider, with its client authentication."""
    secret: Any
    if provider.client_auth == "private_key_jwt":
        assert provider.client_private_key is not None  # noqa: S101 - checked when settings load
        secret = _private_key(provider.client_private_key.get_secret_value())
    else:
        assert provider.client_secret is not None  # noqa: S101 - checked when settings load
        secret = provider.client_secret.get_secret_value()
    async with AsyncOAuth2Client(
        client_id=provider.client_id,
        client_secret=secret,
        token_endpoint_auth_method=provider.client_auth,
        code_challenge_method="S256",
        scope=" ".join(provider.scopes),
        timeout=settings.http_timeout_seconds,
        follow_redirects=False,
    ) as client:
        if provider.client_auth == "private_key_jwt":
            # The assertion's aud is the token endpoint, iss = sub = client_id, with a fresh jti.
            client.register_client_auth_method(PrivateKeyJWT())
        yield client


def _private_key(value: str) -> Any:
    if value.lstrip().startswith("{"):
        return JWKRegistry.import_key(json.loads(value))
    return RSAKey.import_key(value)


async def _get_json(client: AsyncOAuth2Client, url: str, what: str) -> dict[str, Any]:
    try:
        # withhold_token: Authlib's client would otherwise insist on a token of its own for every call.
        response = await client.request("GET", url, headers={"Accept": "application/json"}, withhold_token=True)
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcProviderUnavailable(f"The identity provider's {what} could not be read.") from exc
    if not isinstance(document, dict):
        raise OidcProviderUnavailable(f"The identity provider's {what} is not a JSON object.")
    return document


async def metadata(
    client: AsyncOAuth2Client, provider: OidcProviderSettings, settings: OidcSettings
) -> ProviderMetadata:
    cached = _metadata.get(provider.issuer)
    if cached and time.monotonic() - cached[0] < settings.metadata_cache_seconds:
        return cached[1]
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    document = await _get_json(client, url, "discovery document")
    # OpenID Connect Discovery 4.3: the document must name the issuer it was fetched for.
    if document.get("issuer") != provider.issuer:
        raise OidcProviderUnavailable("The identity provider's discovery document names another issuer.")
    try:
        found = ProviderMetadata(
            issuer=document["issuer"],
            authorization_endpoint=str(document["authorization_endpoint"]),
            token_endpoint=str(document["token_endpoint"]),
            jwks_uri=str(document["jwks_uri"]),
            userinfo_endpoint=str(document["userinfo_endpoint"]) if document.get("userinfo_endpoint") else None,
        )
    except KeyError as exc:
        raise OidcProviderUnavailable(f"The identity provider's discovery document lacks {exc}.") from exc
    _metadata[provider.issuer] = (time.monotonic(), found)
    return found


async def _key_set(
    client: AsyncOAuth2Client, meta: ProviderMetadata, settings: OidcSettings, *, fresh: bool = False
) -> KeySet:
    cached = _key_sets.get(meta.jwks_uri)
    if cached and not fresh and time.monotonic() - cached[0] < settings.metadata_cache_seconds:
        return cached[1]
    document = await _get_json(client, meta.jwks_uri, "key set")
    try:
        keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise OidcProviderUnavailable("The identity provider's key set cannot be read.") from exc
    _key_sets[meta.jwks_uri] = (time.monotonic(), keys)
    return keys


def authorization_url(
    client: AsyncOAuth2Client,
    meta: ProviderMetadata,
    provider: OidcProviderSettings,
    *,
    redirect_uri: str,
    state: str,
    nonce: str,
    code_verifier: str,
) -> str:
    url, _ = client.create_authorization_url(
        meta.authorization_endpoint,
        state=state,
        code_verifier=code_verifier,
        redirect_uri=redirect_uri,
        nonce=nonce,
        acr_values=" ".join(provider.acr_values),
        claims=json.dumps(REQUESTED_CLAIMS, separators=(",", ":")),
        prompt="login",
    )
    return str(url)


async def exchange_code(
    client: AsyncOAuth2Client, meta: ProviderMetadata, *, code: str, redirect_uri: str, code_verifier: str
) -> dict[str, Any]:
    try:
        token = await client.fetch_token(
            meta.token_endpoint,
            grant_type="authorization_code",
            code=code,
            redirect_uri=redirect_uri,
            code_verifier=code_verifier,
        )
    except OAuthError as exc:
        raise OidcCodeRejected(f"The identity provider refused the code ({exc.error}).") from exc
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcProviderUnavailable("The identity provider's token endpoint could not be used.") from exc
    if not isinstance(token.get("id_token"), str):
        raise OidcProviderUnavailable("The identity provider answered without an id_token.")
    return dict(token)


async def verify_id_token(
    client: AsyncOAuth2Client,
    meta: ProviderMetadata,
    provider: OidcProviderSettings,
    settings: OidcSettings,
    *,
    id_token: str,
    nonce: str,
) -> dict[str, Any]:
    """The id_token's claims, once its signature (the provider's keys), iss, aud (and azp), exp, iat,
    nonce and acr are all as they must be (OpenID Connect Core 3.1.3.7)."""
    algorithm = _header_algorithm(id_token)
    if algorithm == "none":
        raise IdTokenUnsigned("The id_token is not signed (alg: none).")
    if algorithm not in provider.id_token_algorithms:
        raise IdTokenAlgorithmRefused(f"The id_token's algorithm {algorithm!r} is not accepted.")
    algorithms: list[str] = list(provider.id_token_algorithms)
    try:
        token = _decode(id_token, await _key_set(client, meta, settings), algorithms)
    except (BadSignatureError, InvalidKeyIdError):
        try:  # the provider may have rotated its keys since they were cached
            token = _decode(id_token, await _key_set(client, meta, settings, fresh=True), algorithms)
        except (BadSignatureError, InvalidKeyIdError) as exc:
            raise IdTokenSignatureInvalid("The id_token is not signed by the identity provider's keys.") from exc
    _validate_claims(token.claims, provider, settings, nonce=nonce)
    return dict(token.claims)


def _header_algorithm(id_token: str) -> str:
    try:
        header = jws.extract_compact(id_token.encode()).protected
    except (JoseError, ValueError) as exc:
        raise IdTokenMalformed("The id_token is not a compact JWS.") from exc
    algorithm = header.get("alg")
    if not isinstance(algorithm, str):
        raise IdTokenMalformed("The id_token's header has no algorithm.")
    return algorithm


def _decode(id_token: str, keys: KeySet, algorithms: list[str]) -> jwt.Token:
    try:
        return jwt.decode(id_token, keys, algorithms=algorithms)
    except (BadSignatureError, InvalidKeyIdError):
        raise
    except (DecodeError, JoseError, ValueError) as exc:
        raise IdTokenMalformed("The id_token cannot be decoded.") from exc


def _validate_claims(
    claims: dict[str, Any], provider: OidcProviderSettings, settings: OidcSettings, *, nonce: str
) -> None:
    registry = jwt.JWTClaimsRegistry(
        leeway=settings.clock_skew_seconds,
        iss={"essential": True, "value": provider.issuer},
        sub={"essential": True},
        aud={"essential": True, "value": provider.client_id},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
        acr={"essential": True, "values": list(provider.allowed_acr)},
    )
    try:
        registry.validate(claims)
    except MissingClaimError as exc:
        raise IdTokenClaimMissing(f"The id_token lacks {exc.claim}.") from exc
    except ExpiredTokenError as exc:
        raise IdTokenExpired("The id_token has expired.") from exc
    except InvalidClaimError as exc:
        raise _claim_error(exc.claim) from exc
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    # OIDC Core 3.1.3.7 (4, 5): with several audiences, the authorized party must be this client.
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise IdTokenAudienceMismatch("The id_token was issued to several clients and not authorized for this one.")


def _claim_error(claim: str) -> Exception:
    return {
        "iss": IdTokenIssuerMismatch("The id_token was issued by another provider."),
        "aud": IdTokenAudienceMismatch("The id_token was issued to another client."),
        "exp": IdTokenExpired("The id_token's expiry is not valid."),
        "iat": IdTokenIssuedInFuture("The id_token was issued in the future."),
        "nonce": IdTokenNonceMismatch("The id_token's nonce is not the one of this sign-in."),
        "acr": AcrNotAllowed("The level of assurance the provider asserted is not accepted here."),
    }.get(claim, IdTokenMalformed(f"The id_token's {claim} claim is not valid."))


async def userinfo(
    client: AsyncOAuth2Client, meta: ProviderMetadata, *, access_token: str, subject: str
) -> dict[str, Any]:
    """The userinfo claims (plain JSON), when the provider has the endpoint; about the id_token's subject."""
    if meta.userinfo_endpoint is None:
        return {}
    try:
        response = await client.request(
            "GET",
            meta.userinfo_endpoint,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            withhold_token=True,
        )
        response.raise_for_status()
        claims = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcProviderUnavailable("The identity provider's userinfo could not be read.") from exc
    if not isinstance(claims, dict):
        raise OidcProviderUnavailable("The identity provider's userinfo is not a JSON object.")
    if claims.get("sub") != subject:
        raise UserinfoSubjectMismatch("The userinfo is about another subject than the id_token.")
    return claims
