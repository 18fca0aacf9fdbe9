"""The catalogue's search filters as query parameters, shared by /v1/services and /v1/providers."""

import re
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query
from pydantic import BeforeValidator

from app.catalog.search import SearchFilters
from app.errors import ValidationFailed
from app.models import ProviderKind, VerificationKind
from app.schedules import parse_windows

RFC3339_DATE = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]")
# `near` is `lat,lon` in decimal degrees, in range: the grammar the contract publishes and the server
# checks, so that what the contract calls valid is a point.
LATITUDE = r"[-+]?(?:90(?:\.0+)?|[1-8]?\d(?:\.\d+)?)"
LONGITUDE = r"[-+]?(?:180(?:\.0+)?|(?:1[0-7]\d|[1-9]?\d)(?:\.\d+)?)"
NEAR_PATTERN = rf"^\s*{LATITUDE}\s*,\s*{LONGITUDE}\s*$"
# `available`: comma-separated weekly windows `day:HH:MM-HH:MM` (app/schedules.parse_windows).
_HHMM = r"(?:[01]\d|2[0-3]):[0-5]\d|24:00"
_WINDOW = rf"\s*(?:mon|tue|wed|thu|fri|sat|sun):(?:{_HHMM})-(?:{_HHMM})\s*"
AVAILABLE_PATTERN = rf"^{_WINDOW}(?:,{_WINDOW})*$"


def _near(near: str | None) -> tuple[float, float] | None:
    if near is None:
        return None
    lat_text, lon_text = near.split(",")  # the query's pattern admitted it: two numbers in range
    return float(lat_text), float(lon_text)


def rfc3339_only(value: object) -> object:
    """BeforeValidator for date-time query params: pydantic would read a bare number ("0.5") as
    Unix time, while the contract says an RFC 3339 date-time."""
    if isinstance(value, str) and not RFC3339_DATE.match(value):
        raise ValueError("must be an RFC 3339 date-time with a time zone, e.g. 2026-01-31T09:00:00Z")
    return value


async def search_filters(
    category_id: Annotated[
        uuid.UUID | None, Query(description="A category or an area (includes its categories)")
    ] = None,
    zone_id: Annotated[uuid.UUID | None, Query(description="A NIL, or a Municipio meaning any of its NILs")] = None,
    near: Annotated[
        str | None,
        Query(max_length=60, pattern=NEAR_PATTERN, description="`lat,lon` in degrees", examples=["45.4642,9.19"]),
    ] = None,
    radius_km: Annotated[float | None, Query(gt=0, le=50, description="With `near`; default 5")] = None,
    available: Annotated[
        str | None,
        Query(
            max_length=300,
            pattern=AVAILABLE_PATTERN,
            description="Wanted weekly windows, e.g. `tue:16:00-18:00,thu:16:00-18:00` (each closes after it opens)",
        ),
    ] = None,
    max_price_cents: Annotated[
        int | None,
        Query(
            ge=0,
            le=10_000_000,
            description="Most per hour, in cents: compared with each listing's hourly equivalent (per person for "
            "`group_size`); free listings pass, listings without an hourly equivalent (fixed prices, or the hours "
            "or minutes not stated) are left out",
        ),
    ] = None,
    free: Annotated[bool, Query(description="Only free services")] = False,
    shared: Annotated[bool, Query(description="Only shared services")] = False,
    group_size: Annotated[
        int | None,
        Query(
            ge=2,
            le=50,
            description="Shared services for this many people; price filter and order use what each pays",
        ),
    ] = None,
    language: Annotated[str | None, Query(pattern=r"^[a-z]{2}$", max_length=2, description="ISO 639-1")] = None,
    provider_kind: ProviderKind | None = None,
    badge: Annotated[list[VerificationKind] | None, Query(max_length=7, description="Required badges (all of)")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200, description="Italian full-text search")] = None,
    modified_after: Annotated[
        datetime | None, BeforeValidator(rfc3339_only), Query(description="Changed after this instant (RFC 3339)")
    ] = None,
) -> SearchFilters:
    try:
        windows = parse_windows(available) if available else None
    except ValueError as exc:
        raise ValidationFailed(f"available: {exc}", pointer="/available", location="query") from exc
    if modified_after is not None and modified_after.tzinfo is None:
        raise ValidationFailed(
            "modified_after needs a time zone (e.g. Z).", pointer="/modified_after", location="query"
        )
    return SearchFilters(
        category_id=category_id,
        zone_id=zone_id,
        near=_near(near),
        radius_km=radius_km,
        available=windows,
        max_price_cents=max_price_cents,
        free_only=free,
        shared_only=shared,
        group_size=group_size,
        language=language,
        provider_kind=provider_kind,
        badges=list(dict.fromkeys(badge or [])),
        q=q,
        modified_after=modified_after,
    )


SearchFiltersDep = Annotated[SearchFilters, Depends(search_filters)]
