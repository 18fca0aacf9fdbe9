async def test_get_me_returns_own_account_with_etag(client, citizen_a, as_citizen_a):
    response = await client.get("/v1/me", headers=as_citizen_a)

    assert response.status_code == 200
    assert response.json()["email"] == "citizen.a@example.org"
    assert response.headers["etag"] == '"1"'


async def test_get_me_without_token_returns_401_problem(client):
    response = await client.get("/v1/me")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"


async def test_patch_me_with_stale_if_match_returns_412_and_changes_nothing(client, citizen_a, as_citizen_a):
    first = await client.patch("/v1/me", json={"full_name": "Anna Nuova"}, headers={**as_citizen_a, "If-Match": '"1"'})
    stale = await client.patch(
        "/v1/me", json={"full_name": "Anna Vecchia"}, headers={**as_citizen_a, "If-Match": '"1"'}
    )

    assert first.status_code == 200
    assert first.headers["etag"] == '"2"'
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert (await client.get("/v1/me", headers=as_citizen_a)).json()["full_name"] == "Anna Nuova"
