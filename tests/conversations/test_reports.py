"""Reporting a message: a participant reports the other side's message once; the admins list reports
(their reading audited); nobody else reads them."""

from sqlalchemy import select

from app.models import AuditEntry
from tests.conversations.conftest import posted

REPORTS_URL = "/v1/message-reports"


def report_url(message_id: str) -> str:
    return f"/v1/messages/{message_id}/reports"


async def test_a_participant_reports_the_other_sides_message_and_admins_see_it(
    client, session, as_citizen_a, citizen_a, as_admin, admin, catalogue, thread_a
):
    message = await posted(client, catalogue.headers("aurora"), thread_a["id"], "Mi paghi in nero, è meglio.")

    created = await client.post(
        report_url(message["id"]),
        json={"reason": "off_platform", "text": "Chiede pagamenti in nero."},
        headers=as_citizen_a,
    )
    listed = await client.get(REPORTS_URL, headers=as_admin)

    assert created.status_code == 201, created.text
    [report] = listed.json()["items"]
    assert report["id"] == created.json()["id"] and report["reporter_id"] == str(citizen_a.id)
    assert report["reason"] == "off_platform" and report["message_text"] == "Mi paghi in nero, è meglio."
    assert report["message_side"] == "provider" and report["thread_id"] == thread_a["id"]
    audited = await session.scalar(select(AuditEntry).where(AuditEntry.action == "message_report.read"))
    assert audited is not None and audited.actor_id == admin.id


async def test_a_message_is_reported_once_per_person(client, as_citizen_a, catalogue, thread_a):
    message = await posted(client, catalogue.headers("aurora"), thread_a["id"], "Insistente.")
    await client.post(report_url(message["id"]), json={"reason": "harassment"}, headers=as_citizen_a)

    again = await client.post(report_url(message["id"]), json={"reason": "spam"}, headers=as_citizen_a)

    assert again.status_code == 409
    assert again.json()["code"] == "message_already_reported"


async def test_ones_own_sides_message_cannot_be_reported(client, as_citizen_a, thread_a):
    message = await posted(client, as_citizen_a, thread_a["id"], "Scritto da me.")

    response = await client.post(report_url(message["id"]), json={"reason": "spam"}, headers=as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_an_unknown_message_is_404(client, as_citizen_a):
    response = await client.post(
        report_url("00000000-0000-4000-8000-000000000000"), json={"reason": "spam"}, headers=as_citizen_a
    )

    assert response.status_code == 404
    assert response.json()["code"] == "message_not_found"


async def test_only_admins_list_reports(client, as_citizen_a, catalogue):
    citizen = await client.get(REPORTS_URL, headers=as_citizen_a)
    staff = await client.get(REPORTS_URL, headers=catalogue.headers("aurora"))

    assert citizen.status_code == 403
    assert citizen.json()["code"] == "forbidden"
    assert staff.status_code == 403
    assert staff.json()["code"] == "forbidden"
