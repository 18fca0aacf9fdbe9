import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import update

from app.models import User
from tests.demand.conftest import request_body
from tests.factories import make_user
from tests.signin.flow import callback, consent, sign_in, start
from tests.signin.provider import SPID_L3


def bearer(response) -> dict[str, str]:
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_a_citizen_signs_in_with_spid_gets_tokens_and_files_a_request(client, op):
    op.person("mario", acr=SPID_L3)

    signed_in = await sign_in(client, op, "mario")

    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["token_type"] == "bearer" and signed_in.json()["refresh_token"]
    me = (await client.get("/v1/me", headers=bearer(signed_in))).json()
    assert (me["role"], me["email"], me["full_name"]) == ("citizen", "mario@example.org", "Mario Rossi")
    assert me["identity_verified"]["provider"] == "spid" and me["identity_verified"]["level"] == "SpidL3"
    filed = await client.post("/v1/requests", json=request_body(), headers=bearer(signed_in))
    assert filed.status_code == 201, filed.text
    refreshed = await client.post(
        "/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": signed_in.json()["refresh_token"]}
    )
    assert refreshed.status_code == 200


async def test_a_second_sign_in_with_the_same_fiscal_code_reaches_the_same_account(client, op):
    op.person("mario")
    first = (await client.get("/v1/me", headers=bearer(await sign_in(client, op, "mario")))).json()
    # Another provider (CIE), another pairwise subject and another e-mail: the fiscal code decides.
    op.person("mario-cie", email="other.address@example.org")

    second = await sign_in(client, op, "mario-cie", provider="cie")

    me = (await client.get("/v1/me", headers=bearer(second))).json()
    assert me["id"] == first["id"] and me["email"] == "mario@example.org"
    assert me["identity_verified"]["provider"] == "cie" and me["identity_verified"]["level"] == "CIE"


async def test_an_existing_account_with_the_same_email_is_not_linked_by_email_alone(client, session, op):
    existing = await make_user(session, email="mario@example.org", full_name="Mario Rossi")
    op.person("mario")

    response = await sign_in(client, op, "mario")

    assert response.status_code == 409
    assert response.json()["code"] == "oidc_email_in_use"
    await session.refresh(existing)
    assert existing.verified_fiscal_code is None


async def test_a_fiscal_code_with_omocodia_letters_is_accepted(client, op):
    op.person("omocode", fiscal_number="TINIT-RSSMRA85T1LA562V")

    response = await sign_in(client, op, "omocode")

    assert response.status_code == 200, response.text


async def test_a_fiscal_code_with_a_wrong_check_character_is_refused(client, op):
    op.person("wrong", fiscal_number="TINIT-RSSMRA85T10A562T")

    response = await sign_in(client, op, "wrong")

    assert response.status_code == 400
    assert response.json()["code"] == "fiscal_code_invalid"


async def test_without_the_fiscal_number_attribute_the_sign_in_is_refused(client, op):
    op.set_user("nofiscal", acr="https://www.spid.gov.it/SpidL2", email="n@example.org", given_name="N")

    response = await sign_in(client, op, "nofiscal")

    assert response.status_code == 400
    assert response.json()["code"] == "identity_claim_missing"


async def test_a_deactivated_account_cannot_sign_in_with_spid(client, session, op):
    op.person("mario")
    await sign_in(client, op, "mario")
    await session.execute(update(User).where(User.verified_fiscal_code == "RSSMRA85T10A562S").values(is_active=False))

    response = await sign_in(client, op, "mario")

    assert response.status_code == 403
    assert response.json()["code"] == "sign_in_account_inactive"


async def test_the_authorization_url_carries_pkce_s256_state_nonce_and_acr_values(client, op):
    started = await start(client)

    assert started.status_code == 200
    query = parse_qs(urlsplit(started.json()["authorization_url"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["acr_values"] == ["https://www.spid.gov.it/SpidL2"]
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["state"] == [started.json()["state"]]
    assert "openid" in query["scope"][0].split()


async def test_the_token_request_proves_the_pkce_challenge_of_the_authorization(client, op):
    op.person("mario")
    started = await start(client)
    challenge = parse_qs(urlsplit(started.json()["authorization_url"]).query)["code_challenge"][0]
    code, state = op.authorize(started.json()["authorization_url"], "mario")

    assert (await callback(client, code, state)).status_code == 200

    [token_request] = op.recorder.paths("/oauth2/token")
    verifier = token_request.form["code_verifier"][0]
    assert 43 <= len(verifier) <= 128
    assert base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode() == challenge


async def test_an_unregistered_redirect_uri_is_refused(client, op):
    response = await start(client, redirect_uri="https://evil.example.org/signin/callback")

    assert response.status_code == 400
    assert response.json()["code"] == "redirect_uri_not_registered"


async def test_an_unknown_provider_is_404(client, op):
    response = await start(client, provider="nowhere")

    assert response.status_code == 404
    assert response.json()["code"] == "oidc_provider_unknown"


async def test_without_any_provider_configured_sign_in_is_404(client):
    response = await start(client)

    assert response.status_code == 404
    assert response.json()["code"] == "oidc_provider_unknown"


async def test_consent_then_state_are_single_use_even_after_success(client, op):
    op.person("mario")
    code, state = await consent(client, op, "mario")
    assert (await callback(client, code, state)).status_code == 200

    again = await callback(client, code, state)

    assert again.status_code == 400
    assert again.json()["code"] == "oidc_state_used"


async def test_starting_sign_ins_is_rate_limited_per_client_ip(client, op, monkeypatch):
    from app.config import get_settings

    monkeypatch.setattr(get_settings().rate_limit, "login_per_ip_per_minute", 2)
    for _ in range(2):
        assert (await start(client)).status_code == 200

    response = await start(client)

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
