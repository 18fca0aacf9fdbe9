"""Refresh-token rotation and reuse detection, logout, and password change ending sessions."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from app.models import RefreshToken
from tests.factories import (
    DEFAULT_PASSWORD,
    access_claims,
    bearer,
    make_user,
    refresh,
    sign_claims,
    sign_in,
)

NEW_PASSWORD = "a-brand-new-passphrase"


async def password_grant(client, password: str):
    return await client.post(
        "/v1/auth/token", data={"grant_type": "password", "username": "citizen.a@example.org", "password": password}
    )


async def refresh_rows(session, user_id) -> list[tuple[datetime | None, datetime | None]]:
    """(used_at, revoked_at) of every refresh token of the user, read afresh from the database."""
    rows = await session.execute(
        select(RefreshToken.used_at, RefreshToken.revoked_at).where(RefreshToken.user_id == user_id)
    )
    return [tuple(row) for row in rows]


# --- rotation --------------------------------------------------------------------------------------


async def test_refresh_grant_returns_a_new_refresh_token_and_a_working_access_token(client, citizen_a):
    first = await sign_in(client, "citizen.a@example.org")

    response = await refresh(client, first["refresh_token"])

    assert response.status_code == 200
    body = response.json()
    assert body["refresh_token"].startswith("rt_")
    assert body["refresh_token"] != first["refresh_token"]
    me = await client.get("/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == str(citizen_a.id)


async def test_used_refresh_token_cannot_be_used_again(client, citizen_a):
    first = await sign_in(client, "citizen.a@example.org")
    await refresh(client, first["refresh_token"])

    response = await refresh(client, first["refresh_token"])

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_grant"


async def test_reusing_a_used_refresh_token_revokes_the_newest_token_of_its_family(client, citizen_a):
    first = await sign_in(client, "citizen.a@example.org")
    second = (await refresh(client, first["refresh_token"])).json()
    reuse = await refresh(client, first["refresh_token"])

    response = await refresh(client, second["refresh_token"])

    assert reuse.status_code == 400
    assert reuse.json()["code"] == "invalid_grant"
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_grant"


async def test_family_revocation_on_reuse_is_stored_despite_the_error(client, session, citizen_a):
    first = await sign_in(client, "citizen.a@example.org")
    await refresh(client, first["refresh_token"])

    reuse = await refresh(client, first["refresh_token"])

    assert reuse.status_code == 400
    assert reuse.json()["code"] == "invalid_grant"
    rows = await refresh_rows(session, citizen_a.id)
    assert len(rows) == 2
    assert all(revoked_at is not None for _, revoked_at in rows)


async def test_reuse_does_not_revoke_another_sign_in_of_the_same_user(client, citizen_a):
    phone = await sign_in(client, "citizen.a@example.org")
    laptop = await sign_in(client, "citizen.a@example.org")
    await refresh(client, phone["refresh_token"])
    await refresh(client, phone["refresh_token"])  # reuse: the phone's family is revoked

    response = await refresh(client, laptop["refresh_token"])

    assert response.status_code == 200


async def test_unknown_refresh_token_returns_400_invalid_grant(client, citizen_a):
    response = await refresh(client, "rt_this-token-was-never-issued")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_grant"


async def test_missing_refresh_token_returns_400_invalid_grant(client):
    response = await client.post("/v1/auth/token", data={"grant_type": "refresh_token"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_grant"


async def test_expired_refresh_token_returns_400_invalid_grant(client, session, citizen_a):
    tokens = await sign_in(client, "citizen.a@example.org")
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == citizen_a.id)
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )

    response = await refresh(client, tokens["refresh_token"])

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_grant"


async def test_refresh_token_of_a_deactivated_user_returns_400_invalid_grant(client, session, citizen_a):
    tokens = await sign_in(client, "citizen.a@example.org")
    citizen_a.is_active = False
    await session.flush()

    response = await refresh(client, tokens["refresh_token"])

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_grant"


# --- logout ----------------------------------------------------------------------------------------


async def test_logout_returns_204_and_the_refresh_token_then_fails(client, citizen_a):
    tokens = await sign_in(client, "citizen.a@example.org")

    response = await client.post("/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})

    assert response.status_code == 204
    assert response.content == b""
    after = await refresh(client, tokens["refresh_token"])
    assert after.status_code == 400
    assert after.json()["code"] == "invalid_grant"


async def test_logout_with_an_already_rotated_token_ends_the_whole_sign_in(client, citizen_a):
    first = await sign_in(client, "citizen.a@example.org")
    second = (await refresh(client, first["refresh_token"])).json()

    await client.post("/v1/auth/logout", json={"refresh_token": first["refresh_token"]})

    response = await refresh(client, second["refresh_token"])
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_grant"


async def test_logout_leaves_other_sign_ins_working(client, citizen_a):
    phone = await sign_in(client, "citizen.a@example.org")
    laptop = await sign_in(client, "citizen.a@example.org")

    await client.post("/v1/auth/logout", json={"refresh_token": phone["refresh_token"]})

    response = await refresh(client, laptop["refresh_token"])
    assert response.status_code == 200


async def test_logout_ends_the_access_token_of_that_sign_in_at_once(client, citizen_a):
    tokens = await sign_in(client, "citizen.a@example.org")
    assert (await client.get("/v1/me", headers=bearer(tokens["access_token"]))).status_code == 200

    await client.post("/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})

    response = await client.get("/v1/me", headers=bearer(tokens["access_token"]))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


async def test_logout_ends_the_access_tokens_issued_by_every_rotation_of_the_sign_in(client, citizen_a):
    first = await sign_in(client, "citizen.a@example.org")
    second = (await refresh(client, first["refresh_token"])).json()

    await client.post("/v1/auth/logout", json={"refresh_token": second["refresh_token"]})

    for access_token in (first["access_token"], second["access_token"]):
        response = await client.get("/v1/me", headers=bearer(access_token))
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


async def test_logout_leaves_the_access_tokens_of_other_sign_ins_working(client, citizen_a):
    phone = await sign_in(client, "citizen.a@example.org")
    laptop = await sign_in(client, "citizen.a@example.org")

    await client.post("/v1/auth/logout", json={"refresh_token": phone["refresh_token"]})

    assert (await client.get("/v1/me", headers=bearer(laptop["access_token"]))).status_code == 200


async def test_a_family_revoked_for_reuse_ends_its_access_tokens(client, citizen_a):
    first = await sign_in(client, "citizen.a@example.org")
    second = (await refresh(client, first["refresh_token"])).json()

    reuse = await refresh(client, first["refresh_token"])

    assert reuse.json()["code"] == "invalid_grant"
    for access_token in (first["access_token"], second["access_token"]):
        response = await client.get("/v1/me", headers=bearer(access_token))
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


async def test_a_persons_access_token_without_a_session_id_returns_401(client, citizen_a):
    claims = access_claims(citizen_a.id)
    del claims["sid"]

    response = await client.get("/v1/me", headers=bearer(sign_claims(claims)))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


async def test_logout_with_an_unknown_token_returns_204(client):
    response = await client.post("/v1/auth/logout", json={"refresh_token": "rt_never-issued"})

    assert response.status_code == 204


async def test_logout_with_an_empty_token_returns_422(client):
    response = await client.post("/v1/auth/logout", json={"refresh_token": ""})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/refresh_token"]


# --- password change -------------------------------------------------------------------------------


async def test_password_change_with_wrong_current_password_returns_400_and_keeps_the_old_one(
    client, citizen_a, as_citizen_a
):
    response = await client.post(
        "/v1/me/password",
        json={"current_password": "not-my-password", "new_password": NEW_PASSWORD},
        headers=as_citizen_a,
    )

    assert response.status_code == 400
    assert response.json()["code"] == "wrong_password"
    assert (await password_grant(client, DEFAULT_PASSWORD)).status_code == 200
    refused = await password_grant(client, NEW_PASSWORD)
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_grant"


async def test_password_change_returns_204_and_replaces_the_password(client, citizen_a, as_citizen_a):
    response = await client.post(
        "/v1/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        headers=as_citizen_a,
    )

    assert response.status_code == 204
    assert (await password_grant(client, NEW_PASSWORD)).status_code == 200
    refused = await password_grant(client, DEFAULT_PASSWORD)
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_grant"


async def test_password_change_revokes_existing_refresh_tokens(client, citizen_a):
    tokens = await sign_in(client, "citizen.a@example.org")

    await client.post(
        "/v1/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(tokens["access_token"]),
    )

    response = await refresh(client, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_grant"


async def test_access_token_issued_before_password_change_returns_401(client, session):
    user = await make_user(session)
    # Issued in the same second as the change: the epoch, not the clock, ends it.
    old_headers = bearer(sign_claims(access_claims(user.id)))

    change = await client.post(
        "/v1/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        headers=old_headers,
    )

    assert change.status_code == 204
    response = await client.get("/v1/me", headers=old_headers)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_access_token_issued_after_password_change_works(client, citizen_a, as_citizen_a):
    await client.post(
        "/v1/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        headers=as_citizen_a,
    )

    tokens = await sign_in(client, "citizen.a@example.org", NEW_PASSWORD)

    response = await client.get("/v1/me", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200


async def test_password_change_to_a_short_password_returns_422_and_keeps_the_old_one(client, citizen_a, as_citizen_a):
    response = await client.post(
        "/v1/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": "short"},
        headers=as_citizen_a,
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/new_password"]
    assert (await password_grant(client, DEFAULT_PASSWORD)).status_code == 200


async def test_password_change_without_a_token_returns_401(client, citizen_a):
    response = await client.post(
        "/v1/me/password", json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["www-authenticate"].startswith("Bearer")
