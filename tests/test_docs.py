"""/docs and /redoc work offline: every script, style, font and image they reference is served by the
app itself (no CDN, no Google Fonts), and answers 200. The browser check (tests/browser) renders them
in Chromium with the network blocked; this one runs in the default suite, without a browser."""

from collections.abc import AsyncIterator
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from app.config import Settings
from app.main import create_app

BASE = "http://testserver"


class ReferencedUrls(HTMLParser):
    """The URLs a page makes the browser load: src= and href= of every tag (scripts, styles, icons,
    fonts), plus the `url:` Swagger UI fetches the contract from."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        self.urls += [value for name, value in attrs if name in {"src", "href", "spec-url"} and value]

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.urls += [line.split("'")[1] for line in data.splitlines() if line.strip().startswith("url: '")]


def referenced_urls(html: str) -> list[str]:
    parser = ReferencedUrls()
    parser.feed(html)
    return parser.urls


@pytest.fixture(scope="module")
async def docs_client() -> AsyncIterator[httpx.AsyncClient]:
    # The pages and their assets touch no database: a bare app is enough.
    app = create_app(Settings(env="test"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


@pytest.mark.parametrize(("page", "expected"), [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")])
async def test_docs_page_references_only_same_origin_assets_that_answer_200(docs_client, page, expected):
    response = await docs_client.get(page)

    assert response.status_code == 200
    urls = [urljoin(f"{BASE}{page}", url) for url in referenced_urls(response.text)]
    assert any(url.endswith(expected) for url in urls), f"{page} no longer loads {expected}: {urls}"
    foreign = [url for url in urls if urlsplit(url).netloc != urlsplit(BASE).netloc]
    assert foreign == [], f"{page} loads from another origin: {foreign}"
    answers = {url: (await docs_client.get(url)).status_code for url in urls}
    assert answers == dict.fromkeys(urls, 200)


async def test_redoc_loads_no_web_fonts(docs_client):
    response = await docs_client.get("/redoc")

    assert "fonts.googleapis.com" not in response.text
    assert "fonts.gstatic.com" not in response.text


async def test_swagger_ui_keeps_the_authorization_between_reloads(docs_client):
    response = await docs_client.get("/docs")

    assert '"persistAuthorization": true' in response.text


async def test_docs_and_their_assets_are_off_in_production():
    settings = Settings(env="prod", auth={"secret_key": "x" * 40}, database_url="postgresql://db/tutti")
    app = create_app(settings)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        paths = ("/docs", "/redoc", "/docs/assets/redoc.standalone.js")
        statuses = [(await client.get(path)).status_code for path in paths]

    assert statuses == [404, 404, 404]


@pytest.mark.parametrize("page", ["/docs", "/redoc", "/docs/oauth2-redirect"])
async def test_docs_pages_tell_the_browser_to_load_from_this_origin_only(docs_client, page):
    # ReDoc's bundle hard-wires a logo on a CDN; the policy keeps the browser from fetching it.
    response = await docs_client.get(page)

    policy = dict(
        directive.strip().split(" ", 1) for directive in response.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert all("http" not in sources for sources in policy.values()), policy
