"""Reviews: the citizen of a completed engagement reviews it once; admins moderate; approved
reviews make the provider's public Bayesian rating, shown on the provider, in matches and sort."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.demand.reviews import PRIOR_MEAN, PRIOR_WEIGHT
from app.models import Provider, Review, ReviewStatus
from tests.demand.conftest import milan_today, post_request
from tests.demand.offer_helpers import audit_entries, engaged, event_types, fresh

REVIEWS_URL = "/v1/reviews"


def review_url(engagement_id: str) -> str:
    return f"/v1/engagements/{engagement_id}/review"


def bayesian(*ratings: int) -> float:
    """The issue's formula: (PRIOR_WEIGHT × PRIOR_MEAN + Σ ratings) / (PRIOR_WEIGHT + n)."""
    return round((PRIOR_WEIGHT * PRIOR_MEAN + sum(ratings)) / (PRIOR_WEIGHT + len(ratings)), 3)


async def completed(client: httpx.AsyncClient, headers: dict[str, str], catalogue: Any, name: str) -> dict[str, Any]:
    """A new engagement of the caller with `name`, completed."""
    engagement = await engaged(client, headers, catalogue, name, start_date=milan_today())
    response = await client.post(f"/v1/engagements/{engagement['id']}/complete", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def reviewed(
    client: httpx.AsyncClient, headers: dict[str, str], catalogue: Any, name: str, rating: int
) -> dict[str, Any]:
    """A completed engagement of the caller with `name`, reviewed: the (pending) review."""
    engagement = await completed(client, headers, catalogue, name)
    response = await client.post(review_url(engagement["id"]), json={"rating": rating, "text": "ok"}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def moderate(
    client: httpx.AsyncClient, headers: dict[str, str], review_id: str, action: str, **kwargs: Any
) -> httpx.Response:
    body = {"json": {"reason": "Contains a phone number"}} if action == "reject" else {}
    return await client.post(f"{REVIEWS_URL}/{review_id}/{action}", headers=headers, **body, **kwargs)


async def review_count(session, engagement_id: str) -> int:
    stmt = select(func.count()).select_from(Review).where(Review.engagement_id == uuid.UUID(engagement_id))
    return await session.scalar(stmt)


@pytest.fixture
async def done(client, as_citizen_a, catalogue) -> dict[str, Any]:
    """Citizen A's completed engagement with cedro (a provider with no rating yet)."""
    return await completed(client, as_citizen_a, catalogue, "cedro")


# --- writing a review --------------------------------------------------------------------------------


async def test_citizen_reviews_a_completed_engagement_201_pending(client, session, as_citizen_a, citizen_a, done):
    response = await client.post(
        review_url(done["id"]), json={"rating": 4, "text": "Puntuale e gentile."}, headers=as_citizen_a
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["rating"], body["text"], body["status"]) == (4, "Puntuale e gentile.", "pending")
    assert body["provider_id"] == done["provider_id"]
    stored = await fresh(session, Review, body["id"])
    assert (stored.citizen_id, stored.status) == (citizen_a.id, ReviewStatus.pending)


async def test_reviewing_writes_audit_entry_and_review_created_event(client, session, as_citizen_a, done):
    response = await client.post(review_url(done["id"]), json={"rating": 4}, headers=as_citizen_a)

    assert await event_types(session, response.json()["id"]) == ["review.created"]
    assert [a.action for a in await audit_entries(session, response.json()["id"])] == ["review.created"]


async def test_pending_review_does_not_change_the_providers_rating(client, session, as_citizen_a, catalogue, done):
    await client.post(review_url(done["id"]), json={"rating": 5}, headers=as_citizen_a)

    provider = await fresh(session, Provider, catalogue.provider_id("cedro"))
    assert (provider.rating_average, provider.rating_count) == (None, 0)


async def test_reviewing_an_active_engagement_returns_409_engagement_not_completed(
    client, session, as_citizen_a, catalogue
):
    engagement = await engaged(client, as_citizen_a, catalogue, "cedro")

    response = await client.post(review_url(engagement["id"]), json={"rating": 5}, headers=as_citizen_a)

    assert response.status_code == 409
    assert response.json()["code"] == "engagement_not_completed"
    assert response.json()["current_state"] == "active"
    assert await review_count(session, engagement["id"]) == 0


async def test_reviewing_a_cancelled_engagement_returns_409_engagement_not_completed(
    client, session, as_citizen_a, catalogue
):
    engagement = await engaged(client, as_citizen_a, catalogue, "cedro")
    await client.post(f"/v1/engagements/{engagement['id']}/cancel", json={"reason": "Moved away"}, headers=as_citizen_a)

    response = await client.post(review_url(engagement["id"]), json={"rating": 1}, headers=as_citizen_a)

    assert response.status_code == 409
    assert response.json()["code"] == "engagement_not_completed"
    assert response.json()["current_state"] == "cancelled"
    assert await review_count(session, engagement["id"]) == 0


async def test_provider_side_reviewing_returns_403(client, session, catalogue, done):
    response = await client.post(review_url(done["id"]), json={"rating": 5}, headers=catalogue.headers("cedro"))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await review_count(session, done["id"]) == 0


async def test_non_party_reviewing_returns_404(client, session, as_citizen_b, done):
    response = await client.post(review_url(done["id"]), json={"rating": 1}, headers=as_citizen_b)

    assert response.status_code == 404
    assert response.json()["code"] == "engagement_not_found"
    assert await review_count(session, done["id"]) == 0


async def test_second_review_returns_409_review_exists(client, session, as_citizen_a, done):
    first = await client.post(review_url(done["id"]), json={"rating": 4}, headers=as_citizen_a)

    response = await client.post(review_url(done["id"]), json={"rating": 1}, headers=as_citizen_a)

    assert first.status_code == 201
    assert response.status_code == 409
    assert response.json()["code"] == "review_exists"
    assert await review_count(session, done["id"]) == 1
    assert (await fresh(session, Review, first.json()["id"])).rating == 4


@pytest.mark.parametrize("rating", [0, 6, -1])
async def test_rating_outside_1_to_5_returns_422(client, session, as_citizen_a, done, rating):
    response = await client.post(review_url(done["id"]), json={"rating": rating}, headers=as_citizen_a)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/rating"
    assert await review_count(session, done["id"]) == 0


@pytest.mark.parametrize("rating", [1, 5])
async def test_rating_at_the_bounds_is_accepted(client, as_citizen_a, done, rating):
    response = await client.post(review_url(done["id"]), json={"rating": rating}, headers=as_citizen_a)

    assert response.status_code == 201
    assert (response.json()["rating"], response.json()["status"]) == (rating, "pending")


# --- moderation and the rating -----------------------------------------------------------------------


async def test_admin_approval_sets_the_bayesian_average_and_count(
    client, session, as_citizen_a, as_citizen_b, as_admin, catalogue
):
    first = await reviewed(client, as_citizen_a, catalogue, "cedro", 5)
    second = await reviewed(client, as_citizen_b, catalogue, "cedro", 4)

    approvals = [await moderate(client, as_admin, r["id"], "approve") for r in (first, second)]

    assert [a.status_code for a in approvals] == [200, 200]
    assert approvals[-1].json()["status"] == "approved"
    provider = await fresh(session, Provider, catalogue.provider_id("cedro"))
    assert provider.rating_average == pytest.approx(bayesian(5, 4))
    assert provider.rating_count == 2


async def test_approving_writes_audit_entry_and_review_approved_event(
    client, session, as_citizen_a, as_admin, admin, catalogue
):
    review = await reviewed(client, as_citizen_a, catalogue, "cedro", 5)

    await moderate(client, as_admin, review["id"], "approve")

    assert await event_types(session, review["id"]) == ["review.created", "review.approved"]
    entry = (await audit_entries(session, review["id"]))[-1]
    assert (entry.action, entry.actor_id) == ("review.approved", admin.id)


async def test_rating_is_shown_on_the_provider(client, as_citizen_a, as_citizen_b, as_admin, catalogue):
    for headers, rating in ((as_citizen_a, 5), (as_citizen_b, 2)):
        review = await reviewed(client, headers, catalogue, "cedro", rating)
        await moderate(client, as_admin, review["id"], "approve")

    response = await client.get(f"/v1/providers/{catalogue.provider_id('cedro')}")

    assert response.status_code == 200
    assert response.json()["rating_average"] == pytest.approx(bayesian(5, 2))
    assert response.json()["rating_count"] == 2


async def test_rating_feeds_the_matches_breakdown(client, as_citizen_a, as_admin, catalogue):
    review = await reviewed(client, as_citizen_a, catalogue, "cedro", 5)
    await moderate(client, as_admin, review["id"], "approve")
    request = await post_request(client, as_citizen_a)

    response = await client.get(f"/v1/requests/{request['id']}/matches", headers=as_citizen_a)

    cedro = next(m for m in response.json()["items"] if m["provider_id"] == catalogue.provider_id("cedro"))
    assert cedro["breakdown"]["rating"] == pytest.approx(round(bayesian(5) / 5, 4))


async def test_rating_orders_the_provider_sort(client, as_citizen_a, as_admin, catalogue):
    review = await reviewed(client, as_citizen_a, catalogue, "cedro", 5)  # 3.75: between dalia 4.0 and betulla 3.0
    await moderate(client, as_admin, review["id"], "approve")

    response = await client.get("/v1/providers", params={"sort": "rating", "limit": 100})

    ids = [p["id"] for p in response.json()["items"]]
    rated = [catalogue.provider_id(n) for n in ("aurora", "dalia", "cedro", "betulla")]
    assert [i for i in ids if i in rated] == rated


async def test_rejected_reviews_do_not_count(client, session, as_citizen_a, as_citizen_b, as_admin, catalogue):
    kept = await reviewed(client, as_citizen_a, catalogue, "cedro", 5)
    spam = await reviewed(client, as_citizen_b, catalogue, "cedro", 1)

    await moderate(client, as_admin, kept["id"], "approve")
    rejected = await moderate(client, as_admin, spam["id"], "reject")

    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["moderation_reason"]) == ("rejected", "Contains a phone number")
    provider = await fresh(session, Provider, catalogue.provider_id("cedro"))
    assert provider.rating_average == pytest.approx(bayesian(5))
    assert provider.rating_count == 1


async def test_rejecting_writes_audit_entry_and_review_rejected_event(
    client, session, as_citizen_a, as_admin, catalogue
):
    review = await reviewed(client, as_citizen_a, catalogue, "cedro", 1)

    await moderate(client, as_admin, review["id"], "reject")

    assert await event_types(session, review["id"]) == ["review.created", "review.rejected"]
    entry = (await audit_entries(session, review["id"]))[-1]
    assert (entry.action, entry.detail) == ("review.rejected", {"reason": "Contains a phone number"})


async def test_rejecting_without_a_reason_returns_422(client, session, as_citizen_a, as_admin, catalogue):
    review = await reviewed(client, as_citizen_a, catalogue, "cedro", 1)

    response = await client.post(f"{REVIEWS_URL}/{review['id']}/reject", json={}, headers=as_admin)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/reason"
    assert (await fresh(session, Review, review["id"])).status == ReviewStatus.pending


@pytest.mark.parametrize("action", ["approve", "reject"])
async def test_moderation_by_a_citizen_returns_403(client, session, as_citizen_a, catalogue, action):
    review = await reviewed(client, as_citizen_a, catalogue, "cedro", 5)

    response = await moderate(client, as_citizen_a, review["id"], action)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert (await fresh(session, Review, review["id"])).status == ReviewStatus.pending


async def test_moderation_by_the_reviewed_providers_staff_returns_403(client, session, as_citizen_a, catalogue):
    review = await reviewed(client, as_citizen_a, catalogue, "cedro", 1)

    response = await moderate(client, catalogue.headers("cedro"), review["id"], "reject")

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert (await fresh(session, Review, review["id"])).status == ReviewStatus.pending


@pytest.mark.parametrize(("first", "second"), [("approve", "approve"), ("approve", "reject"), ("reject", "approve")])
async def test_moderating_twice_returns_409_invalid_transition(
    client, session, as_citizen_a, as_admin, catalogue, first, second
):
    review = await reviewed(client, as_citizen_a, catalogue, "cedro", 5)
    await moderate(client, as_admin, review["id"], first)

    response = await moderate(client, as_admin, review["id"], second)

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    expected = ReviewStatus.approved if first == "approve" else ReviewStatus.rejected
    assert response.json()["current_state"] == expected.value
    assert (await fresh(session, Review, review["id"])).status == expected


async def test_moderating_an_unknown_review_returns_404(client, as_admin):
    response = await moderate(client, as_admin, str(uuid.uuid4()), "approve")

    assert response.status_code == 404
    assert response.json()["code"] == "review_not_found"


async def test_approving_with_a_stale_if_match_returns_412(client, session, as_citizen_a, as_admin, catalogue):
    review = await reviewed(client, as_citizen_a, catalogue, "cedro", 5)
    stale = f'"{review["version"] + 2}"'

    response = await moderate(client, {**as_admin, "If-Match": stale}, review["id"], "approve")

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert (await fresh(session, Review, review["id"])).status == ReviewStatus.pending


# --- reading reviews ---------------------------------------------------------------------------------


@pytest.fixture
async def three_reviews(client, as_citizen_a, as_citizen_b, citizen_a, as_admin, catalogue) -> dict[str, str]:
    """cedro's reviews: one approved, one rejected, one pending (ids by status)."""
    approved = await reviewed(client, as_citizen_a, catalogue, "cedro", 5)
    rejected = await reviewed(client, as_citizen_b, catalogue, "cedro", 1)
    pending = await reviewed(client, as_citizen_a, catalogue, "cedro", 3)
    await moderate(client, as_admin, approved["id"], "approve")
    await moderate(client, as_admin, rejected["id"], "reject")
    return {"approved": approved["id"], "rejected": rejected["id"], "pending": pending["id"]}


async def test_public_provider_reviews_list_approved_ones_only(client, catalogue, three_reviews):
    response = await client.get(f"/v1/providers/{catalogue.provider_id('cedro')}/reviews")

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["items"]] == [three_reviews["approved"]]


async def test_provider_reviews_of_an_unknown_provider_return_404(client):
    response = await client.get(f"/v1/providers/{uuid.uuid4()}/reviews")

    assert response.status_code == 404
    assert response.json()["code"] == "provider_not_found"


async def test_admin_lists_pending_reviews_by_default(client, as_admin, three_reviews):
    response = await client.get(REVIEWS_URL, headers=as_admin)

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["items"]] == [three_reviews["pending"]]


@pytest.mark.parametrize("status", ["pending", "approved", "rejected"])
async def test_admin_lists_reviews_by_status(client, as_admin, three_reviews, status):
    response = await client.get(REVIEWS_URL, params={"status": status}, headers=as_admin)

    assert [r["id"] for r in response.json()["items"]] == [three_reviews[status]]


async def test_moderation_queue_for_a_citizen_returns_403(client, as_citizen_a, three_reviews):
    response = await client.get(REVIEWS_URL, headers=as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
