"""Provider URLs are stored exactly as sent: the length the contract bounds is the length stored
(the audit: a 300-character logo_url was normalised to 301 characters and refused)."""

import pytest

from app.models import Provider
from tests.test_value_constraints import contract_property


async def test_a_logo_url_of_exactly_300_characters_is_stored_as_sent(app, client, session, provider_x, as_staff_x):
    # No path: URL normalisation would append "/" and make it 301 characters.
    url = "https://" + ".".join(["a" * 63] * 4) + "." + "b" * 36
    assert len(url) == 300 and contract_property(app, "ProviderUpdate", "logo_url").is_valid(url)

    response = await client.patch(f"/v1/providers/{provider_x.id}", json={"logo_url": url}, headers=as_staff_x)

    assert response.status_code == 200, response.text
    assert response.json()["logo_url"] == url
    session.expunge_all()
    assert (await session.get(Provider, provider_x.id)).logo_url == url


async def test_a_url_without_a_path_is_stored_without_an_added_slash(client, session, provider_x, as_staff_x):
    response = await client.patch(
        f"/v1/providers/{provider_x.id}", json={"website": "https://melograno.example"}, headers=as_staff_x
    )

    assert response.status_code == 200, response.text
    assert response.json()["contacts"]["website"] == "https://melograno.example"


@pytest.mark.parametrize(
    "url", ["https://" + "a" * 293, "ftp://melograno.example/", "https://", "https://exa mple.org"]
)
async def test_a_url_the_contract_refuses_is_a_422(app, client, provider_x, as_staff_x, url):
    assert not contract_property(app, "ProviderUpdate", "logo_url").is_valid(url)

    response = await client.patch(f"/v1/providers/{provider_x.id}", json={"logo_url": url}, headers=as_staff_x)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
