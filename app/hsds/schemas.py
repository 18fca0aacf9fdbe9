"""The HSDS 3.0 objects the feed emits: the subset of each official schema's fields we can fill.

Field names and meanings are Open Referral's (https://docs.openreferral.org/en/v3.0/). Absent
values are left out of the JSON rather than sent as null: the official schemas type them as
plain strings, numbers or arrays, so a null would make a response invalid HSDS.
"""

import uuid
from datetime import datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from app.shared_schemas import Count

T = TypeVar("T")
MAX_PER_PAGE = 200  # the largest `per_page`


class HsdsApiInfo(BaseModel):
    """What this API is, in HSDS terms (`GET /`)."""

    version: str = Field(description="HSDS version of this API", examples=["3.0"])
    openapi_url: str = Field(description="The HSDS OpenAPI document this API implements")


class HsdsPage(BaseModel, Generic[T]):
    """The HSDS page object: page numbers from 1; a page past the end is empty, not an error."""

    total_items: Count = Field(description="Items matching the query, on all pages")
    total_pages: Count = Field(description="Pages of `per_page` items (0 when nothing matches)")
    page_number: Count = Field(description="This page's number, from 1")
    size: Count = Field(description="Items on this page")
    first_page: bool
    last_page: bool
    empty: bool = Field(description="True when this page holds no items")
    contents: list[T] = Field(max_length=MAX_PER_PAGE)


class HsdsTaxonomy(BaseModel):
    """A taxonomy: the feed has one, `wemi`, whose terms are the platform's categories."""

    id: uuid.UUID
    name: str
    description: str


class HsdsTaxonomyTerm(BaseModel):
    """A category (an area or a category under it); the id is the category id."""

    id: uuid.UUID
    code: str = Field(description="The category slug")
    name: str = Field(description="Italian name")
    description: str
    parent_id: uuid.UUID | None = Field(default=None, description="The area, for a category")
    taxonomy: str = Field(description="Always `wemi`")
    taxonomy_id: uuid.UUID
    language: str = Field(description="ISO 639-1 code of name and description")
    taxonomy_detail: HsdsTaxonomy | None = None


class HsdsAttribute(BaseModel):
    """Links a service to the taxonomy term (category) it is listed under."""

    id: uuid.UUID
    link_id: uuid.UUID = Field(description="The service id")
    link_type: str
    link_entity: str
    taxonomy_term_id: uuid.UUID
    taxonomy_term: HsdsTaxonomyTerm | None = None


class HsdsLanguage(BaseModel):
    id: uuid.UUID
    service_id: uuid.UUID
    name: str
    code: str = Field(description="ISO 639-1")


class HsdsCostOption(BaseModel):
    id: uuid.UUID
    service_id: uuid.UUID
    option: str = Field(description="What the price is for")
    currency: str = Field(description="ISO 4217", examples=["EUR"])
    amount: float = Field(description="In `currency` (euro, not cents)")
    amount_description: str


class HsdsSchedule(BaseModel):
    """One weekly slot, in Milan local time (Europe/Rome: the UTC offset changes with summer time)."""

    id: uuid.UUID
    service_id: uuid.UUID
    freq: Literal["WEEKLY"]
    interval: Count
    wkst: Literal["MO"]
    byday: str = Field(description="RFC 5545 day", examples=["TU"])
    opens_at: str = Field(description="HH:MM local time", examples=["16:00"])
    closes_at: str = Field(description="HH:MM local time; 24:00 is the end of the day", examples=["18:30"])
    description: str


class HsdsServiceArea(BaseModel):
    """A NIL (Nucleo di Identità Locale) of Milan the service reaches."""

    id: uuid.UUID
    service_id: uuid.UUID
    name: str = Field(description="The NIL's name")
    description: str


class HsdsPhone(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    number: str
    type: str


class HsdsAddress(BaseModel):
    id: uuid.UUID
    location_id: uuid.UUID
    address_1: str
    city: str
    region: str
    state_province: str
    postal_code: str
    country: str = Field(description="ISO 3166-1 alpha-2")
    address_type: Literal["physical"]


class HsdsLocation(BaseModel):
    """An organisation's premises. Individual workers have none: their home is private."""

    id: uuid.UUID
    location_type: Literal["physical"]
    organization_id: uuid.UUID
    name: str
    latitude: float | None = None
    longitude: float | None = None
    addresses: list[HsdsAddress] | None = Field(default=None, max_length=1)  # the premises' one address


class HsdsOrganization(BaseModel):
    """An accredited provider. For an individual worker only id, name and description (and, in the
    full view, their services): no contacts, address or legal name."""

    id: uuid.UUID
    name: str
    alternate_name: str | None = Field(default=None, description="The legal name, when it differs")
    description: str
    email: str | None = None
    website: str | None = None
    logo: str | None = None
    legal_status: str | None = None
    phones: list[HsdsPhone] | None = Field(default=None, max_length=1, description="Full view")
    locations: list[HsdsLocation] | None = Field(default=None, max_length=1, description="Full view")
    services: list["HsdsService"] | None = Field(default=None, description="Full view (and `full_service`)")


class HsdsService(BaseModel):
    """A published service of an accredited provider.

    `minimal=true` gives id, name, status and last_modified only; the list view adds the one-to-one
    fields and the organization; the full view adds the nested arrays.
    """

    id: uuid.UUID
    organization_id: uuid.UUID | None = None
    name: str
    description: str | None = None
    status: Literal["active"]
    fees_description: str | None = None
    assured_date: str | None = Field(default=None, description="Date the provider last confirmed the listing")
    last_modified: datetime
    organization: HsdsOrganization | None = None
    # Bounded as the listing's own fields are: 20 languages, the base price and 50 shared prices,
    # 50 availability slots, Milan's 88 NILs, one category, the organisation's one location.
    languages: list[HsdsLanguage] | None = Field(default=None, max_length=20)
    cost_options: list[HsdsCostOption] | None = Field(default=None, max_length=51)
    schedules: list[HsdsSchedule] | None = Field(default=None, max_length=50)
    service_areas: list[HsdsServiceArea] | None = Field(default=None, max_length=88)
    attributes: list[HsdsAttribute] | None = Field(default=None, max_length=1)
    service_at_locations: list["HsdsServiceAtLocation"] | None = Field(default=None, max_length=1)


class HsdsServiceAtLocation(BaseModel):
    """A service at its organisation's location (services of individual workers have none)."""

    id: uuid.UUID
    service_id: uuid.UUID
    location_id: uuid.UUID
    location: HsdsLocation | None = None
    service: HsdsService | None = None


HsdsOrganization.model_rebuild()
HsdsService.model_rebuild()
