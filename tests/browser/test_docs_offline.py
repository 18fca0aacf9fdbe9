"""/docs and /redoc work in a real browser with no network but this machine's: Swagger UI lists the
operations, signs in as a demo citizen with the password flow and runs `GET /v1/me` ("Try it
out"), ReDoc lists the operations. Every request that would leave the machine is blocked and
recorded (see conftest.py), and each test asserts that none was made."""

import httpx
import pytest

from app.seed.demo import DEMO_LOGINS

# Each test drives real pages of 160+ operations on a shared 2-core machine: more than the suite's
# 120 s per test; each wait inside still has its own limit (conftest.py).
pytestmark = pytest.mark.timeout(400)

CITIZEN = next(login for login in DEMO_LOGINS if login.email.startswith("giulia.cittadina"))
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture(scope="module")
def operation_count(live_server) -> int:
    spec = httpx.get(f"{live_server.base_url}/openapi.json", timeout=30).json()
    return sum(1 for item in spec["paths"].values() for method in item if method in HTTP_METHODS)


async def test_swagger_ui_lists_every_operation_offline(live_server, offline, operation_count):
    page = await offline.context.new_page()

    await page.goto(f"{live_server.base_url}/docs")
    await page.locator(".opblock").first.wait_for()

    assert await page.locator(".opblock").count() == operation_count
    assert await page.locator(".information-container .title").inner_text() != ""
    assert offline.blocked == []


async def test_swagger_ui_signs_in_with_the_password_flow_and_gets_me_offline(live_server, offline):
    page = await offline.context.new_page()
    await page.goto(f"{live_server.base_url}/docs")
    await page.locator(".opblock").first.wait_for()

    await page.locator(".auth-wrapper .authorize").click()
    password_flow = page.locator(".auth-container").filter(has=page.locator("#oauth_username"))
    await password_flow.locator("#oauth_username").fill(CITIZEN.email)
    await password_flow.locator("#oauth_password").fill(CITIZEN.password)
    async with page.expect_response(lambda r: r.url.endswith("/v1/auth/token")) as token_answer:
        await password_flow.locator("button.authorize").click()
    assert (await token_answer.value).status == 200
    # Signed in: the flow's form gives way to the user name and a Logout button.
    await page.locator(".dialog-ux button", has_text="Logout").first.wait_for()
    await page.locator(".dialog-ux .close-modal").click()

    me = page.locator("#operations-me-get_me")
    await me.locator(".opblock-summary").click()
    await me.locator(".try-out__btn").click()
    async with page.expect_response(lambda r: r.url.endswith("/v1/me")) as me_answer:
        await me.locator(".execute").click()
    answer = await me_answer.value

    assert answer.status == 200
    assert (await answer.json())["email"] == CITIZEN.email
    status_cell = me.locator(".live-responses-table .response .response-col_status").first
    assert (await status_cell.inner_text()).strip() == "200"  # and the page shows it
    assert CITIZEN.email in await me.locator(".live-responses-table .microlight").first.inner_text()
    assert offline.blocked == []


async def test_redoc_lists_every_operation_offline(live_server, offline, operation_count):
    page = await offline.context.new_page()

    await page.goto(f"{live_server.base_url}/redoc")
    await page.locator("[data-section-id^='operation/']").first.wait_for()

    assert await page.locator("[data-section-id^='operation/']").count() == operation_count
    assert offline.blocked == []
