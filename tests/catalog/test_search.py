"""GET /v1/services: public search; every filter alone and combined (AND), five sorts, cursor walks."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.geo import haversine_km
from app.models import AccreditationState, Delivery, PriceModel, ProviderKind, ServiceStatus, VerificationKind, Zone
from app.models import ZoneKind as K
from app.prices import hourly_equivalent
from app.seed.reference import category_id, zone_id
from tests.factories import auth_headers, make_provider, make_provider_staff_user, make_service, make_verification

DUOMO = (45.46371, 9.18695)  # NIL 1
LORETO = (45.49094, 9.22223)  # NIL 20, about 4.1 km from the Duomo
QUARTO_OGGIARO = (45.51364, 9.13773)  # NIL 76, about 6.8 km from the Duomo
PUBLISHED = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
PUBLIC = {"s1", "s2", "s3", "s4", "s5", "s6"}


def nil(code: int) -> uuid.UUID:
    return zone_id(K.nil, code)


def municipio(code: int) -> uuid.UUID:
    return zone_id(K.municipio, code)


def slot(day: str, opens: str, closes: str) -> dict[str, str]:
    return {"day": day, "opens": opens, "closes": closes}


class Catalogue:
    """The fixture catalogue: names ↔ ids, plus the rows to compute expected orders from."""

    def __init__(self) -> None:
        self.services: dict[str, object] = {}
        self.providers: dict[str, object] = {}

    def name_of(self, service_id: str) -> str:
        return next(name for name, s in self.services.items() if str(s.id) == service_id)

    def id_of(self, name: str) -> str:
        return str(self.services[name].id)


@pytest.fixture
async def aurora_staff(session):
    return await make_provider_staff_user(session, email="staff@aurora.example.org")


@pytest.fixture
async def catalogue(session, aurora_staff) -> Catalogue:
    """Three accredited providers with six published services, plus hidden ones.

    * Aurora (cooperative, Duomo, rating 4.5, badges identity + insurance): s1, s2, and a draft
    * Betulla (association, Loreto, rating 3.0, badge identity; its insurance check expired): s3, s4
    * Rossi (individual worker, Quarto Oggiaro, no rating, no badges): s5, s6
    * Sospesa (suspended cooperative at the Duomo): a published service that must never show
    """
    c = Catalogue()
    now = datetime.now(UTC)
    aurora = await make_provider(
        session,
        staff=aurora_staff,
        display_name="Cooperativa Aurora",
        lat=DUOMO[0],
        lon=DUOMO[1],
        rating_average=4.5,
        rating_count=12,
    )
    betulla = await make_provider(
        session,
        kind=ProviderKind.association,
        display_name="Associazione Betulla",
        lat=LORETO[0],
        lon=LORETO[1],
        rating_average=3.0,
    )
    rossi = await make_provider(
        session,
        kind=ProviderKind.individual,
        display_name="Maria Rossi",
        # Her home, 450 m from her NIL's centroid: search must only ever reveal the centroid.
        lat=QUARTO_OGGIARO[0] + 0.004,
        lon=QUARTO_OGGIARO[1],
        nil_id=zone_id(K.nil, 76),
    )
    sospesa = await make_provider(
        session,
        state=AccreditationState.suspended,
        display_name="Cooperativa Sospesa",
        lat=DUOMO[0],
        lon=DUOMO[1],
        rating_average=5.0,
    )
    await make_verification(session, aurora, kind=VerificationKind.identity)
    await make_verification(session, aurora, kind=VerificationKind.insurance)
    await make_verification(session, betulla, kind=VerificationKind.identity)
    await make_verification(session, betulla, kind=VerificationKind.insurance, expires_at=now - timedelta(days=1))
    c.providers = {"aurora": aurora, "betulla": betulla, "rossi": rossi, "sospesa": sospesa}
    municipio_2 = list(
        (await session.scalars(select(Zone.id).where(Zone.kind == K.nil, Zone.parent_id == municipio(2)))).all()
    )
    c.services["s1"] = await make_service(
        session,
        aurora,
        category="doposcuola",
        title="Doposcuola al Duomo",
        description="Doposcuola per bambini della primaria: compiti, merenda e gioco.",
        zones_served=[nil(1)],
        availability=[slot("tue", "16:00", "18:00"), slot("thu", "16:00", "18:00")],
        price_cents=1200,
        languages=["it", "en"],
        published_at=PUBLISHED,
    )
    c.services["s2"] = await make_service(
        session,
        aurora,
        category="badante",
        title="Badante convivente",
        description="Assistenza agli anziani giorno e notte.",
        zones_served=[nil(2)],
        availability=[slot("mon", "08:00", "20:00")],
        price_model=PriceModel.monthly,
        price_cents=145000,
        languages=["it", "ro"],
        published_at=PUBLISHED + timedelta(hours=1),
    )
    c.services["s3"] = await make_service(
        session,
        betulla,
        category="sostegno-scolastico",
        title="Compiti insieme",
        description="Compiti insieme per bambini e ragazzi, in piccoli gruppi.",
        zones_served=municipio_2,
        availability=[slot("wed", "15:00", "17:00")],
        price_model=PriceModel.free,
        price_cents=None,
        delivery=Delivery.shared,
        min_persons=2,
        max_persons=6,
        languages=["it", "ar"],
        published_at=PUBLISHED + timedelta(hours=2),
    )
    c.services["s4"] = await make_service(
        session,
        betulla,
        category="corsi-di-italiano",
        title="Corso di italiano per stranieri",
        description="Lezioni di lingua italiana per genitori e bambini.",
        zones_served=[nil(20)],
        availability=[slot("tue", "18:00", "20:00")],
        price_model=PriceModel.per_session,
        price_cents=500,
        session_minutes=60,
        delivery=Delivery.shared,
        min_persons=3,
        max_persons=10,
        shared_prices=[{"group_size": 5, "price_per_person_cents": 400}],
        languages=["it", "ar", "en"],
        published_at=PUBLISHED + timedelta(hours=3),
    )
    c.services["s5"] = await make_service(
        session,
        rossi,
        category="colf",
        title="Colf per le pulizie",
        description="Pulizie di casa e stiro.",
        zones_served=[nil(76)],
        availability=[slot("fri", "09:00", "13:00")],
        price_cents=1000,
        languages=["it", "es"],
        published_at=PUBLISHED + timedelta(hours=4),
    )
    c.services["s6"] = await make_service(
        session,
        rossi,
        category="tata-babysitter",
        title="Tata per il weekend",
        description="Tata per i bambini nel fine settimana.",
        zones_served=[nil(1), nil(76)],
        availability=[slot("sat", "10:00", "12:00")],
        price_cents=1200,
        languages=["it"],
        published_at=PUBLISHED,  # the same instant as s1: the id breaks the tie
    )
    c.services["suspended"] = await make_service(
        session,
        sospesa,
        category="doposcuola",
        title="Doposcuola della cooperativa sospesa",
        description="Doposcuola per bambini, badante e colf.",
        zones_served=[nil(1)],
        availability=[slot("tue", "16:00", "18:00")],
        price_cents=100,
        languages=["it", "en", "ar", "es"],
    )
    c.services["draft"] = await make_service(
        session,
        aurora,
        status=ServiceStatus.draft,
        category="doposcuola",
        title="Doposcuola in bozza",
        description="Doposcuola per bambini.",
        zones_served=[nil(1)],
        availability=[slot("tue", "16:00", "18:00")],
        price_cents=900,
    )
    session.expunge_all()
    return c


async def search(client, c: Catalogue, headers: dict | None = None, **params) -> list[str]:
    """Names of the services one request returns, in order (fails on any status but 200)."""
    response = await client.get("/v1/services", params={"limit": 100, **params}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return [c.name_of(item["id"]) for item in response.json()["items"]]


async def found(client, c: Catalogue, **params) -> set[str]:
    return set(await search(client, c, **params))


async def found_as(client, c: Catalogue, user, **params) -> set[str]:
    return set(await search(client, c, headers=auth_headers(user), **params))


async def walk(client, c: Catalogue, limit: int = 2, **params) -> list[str]:
    """Every page, `limit` items at a time, following next_cursor."""
    names, cursor = [], None
    for _ in range(20):
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/v1/services", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        names += [c.name_of(item["id"]) for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return names
    raise AssertionError("pagination does not end")


def assert_query_problem(response, pointer: str, code: str = "validation_error") -> None:
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert {"pointer": pointer, "location": "query"} in [
        {"pointer": e["pointer"], "location": e["location"]} for e in response.json()["errors"]
    ]


# --- what is public ----------------------------------------------------------------------------------


async def test_search_without_filters_finds_only_published_services_of_accredited_providers(client, catalogue):
    assert await found(client, catalogue) == PUBLIC


async def test_suspending_a_provider_makes_its_services_vanish_from_search_at_once(
    client, session, catalogue, as_admin
):
    aurora = catalogue.providers["aurora"]

    response = await client.post(
        f"/v1/providers/{aurora.id}/suspend", json={"reason": "Documenti scaduti"}, headers=as_admin
    )

    assert response.status_code == 200
    assert await found(client, catalogue) == PUBLIC - {"s1", "s2"}
    assert await found(client, catalogue, q="badante") == set()
    hidden = await client.get(f"/v1/services/{catalogue.id_of('s1')}")
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "service_not_found"


async def test_reinstating_a_provider_brings_its_published_services_back(client, catalogue, as_admin):
    aurora = catalogue.providers["aurora"]
    await client.post(f"/v1/providers/{aurora.id}/suspend", json={"reason": "Documenti scaduti"}, headers=as_admin)

    response = await client.post(
        f"/v1/providers/{aurora.id}/reinstate", json={"reason": "Documenti rinnovati"}, headers=as_admin
    )

    assert response.status_code == 200
    assert await found(client, catalogue) == PUBLIC  # the draft stays hidden


# --- each filter ----------------------------------------------------------------------------------------


async def test_a_leaf_category_finds_its_services_only(client, catalogue):
    assert await found(client, catalogue, category_id=str(category_id("doposcuola"))) == {"s1"}


@pytest.mark.parametrize(
    ("area", "expected"),
    [("educativo", {"s1", "s3"}), ("lavoro-domestico", {"s2", "s5", "s6"}), ("cura-animali", set())],
)
async def test_an_area_finds_the_services_of_all_its_categories(client, catalogue, area, expected):
    assert await found(client, catalogue, category_id=str(category_id(area))) == expected


async def test_an_unknown_category_returns_422_in_the_query(client, catalogue):
    response = await client.get("/v1/services", params={"category_id": str(uuid.uuid4())})

    assert_query_problem(response, "/category_id")


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        (nil(1), {"s1", "s6"}),
        (nil(20), {"s3", "s4"}),
        (nil(76), {"s5", "s6"}),
        (nil(50), set()),
        (municipio(1), {"s1", "s2", "s6"}),  # NIL 1 and NIL 2 are in Municipio 1
        (municipio(2), {"s3", "s4"}),
        (municipio(8), {"s5", "s6"}),
    ],
    ids=["nil 1", "nil 20", "nil 76", "nil 50", "municipio 1", "municipio 2", "municipio 8"],
)
async def test_a_zone_finds_services_covering_it_and_a_municipio_means_any_of_its_nils(
    client, catalogue, zone, expected
):
    assert await found(client, catalogue, zone_id=str(zone)) == expected


async def test_an_unknown_zone_returns_422_unknown_zones_in_the_query(client, catalogue):
    response = await client.get("/v1/services", params={"zone_id": str(uuid.uuid4())})

    assert_query_problem(response, "/zone_id", code="unknown_zones")


@pytest.mark.parametrize(
    ("radius_km", "expected"),
    [(1, {"s1", "s2"}), (None, {"s1", "s2", "s3", "s4"}), (6, {"s1", "s2", "s3", "s4"}), (10, PUBLIC)],
)
async def test_near_finds_services_of_providers_within_the_radius(client, catalogue, radius_km, expected):
    params = {"near": f"{DUOMO[0]},{DUOMO[1]}", **({"radius_km": radius_km} if radius_km else {})}

    assert await found(client, catalogue, **params) == expected


async def test_near_reports_each_services_distance_in_km(client, catalogue):
    response = await client.get("/v1/services", params={"near": f"{DUOMO[0]},{DUOMO[1]}", "radius_km": 10})

    distances = {catalogue.name_of(s["id"]): s["distance_km"] for s in response.json()["items"]}
    assert distances["s1"] == distances["s2"] == 0
    assert distances["s3"] == pytest.approx(haversine_km(*DUOMO, *LORETO), abs=0.001)
    assert distances["s5"] == pytest.approx(haversine_km(*DUOMO, *QUARTO_OGGIARO), abs=0.001)
    assert 4 < distances["s3"] < 4.2


async def test_an_individual_workers_distance_is_measured_from_their_nil_never_their_home(client, catalogue):
    home = (QUARTO_OGGIARO[0] + 0.004, QUARTO_OGGIARO[1])

    response = await client.get("/v1/services", params={"near": f"{home[0]},{home[1]}", "radius_km": 2})

    distances = {catalogue.name_of(s["id"]): s["distance_km"] for s in response.json()["items"]}
    assert distances["s5"] == pytest.approx(haversine_km(*home, *QUARTO_OGGIARO), abs=0.001)
    assert distances["s5"] > 0.4


async def test_without_near_distance_km_is_null(client, catalogue):
    response = await client.get("/v1/services")

    assert {s["distance_km"] for s in response.json()["items"]} == {None}


@pytest.mark.parametrize(
    ("available", "expected"),
    [
        ("tue:16:00-18:00", {"s1"}),  # s4 opens at 18:00: touching is not overlapping
        ("tue:17:59-18:01", {"s1", "s4"}),
        ("tue:18:00-19:00", {"s4"}),  # s1 closes at 18:00
        ("tue:12:00-16:00", set()),  # s1 opens at 16:00
        ("tue:20:00-22:00", set()),  # s4 closes at 20:00
        ("thu:17:00-17:30", {"s1"}),
        ("tue:16:00-18:00,thu:16:00-18:00", {"s1"}),
        ("wed:16:30-17:30,sat:11:00-11:30", {"s3", "s6"}),  # any of the windows
        ("mon:00:00-24:00", {"s2"}),
        ("sun:00:00-24:00", set()),
    ],
)
async def test_available_finds_services_whose_slots_overlap_a_window(client, catalogue, available, expected):
    assert await found(client, catalogue, available=available) == expected


@pytest.mark.parametrize(
    ("max_price", "expected"),
    [(0, {"s3"}), (500, {"s3", "s4"}), (1000, {"s3", "s4", "s5"}), (1200, {"s1", "s3", "s4", "s5", "s6"})],
)
async def test_max_price_cents_finds_services_at_or_below_it_including_free_ones(
    client, catalogue, max_price, expected
):
    assert await found(client, catalogue, max_price_cents=max_price) == expected


async def test_free_finds_free_services_only(client, catalogue):
    assert await found(client, catalogue, free="true") == {"s3"}


async def test_shared_finds_shared_services_only(client, catalogue):
    assert await found(client, catalogue, shared="true") == {"s3", "s4"}


@pytest.mark.parametrize(("size", "expected"), [(2, {"s3"}), (6, {"s3", "s4"}), (8, {"s4"}), (11, set())])
async def test_group_size_finds_shared_services_taking_that_many_people(client, catalogue, size, expected):
    assert await found(client, catalogue, group_size=size) == expected


@pytest.mark.parametrize(
    ("language", "expected"), [("en", {"s1", "s4"}), ("ar", {"s3", "s4"}), ("es", {"s5"}), ("it", PUBLIC)]
)
async def test_language_finds_services_offered_in_it(client, catalogue, language, expected):
    assert await found(client, catalogue, language=language) == expected


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("cooperative", {"s1", "s2"}), ("association", {"s3", "s4"}), ("individual", {"s5", "s6"}), ("company", set())],
)
async def test_provider_kind_finds_services_of_that_kind_of_provider(client, catalogue, kind, expected):
    assert await found(client, catalogue, provider_kind=kind) == expected


@pytest.mark.parametrize(
    ("badges", "expected"),
    [
        (["identity"], {"s1", "s2", "s3", "s4"}),
        (["insurance"], {"s1", "s2"}),  # Betulla's insurance check has expired
        (["identity", "insurance"], {"s1", "s2"}),
        (["background_check"], set()),
    ],
)
async def test_badge_requires_every_listed_badge(client, catalogue, badges, expected):
    assert await found(client, catalogue, badge=badges) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("badanti", {"s2"}),  # Italian stemming: the plural finds "badante"
        ("badante", {"s2"}),
        ("corsi italiano", {"s4"}),
        ("bambini", {"s1", "s3", "s4", "s6"}),
        ("bambino", {"s1", "s3", "s4", "s6"}),
        ("compiti -doposcuola", {"s3"}),
        ("idraulico", set()),
    ],
)
async def test_q_is_an_italian_full_text_search(client, catalogue, q, expected):
    assert await found(client, catalogue, q=q) == expected


async def test_q_with_a_match_in_the_title_ranks_it_first(client, catalogue):
    assert (await search(client, catalogue, q="compiti"))[0] == "s3"  # title and description


async def test_modified_after_finds_services_changed_after_that_instant(client, session, catalogue):
    old = await make_service(
        session, catalogue.providers["aurora"], title="Servizio vecchio", updated_at=datetime(2025, 6, 1, tzinfo=UTC)
    )
    catalogue.services["old"] = old

    assert await found(client, catalogue, modified_after="2026-01-01T00:00:00Z") == PUBLIC
    assert await found(client, catalogue, modified_after="2025-01-01T00:00:00+01:00") == PUBLIC | {"old"}
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    assert await found(client, catalogue, modified_after=later) == set()


@pytest.mark.parametrize("value", ["2026-01-01T00:00:00", "2026-01-01", "1767225600", "yesterday"])
async def test_modified_after_without_a_time_zone_or_not_a_date_time_returns_422(client, catalogue, value):
    response = await client.get("/v1/services", params={"modified_after": value})

    assert_query_problem(response, "/modified_after")


# --- filters combined (AND) -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category_id": str(category_id("educativo")), "zone_id": str(municipio(2))}, {"s3"}),
        ({"category_id": str(category_id("lavoro-domestico")), "language": "es"}, {"s5"}),
        ({"category_id": str(category_id("lavoro-domestico")), "near": f"{DUOMO[0]},{DUOMO[1]}"}, {"s2"}),
        (
            {
                "category_id": str(category_id("lavoro-domestico")),
                "zone_id": str(nil(1)),
                "available": "sat:09:00-11:00",
            },
            {"s6"},
        ),
        ({"zone_id": str(nil(1)), "available": "tue:17:00-18:00", "max_price_cents": 1500}, {"s1"}),
        ({"zone_id": str(nil(1)), "available": "tue:17:00-18:00", "max_price_cents": 1100}, set()),
        ({"shared": "true", "language": "en", "badge": "identity"}, {"s4"}),
        ({"free": "true", "provider_kind": "association", "q": "bambini"}, {"s3"}),
        ({"free": "true", "provider_kind": "cooperative"}, set()),
        ({"q": "bambini", "near": f"{DUOMO[0]},{DUOMO[1]}", "radius_km": 2}, {"s1"}),
    ],
)
async def test_filters_combine_with_and(client, catalogue, params, expected):
    assert await found(client, catalogue, **params) == expected


# --- sorts and cursors ----------------------------------------------------------------------------------


def hourly(service) -> int | None:
    if service.price_model == PriceModel.free:
        return 0
    return hourly_equivalent(
        service.price_model,
        service.price_cents,
        weekly_hours=service.weekly_hours,
        session_minutes=service.session_minutes,
    ).cents


def expected_order(c: Catalogue, sort: str) -> list[str]:
    services = {name: c.services[name] for name in PUBLIC}
    ratings = {p.id: p.rating_average or 0.0 for p in c.providers.values()}
    keys = {
        "newest": lambda n: (-services[n].published_at.timestamp(), -services[n].id.int),
        # per hour (app/prices.py), free as 0; s2 (monthly, its weekly hours not stated) last either way
        "price": lambda n: (hourly(services[n]) is None, hourly(services[n]) or 0, services[n].id),
        "-price": lambda n: (hourly(services[n]) is None, -(hourly(services[n]) or 0), services[n].id),
        "rating": lambda n: (-ratings[services[n].provider_id], services[n].id),
        "distance": lambda n: (haversine_km(*DUOMO, services[n].lat, services[n].lon), services[n].id),
    }
    return sorted(services, key=keys[sort])


SORTS = {
    "newest": {},
    "price": {},
    "-price": {},
    "rating": {},
    "distance": {"near": f"{DUOMO[0]},{DUOMO[1]}", "radius_km": 10},
}


@pytest.mark.parametrize("sort", SORTS)
async def test_each_sort_orders_results_as_documented(client, catalogue, sort):
    assert await search(client, catalogue, sort=sort, **SORTS[sort]) == expected_order(catalogue, sort)


async def test_newest_is_the_default_sort_without_q(client, catalogue):
    assert await search(client, catalogue) == expected_order(catalogue, "newest")


@pytest.mark.parametrize("limit", [2, 1], ids=["limit 2", "limit 1 (every tie split across pages)"])
@pytest.mark.parametrize("sort", SORTS)
async def test_a_cursor_walk_under_each_sort_returns_every_row_once_in_order(client, catalogue, sort, limit):
    names = await walk(client, catalogue, limit, sort=sort, **SORTS[sort])

    assert names == expected_order(catalogue, sort)


@pytest.mark.parametrize("limit", [2, 1])
async def test_a_cursor_walk_under_relevance_returns_every_match_once_in_rank_order(client, catalogue, limit):
    in_one_page = await search(client, catalogue, q="bambini", sort="relevance")

    names = await walk(client, catalogue, limit, q="bambini", sort="relevance")

    assert names == in_one_page
    assert sorted(names) == ["s1", "s3", "s4", "s6"]


async def test_relevance_is_the_default_sort_with_q(client, catalogue):
    assert await search(client, catalogue, q="bambini") == await search(
        client, catalogue, q="bambini", sort="relevance"
    )


async def test_a_cursor_walk_with_a_filter_keeps_the_filter(client, catalogue):
    assert await walk(client, catalogue, sort="price", language="it", zone_id=str(municipio(1))) == [
        name for name in expected_order(catalogue, "price") if name in {"s1", "s2", "s6"}
    ]


async def test_a_cursor_from_another_sort_returns_400_invalid_cursor(client, catalogue):
    first = await client.get("/v1/services", params={"sort": "price", "limit": 2})

    response = await client.get(
        "/v1/services", params={"sort": "rating", "limit": 2, "cursor": first.json()["next_cursor"]}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize(("sort", "needs"), [("distance", "near"), ("relevance", "q")])
async def test_a_sort_without_what_it_needs_returns_422(client, catalogue, sort, needs):
    response = await client.get("/v1/services", params={"sort": sort})

    assert_query_problem(response, "/sort")
    assert needs in response.json()["detail"]


async def test_an_unknown_sort_returns_422(client, catalogue):
    response = await client.get("/v1/services", params={"sort": "cheapest"})

    assert_query_problem(response, "/sort")


# --- a provider's own listing ------------------------------------------------------------------------------


async def test_staff_list_their_providers_drafts_with_status_draft(client, catalogue, aurora_staff):
    aurora = catalogue.providers["aurora"]

    names = await search(
        client, catalogue, headers=auth_headers(aurora_staff), provider_id=str(aurora.id), status="draft"
    )

    assert names == ["draft"]


async def test_staff_list_every_status_of_their_provider(client, catalogue, aurora_staff):
    aurora = catalogue.providers["aurora"]

    names = await found_as(client, catalogue, aurora_staff, provider_id=str(aurora.id))

    assert names == {"s1", "s2", "draft"}


async def test_anyone_lists_a_providers_published_services(client, catalogue):
    assert await found(client, catalogue, provider_id=str(catalogue.providers["aurora"].id)) == {"s1", "s2"}


@pytest.mark.parametrize("status", ["draft", "paused", "archived"])
async def test_anonymous_asking_for_unpublished_services_gets_403(client, catalogue, status):
    response = await client.get(
        "/v1/services", params={"provider_id": str(catalogue.providers["aurora"].id), "status": status}
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_staff_asking_for_another_providers_drafts_gets_403(client, catalogue, aurora_staff):
    response = await client.get(
        "/v1/services",
        params={"provider_id": str(catalogue.providers["betulla"].id), "status": "draft"},
        headers=auth_headers(aurora_staff),
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


# --- malformed queries ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "available",
    [
        "tue",
        "tue:16-18",
        "martedi:16:00-18:00",
        "tue:18:00-16:00",
        "tue:16:00-18:00;thu:16:00-18:00",
        "tue:25:00-26:00",
    ],
)
async def test_a_malformed_available_returns_422_in_the_query(client, catalogue, available):
    response = await client.get("/v1/services", params={"available": available})

    assert_query_problem(response, "/available")


@pytest.mark.parametrize("near", ["45.46", "abc,def", "95,9.19", "45.46,9.19,3", ""])
async def test_a_malformed_near_returns_422_in_the_query(client, catalogue, near):
    response = await client.get("/v1/services", params={"near": near})

    assert_query_problem(response, "/near")


@pytest.mark.parametrize(
    ("param", "value"),
    [("radius_km", "0"), ("radius_km", "51"), ("max_price_cents", "-1"), ("group_size", "1"), ("language", "ita")],
)
async def test_an_out_of_range_filter_returns_422_in_the_query(client, catalogue, param, value):
    response = await client.get("/v1/services", params={param: value})

    assert_query_problem(response, f"/{param}")
