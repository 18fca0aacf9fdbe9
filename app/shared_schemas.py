"""Pydantic building blocks shared by the domains' schemas (one definition, one OpenAPI component).

Lengths and patterns in the contract apply to the value exactly as sent, and the server checks that
same value before it normalises anything, so a value the contract calls valid is never refused
because normalising it changed its length (the audit: a 3-character reason ending in a space was
trimmed to 2 and refused; a 300-character URL got a trailing slash and was refused at 301).
"""

from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$", max_length=2)]  # ISO 639-1

# Unicode White_Space (the characters the pattern engines' `\s` matches: pydantic's Rust regex and
# JSON Schema's ECMA-262). Python's bare str.strip() would also drop U+001C-U+001F, which `\s` does
# not match, and could then trim a value below the length its pattern promised.
WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
WHITESPACE += "\u2028\u2029\u202f\u205f\u3000"


def _trim(value: str) -> str:
    return value.strip(WHITESPACE)


def trimmed(max_length: int, *, min_length: int = 1) -> Any:
    """A text field stored without surrounding whitespace.

    The contract's maxLength bounds the value as sent (trimming only shortens it), and a pattern
    asks for `min_length` characters from the first non-space to the last, so trimming a valid value
    always leaves at least `min_length`."""
    if min_length <= 0:
        return Annotated[str, Field(max_length=max_length), AfterValidator(_trim)]
    span = r"\S" if min_length == 1 else rf"\S[\s\S]{{{min_length - 2},}}\S"
    return Annotated[str, Field(min_length=min_length, max_length=max_length, pattern=span), AfterValidator(_trim)]


def coded(pattern: str, *, max_length: int, upper: bool = False) -> Any:
    """A code (phone number, tax code, join code) that may arrive with spaces around it.

    `pattern` describes the code itself; the contract allows surrounding whitespace so that what it
    calls valid is what the server accepts, and the stored value is the trimmed code."""
    around = rf"^\s*{pattern}\s*$"
    steps = [AfterValidator(_trim)] + ([AfterValidator(str.upper)] if upper else [])
    return Annotated[str, Field(max_length=max_length, pattern=around), *steps]


_HTTP_URL = TypeAdapter(AnyHttpUrl)


def _http_url(value: str) -> str:
    _HTTP_URL.validate_python(value)  # a scheme, a host, a valid port: ValueError -> 422
    return value


def http_url(max_length: int) -> Any:
    """An http(s) URL, stored exactly as sent: pydantic's URL type would normalise it (a trailing
    slash, percent-encoding, punycode) and the stored value could outgrow the limit its sender
    respected. Printable ASCII only, as RFC 3986 requires."""
    return Annotated[
        str,
        Field(max_length=max_length, pattern=r"^[hH][tT][tT][pP][sS]?://[!-~]+$", json_schema_extra={"format": "uri"}),
        AfterValidator(_http_url),
    ]


def stored(max_length: int) -> Any:
    """A response string read from a String(max_length) column: the column's length is the bound the
    contract states (tests/test_response_lengths.py checks each against its column)."""
    return Annotated[str, Field(max_length=max_length)]


# Integers in responses carry the bounds every value the server can send stays within (clients
# pick their types from them, and the contract check holds responses to them). A stored integer
# is a PostgreSQL `integer`, so 2^31 - 1 is a hard ceiling; counts and versions never near it.
INT32_MAX = 2**31 - 1
WEEK_MINUTES = 7 * 24 * 60

Count = Annotated[int, Field(ge=0, le=INT32_MAX)]  # rows counted, positions, seconds, milliseconds
Version = Annotated[int, Field(ge=1, le=INT32_MAX, description="The row's version: send it back in If-Match")]
Cents = Annotated[int, Field(ge=0, le=10_000_000, description="Integer euro cents")]  # a price as entered
# A sum of prices over time (a week of hours at an hourly price): at most 168 h x 10,000,000 cents.
CentsTotal = Annotated[int, Field(ge=-INT32_MAX, le=INT32_MAX, description="Integer euro cents")]
WeeklyMinutes = Annotated[int, Field(ge=0, le=WEEK_MINUTES)]  # minutes of a weekly schedule
HttpStatus = Annotated[int, Field(ge=100, le=599)]


Phone = coded(r"\+?[0-9][0-9 ]{4,18}[0-9]", max_length=32)  # 6-20 digits and spaces


class Strict(BaseModel):
    """Request bodies: unknown fields are a 422, never silently ignored (OWASP API3)."""

    model_config = ConfigDict(extra="forbid")


class PointIn(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


Read = TypeVar("Read", bound=BaseModel)


class _RowWith:
    """A row seen with the values a view derived for it: attribute reads try those first."""

    def __init__(self, row: object, derived: dict[str, Any]) -> None:
        self._row, self._derived = row, derived

    def __getattr__(self, name: str) -> Any:
        derived = self.__dict__["_derived"]
        return derived[name] if name in derived else getattr(self.__dict__["_row"], name)


def from_row(schema: type[Read], row: object, **derived: Any) -> Read:
    """The one way a view turns a row into its response schema: every field a column holds is read
    from the row's attributes (pydantic's from_attributes), so a new column needs no copying line;
    `derived` gives the fields the row does not hold (a joined name, a computed flag)."""
    return schema.model_validate(_RowWith(row, derived) if derived else row, from_attributes=True)


async def one(views: Awaitable[list[Read]]) -> Read:
    """The response for a single row, from the same batch view a list uses:
    `return await one(provider_views(session, [provider], viewer=user))`."""
    [view] = await views
    return view
