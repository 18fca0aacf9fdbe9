"""A real OpenID Provider on a loopback port for the sign-in tests: oidc-provider-mock (PyPI), a Flask
OP built on Authlib's authorization server, started in a thread by the tests.

It is configured, not stubbed: users are registered through its own API (PUT /users/{sub}) with the
SPID/CIE attributes (the fiscal number claim, given and family names, e-mail) and the `acr` it
asserts; the OP puts a user's claims in the id_token and in userinfo, signs the id_token with its own
RSA key (published at its jwks_uri) and checks the nonce, the code (single use) and the redirect URI.

Two test-side handles on that real server, each used only by the attack tests that say so:
* `rotate_key()` replaces the OP's signing key in its own storage (what a provider's key rotation is);
* `tamper` rewrites the id_token in the token endpoint's response on its way out, for the forgeries
  no honest OP emits (alg none, a foreign key). The API still receives it over HTTP from the token
  endpoint it discovered, so what is tested is the API's real path.
`requests` records what the API sent to the OP (PKCE challenge and verifier, client authentication).
"""

import io
import json
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import flask
import httpx

with warnings.catch_warnings():
    # The OP still imports Authlib's older JOSE module, which announces its deprecation on import
    # (after installing an "always" filter of its own, hence the order).
    import authlib.deprecate  # noqa: F401

    warnings.simplefilter("ignore", DeprecationWarning)
    import oidc_provider_mock
    from authlib import jose
    from oidc_provider_mock._server import _threaded_server

FISCAL_NUMBER = "https://attributes.eid.gov.it/fiscal_number"
SPID_L2 = "https://www.spid.gov.it/SpidL2"
SPID_L3 = "https://www.spid.gov.it/SpidL3"
REDIRECT_URI = "https://app.example.org/signin/callback"


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class Recorder:
    """WSGI middleware around the OP: records requests, and lets a test rewrite the token response."""

    app: Any
    requests: list[RecordedRequest] = field(default_factory=list)
    tamper: Callable[[str], str] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        with self.lock:
            self.requests.append(
                RecordedRequest(
                    method=environ["REQUEST_METHOD"],
                    path=environ["PATH_INFO"],
                    query=parse_qs(environ.get("QUERY_STRING", "")),
                    form=parse_qs(body.decode()) if body else {},
                    headers={k[5:].lower(): v for k, v in environ.items() if k.startswith("HTTP_")},
                )
            )
        if self.tamper is None or environ["PATH_INFO"] != "/oauth2/token":
            return self.app(environ, start_response)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list, exc_info: Any = None) -> Callable:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        payload = b"".join(self.app(environ, capture))
        if captured["status"].startswith("200"):
            token = json.loads(payload)
            token["id_token"] = self.tamper(token["id_token"])
            payload = json.dumps(token).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], [*headers, ("Content-Length", str(len(payload)))])
        return [payload]

    def paths(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]


class LocalProvider:
    def __init__(self, flask_app: flask.Flask, recorder: Recorder, issuer: str) -> None:
        self._app = flask_app
        self.recorder = recorder
        self.issuer = issuer

    def set_user(self, sub: str, **claims: Any) -> None:
        """Register (or replace) a person at the OP with the claims it will assert for them."""
        response = httpx.put(f"{self.issuer}/users/{sub}", json=claims, timeout=5)
        assert response.status_code == 204, response.text

    def person(
        self, sub: str, *, fiscal_number: str = "TINIT-RSSMRA85T10A562S", acr: str = SPID_L2, **claims: Any
    ) -> None:
        defaults = {"given_name": "Mario", "family_name": "Rossi", "email": f"{sub}@example.org"}
        self.set_user(sub, **{FISCAL_NUMBER: fiscal_number, "acr": acr, **defaults, **claims})

    def rotate_key(self) -> None:
        storage = self._storage()
        storage.jwk = jose.RSAKey.generate_key(is_private=True)

    def sign(self, claims: dict[str, Any]) -> str:
        """An id_token with these claims signed with the OP's own current key (as the OP signs)."""
        from joserfc import jwt
        from joserfc.jwk import RSAKey

        key = RSAKey.import_key(self._storage().jwk.as_dict(is_private=True))
        return jwt.encode({"alg": "RS256"}, claims, key)

    def _storage(self) -> Any:
        with self._app.test_request_context():
            self._app.preprocess_request()  # the OP puts its storage on flask.g before each request
            return flask.g.oidc_provider_mock_storage

    def authorize(self, authorization_url: str, sub: str) -> tuple[str, str]:
        """The person consents at the OP as `sub`: the (code, state) the OP sends to the redirect URI."""
        response = httpx.post(authorization_url, data={"sub": sub}, timeout=5)
        assert response.status_code == 302, response.text
        location = urlsplit(response.headers["location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
        params = parse_qs(location.query)
        return params["code"][0], params["state"][0]


@contextmanager
def local_provider() -> Iterator[LocalProvider]:
    flask_app = oidc_provider_mock.app(require_nonce=True)
    recorder = Recorder(flask_app.wsgi_app)
    flask_app.wsgi_app = recorder  # type: ignore[method-assign]
    with _threaded_server(flask_app, host="127.0.0.1") as server:
        yield LocalProvider(flask_app, recorder, f"http://127.0.0.1:{server.server_port}")
