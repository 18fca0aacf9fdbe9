"""The Italian fiscal code (codice fiscale) a provider asserts, as stored on a verified identity.

SPID and CIE release it as `https://attributes.eid.gov.it/fiscal_number`, with the ETSI EN 319 412-1
prefix `TINIT-` (e.g. TINIT-RSSMRA85T10A562S). The check character (DM 23 Dec 1976) is verified by
python-codicefiscale, which also accepts the omocodia variants (digits replaced by L M N P Q R S T U
V, check character recomputed), as the Agenzia delle Entrate issues them.
"""

from codicefiscale import codicefiscale

from app.signin.errors import FiscalCodeInvalid

FISCAL_NUMBER_CLAIM = "https://attributes.eid.gov.it/fiscal_number"
NATURAL_PERSON_PREFIX = "TINIT-"
LENGTH = 16


def from_claim(value: object) -> str:
    """The 16-character fiscal code in upper case, or FiscalCodeInvalid."""
    if not isinstance(value, str):
        raise FiscalCodeInvalid("The provider's fiscal number is not a string.")
    code = value.strip().upper()
    if code.startswith(NATURAL_PERSON_PREFIX):
        code = code.removeprefix(NATURAL_PERSON_PREFIX)
    # A natural person's code has 16 characters; the 11-digit numeric codes are for companies and
    # temporary codes, never a citizen's SPID/CIE identity.
    if len(code) != LENGTH or not code.isalnum() or not codicefiscale.is_valid(code):
        raise FiscalCodeInvalid("The provider's fiscal number is not a valid Italian fiscal code.")
    return code
