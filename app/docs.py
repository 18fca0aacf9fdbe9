"""Swagger UI and ReDoc served by the app itself: no CDN, no web fonts from elsewhere.

FastAPI's own /docs and /redoc pages load their scripts and styles from a CDN, and ReDoc loads
Google Fonts: on a government network or an offline laptop both pages stay blank. The assets come
from the `fastapi-offline` package (MIT; 1.7.7 of June 2026 ships Swagger UI 5.32 and ReDoc 2.5),
chosen as the maintained PyPI package that carries both bundles (swagger-ui-bundle has Swagger UI
only and last released in 2023; the PyPI package named `redoc` is an unrelated converter). We serve
its asset folder and build the pages with FastAPI's own HTML helpers, so that the pages stay what
FastAPI users know, the app keeps deciding whether docs are on (off with ENV=prod), and the
routes stay plain Starlette routes outside the API (as FastAPI's built-in ones are).
"""

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
ASSETS_URL = "/docs/assets"
# The bundles fastapi-offline ships; checked when the docs are installed, so that a package release
# that moves them fails at start-up (and in tests), not as a blank page.
ASSET_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")
# The pages may load only from this origin, and the browser enforces it: ReDoc 2's side menu has a
# hard-wired logo on a CDN ("API docs by Redocly"), which this policy keeps from loading (the link
# text stays). Inline scripts and styles: FastAPI's page templates and both UIs use them. ReDoc runs
# its search index in a Worker made from a blob: URL.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'self'; base-uri 'self'; form-action 'self'"
)


def assets_dir() -> Path:
    folder = Path(str(files("fastapi_offline") / "static"))
    missing = [name for name in ASSET_FILES if not (folder / name).is_file()]
    if missing:
        raise RuntimeError(f"fastapi-offline no longer ships {missing} in {folder}: pin the version that does")
    return folder


def same_origin_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_CSP
    return page


def install_docs(app: FastAPI, *, openapi_url: str, swagger_ui_parameters: dict[str, Any] | None = None) -> None:
    """Serve /docs (Swagger UI), /docs/oauth2-redirect and /redoc with assets from this app."""
    app.mount(ASSETS_URL, StaticFiles(directory=assets_dir()), name="docs-assets")

    def asset(request: Request, name: str) -> str:
        return f"{request.scope.get('root_path', '')}{ASSETS_URL}/{name}"

    async def swagger_ui(request: Request) -> HTMLResponse:
        return same_origin_only(
            get_swagger_ui_html(
                openapi_url=f"{request.scope.get('root_path', '')}{openapi_url}",
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url=OAUTH2_REDIRECT_URL,
                swagger_js_url=asset(request, "swagger-ui-bundle.js"),
                swagger_css_url=asset(request, "swagger-ui.css"),
                swagger_favicon_url=asset(request, "favicon.png"),
                swagger_ui_parameters=swagger_ui_parameters,
            )
        )

    async def oauth2_redirect(request: Request) -> HTMLResponse:
        return same_origin_only(get_swagger_ui_oauth2_redirect_html())

    async def redoc(request: Request) -> HTMLResponse:
        return same_origin_only(
            get_redoc_html(
                openapi_url=f"{request.scope.get('root_path', '')}{openapi_url}",
                title=f"{app.title} - ReDoc",
                redoc_js_url=asset(request, "redoc.standalone.js"),
                redoc_favicon_url=asset(request, "favicon.png"),
                with_google_fonts=False,  # ReDoc's default <link> to Google Fonts: the page uses system fonts
            )
        )

    app.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT_URL, oauth2_redirect, include_in_schema=False)
    app.add_route(REDOC_URL, redoc, include_in_schema=False)
