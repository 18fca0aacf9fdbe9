"""Each attack on the sign-in is refused with a problem of its own code, through the real OP.

Most attacks are the OP itself asserting something wrong: the OP puts a registered user's claims
into the id_token last, so a user registered with `nonce`, `aud`, `exp` or `acr` of an attacker's
choosing gets an id_token carrying them, signed with the OP's real key and served by its real token
endpoint. Two forgeries no honest OP emits (alg none, a key not the OP's) rewrite the token endpoint's
answer on its way out (tests/signin/provider.py); the API still reads it from the token endpoint it
discovered, over HTTP, as in production.
"""

import base64
import json
import secrets
import time
from datetime import UTC, datetime, timedelta

from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import update

from app.models import OidcAuthorization
from tests.signin.flow import callback, consent, sign_in, start


def problem_code(response) -> str:
    assert response.status_code in (400, 403, 409, 502), response.text
    return response.json()["code"]


async def test_a_state_never_issued_is_refused(client, op):
    op.person("mario")
    code, _ = await consent(client, op, "mario")

    response = await callback(client, code, secrets.token_urlsafe(32))

    assert problem_code(response) == "oidc_state_invalid"


async def test_a_state_of_another_provider_is_refused(client, op):
    op.person("mario")
    code, state = await consent(client, op, "mario", provider="spid")

    response = await callback(client, code, state, provider="cie")

    assert problem_code(response) == "oidc_state_invalid"


async def test_a_reused_state_is_refused_even_when_the_first_callback_failed(client, op):
    op.person("mario", nonce="not-the-nonce-of-this-sign-in-" + "x" * 10)
    code, state = await consent(client, op, "mario")
    assert problem_code(await callback(client, code, state)) == "id_token_nonce_mismatch"

    response = await callback(client, code, state)

    assert problem_code(response) == "oidc_state_used"


async def test_an_expired_state_is_refused(client, session, op):
    op.person("mario")
    code, state = await consent(client, op, "mario")
    await session.execute(update(OidcAuthorization).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))

    response = await callback(client, code, state)

    assert problem_code(response) == "oidc_state_expired"


async def test_a_replayed_code_is_refused_by_the_provider(client, op):
    op.person("mario")
    code, state = await consent(client, op, "mario")
    assert (await callback(client, code, state)).status_code == 200
    fresh = await start(client)  # a valid new state, with the old code

    response = await callback(client, code, fresh.json()["state"])

    assert problem_code(response) == "oidc_code_rejected"


async def test_an_id_token_with_another_nonce_is_refused(client, op):
    op.person("mario", nonce=secrets.token_urlsafe(32))

    assert problem_code(await sign_in(client, op, "mario")) == "id_token_nonce_mismatch"


async def test_an_id_token_for_another_audience_is_refused(client, op):
    op.person("mario", aud="another-relying-party")

    assert problem_code(await sign_in(client, op, "mario")) == "id_token_audience_mismatch"


async def test_an_id_token_for_several_audiences_without_azp_for_us_is_refused(client, op):
    op.person("mario", aud=["welfare-di-tutti-test", "another-relying-party"])

    assert problem_code(await sign_in(client, op, "mario")) == "id_token_audience_mismatch"


async def test_an_expired_id_token_is_refused(client, op):
    now = int(time.time())
    op.person("mario", iat=now - 7200, exp=now - 3600)

    assert problem_code(await sign_in(client, op, "mario")) == "id_token_expired"


async def test_an_id_token_issued_in_the_future_is_refused(client, op):
    now = int(time.time())
    op.person("mario", iat=now + 3600, exp=now + 7200)

    assert problem_code(await sign_in(client, op, "mario")) == "id_token_issued_in_future"


async def test_an_id_token_from_another_issuer_is_refused(client, op):
    op.person("mario", iss="https://idp.attacker.example")

    assert problem_code(await sign_in(client, op, "mario")) == "id_token_issuer_mismatch"


async def test_an_unknown_acr_is_refused(client, op):
    op.person("mario", acr="https://www.spid.gov.it/SpidL1")

    assert problem_code(await sign_in(client, op, "mario")) == "acr_not_allowed"


async def test_an_id_token_without_acr_is_refused(client, op):
    op.person("mario", acr=None)

    assert problem_code(await sign_in(client, op, "mario")) == "id_token_claim_missing"


def _segment(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _payload(id_token: str) -> dict:
    segment = id_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


async def test_an_unsigned_alg_none_id_token_is_refused(client, op):
    op.person("mario")
    op.recorder.tamper = lambda token: f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(_payload(token))}."

    assert problem_code(await sign_in(client, op, "mario")) == "id_token_unsigned"


async def test_an_id_token_with_a_symmetric_algorithm_is_refused(client, op):
    op.person("mario")
    op.recorder.tamper = lambda token: f"{_segment({'alg': 'HS256'})}.{_segment(_payload(token))}.c2ln"

    assert problem_code(await sign_in(client, op, "mario")) == "id_token_algorithm_refused"


async def test_an_id_token_signed_by_a_key_not_the_providers_is_refused(client, op):
    op.person("mario")
    foreign = RSAKey.generate_key(2048)
    op.recorder.tamper = lambda token: jwt.encode({"alg": "RS256"}, _payload(token), foreign)

    assert problem_code(await sign_in(client, op, "mario")) == "id_token_signature_invalid"
    # Refused only after fetching the provider's keys again, in case they had rotated.
    assert len(op.recorder.paths("/jwks")) == 2


async def test_a_garbled_id_token_is_refused(client, op):
    op.person("mario")
    op.recorder.tamper = lambda token: "not-a-jwt"

    assert problem_code(await sign_in(client, op, "mario")) == "id_token_malformed"


async def test_after_the_provider_rotates_its_key_the_new_key_is_fetched(client, op):
    op.person("mario")
    assert (await sign_in(client, op, "mario")).status_code == 200
    assert len(op.recorder.paths("/jwks")) == 1  # cached from now on

    op.rotate_key()
    response = await sign_in(client, op, "mario")

    assert response.status_code == 200, response.text
    assert len(op.recorder.paths("/jwks")) == 2


async def test_userinfo_about_another_subject_than_the_id_token_is_refused(client, op):
    # An id_token about someone else, signed with the OP's own key: its userinfo (about the person
    # who consented) then names another subject, the mix-up OIDC Core 5.3.2 says to refuse.
    op.person("mario")
    op.recorder.tamper = lambda token: op.sign({**_payload(token), "sub": "somebody-else"})

    assert problem_code(await sign_in(client, op, "mario")) == "userinfo_subject_mismatch"
