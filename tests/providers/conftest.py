"""Shared callers and providers for the providers tests: two organisations X and Y, each with its
own admin, plus a worker and a hub operator."""

import pytest

from app.models import Role
from tests.factories import auth_headers, make_provider, make_provider_staff_user, make_user

PIAZZA_DEL_DUOMO = {"lat": 45.4642, "lon": 9.1900}


@pytest.fixture
async def staff_x(session):
    return await make_provider_staff_user(session, email="staff.x@example.org", full_name="Xenia Staff")


@pytest.fixture
async def staff_y(session):
    return await make_provider_staff_user(session, email="staff.y@example.org", full_name="Yuri Staff")


@pytest.fixture
def as_staff_x(staff_x) -> dict[str, str]:
    return auth_headers(staff_x)


@pytest.fixture
def as_staff_y(staff_y) -> dict[str, str]:
    return auth_headers(staff_y)


@pytest.fixture
async def provider_x(session, staff_x):
    """An accredited cooperative administered by staff_x, with every private detail filled in."""
    return await make_provider(
        session,
        staff=staff_x,
        display_name="Il Melograno",
        legal_name="Cooperativa Sociale Il Melograno Onlus",
        tax_code="01114601006",
        email="info@melograno.example",
        phone="+39 02 5555 1234",
        website="https://melograno.example/",
        address_street="Via Valla 25",
        address_postcode="20141",
        lat=PIAZZA_DEL_DUOMO["lat"],
        lon=PIAZZA_DEL_DUOMO["lon"],
    )


@pytest.fixture
async def provider_y(session, staff_y):
    return await make_provider(session, staff=staff_y, display_name="La Ginestra")


@pytest.fixture
async def worker(session):
    return await make_user(session, email="worker@example.org", full_name="Mario Rossi", role=Role.worker)


@pytest.fixture
def as_worker(worker) -> dict[str, str]:
    return auth_headers(worker)


@pytest.fixture
async def hub_operator(session):
    return await make_user(session, email="hub@example.org", full_name="Ugo Hub", role=Role.hub_operator)


@pytest.fixture
def as_hub_operator(hub_operator) -> dict[str, str]:
    return auth_headers(hub_operator)
