import pytest
from pydantic import ValidationError

from app.config import OidcProviderSettings, OidcSettings, Settings
from app.signin.errors import FiscalCodeInvalid
from app.signin.fiscal_code import from_claim


@pytest.mark.parametrize(
    ("claim", "stored"),
    [
        ("TINIT-RSSMRA85T10A562S", "RSSMRA85T10A562S"),
        ("tinit-rssmra85t10a562s", "RSSMRA85T10A562S"),  # case is not significant
        ("RSSMRA85T10A562S", "RSSMRA85T10A562S"),  # a gateway that already stripped the prefix
        ("TINIT-RSSMRA85T1LA562V", "RSSMRA85T1LA562V"),  # omocodia: 0 -> L, check character recomputed
    ],
)
def test_fiscal_numbers_are_stored_as_the_sixteen_character_code(claim, stored):
    assert from_claim(claim) == stored


@pytest.mark.parametrize(
    "claim",
    [
        "TINIT-RSSMRA85T10A562T",  # wrong check character
        "TINIT-RSSMRA85T10A56",  # too short
        "TINIT-12345678901",  # an 11-digit code: a company's or a temporary one, not a person's SPID
        "VATIT-12345678901",  # a VAT number
        "TINIT-RSSMRA85T10A562S-",
        12345,
        None,
    ],
)
def test_anything_else_is_refused(claim):
    with pytest.raises(FiscalCodeInvalid):
        from_claim(claim)


def test_a_private_key_jwt_provider_without_its_key_does_not_load():
    with pytest.raises(ValidationError, match="client_private_key"):
        OidcProviderSettings(issuer="https://id.example.org", client_id="c")


def test_a_client_secret_provider_without_its_secret_does_not_load():
    with pytest.raises(ValidationError, match="client_secret"):
        OidcProviderSettings(issuer="https://id.example.org", client_id="c", client_auth="client_secret_basic")


def test_production_refuses_a_provider_over_plain_http():
    provider = OidcProviderSettings(
        issuer="http://id.example.org", client_id="c", client_auth="client_secret_basic", client_secret="s"
    )
    settings = Settings(
        _env_file=None,
        env="prod",
        database_url="postgresql://db/tutti",
        auth={"secret_key": "a-production-secret-of-at-least-32-characters"},
        oidc=OidcSettings(providers={"spid": provider}),
    )

    with pytest.raises(RuntimeError, match="OIDC__PROVIDERS"):
        settings.check_production_safety()
