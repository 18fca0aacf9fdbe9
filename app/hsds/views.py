"""HSDS's views: from our rows to HSDS objects. Pure functions, no queries: the service loads a
page's related rows in one query per table (through the providers' and categories' services, which
a view may not call) and hands them over as `Related`.

Ids: services, organizations and taxonomy terms keep our ids (service, provider, category).
Objects HSDS has and we do not store (locations, schedules, cost options, ...) get UUIDv5 ids
derived from their owner, so they are the same on every request and installation.
"""

import uuid
from dataclasses import dataclass, field

from app.hsds.schemas import (
    HsdsAddress,
    HsdsAttribute,
    HsdsCostOption,
    HsdsLanguage,
    HsdsLocation,
    HsdsOrganization,
    HsdsPhone,
    HsdsSchedule,
    HsdsService,
    HsdsServiceArea,
    HsdsServiceAtLocation,
    HsdsTaxonomy,
    HsdsTaxonomyTerm,
)
from app.models import Category, PriceModel, Provider, ProviderKind, Service, Zone

HSDS_NAMESPACE = uuid.UUID("3c1f9a52-7d0e-4b6a-9e85-0f2d4c6b8a19")
TAXONOMY_NAME = "wemi"
TAXONOMY_ID = uuid.uuid5(HSDS_NAMESPACE, f"taxonomy:{TAXONOMY_NAME}")
TAXONOMY = HsdsTaxonomy(
    id=TAXONOMY_ID,
    name=TAXONOMY_NAME,
    description="Aree e categorie dei servizi di Welfare di Tutti, dal catalogo WeMi del Comune di Milano.",
)
# A service has at most one service_at_location (its provider's one location), so that id is the
# service id with fixed bits flipped: stable, unlike the service id, and reversible, which makes
# GET /service_at_locations/{id} a primary-key lookup. The mask leaves the version and variant
# bits alone, so the result is as valid a UUID as the service id.
_SERVICE_AT_LOCATION_MASK = 0x5A1C0C47_E0D1_0B2F_39E4_A7C51D6B82F0

BYDAY = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}
GIORNO = {
    "mon": "lunedì",
    "tue": "martedì",
    "wed": "mercoledì",
    "thu": "giovedì",
    "fri": "venerdì",
    "sat": "sabato",
    "sun": "domenica",
}
PRICE_UNIT = {
    PriceModel.fixed: ("Prezzo fisso", "a prestazione"),
    PriceModel.hourly: ("Tariffa oraria", "all'ora"),
    PriceModel.per_session: ("Tariffa a incontro", "a incontro"),
    PriceModel.monthly: ("Tariffa mensile", "al mese"),
}
LEGAL_STATUS = {
    ProviderKind.cooperative: "Cooperativa",
    ProviderKind.association: "Associazione",
    ProviderKind.social_enterprise: "Impresa sociale",
    ProviderKind.company: "Impresa",
    ProviderKind.volunteer_group: "Gruppo di volontariato",
}
LANGUAGE_NAMES = {
    "it": "Italiano",
    "en": "Inglese",
    "fr": "Francese",
    "es": "Spagnolo",
    "de": "Tedesco",
    "pt": "Portoghese",
    "ro": "Rumeno",
    "uk": "Ucraino",
    "ru": "Russo",
    "pl": "Polacco",
    "sq": "Albanese",
    "ar": "Arabo",
    "zh": "Cinese",
    "tl": "Filippino",
    "bn": "Bengalese",
    "ur": "Urdu",
    "hi": "Hindi",
    "si": "Singalese",
    "ta": "Tamil",
    "ti": "Tigrino",
    "am": "Amarico",
    "so": "Somalo",
    "wo": "Wolof",
}


def derived_id(kind: str, *parts: object) -> uuid.UUID:
    return uuid.uuid5(HSDS_NAMESPACE, ":".join([kind, *(str(p) for p in parts)]))


def service_at_location_id(service_id: uuid.UUID) -> uuid.UUID:
    """The service_at_location id of a service, and (the same flip) the service id of one."""
    return uuid.UUID(int=service_id.int ^ _SERVICE_AT_LOCATION_MASK)


def is_organisation(provider: Provider) -> bool:
    return provider.kind != ProviderKind.individual


def has_location(provider: Provider) -> bool:
    """Python twin of `repository.has_location_sql`. An individual worker's point and address are
    their home: never published."""
    full_address = provider.address_street is not None and provider.address_postcode is not None
    return is_organisation(provider) and (provider.lat is not None or full_address)


@dataclass(frozen=True)
class Related:
    """What a page of services needs besides the services, loaded once per page."""

    providers: dict[uuid.UUID, Provider]
    categories: dict[uuid.UUID, Category] = field(default_factory=dict)
    zones: dict[uuid.UUID, Zone] = field(default_factory=dict)


def taxonomy_term(category: Category) -> HsdsTaxonomyTerm:
    return HsdsTaxonomyTerm(
        id=category.id,
        code=category.slug,
        name=category.name_it,
        description=category.description_it or category.name_it,
        parent_id=category.parent_id,
        taxonomy=TAXONOMY_NAME,
        taxonomy_id=TAXONOMY_ID,
        language="it",
        taxonomy_detail=TAXONOMY,
    )


def location(provider: Provider) -> HsdsLocation:
    location_id = derived_id("location", provider.id)
    addresses = None
    if provider.address_street is not None and provider.address_postcode is not None:
        addresses = [
            HsdsAddress(
                id=derived_id("address", provider.id),
                location_id=location_id,
                address_1=provider.address_street,
                city=provider.address_city,
                region="Lombardia",
                # The platform serves the Comune di Milano: its providers are in the province of Milan.
                state_province="MI",
                postal_code=provider.address_postcode,
                country="IT",
                address_type="physical",
            )
        ]
    return HsdsLocation(
        id=location_id,
        location_type="physical",
        organization_id=provider.id,
        name=provider.display_name,
        latitude=provider.lat,
        longitude=provider.lon,
        addresses=addresses,
    )


def organization(provider: Provider, *, full: bool = False) -> HsdsOrganization:
    if not is_organisation(provider):
        return HsdsOrganization(id=provider.id, name=provider.display_name, description=provider.description)
    phones = locations = None
    if full:
        phones = (
            [
                HsdsPhone(
                    id=derived_id("phone", provider.id),
                    organization_id=provider.id,
                    number=provider.phone,
                    type="voice",
                )
            ]
            if provider.phone
            else []
        )
        locations = [location(provider)] if has_location(provider) else []
    return HsdsOrganization(
        id=provider.id,
        name=provider.display_name,
        alternate_name=provider.legal_name if provider.legal_name != provider.display_name else None,
        description=provider.description,
        email=provider.email,
        website=provider.website,
        logo=provider.logo_url,
        legal_status=LEGAL_STATUS.get(provider.kind),
        phones=phones,
        locations=locations,
    )


def minimal_service(service: Service) -> HsdsService:
    return HsdsService(id=service.id, name=service.title, status="active", last_modified=service.updated_at)


def service(s: Service, related: Related, *, full: bool, with_organization: bool = True) -> HsdsService:
    provider = related.providers[s.provider_id]
    return HsdsService(
        id=s.id,
        organization_id=s.provider_id,
        name=s.title,
        description=s.description,
        status="active",
        fees_description=_fees(s),
        assured_date=s.last_verified_at.date().isoformat() if s.last_verified_at else None,
        last_modified=s.updated_at,
        organization=organization(provider) if with_organization else None,
        **(_nested(s, provider, related) if full else {}),
    )


def _nested(s: Service, provider: Provider, related: Related) -> dict[str, list]:
    """The full view's arrays of a service."""
    category = related.categories[s.category_id]
    zones = [related.zones[nil_id] for nil_id in s.coverage_nil_ids if nil_id in related.zones]
    return {
        "languages": [
            HsdsLanguage(
                id=derived_id("language", s.id, code), service_id=s.id, name=LANGUAGE_NAMES.get(code, code), code=code
            )
            for code in s.languages
        ],
        "cost_options": _cost_options(s),
        "schedules": [_schedule(s, slot) for slot in s.availability],
        "service_areas": [
            HsdsServiceArea(
                id=derived_id("service_area", s.id, zone.id),
                service_id=s.id,
                name=zone.name,
                description=f"NIL {zone.code} del Comune di Milano",
            )
            for zone in zones
        ],
        "attributes": [
            HsdsAttribute(
                id=derived_id("attribute", s.id, category.id),
                link_id=s.id,
                link_type="category",
                link_entity="service",
                taxonomy_term_id=category.id,
                taxonomy_term=taxonomy_term(category),
            )
        ],
        "service_at_locations": [service_at_location(s, provider)] if has_location(provider) else [],
    }


def service_at_location(s: Service, provider: Provider, nested: HsdsService | None = None) -> HsdsServiceAtLocation:
    place = location(provider)
    return HsdsServiceAtLocation(
        id=service_at_location_id(s.id), service_id=s.id, location_id=place.id, location=place, service=nested
    )


def _schedule(s: Service, slot: dict[str, str]) -> HsdsSchedule:
    day, opens, closes = slot["day"], slot["opens"], slot["closes"]
    return HsdsSchedule(
        id=derived_id("schedule", s.id, day, opens, closes),
        service_id=s.id,
        freq="WEEKLY",
        interval=1,
        wkst="MO",
        byday=BYDAY[day],
        opens_at=opens,
        closes_at=closes,
        description=f"Ogni {GIORNO[day]} dalle {opens} alle {closes} (ora di Milano)",
    )


def _euro(cents: int) -> str:
    return f"{cents / 100:.2f}".replace(".", ",") + " €"


def _fees(s: Service) -> str:
    if s.price_model == PriceModel.free or s.price_cents is None:
        text = "Gratuito."
    else:
        text = f"{_euro(s.price_cents)} {PRICE_UNIT[s.price_model][1]}."
    if s.shared_prices:
        cheapest = min(p["price_per_person_cents"] for p in s.shared_prices)
        text += f" Condiviso: da {_euro(cheapest)} a persona."
    if s.income_based:
        text += " Tariffe ridotte in base all'ISEE."
    return text


def _cost_options(s: Service) -> list[HsdsCostOption]:
    if s.price_model == PriceModel.free or s.price_cents is None:
        base = HsdsCostOption(
            id=derived_id("cost_option", s.id, "base"),
            service_id=s.id,
            option="Gratuito",
            currency="EUR",
            amount=0,
            amount_description="Servizio gratuito",
        )
        return [base]
    option, unit = PRICE_UNIT[s.price_model]
    options = [
        HsdsCostOption(
            id=derived_id("cost_option", s.id, "base"),
            service_id=s.id,
            option=option,
            currency="EUR",
            amount=s.price_cents / 100,
            amount_description=unit,
        )
    ]
    for price in s.shared_prices:
        size = price["group_size"]
        options.append(
            HsdsCostOption(
                id=derived_id("cost_option", s.id, "shared", size),
                service_id=s.id,
                option=f"Servizio condiviso, gruppo di {size} persone",
                currency="EUR",
                amount=price["price_per_person_cents"] / 100,
                amount_description=f"a persona, {unit}",
            )
        )
    return options
