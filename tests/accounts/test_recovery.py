"""Password reset and e-mail verification through the e-mail path (the outbox, a real SMTP server on
loopback), and registration and reset answering alike whether or not the e-mail has an account."""

import statistics
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.accounts import account_tokens
from app.models import AccountToken, AccountTokenPurpose, AuditEntry, Notification, RefreshToken, User
from tests.accounts.mailbox import code_in, mails_to, text_of
from tests.factories import auth_headers, make_user, sign_in

REGISTER = "/v1/auth/register"
RESET = "/v1/auth/password-reset"
CONFIRM = "/v1/auth/password-reset/confirm"
VERIFY = "/v1/auth/email-verification"
NEW_PASSWORD = "Navigli-Tram-Blu-2026!"


def registration(email: str = "giulia.rossi@example.org", **overrides) -> dict:
    return {"email": email, "password": "una-password-lunga", "full_name": "Giulia Rossi", **overrides}


async def user_named(session, email: str) -> User:
    user = await session.scalar(select(User).where(User.email == email).execution_options(populate_existing=True))
    assert user is not None
    return user


# --- password reset ---------------------------------------------------------------------------------


async def test_a_reset_code_arrives_by_e_mail_sets_the_password_and_ends_every_session(
    client, session, sessions, smtp, mail
):
    anna = await make_user(session, email="anna@example.org", full_name="Anna Rossi")
    tokens = await sign_in(client, "anna@example.org")
    old_access = {"Authorization": f"Bearer {tokens['access_token']}"}

    asked = await client.post(RESET, json={"email": "Anna@Example.org"})

    assert asked.status_code == 202
    [message] = await mails_to(sessions, mail, smtp, "anna@example.org")
    assert message["Subject"] == "Reimposta la tua password"
    assert message["List-Unsubscribe"] is None  # an account's own e-mail is not a list
    code = code_in(message)
    assert code not in str((await session.scalars(select(Notification.data))).all())  # only the e-mail has it
    stored = await session.scalar(select(AccountToken.token_hash).where(AccountToken.user_id == anna.id))
    assert stored == account_tokens.digest(code) and code not in stored

    done = await client.post(CONFIRM, json={"token": code, "new_password": NEW_PASSWORD})

    assert done.status_code == 204
    ended = await client.get("/v1/me", headers=old_access)
    assert (ended.status_code, ended.json()["code"]) == (401, "not_authenticated")
    refresh = await client.post(
        "/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert (refresh.status_code, refresh.json()["code"]) == (400, "invalid_grant")
    revoked = await session.scalars(select(RefreshToken.revoked_at).where(RefreshToken.user_id == anna.id))
    assert all(at is not None for at in revoked)
    assert (await sign_in(client, "anna@example.org", NEW_PASSWORD))["access_token"]
    old = await client.post(
        "/v1/auth/token", data={"grant_type": "password", "username": "anna@example.org", "password": "x" * 12}
    )
    assert (old.status_code, old.json()["code"]) == (400, "invalid_grant")
    actions = set(await session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == anna.id)))
    assert {"user.password_reset_requested", "user.password_reset"} <= actions


async def test_a_reset_code_works_once(client, session, sessions, smtp, mail):
    await make_user(session, email="anna@example.org")
    await client.post(RESET, json={"email": "anna@example.org"})
    code = code_in((await mails_to(sessions, mail, smtp, "anna@example.org"))[0])
    assert (await client.post(CONFIRM, json={"token": code, "new_password": NEW_PASSWORD})).status_code == 204

    again = await client.post(CONFIRM, json={"token": code, "new_password": "Un-Altra-Password-Lunga-9"})

    assert again.status_code == 410
    assert again.json()["code"] == "account_token_used"


async def test_a_reset_code_expires_after_30_minutes(client, session, sessions, smtp, mail):
    await make_user(session, email="anna@example.org")
    await client.post(RESET, json={"email": "anna@example.org"})
    code = code_in((await mails_to(sessions, mail, smtp, "anna@example.org"))[0])
    row = await session.scalar(select(AccountToken).where(AccountToken.token_hash == account_tokens.digest(code)))
    assert row.expires_at - row.created_at == timedelta(minutes=30)
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    await session.flush()

    response = await client.post(CONFIRM, json={"token": code, "new_password": NEW_PASSWORD})

    assert response.status_code == 410
    assert response.json()["code"] == "account_token_expired"


async def test_a_newer_reset_e_mail_retires_the_older_code(client, session, sessions, smtp, mail):
    await make_user(session, email="anna@example.org")
    await client.post(RESET, json={"email": "anna@example.org"})
    [earlier] = await mails_to(sessions, mail, smtp, "anna@example.org")
    await client.post(RESET, json={"email": "anna@example.org"})
    first, second = (code_in(m) for m in await mails_to(sessions, mail, smtp, "anna@example.org"))
    assert first == code_in(earlier)

    stale = await client.post(CONFIRM, json={"token": first, "new_password": NEW_PASSWORD})
    fresh = await client.post(CONFIRM, json={"token": second, "new_password": NEW_PASSWORD})

    assert (stale.status_code, stale.json()["code"]) == (410, "account_token_used")
    assert fresh.status_code == 204


@pytest.mark.parametrize("token", ["not-a-code", "A" * 32, "x"])
async def test_a_wrong_reset_code_is_400_account_token_unknown(client, session, token):
    response = await client.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD})

    assert response.status_code == 400
    assert response.json()["code"] == "account_token_unknown"


async def test_a_verification_code_does_not_reset_a_password(client, session, sessions, smtp, mail):
    await client.post(REGISTER, json=registration())
    code = code_in((await mails_to(sessions, mail, smtp, "giulia.rossi@example.org"))[0])

    response = await client.post(CONFIRM, json={"token": code, "new_password": NEW_PASSWORD})

    assert (response.status_code, response.json()["code"]) == (400, "account_token_unknown")


async def test_a_weak_new_password_is_refused_and_the_code_still_works(client, session, sessions, smtp, mail):
    await make_user(session, email="anna@example.org")
    await client.post(RESET, json={"email": "anna@example.org"})
    code = code_in((await mails_to(sessions, mail, smtp, "anna@example.org"))[0])

    weak = await client.post(CONFIRM, json={"token": code, "new_password": "password123"})
    strong = await client.post(CONFIRM, json={"token": code, "new_password": NEW_PASSWORD})

    assert (weak.status_code, weak.json()["code"]) == (422, "weak_password")
    assert strong.status_code == 204


async def test_a_reset_for_an_unknown_or_deactivated_address_mails_nobody(client, session, sessions, smtp, mail):
    await make_user(session, email="gone@example.org", is_active=False)

    unknown = await client.post(RESET, json={"email": "nobody@example.org"})
    inactive = await client.post(RESET, json={"email": "gone@example.org"})

    assert unknown.status_code == inactive.status_code == 202
    assert await mails_to(sessions, mail, smtp, "gone@example.org") == []
    assert smtp.received == []
    assert (await session.scalars(select(AccountToken))).all() == []


# --- e-mail verification ------------------------------------------------------------------------------


async def test_registration_mails_a_code_that_verifies_the_address_and_lifts_the_gate(
    client, session, sessions, smtp, mail
):
    assert (await client.post(REGISTER, json=registration(preferred_language="en"))).status_code == 202
    user = await user_named(session, "giulia.rossi@example.org")
    headers = auth_headers(user)
    [message] = await mails_to(sessions, mail, smtp, "giulia.rossi@example.org")
    assert message["Subject"] == "Confirm your e-mail address"
    assert "enter the code below" in text_of(message)

    assert (await client.get("/v1/me", headers=headers)).json()["email_verified"] is False
    done = await client.post(VERIFY, json={"token": code_in(message)})

    assert done.status_code == 204
    assert (await client.get("/v1/me", headers=headers)).json()["email_verified"] is True
    again = await client.post(VERIFY, json={"token": code_in(message)})
    assert (again.status_code, again.json()["code"]) == (410, "account_token_used")


async def test_asking_again_sends_a_new_code_and_the_old_one_stops_working(client, session, sessions, smtp, mail):
    await client.post(REGISTER, json=registration())
    user = await user_named(session, "giulia.rossi@example.org")
    [earlier] = await mails_to(sessions, mail, smtp, "giulia.rossi@example.org")

    resent = await client.post("/v1/me/email-verification", headers=auth_headers(user))

    assert resent.status_code == 202
    first, second = (code_in(m) for m in await mails_to(sessions, mail, smtp, "giulia.rossi@example.org"))
    assert first == code_in(earlier)
    assert (await client.post(VERIFY, json={"token": first})).json()["code"] == "account_token_used"
    assert (await client.post(VERIFY, json={"token": second})).status_code == 204
    # verified: asking again sends nothing
    assert (await client.post("/v1/me/email-verification", headers=auth_headers(user))).status_code == 202
    assert len(await mails_to(sessions, mail, smtp, "giulia.rossi@example.org")) == 2


async def test_a_changed_e_mail_is_unverified_until_its_own_code_comes_back(client, session, sessions, smtp, mail):
    anna = await make_user(session, email="anna@example.org")
    assert anna.email_verified_at is not None
    headers = auth_headers(anna)

    changed = await client.patch("/v1/me", json={"email": "Anna.Nuova@example.org"}, headers=headers)

    assert changed.status_code == 200
    assert (changed.json()["email"], changed.json()["email_verified"]) == ("anna.nuova@example.org", False)
    [message] = await mails_to(sessions, mail, smtp, "anna.nuova@example.org")
    assert (await client.post(VERIFY, json={"token": code_in(message)})).status_code == 204
    assert (await client.get("/v1/me", headers=headers)).json()["email_verified"] is True


async def test_a_code_mailed_to_an_earlier_address_does_not_verify_a_later_one(client, session, sessions, smtp, mail):
    await client.post(REGISTER, json=registration())
    user = await user_named(session, "giulia.rossi@example.org")
    [message] = await mails_to(sessions, mail, smtp, "giulia.rossi@example.org")
    # A later change retires the earlier code; even a code issued for the old address is refused.
    row = await session.scalar(select(AccountToken).where(AccountToken.user_id == user.id))
    user.email = "giulia.altra@example.org"
    await session.flush()
    assert row.email == "giulia.rossi@example.org"

    response = await client.post(VERIFY, json={"token": code_in(message)})

    assert (response.status_code, response.json()["code"]) == (410, "account_token_used")
    assert (await user_named(session, "giulia.altra@example.org")).email_verified_at is None


async def test_changing_to_an_e_mail_in_use_is_409_for_the_signed_in_owner(client, session):
    anna = await make_user(session, email="anna@example.org")
    await make_user(session, email="bruno@example.org")

    response = await client.patch("/v1/me", json={"email": "BRUNO@example.org"}, headers=auth_headers(anna))

    assert (response.status_code, response.json()["code"]) == (409, "email_taken")


async def test_an_unverified_account_reads_but_cannot_file_a_request(client, session):
    unverified = await make_user(session, email="nuova@example.org", email_verified_at=None)
    headers = {**auth_headers(unverified), "Idempotency-Key": "k-1"}

    read = await client.get("/v1/me/notifications", headers=headers)
    filed = await client.post("/v1/requests", json={}, headers=headers)

    assert read.status_code == 200
    assert filed.status_code == 403
    assert filed.json()["code"] == "email_not_verified"
    assert "/v1/me/email-verification" in filed.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/requests/00000000-0000-0000-0000-000000000001/offers",
        "/v1/engagements/00000000-0000-0000-0000-000000000001/review",
    ],
)
async def test_an_unverified_account_cannot_make_offers_nor_reviews(client, session, path):
    unverified = await make_user(session, email="nuova@example.org", email_verified_at=None)

    response = await client.post(path, json={}, headers={**auth_headers(unverified), "Idempotency-Key": "k-2"})

    assert (response.status_code, response.json()["code"]) == (403, "email_not_verified")


# --- no enumeration -------------------------------------------------------------------------------


async def test_registering_a_known_address_mails_its_owner_and_nobody_gets_a_code(
    client, session, sessions, smtp, mail
):
    await make_user(session, email="anna@example.org", preferred_language="en")

    response = await client.post(REGISTER, json=registration("anna@example.org"))

    assert response.status_code == 202
    [message] = await mails_to(sessions, mail, smtp, "anna@example.org")
    assert message["Subject"] == "Someone tried to register with your address"
    assert "Code:" not in text_of(message)
    assert (await session.scalars(select(AccountToken))).all() == []


async def _timed(client, path: str, body: dict) -> tuple[int, dict, float]:
    started = time.perf_counter()
    response = await client.post(path, json=body)
    return response.status_code, response.json(), time.perf_counter() - started


async def test_registration_and_reset_answer_alike_in_status_body_and_time_for_known_and_unknown_addresses(
    client, session
):
    await make_user(session, email="known@example.org")
    calls = 5
    known_reg = [await _timed(client, REGISTER, registration("known@example.org")) for _ in range(calls)]
    unknown_reg = [await _timed(client, REGISTER, registration(f"new{n}@example.org")) for n in range(calls)]
    known_reset = [await _timed(client, RESET, {"email": "known@example.org"}) for _ in range(calls)]
    unknown_reset = [await _timed(client, RESET, {"email": f"none{n}@example.org"}) for n in range(calls)]

    for known, unknown in ((known_reg, unknown_reg), (known_reset, unknown_reset)):
        assert {(status, str(body)) for status, body, _ in known} == {
            (status, str(body)) for status, body, _ in unknown
        }
        assert len({(status, str(body)) for status, body, _ in known}) == 1
        fast, slow = sorted([statistics.median(t for *_, t in known), statistics.median(t for *_, t in unknown)])
        # Generous: the point is that no path skips the password hash (tens of ms) the other does.
        assert slow <= fast * 3 + 0.05, (fast, slow)
    # The hash is really the work both registrations do: an answer faster than it would be a fast path.
    assert min(t for *_, t in known_reg) > 0.005
    assert await session.scalar(select(User.id).where(User.email == "new0@example.org")) is not None
    assert (await session.scalars(select(AccountToken.purpose))).all().count(
        AccountTokenPurpose.password_reset
    ) == calls
