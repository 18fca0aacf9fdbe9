"""Applications over HTTP: each rule's pass, fail and needs_review, the grant on the ledger, the
waitlist, assisted mode with consent, and who may see or decide what."""

import uuid
from datetime import date

from app import money
from tests.factories import auth_headers, make_user
from tests.programmes.conftest import (
    APPLICATIONS_URL,
    GRANTS_URL,
    NIL_22,
    NIL_40,
    apply,
    notification_kinds,
    opened,
    verified_isee,
)


def checks_of(body: dict) -> dict[str, tuple[str, str]]:
    return {c["rule"]: (c["outcome"], c["reason"]) for c in body["checks"]}


async def test_an_eligible_household_is_granted_and_its_wallet_credited(
    client, session, as_citizen_a, citizen_a, programme
):
    response = await apply(client, as_citizen_a, programme["id"])

    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"{APPLICATIONS_URL}/{body['id']}"
    assert (body["status"], body["status_code"]) == ("granted", None)
    assert {rule: outcome for rule, (outcome, _) in checks_of(body).items()} == {
        "residence": "pass",
        "one_grant_per_period": "pass",
    }
    assert body["grant"]["amount_cents"] == 100_000 and body["grant"]["status"] == "active"
    grant = (await client.get(f"{GRANTS_URL}/{body['grant']['id']}", headers=as_citizen_a)).json()
    wallet = await money.balance(session, uuid.UUID(grant["wallet_account_id"]))
    assert (wallet.posted_cents, wallet.available_cents) == (100_000, 100_000)
    assert await notification_kinds(session, citizen_a.id) == ["grant.credited", "programme_application.decided"]


async def test_residence_outside_the_programme_nils_fails_with_the_reason(client, as_admin, as_citizen_a):
    programme = await opened(client, as_admin, residence_nil_ids=[str(NIL_22)])

    response = await apply(client, as_citizen_a, programme["id"], residence_nil_id=str(NIL_40))

    body = response.json()
    assert (body["status"], body["status_code"]) == ("ineligible", "residence_failed")
    outcome, reason = checks_of(body)["residence"]
    assert outcome == "fail" and "outside the NILs" in reason
    assert body["grant"] is None


async def test_no_residence_in_milan_fails(client, as_citizen_a, programme):
    response = await apply(client, as_citizen_a, programme["id"], residence_nil_id=None)

    assert checks_of(response.json())["residence"][0] == "fail"
    assert response.json()["status"] == "ineligible"


async def test_a_municipio_is_not_a_residence(client, as_citizen_a, programme):
    from app.models import ZoneKind
    from app.seed.reference import zone_id

    response = await apply(client, as_citizen_a, programme["id"], residence_nil_id=str(zone_id(ZoneKind.municipio, 4)))

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/residence_nil_id"


async def test_member_age_passes_with_a_child_and_fails_without(client, as_admin, as_citizen_a, as_citizen_b):
    programme = await opened(client, as_admin, member_min_age=0, member_max_age=17)
    child = f"{date.today().year - 6}-01-15"

    with_child = await apply(client, as_citizen_a, programme["id"], member_birth_dates=[child, "1980-03-03"])
    without = await apply(client, as_citizen_b, programme["id"], member_birth_dates=["1980-03-03"])

    assert checks_of(with_child.json())["member_age"][0] == "pass"
    assert with_child.json()["status"] == "granted"
    outcome, reason = checks_of(without.json())["member_age"]
    assert outcome == "fail" and "0-17" in reason
    assert without.json()["status_code"] == "member_age_failed"


async def test_isee_ceiling_pass_fail_and_needs_review(client, session, as_admin, citizen_a, citizen_b):
    programme = await opened(client, as_admin, isee_max_cents=2_500_000)
    citizen_c = await make_user(session, email="citizen.c@example.org")
    await verified_isee(session, citizen_a.id, 1_800_000)
    await verified_isee(session, citizen_b.id, 3_000_000)

    under = await apply(client, auth_headers(citizen_a), programme["id"])
    over = await apply(client, auth_headers(citizen_b), programme["id"])
    unknown = await apply(client, auth_headers(citizen_c), programme["id"])

    assert checks_of(under.json())["isee_ceiling"][0] == "pass" and under.json()["status"] == "granted"
    assert checks_of(over.json())["isee_ceiling"][0] == "fail" and over.json()["status"] == "ineligible"
    outcome, reason = checks_of(unknown.json())["isee_ceiling"]
    assert outcome == "needs_review" and "No verified ISEE" in reason
    assert unknown.json()["status"] == "needs_review" and unknown.json()["grant"] is None


async def test_isee_bands_set_the_amount(client, session, as_admin, citizen_a, citizen_b):
    rule = {
        "kind": "isee_bands",
        "bands": [
            {"isee_max_cents": 1_000_000, "amount_cents": 150_000},
            {"isee_max_cents": 2_000_000, "amount_cents": 80_000},
        ],
    }
    programme = await opened(client, as_admin, amount_rule=rule)
    await verified_isee(session, citizen_a.id, 1_500_000)
    await verified_isee(session, citizen_b.id, 2_000_001)

    second_band = await apply(client, auth_headers(citizen_a), programme["id"])
    above = await apply(client, auth_headers(citizen_b), programme["id"])

    assert second_band.json()["grant"]["amount_cents"] == 80_000
    assert checks_of(above.json())["isee_band"][0] == "fail"
    assert above.json()["status_code"] == "isee_band_failed"


async def test_a_second_application_while_one_is_live_is_refused(client, as_citizen_a, programme):
    await apply(client, as_citizen_a, programme["id"])

    again = await apply(client, as_citizen_a, programme["id"])

    assert again.status_code == 409
    assert again.json()["code"] == "programme_already_applied"


async def test_one_grant_per_period_fails_after_a_grant_even_when_the_application_is_gone(
    client, session, as_citizen_a, citizen_a, programme
):
    from sqlalchemy import update

    from app.models import ApplicationStatus, ProgrammeApplication

    first = await apply(client, as_citizen_a, programme["id"])
    # An application no longer live (e.g. history) does not free the household for a second grant.
    await session.execute(
        update(ProgrammeApplication)
        .where(ProgrammeApplication.id == uuid.UUID(first.json()["id"]))
        .values(status=ApplicationStatus.rejected, version=ProgrammeApplication.version + 1)
    )

    second = await apply(client, as_citizen_a, programme["id"])

    assert checks_of(second.json())["one_grant_per_period"][0] == "fail"
    assert second.json()["status"] == "ineligible"


async def test_budget_exhausted_waitlists_with_the_code(client, as_admin, as_citizen_a, as_citizen_b):
    programme = await opened(client, as_admin, budget_cents=100_000)
    await apply(client, as_citizen_a, programme["id"])

    late = await apply(client, as_citizen_b, programme["id"])

    assert late.status_code == 201
    assert (late.json()["status"], late.json()["status_code"]) == ("waitlisted", "programme_budget_exhausted")


async def test_budget_exhausted_refuses_when_the_programme_keeps_no_waitlist(
    client, as_admin, as_citizen_a, as_citizen_b
):
    programme = await opened(client, as_admin, budget_cents=100_000, waitlist_when_exhausted=False)
    await apply(client, as_citizen_a, programme["id"])

    late = await apply(client, as_citizen_b, programme["id"])

    assert (late.json()["status"], late.json()["status_code"]) == ("ineligible", "programme_budget_exhausted")


async def test_applying_to_a_draft_is_404_and_to_a_closed_programme_409(client, as_admin, as_citizen_a, programme):
    from tests.programmes.conftest import create_programme

    draft = await create_programme(client, as_admin)
    closed = await client.post(
        f"/v1/programmes/{programme['id']}/close", headers={**as_admin, "If-Match": f'"{programme["version"]}"'}
    )

    to_draft = await apply(client, as_citizen_a, draft["id"])
    to_closed = await apply(client, as_citizen_a, closed.json()["id"])

    assert to_draft.status_code == 404 and to_draft.json()["code"] == "programme_not_found"
    assert to_closed.status_code == 409 and to_closed.json()["code"] == "programme_not_open"


async def test_operator_applies_for_a_citizen_of_their_nil_with_consent(
    client, session, as_operator, operator, citizen_a, programme
):
    response = await apply(
        client,
        as_operator,
        programme["id"],
        citizen_id=str(citizen_a.id),
        consent_note="Consenso firmato allo sportello",
    )

    body = response.json()
    assert response.status_code == 201, response.text
    assert (body["household_id"], body["created_by_id"]) == (str(citizen_a.id), str(operator.id))
    assert body["consent_recorded_at"] is not None and body["status"] == "granted"
    mine = await client.get(APPLICATIONS_URL, headers=auth_headers(citizen_a))
    assert [a["id"] for a in mine.json()["items"]] == [body["id"]]


async def test_operator_without_consent_or_outside_their_nils_is_refused(client, as_operator, citizen_a, programme):
    no_consent = await apply(client, as_operator, programme["id"], citizen_id=str(citizen_a.id))
    elsewhere = await apply(
        client,
        as_operator,
        programme["id"],
        citizen_id=str(citizen_a.id),
        consent_note="Consenso firmato",
        residence_nil_id=str(NIL_40),
    )

    assert no_consent.status_code == 422 and no_consent.json()["errors"][0]["pointer"] == "/citizen_id"
    assert no_consent.json()["code"] == "validation_error" and elsewhere.json()["code"] == "forbidden"
    assert elsewhere.status_code == 403 and "NILs their hubs serve" in elsewhere.json()["detail"]


async def test_citizen_may_not_apply_for_someone_else(client, as_citizen_a, citizen_b, programme):
    response = await apply(client, as_citizen_a, programme["id"], citizen_id=str(citizen_b.id))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_provider_staff_may_not_apply(client, session, programme):
    from tests.factories import make_provider_staff_user

    staff = await make_provider_staff_user(session)

    response = await apply(client, auth_headers(staff), programme["id"])

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "Citizens apply" in response.json()["detail"]
