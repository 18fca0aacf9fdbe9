from collections.abc import Iterator

import pytest

from app.config import OidcProviderSettings, get_settings
from app.signin import provider as oidc_client
from tests.signin.provider import REDIRECT_URI, LocalProvider, local_provider


@pytest.fixture
def op(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalProvider]:
    """A real OP on a loopback port, configured in the API as `spid` (and as `cie`, kind cie)."""
    with local_provider() as provider:
        settings = get_settings().oidc
        common = {
            "issuer": provider.issuer,
            "client_id": "welfare-di-tutti-test",
            "client_auth": "client_secret_basic",
            "client_secret": "test-client-secret",
            "redirect_uris": [REDIRECT_URI],
        }
        monkeypatch.setattr(
            settings,
            "providers",
            {
                "spid": OidcProviderSettings(kind="spid", **common),
                "cie": OidcProviderSettings(kind="cie", **common),
            },
        )
        oidc_client.forget_cached_metadata()
        yield provider
        oidc_client.forget_cached_metadata()
