"""/v1/providers/{id}/verifications: checks recorded by the city or a hub, and the public badges
derived from them (the latest check of a kind, passed and unexpired)."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.models import (
    AccreditationState,
    AuditEntry,
    OutboxEvent,
    Role,
    Verification,
    VerificationKind,
    VerificationOutcome,
)
from tests.factories import auth_headers, make_provider, make_user, make_verification

K = VerificationKind


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def check(**overrides) -> dict:
    return {
        "kind": "qualification",
        "outcome": "passed",
        "evidence_ref": "UNI 11766 cert. n. 4471/2025",
        "note": "Attestato verificato presso l'ente certificatore",
        **overrides,
    }


async def verification_count(session) -> int:
    return await session.scalar(select(func.count()).select_from(Verification))


async def badges_of(client, provider_id) -> list[str]:
    response = await client.get(f"/v1/providers/{provider_id}")
    assert response.status_code == 200, response.text
    return [b["kind"] for b in response.json()["badges"]]


async def listed(client, provider_id, headers=None) -> list[dict]:
    response = await client.get(f"/v1/providers/{provider_id}/verifications", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


# --- recording -------------------------------------------------------------------------------------


async def test_municipal_admin_records_a_verification(client, session, admin, as_admin, provider_x):
    expires = datetime.now(UTC) + timedelta(days=365)

    response = await client.post(
        f"/v1/providers/{provider_x.id}/verifications", json=check(expires_at=iso(expires)), headers=as_admin
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["outcome"], body["counts_as_badge"]) == ("qualification", "passed", True)
    assert body["evidence_ref"] == "UNI 11766 cert. n. 4471/2025"
    assert body["verifier_name"] == "Comune di Milano"
    stored = await session.get(Verification, uuid.UUID(body["id"]))
    assert (stored.provider_id, stored.verified_by_id, stored.kind) == (provider_x.id, admin.id, K.qualification)
    assert stored.expires_at == expires


async def test_hub_operator_records_a_verification(client, session, hub_operator, as_hub_operator, provider_x):
    response = await client.post(
        f"/v1/providers/{provider_x.id}/verifications", json=check(kind="references"), headers=as_hub_operator
    )

    assert response.status_code == 201
    assert response.json()["verifier_name"] == "Spazio WeMi"
    stored = await session.get(Verification, uuid.UUID(response.json()["id"]))
    assert (stored.verified_by_id, stored.kind) == (hub_operator.id, K.references)


async def test_hub_operator_records_a_verification_while_the_provider_is_being_vetted(client, session, as_hub_operator):
    provider = await make_provider(session, state=AccreditationState.submitted)

    response = await client.post(
        f"/v1/providers/{provider.id}/verifications", json=check(kind="identity"), headers=as_hub_operator
    )

    assert response.status_code == 201
    assert (await session.get(Verification, uuid.UUID(response.json()["id"]))).provider_id == provider.id


async def test_municipal_admin_records_a_verification_before_accreditation(client, session, as_admin):
    provider = await make_provider(session, state=AccreditationState.submitted)

    response = await client.post(
        f"/v1/providers/{provider.id}/verifications", json=check(kind="background_check"), headers=as_admin
    )

    assert response.status_code == 201
    assert await verification_count(session) == 1


@pytest.mark.parametrize("kind", list(VerificationKind), ids=lambda k: k.value)
async def test_every_kind_of_check_can_be_recorded(client, as_admin, provider_x, kind):
    response = await client.post(
        f"/v1/providers/{provider_x.id}/verifications", json=check(kind=kind.value), headers=as_admin
    )

    assert response.status_code == 201
    assert response.json()["kind"] == kind.value


async def test_verified_at_defaults_to_now(client, as_admin, provider_x):
    before = datetime.now(UTC)

    response = await client.post(f"/v1/providers/{provider_x.id}/verifications", json=check(), headers=as_admin)

    verified_at = datetime.fromisoformat(response.json()["verified_at"])
    assert before <= verified_at <= datetime.now(UTC)


async def test_recording_writes_an_audit_entry_and_an_outbox_event(client, session, admin, as_admin, provider_x):
    await client.post(
        f"/v1/providers/{provider_x.id}/verifications", json=check(kind="insurance", outcome="failed"), headers=as_admin
    )

    audit = await session.scalar(
        select(AuditEntry).where(
            AuditEntry.target_id == provider_x.id, AuditEntry.action == "provider.verification_recorded"
        )
    )
    assert audit.actor_id == admin.id
    assert audit.detail == {"kind": "insurance", "outcome": "failed"}
    event = await session.scalar(
        select(OutboxEvent).where(
            OutboxEvent.aggregate_id == provider_x.id, OutboxEvent.type == "provider.verification_recorded"
        )
    )
    assert event.payload == {"provider_id": str(provider_x.id), "kind": "insurance", "outcome": "failed"}


@pytest.mark.parametrize("role", [Role.citizen, Role.worker, Role.provider_staff])
async def test_only_admins_and_hub_operators_record_verifications(client, session, provider_x, role):
    caller = await make_user(session, role=role)

    response = await client.post(
        f"/v1/providers/{provider_x.id}/verifications", json=check(), headers=auth_headers(caller)
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await verification_count(session) == 0


async def test_provider_staff_recording_a_check_on_their_own_provider_gets_403(client, session, provider_x, as_staff_x):
    response = await client.post(f"/v1/providers/{provider_x.id}/verifications", json=check(), headers=as_staff_x)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await verification_count(session) == 0


async def test_anonymous_recording_a_check_gets_401(client, session, provider_x):
    response = await client.post(f"/v1/providers/{provider_x.id}/verifications", json=check())

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert await verification_count(session) == 0


async def test_recording_on_an_unknown_provider_returns_404(client, as_admin):
    response = await client.post(f"/v1/providers/{uuid.uuid4()}/verifications", json=check(), headers=as_admin)

    assert response.status_code == 404
    assert response.json()["code"] == "provider_not_found"


async def test_verified_at_in_the_future_returns_422(client, session, as_admin, provider_x):
    tomorrow = datetime.now(UTC) + timedelta(days=1)

    response = await client.post(
        f"/v1/providers/{provider_x.id}/verifications", json=check(verified_at=iso(tomorrow)), headers=as_admin
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/verified_at"]
    assert await verification_count(session) == 0


@pytest.mark.parametrize("expires_offset", [timedelta(days=-1), timedelta(0)], ids=["before", "equal"])
async def test_expires_at_not_after_verified_at_returns_422(client, session, as_admin, provider_x, expires_offset):
    verified_at = datetime.now(UTC) - timedelta(days=10)

    response = await client.post(
        f"/v1/providers/{provider_x.id}/verifications",
        json=check(verified_at=iso(verified_at), expires_at=iso(verified_at + expires_offset)),
        headers=as_admin,
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/expires_at"]
    assert await verification_count(session) == 0


@pytest.mark.parametrize("field", ["verified_at", "expires_at"])
async def test_instant_without_a_time_zone_returns_422(client, session, as_admin, provider_x, field):
    naive = {"verified_at": "2025-01-10T09:00:00", "expires_at": "2030-01-10T09:00:00"}[field]

    response = await client.post(
        f"/v1/providers/{provider_x.id}/verifications", json=check(**{field: naive}), headers=as_admin
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == [f"/{field}"]
    assert await verification_count(session) == 0


@pytest.mark.parametrize(
    "body",
    [
        check(kind="horoscope"),
        check(outcome="maybe"),
        check(counts_as_badge=True),
        check(verifier_name="Comune di Milano"),
        check(evidence_ref="x" * 301),
    ],
    ids=["unknown-kind", "unknown-outcome", "counts-as-badge", "verifier-name", "evidence-too-long"],
)
async def test_malformed_verification_returns_422(client, session, as_admin, provider_x, body):
    response = await client.post(f"/v1/providers/{provider_x.id}/verifications", json=body, headers=as_admin)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert await verification_count(session) == 0


# --- listing ---------------------------------------------------------------------------------------


async def test_anonymous_lists_an_accredited_providers_checks_without_evidence_or_notes(client, session, provider_x):
    await make_verification(session, provider_x, kind=K.identity, evidence_ref="CI AX1234567", note="Documento ok")
    session.expunge_all()

    items = await listed(client, provider_x.id)

    assert [(i["kind"], i["outcome"]) for i in items] == [("identity", "passed")]
    assert (items[0]["evidence_ref"], items[0]["note"]) == (None, None)
    assert "AX1234567" not in str(items)


@pytest.mark.parametrize("caller", ["citizen", "other_staff"])
async def test_citizens_and_other_providers_see_no_evidence(
    client, session, provider_x, as_citizen_a, as_staff_y, provider_y, caller
):
    await make_verification(session, provider_x, evidence_ref="CI AX1234567", note="Documento ok")
    headers = {"citizen": as_citizen_a, "other_staff": as_staff_y}[caller]

    items = await listed(client, provider_x.id, headers=headers)

    assert (items[0]["evidence_ref"], items[0]["note"]) == (None, None)


@pytest.mark.parametrize("caller", ["own_staff", "admin", "hub_operator"])
async def test_staff_admins_and_hub_operators_see_evidence_and_notes(
    client, session, provider_x, as_staff_x, as_admin, as_hub_operator, caller
):
    await make_verification(session, provider_x, evidence_ref="CI AX1234567", note="Documento ok")
    headers = {"own_staff": as_staff_x, "admin": as_admin, "hub_operator": as_hub_operator}[caller]

    items = await listed(client, provider_x.id, headers=headers)

    assert (items[0]["evidence_ref"], items[0]["note"]) == ("CI AX1234567", "Documento ok")


async def test_checks_of_a_draft_provider_are_404_for_anonymous(client, session):
    provider = await make_provider(session, state=AccreditationState.draft)
    await make_verification(session, provider)

    response = await client.get(f"/v1/providers/{provider.id}/verifications")

    assert response.status_code == 404
    assert response.json()["code"] == "provider_not_found"


async def test_checks_of_a_draft_provider_are_listed_for_its_staff(client, session, staff_x, as_staff_x):
    provider = await make_provider(session, state=AccreditationState.draft, staff=staff_x)
    await make_verification(session, provider, evidence_ref="ref")

    items = await listed(client, provider.id, headers=as_staff_x)

    assert [i["evidence_ref"] for i in items] == ["ref"]


async def test_checks_are_listed_newest_first(client, session, provider_x):
    now = datetime.now(UTC)
    await make_verification(session, provider_x, kind=K.identity, verified_at=now - timedelta(days=30))
    await make_verification(session, provider_x, kind=K.insurance, verified_at=now - timedelta(days=1))
    await make_verification(session, provider_x, kind=K.references, verified_at=now - timedelta(days=10))

    items = await listed(client, provider_x.id)

    assert [i["kind"] for i in items] == ["insurance", "references", "identity"]


# --- badges ----------------------------------------------------------------------------------------


async def test_passed_unexpired_check_is_a_badge_on_the_provider(client, session, provider_x, as_admin):
    expires = datetime.now(UTC) + timedelta(days=365)
    recorded = await client.post(
        f"/v1/providers/{provider_x.id}/verifications", json=check(expires_at=iso(expires)), headers=as_admin
    )

    response = await client.get(f"/v1/providers/{provider_x.id}")

    assert response.json()["badges"] == [
        {
            "kind": "qualification",
            "verified_at": recorded.json()["verified_at"],
            "expires_at": recorded.json()["expires_at"],
            "verifier_name": "Comune di Milano",
        }
    ]


async def test_passed_check_without_expiry_is_a_badge(client, session, provider_x):
    await make_verification(session, provider_x, kind=K.regional_register, expires_at=None)
    session.expunge_all()

    assert await badges_of(client, provider_x.id) == ["regional_register"]


async def test_expired_check_is_not_a_badge(client, session, provider_x, as_admin):
    now = datetime.now(UTC)
    recorded = await client.post(
        f"/v1/providers/{provider_x.id}/verifications",
        json=check(verified_at=iso(now - timedelta(days=365)), expires_at=iso(now - timedelta(seconds=1))),
        headers=as_admin,
    )

    badges = await badges_of(client, provider_x.id)

    assert recorded.status_code == 201
    assert recorded.json()["counts_as_badge"] is False
    assert badges == []


async def test_check_stops_counting_the_moment_it_expires(client, session, provider_x):
    expires = datetime.now(UTC) + timedelta(seconds=2)
    await make_verification(
        session, provider_x, kind=K.insurance, verified_at=datetime.now(UTC) - timedelta(days=1), expires_at=expires
    )
    session.expunge_all()
    assert await badges_of(client, provider_x.id) == ["insurance"]

    await asyncio.sleep((expires - datetime.now(UTC)).total_seconds() + 0.05)

    assert await badges_of(client, provider_x.id) == []
    assert [i["counts_as_badge"] for i in await listed(client, provider_x.id)] == [False]


async def test_later_failed_check_of_the_same_kind_removes_the_badge(client, session, provider_x, as_admin):
    await make_verification(
        session, provider_x, kind=K.background_check, verified_at=datetime.now(UTC) - timedelta(days=2)
    )
    session.expunge_all()

    await client.post(
        f"/v1/providers/{provider_x.id}/verifications",
        json=check(kind="background_check", outcome="failed"),
        headers=as_admin,
    )

    assert await badges_of(client, provider_x.id) == []
    assert [(i["outcome"], i["counts_as_badge"]) for i in await listed(client, provider_x.id)] == [
        ("failed", False),
        ("passed", False),
    ]


async def test_later_passed_check_restores_the_badge_after_a_failure(client, session, provider_x):
    now = datetime.now(UTC)
    await make_verification(session, provider_x, kind=K.identity, verified_at=now - timedelta(days=3))
    await make_verification(
        session, provider_x, kind=K.identity, outcome=VerificationOutcome.failed, verified_at=now - timedelta(days=2)
    )
    await make_verification(session, provider_x, kind=K.identity, verified_at=now - timedelta(days=1))
    session.expunge_all()

    assert await badges_of(client, provider_x.id) == ["identity"]


async def test_failed_check_of_another_kind_leaves_a_badge_alone(client, session, provider_x):
    now = datetime.now(UTC)
    await make_verification(session, provider_x, kind=K.identity, verified_at=now - timedelta(days=2))
    await make_verification(session, provider_x, kind=K.insurance, outcome=VerificationOutcome.failed, verified_at=now)
    session.expunge_all()

    assert await badges_of(client, provider_x.id) == ["identity"]


async def test_backdated_passed_check_does_not_override_a_later_failure(client, session, provider_x, as_admin):
    now = datetime.now(UTC)
    await make_verification(
        session, provider_x, kind=K.identity, outcome=VerificationOutcome.failed, verified_at=now - timedelta(days=1)
    )
    session.expunge_all()

    response = await client.post(
        f"/v1/providers/{provider_x.id}/verifications",
        json=check(kind="identity", verified_at=iso(now - timedelta(days=5))),
        headers=as_admin,
    )

    assert response.json()["counts_as_badge"] is False
    assert await badges_of(client, provider_x.id) == []


async def test_only_the_latest_passed_check_of_a_kind_counts_as_the_badge(client, session, provider_x):
    now = datetime.now(UTC)
    older = await make_verification(session, provider_x, kind=K.qualification, verified_at=now - timedelta(days=400))
    newer = await make_verification(session, provider_x, kind=K.qualification, verified_at=now - timedelta(days=5))
    other = await make_verification(session, provider_x, kind=K.driving_licence, verified_at=now - timedelta(days=9))
    session.expunge_all()

    items = await listed(client, provider_x.id)

    assert {i["id"]: i["counts_as_badge"] for i in items} == {
        str(newer.id): True,
        str(other.id): True,
        str(older.id): False,
    }


async def test_badges_are_listed_by_kind(client, session, provider_x):
    for kind in (K.references, K.identity, K.insurance):
        await make_verification(session, provider_x, kind=kind)
    session.expunge_all()

    assert await badges_of(client, provider_x.id) == ["identity", "insurance", "references"]


# --- the badge filter ------------------------------------------------------------------------------


@pytest.fixture
async def badge_holders(session) -> dict[str, object]:
    """`both` holds identity and insurance, `identity_only` one of them, `expired` an expired pair,
    `revoked` a pair whose insurance was since failed, and `none` nothing."""
    now = datetime.now(UTC)
    providers = {name: await make_provider(session, display_name=name) for name in ("both", "identity_only")}
    providers |= {name: await make_provider(session, display_name=name) for name in ("expired", "revoked", "none")}
    for name in ("both", "revoked"):
        await make_verification(session, providers[name], kind=K.identity, verified_at=now - timedelta(days=3))
        await make_verification(session, providers[name], kind=K.insurance, verified_at=now - timedelta(days=3))
    await make_verification(session, providers["identity_only"], kind=K.identity)
    for kind in (K.identity, K.insurance):
        await make_verification(
            session,
            providers["expired"],
            kind=kind,
            verified_at=now - timedelta(days=400),
            expires_at=now - timedelta(seconds=1),
        )
    await make_verification(
        session, providers["revoked"], kind=K.insurance, outcome=VerificationOutcome.failed, verified_at=now
    )
    return providers


async def test_provider_badge_filter_requires_every_listed_badge(client, session, badge_holders):
    session.expunge_all()

    response = await client.get("/v1/providers", params=[("badge", "identity"), ("badge", "insurance")])

    assert response.status_code == 200
    assert [p["display_name"] for p in response.json()["items"]] == ["both"]


async def test_provider_badge_filter_with_one_badge(client, session, badge_holders):
    session.expunge_all()

    response = await client.get("/v1/providers", params={"badge": "identity"})

    assert [p["display_name"] for p in response.json()["items"]] == ["both", "identity_only", "revoked"]


async def test_unknown_badge_in_the_filter_returns_422(client):
    response = await client.get("/v1/providers", params={"badge": "horoscope"})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def publish_service(client, provider_id, headers) -> str:
    category = (await client.get("/v1/categories/tata-babysitter")).json()
    created = await client.post(
        "/v1/services",
        json={
            "provider_id": str(provider_id),
            "category_id": category["id"],
            "title": "Tata il sabato mattina",
            "price_model": "hourly",
            "price_cents": 1200,
            "availability": [{"day": "sat", "opens": "08:00", "closes": "13:00"}],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    published = await client.post(f"/v1/services/{created.json()['id']}/publish", headers=headers)
    assert published.status_code == 200, published.text
    return created.json()["id"]


async def test_service_badge_filter_requires_every_listed_badge(client, session, badge_holders, as_admin):
    services = {name: await publish_service(client, p.id, as_admin) for name, p in badge_holders.items()}

    response = await client.get("/v1/services", params=[("badge", "identity"), ("badge", "insurance")])

    assert response.status_code == 200
    assert [s["id"] for s in response.json()["items"]] == [services["both"]]
    assert response.json()["items"][0]["provider"]["badges"] == ["identity", "insurance"]


async def test_service_badge_filter_with_one_badge(client, session, badge_holders, as_admin):
    services = {name: await publish_service(client, p.id, as_admin) for name, p in badge_holders.items()}

    response = await client.get("/v1/services", params={"badge": "identity", "limit": 100})

    assert {s["id"] for s in response.json()["items"]} == {
        services["both"],
        services["identity_only"],
        services["revoked"],
    }
