"""Client authentication at the provider's token endpoint: private_key_jwt as the SPID/CIE profile
requires (RFC 7523 assertion: iss = sub = client_id, aud = the token endpoint, a fresh jti), or a
client secret, as configured."""

import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from app.config import OidcProviderSettings, get_settings
from tests.signin.flow import sign_in
from tests.signin.provider import REDIRECT_URI


@pytest.fixture
def client_key() -> RSAKey:
    return RSAKey.generate_key(2048)


@pytest.fixture
def private_key_jwt_provider(op, client_key, monkeypatch):
    provider = OidcProviderSettings(
        kind="spid",
        issuer=op.issuer,
        client_id="https://api.welfareditutti.example",
        client_auth="private_key_jwt",
        client_private_key=json.dumps(client_key.as_dict(private=True)),
        redirect_uris=[REDIRECT_URI],
    )
    monkeypatch.setattr(get_settings().oidc, "providers", {"spid": provider})
    return op


async def test_the_token_request_carries_a_private_key_jwt_assertion_and_no_secret(
    client, private_key_jwt_provider, client_key
):
    op = private_key_jwt_provider
    op.person("mario")

    response = await sign_in(client, op, "mario")

    # The test OP authenticates clients by secret only, so it refuses the assertion (invalid_client);
    # what is checked here is the assertion the API sent.
    assert response.json()["code"] == "oidc_code_rejected"
    [token_request] = op.recorder.paths("/oauth2/token")
    assert token_request.form["client_assertion_type"] == ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
    assert "client_secret" not in token_request.form and "authorization" not in token_request.headers
    assertion = jwt.decode(
        token_request.form["client_assertion"][0], RSAKey.import_key(client_key.as_dict(private=False))
    )
    claims = assertion.claims
    assert claims["iss"] == claims["sub"] == "https://api.welfareditutti.example"
    assert claims["aud"] == f"{op.issuer}/oauth2/token"
    assert claims["jti"] and claims["exp"] > time.time()


async def test_each_token_request_has_a_new_assertion_id(client, private_key_jwt_provider, client_key):
    op = private_key_jwt_provider
    op.person("mario")

    await sign_in(client, op, "mario")
    await sign_in(client, op, "mario")

    jtis = {
        jwt.decode(r.form["client_assertion"][0], RSAKey.import_key(client_key.as_dict(private=False))).claims["jti"]
        for r in op.recorder.paths("/oauth2/token")
    }
    assert len(jtis) == 2


async def test_a_client_secret_provider_authenticates_with_http_basic(client, op):
    op.person("mario")

    assert (await sign_in(client, op, "mario")).status_code == 200

    [token_request] = op.recorder.paths("/oauth2/token")
    assert token_request.headers["authorization"].startswith("Basic ")
    assert "client_assertion" not in token_request.form
