"""The sign-in as a frontend drives it, over HTTP: start at the API, consent at the OP, call back."""

import httpx

from tests.signin.provider import REDIRECT_URI, LocalProvider


async def start(client: httpx.AsyncClient, provider: str = "spid", redirect_uri: str = REDIRECT_URI) -> httpx.Response:
    return await client.post(f"/v1/auth/oidc/{provider}/authorize", json={"redirect_uri": redirect_uri})


async def callback(client: httpx.AsyncClient, code: str, state: str, provider: str = "spid") -> httpx.Response:
    return await client.post(f"/v1/auth/oidc/{provider}/callback", json={"code": code, "state": state})


async def consent(client: httpx.AsyncClient, op: LocalProvider, sub: str, provider: str = "spid") -> tuple[str, str]:
    """Start a sign-in and consent at the OP: the (code, state) the frontend gets back."""
    started = await start(client, provider)
    assert started.status_code == 200, started.text
    code, state = op.authorize(started.json()["authorization_url"], sub)
    assert state == started.json()["state"]
    return code, state


async def sign_in(client: httpx.AsyncClient, op: LocalProvider, sub: str, provider: str = "spid") -> httpx.Response:
    code, state = await consent(client, op, sub, provider)
    return await callback(client, code, state, provider)
