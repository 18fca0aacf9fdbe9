"""A citizen's journey through the Python client that openapi-python-client generates from the
contract: register (202: the same answer whether or not the e-mail has an account), log in, search
services WITHOUT a token, create a request with only its required fields, list its matches. Filing a
request needs a verified e-mail, whose code is mailed; the journey cannot read mail, so it files the
request as the demo citizen (README's demo accounts).

    python journey.py BASE_URL        (the generated package `tutti_client` on PYTHONPATH)

Run by tests/clients/test_generated_clients.py against a live `tutti serve` (make clients). It
prints one line per step and exits non-zero at the first step that does not go as the contract says.
"""

import datetime
import sys
import uuid

from tutti_client import AuthenticatedClient, Client
from tutti_client.api.auth import issue_token, register_account
from tutti_client.api.requests import create_request, list_matches
from tutti_client.api.services import list_services
from tutti_client.models import (
    MatchList,
    PageServiceRead,
    PointIn,
    RegistrationAccepted,
    RegistrationCreate,
    RequestCreate,
    RequestRead,
    TokenForm,
    TokenRead,
    WeeklySlot,
    WeeklySlotDay,
)

DEMO_CITIZEN, DEMO_PASSWORD = "giulia.cittadina@demo.welfareditutti.it", "demo-cittadina-2026"


def step(name: str, response, expected_status: int, expected_type: type):
    parsed = response.parsed
    if response.status_code != expected_status or not isinstance(parsed, expected_type):
        sys.exit(f"{name}: {response.status_code} {response.content[:500]!r}")
    print(f"ok {name}: {response.status_code}")
    return parsed


def main(base_url: str) -> None:
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True, timeout=30)
    email = f"journey-{uuid.uuid4().hex[:12]}@example.org"
    password = "una passeggiata ai Navigli 2026"

    registration = RegistrationCreate(email=email, password=password, full_name="Giulia Client")
    step("register", register_account.sync_detailed(client=anonymous, body=registration), 202, RegistrationAccepted)

    form = TokenForm(grant_type="password", username=email, password=password)
    step("log in (e-mail not yet verified)", issue_token.sync_detailed(client=anonymous, body=form), 200, TokenRead)
    demo = TokenForm(grant_type="password", username=DEMO_CITIZEN, password=DEMO_PASSWORD)
    tokens = step("log in as the demo citizen", issue_token.sync_detailed(client=anonymous, body=demo), 200, TokenRead)

    # Public search: the plain Client, no token (the contract says `security: []`).
    page = step("search services anonymously", list_services.sync_detailed(client=anonymous), 200, PageServiceRead)
    if not page.items:
        sys.exit("search services anonymously: no service in the demo catalogue")
    category_id = page.items[0].category.id

    citizen = AuthenticatedClient(base_url=base_url, token=tokens.access_token, raise_on_unexpected_status=True)
    body = RequestCreate(  # only the required fields, and where (a point or a NIL: the schema's anyOf)
        category_id=category_id,
        schedule=[WeeklySlot(day=WeeklySlotDay.TUE, opens="16:00", closes="18:30")],
        start_date=datetime.date.today() + datetime.timedelta(days=7),
        point=PointIn(lat=45.4781, lon=9.2265),  # viale Monza, NIL Loreto
    )
    request = step("create a request", create_request.sync_detailed(client=citizen, body=body), 201, RequestRead)

    matches = step("list matches", list_matches.sync_detailed(request.id, client=citizen), 200, MatchList)
    print(f"journey done: {len(page.items)} services found anonymously, {len(matches.items)} matches")


if __name__ == "__main__":
    main(sys.argv[1])
