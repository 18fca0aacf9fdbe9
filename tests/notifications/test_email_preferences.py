"""E-mail preferences per kind of notification (GET/PUT/PATCH /v1/me/notification-preferences) and the
signed one-click unsubscribe link that works without signing in."""

import pytest
from sqlalchemy import select

from app.config import get_settings
from app.mail import rules
from app.mail import service as mail_service
from app.models import AuditEntry, EmailChoice, Language, Role
from app.notification_kinds import NOTIFICATION_KINDS, EmailDefault, NotificationKind
from tests.factories import auth_headers, make_user

URL = "/v1/me/notification-preferences"


def by_kind(body: dict) -> dict[str, dict]:
    return {item["kind"]: item for item in body["items"]}


@pytest.fixture
def staff_kind(monkeypatch) -> str:
    """A kind whose default differs by role (provider staff take the digest), as the catalogue allows."""
    kind = NotificationKind(
        "test.staff_digest",
        "test",
        "provider staff and citizens",
        "Prova",
        "Test",
        EmailDefault.instant,
        email_by_role=(("provider_staff", EmailDefault.digest),),
    )
    monkeypatch.setitem(NOTIFICATION_KINDS, kind.name, kind)
    return kind.name


async def test_every_kind_is_listed_with_its_default_in_the_persons_language(client, session):
    anna = await make_user(session, preferred_language=Language.it)
    john = await make_user(session, preferred_language=Language.en)

    it = (await client.get(URL, headers=auth_headers(anna))).json()
    en = (await client.get(URL, headers=auth_headers(john))).json()

    assert sorted(by_kind(it)) == sorted(NOTIFICATION_KINDS)
    invitation = by_kind(it)["pool.invitation"]
    assert invitation == {
        "kind": "pool.invitation",
        "title": "Invito a un gruppo condiviso",
        "email": "instant",
        "default": "instant",
        "is_default": True,
    }
    assert by_kind(en)["pool.invitation"]["title"] == "Invitation to a shared pool"
    assert it["digest_hour"] == get_settings().mail.digest_hour == 18
    assert it["digest_timezone"] == "Europe/Rome"


async def test_patch_changes_only_the_kinds_named_and_null_restores_the_default(client, session):
    anna = await make_user(session)
    headers = auth_headers(anna)

    response = await client.patch(
        URL, json={"email": {"pool.invitation": "digest", "pool.closed": "off"}}, headers=headers
    )
    assert response.status_code == 200, response.text
    kinds = by_kind(response.json())
    assert (kinds["pool.invitation"]["email"], kinds["pool.invitation"]["is_default"]) == ("digest", False)
    assert (kinds["pool.closed"]["email"], kinds["pool.closed"]["is_default"]) == ("off", False)
    assert kinds["pool.priced"]["is_default"] is True

    response = await client.patch(URL, json={"email": {"pool.invitation": None}}, headers=headers)
    kinds = by_kind(response.json())
    assert (kinds["pool.invitation"]["email"], kinds["pool.invitation"]["is_default"]) == ("instant", True)
    assert kinds["pool.closed"]["email"] == "off"  # untouched
    assert by_kind((await client.get(URL, headers=headers)).json())["pool.closed"]["email"] == "off"
    actions = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == anna.id)))
    assert actions.count("notification_preferences.updated") == 2


async def test_put_replaces_every_choice(client, session):
    anna = await make_user(session)
    headers = auth_headers(anna)
    await client.patch(URL, json={"email": {"pool.invitation": "off", "pool.closed": "off"}}, headers=headers)

    response = await client.put(URL, json={"email": {"pool.priced": "digest"}}, headers=headers)

    assert response.status_code == 200, response.text
    chosen = {k: v["email"] for k, v in by_kind(response.json()).items() if not v["is_default"]}
    assert chosen == {"pool.priced": "digest"}


async def test_an_unknown_kind_is_a_422_naming_it_and_nothing_changes(client, session):
    anna = await make_user(session)
    headers = auth_headers(anna)

    for method in ("put", "patch"):
        response = await client.request(
            method, URL, json={"email": {"pool.closed": "off", "no.such/kind": "off"}}, headers=headers
        )
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["code"] == "unknown_notification_kind"
        assert problem["errors"][0]["pointer"] == "/email/no.such~1kind"

    kinds = by_kind((await client.get(URL, headers=headers)).json())
    assert kinds["pool.closed"]["is_default"] is True


@pytest.mark.parametrize(
    "body",
    [{"email": {"pool.closed": "sometimes"}}, {"email": {"pool.closed": None}}, {"email": ["pool.closed"]}, {}],
)
async def test_malformed_choices_are_refused(client, session, body):
    anna = await make_user(session)
    # PATCH accepts null (back to the default); PUT states choices in full and does not.
    response = await client.put(URL, json=body, headers=auth_headers(anna))
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_preferences_need_a_signed_in_person(client):
    for method in ("get", "put", "patch"):
        response = await client.request(method, URL, json={"email": {}})
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


async def test_one_persons_choices_do_not_touch_anothers(client, session):
    anna, bruno = await make_user(session), await make_user(session)

    await client.patch(URL, json={"email": {"pool.invitation": "off"}}, headers=auth_headers(anna))

    assert by_kind((await client.get(URL, headers=auth_headers(bruno))).json())["pool.invitation"]["email"] == "instant"


async def test_defaults_may_differ_by_role(client, session, staff_kind):
    citizen = await make_user(session)
    staff = await make_user(session, role=Role.provider_staff)

    citizen_view = by_kind((await client.get(URL, headers=auth_headers(citizen))).json())[staff_kind]
    staff_view = by_kind((await client.get(URL, headers=auth_headers(staff))).json())[staff_kind]

    assert (citizen_view["default"], citizen_view["email"]) == ("instant", "instant")
    assert (staff_view["default"], staff_view["email"], staff_view["is_default"]) == ("digest", "digest", True)


# --- the one-click unsubscribe ---------------------------------------------------------------------


def link_path(user, scope: str) -> str:
    return "/v1/email/unsubscribe/" + mail_service.unsubscribe_link(user, scope).rsplit("/", 1)[1]


async def test_a_valid_link_shows_then_unsubscribes_without_signing_in(client, session):
    anna = await make_user(session, preferred_language=Language.en)
    path = link_path(anna, "pool.invitation")

    shown = await client.get(path)
    assert shown.status_code == 200, shown.text
    assert shown.json() == {
        "scope": "pool.invitation",
        "title": "Invitation to a shared pool",
        "kinds": ["pool.invitation"],
        "unsubscribed": False,
    }
    # GET changes nothing (link scanners of mail providers follow links).
    kinds = by_kind((await client.get(URL, headers=auth_headers(anna))).json())
    assert kinds["pool.invitation"]["email"] == "instant"

    # What a mail client sends for RFC 8058 one-click: a form body, no credentials.
    done = await client.post(
        path,
        content="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200, done.text
    assert done.json()["unsubscribed"] is True
    kinds = by_kind((await client.get(URL, headers=auth_headers(anna))).json())
    assert (kinds["pool.invitation"]["email"], kinds["pool.invitation"]["is_default"]) == ("off", False)
    assert kinds["pool.closed"]["email"] == "instant"  # one kind only
    assert (await client.post(path)).json()["unsubscribed"] is True  # again is harmless
    audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "notification_preferences.unsubscribed"))
    assert audit is not None and audit.actor_id == anna.id and audit.detail["kinds"] == ["pool.invitation"]


async def test_the_digest_link_turns_off_every_kind_in_the_digest(client, session):
    anna = await make_user(session)
    await client.patch(
        URL, json={"email": {"pool.invitation": "digest", "pool.closed": "digest"}}, headers=auth_headers(anna)
    )
    digest_by_default = {k for k in NOTIFICATION_KINDS if rules.default_choice(k, "citizen") == EmailChoice.digest}

    done = await client.post(link_path(anna, rules.DIGEST_SCOPE))

    assert done.json()["kinds"] == sorted({"pool.closed", "pool.invitation"} | digest_by_default)
    assert done.json()["title"] == "Riepilogo giornaliero"
    kinds = by_kind((await client.get(URL, headers=auth_headers(anna))).json())
    assert {kinds[k]["email"] for k in done.json()["kinds"]} == {"off"}
    assert [k for k, v in kinds.items() if v["email"] == "digest"] == []
    assert kinds["pool.priced"]["email"] == "instant"  # instant kinds stay


def tampered(path: str) -> list[str]:
    token = path.rsplit("/", 1)[1]
    payload, tag = token.split(".")
    flipped = tag[:-2] + ("A" if tag[-2] != "A" else "B") + tag[-1]
    return [
        f"/v1/email/unsubscribe/{payload}.{flipped}",  # signature changed
        f"/v1/email/unsubscribe/{payload[:-2]}.{tag}",  # payload cut
        f"/v1/email/unsubscribe/{payload}.{tag[:10]}",  # signature truncated
        f"/v1/email/unsubscribe/{payload}x.{tag}",  # payload changed
    ]


async def test_a_tampered_or_foreign_link_is_a_problem_and_changes_nothing(client, session):
    anna = await make_user(session)
    bruno = await make_user(session)
    path = link_path(anna, "pool.invitation")
    # Anna's signature over Bruno's id: the HMAC binds person and kind together.
    anna_tag = path.rsplit(".", 1)[1]
    bruno_payload = link_path(bruno, "pool.invitation").rsplit("/", 1)[1].split(".")[0]
    other_key = rules.unsubscribe_token(rules.signing_key("another-secret-" * 3), anna.id, "pool.invitation")

    for bad in [
        *tampered(path),
        f"/v1/email/unsubscribe/{bruno_payload}.{anna_tag}",
        f"/v1/email/unsubscribe/{other_key}",
    ]:
        for method in ("get", "post"):
            response = await client.request(method, bad)
            assert response.status_code == 404, (bad, response.text)
            assert response.json()["code"] == "unsubscribe_link_invalid"

    for who in (anna, bruno):
        kinds = by_kind((await client.get(URL, headers=auth_headers(who))).json())
        assert kinds["pool.invitation"]["email"] == "instant"


async def test_a_link_of_a_kind_not_in_the_catalogue_or_a_deactivated_person_is_refused(client, session):
    anna = await make_user(session)
    gone = await make_user(session, is_active=False)

    for path in (link_path(anna, "no.such_kind"), link_path(gone, "pool.invitation")):
        response = await client.post(path)
        assert response.status_code == 404
        assert response.json()["code"] == "unsubscribe_link_invalid"


async def test_a_malformed_token_is_a_422(client):
    response = await client.get("/v1/email/unsubscribe/not-a-token")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_tokens_round_trip_and_bind_person_and_scope():
    import uuid

    key = rules.signing_key("k" * 40)
    person = uuid.uuid4()
    token = rules.unsubscribe_token(key, person, "pool.closed")
    assert rules.read_unsubscribe_token(key, token) == (person, "pool.closed")
    assert rules.read_unsubscribe_token(rules.signing_key("j" * 40), token) is None
    assert rules.read_unsubscribe_token(key, "") is None
    assert rules.read_unsubscribe_token(key, "!!!.???") is None
    assert EmailChoice("digest") == rules.effective_choice(
        "pool.closed", "citizen", {"pool.closed": EmailChoice.digest}
    )


async def test_provider_staff_get_completed_engagements_in_the_digest_and_households_at_once(client, session):
    citizen = await make_user(session)
    staff = await make_user(session, role=Role.provider_staff)

    for person, expected in ((citizen, "instant"), (staff, "digest")):
        completed = by_kind((await client.get(URL, headers=auth_headers(person))).json())["engagement.completed"]
        assert (completed["default"], completed["email"]) == (expected, expected)


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_a_browser_opening_the_link_gets_a_page_whose_button_unsubscribes(client, session):
    anna = await make_user(session, full_name="Anna <i>R</i>", preferred_language=Language.it)
    path = link_path(anna, "pool.closed")

    page = await client.get(path, headers={"accept": BROWSER})

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Non ricevere più e-mail per" in page.text and "<strong>Il gruppo è chiuso</strong>" in page.text
    assert '<form method="post">' in page.text and 'name="List-Unsubscribe" value="One-Click"' in page.text
    assert by_kind((await client.get(URL, headers=auth_headers(anna))).json())["pool.closed"]["email"] == "instant"

    # The button: a form POST to the same address, from a browser.
    done = await client.post(
        path,
        content="List-Unsubscribe=One-Click",
        headers={"accept": BROWSER, "content-type": "application/x-www-form-urlencoded"},
    )

    assert done.status_code == 200 and done.headers["content-type"].startswith("text/html")
    assert "Non riceverai più e-mail per" in done.text
    assert by_kind((await client.get(URL, headers=auth_headers(anna))).json())["pool.closed"]["email"] == "off"
