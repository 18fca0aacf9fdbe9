"""Demo catalogue for `make run`: a believable Milan of accredited providers and their services.

About 40 providers (cooperatives, associations, a social enterprise, a company, a volunteer group
and individual workers) with verifications, and about 200 services in Italian across the
categories and the 88 NIL, some shared, some free. Deterministic (fixed random seed, UUIDv5 ids),
and idempotent: a provider that already exists is left alone.
"""

import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    AccreditationState,
    AccreditationTransition,
    Category,
    Delivery,
    PartnerClient,
    PriceModel,
    Provider,
    ProviderKind,
    ProviderStaff,
    Role,
    Service,
    ServiceStatus,
    StaffRole,
    User,
    Verification,
    VerificationKind,
    VerificationOutcome,
    Zone,
    ZoneKind,
)
from app.passwords import password_hashing
from app.providers import search_columns
from app.schedules import WeeklySlot, to_multirange
from app.seed.reference import REFERENCE_NAMESPACE

# The demo's income-based listings (the usual cost-sharing pattern: free below a threshold, then
# discounts; docs/income.md). Illustrative figures, no municipal source.
DEMO_ISEE_BANDS = (
    {"isee_max_cents": 750_000, "kind": "free", "value": None},
    {"isee_max_cents": 1_500_000, "kind": "discount_percent", "value": 50},
    {"isee_max_cents": 2_500_000, "kind": "discount_percent", "value": 25},
)


DEMO_NAMESPACE = uuid.uuid5(REFERENCE_NAMESPACE, "demo-catalogue")
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)  # fixed, so the demo is the same on every machine


def demo_id(kind: str, key: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"{kind}:{key}")


@dataclass(frozen=True)
class Org:
    key: str
    kind: ProviderKind
    display: str
    legal: str
    home_nil: int
    municipi: tuple[int, ...]
    languages: tuple[str, ...]
    specialties: tuple[str, ...]  # category slugs
    description: str
    state: AccreditationState = AccreditationState.accredited


@dataclass(frozen=True)
class Worker:
    key: str
    name: str
    home_nil: int
    languages: tuple[str, ...]
    specialties: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Template:
    """How a category's demo services are priced and scheduled."""

    price_model: PriceModel
    price_cents: int | None
    weekly_hours: float | None  # what makes a monthly price comparable (app/prices.py)
    session_minutes: int | None  # and a price per session
    delivery: Delivery
    persons: tuple[int, int] | None
    slots: list[tuple[str, str, str]]


_DATA = json.loads(resources.files("app.seed").joinpath("data", "catalog_demo.json").read_text("utf-8"))
ORGS = tuple(
    Org(
        key=o["key"],
        kind=ProviderKind(o["kind"]),
        display=o["display"],
        legal=o["legal"],
        home_nil=o["home_nil"],
        municipi=tuple(o["municipi"]),
        languages=tuple(o["languages"]),
        specialties=tuple(o["specialties"]),
        description=o["description"],
        state=AccreditationState(o["state"]),
    )
    for o in _DATA["organisations"]
)
WORKERS = tuple(
    Worker(
        key=w["key"],
        name=w["name"],
        home_nil=w["home_nil"],
        languages=tuple(w["languages"]),
        specialties=tuple(w["specialties"]),
        description=w["description"],
    )
    for w in _DATA["workers"]
)
TEMPLATES = {
    slug: Template(
        price_model=PriceModel(t["price_model"]),
        price_cents=t["price_cents"],
        weekly_hours=t["weekly_hours"],
        session_minutes=t["session_minutes"],
        delivery=Delivery(t["delivery"]),
        persons=tuple(t["persons"]) if t["persons"] else None,
        slots=[tuple(slot) for slot in t["slots"]],
    )
    for slug, t in _DATA["templates"].items()
}
TITLES: dict[str, tuple[str, ...]] = {slug: tuple(titles) for slug, titles in _DATA["titles"].items()}


def _valid_vat(rng: random.Random) -> str:
    digits = [rng.randint(0, 9) for _ in range(10)]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def _valid_person_tax_code(rng: random.Random, name: str) -> str:
    from app.providers.identifiers import _EVEN, _ODD

    letters = "".join(c for c in name.upper() if c.isalpha())[:6].ljust(6, "X")
    body = (
        letters + f"{rng.randint(60, 99)}" + rng.choice("ABCDEHLMPRST") + f"{rng.randint(1, 28):02d}" + "F205"
    )  # F205: Milano's cadastral code
    total = sum(_ODD[c] if i % 2 == 0 else _EVEN[c] for i, c in enumerate(body))
    return body + chr(ord("A") + total % 26)


async def seed_catalog_demo(session: AsyncSession) -> dict[str, int]:
    rng = random.Random(2026)  # noqa: S311 - demo data, deliberately reproducible
    nils = {z.code: z for z in (await session.scalars(select(Zone).where(Zone.kind == ZoneKind.nil))).all()}
    municipi = {z.code: z for z in (await session.scalars(select(Zone).where(Zone.kind == ZoneKind.municipio))).all()}
    categories = {c.slug: c for c in (await session.scalars(select(Category))).all()}
    admin = await session.scalar(select(User).where(User.role == Role.admin).order_by(User.created_at).limit(1))
    created = {"providers": 0, "services": 0}
    for org in ORGS:
        if await session.get(Provider, demo_id("provider", org.key)) is not None:
            continue
        provider = _provider(
            rng,
            org.key,
            org.kind,
            org.display,
            org.legal,
            org.description,
            nils[org.home_nil],
            org.languages,
            org.state,
        )
        provider.vat_number = _valid_vat(rng)
        provider.email = f"info@{org.key}.example"
        provider.phone = f"+39 02 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
        provider.website = f"https://{org.key}.example"
        provider.zones_served = sorted(
            z.id for z in nils.values() if z.parent_id in {municipi[m].id for m in org.municipi}
        )
        session.add(provider)
        await session.flush()
        await _staff_for(session, provider, org.key)
        _history(session, provider, admin)
        _verifications(session, rng, provider, organisation=True, admin=admin)
        created["services"] += await _services(
            session, rng, provider, org.specialties, org.key, categories=categories, count=5
        )
        created["providers"] += 1
    worker_hash = await password_hashing().hash(DEMO_WORKER_PASSWORD)  # one hash, shared: it is a demo
    for worker in WORKERS:
        if await session.get(Provider, demo_id("provider", worker.key)) is not None:
            continue
        provider = _provider(
            rng,
            worker.key,
            ProviderKind.individual,
            worker.name,
            worker.name,
            worker.description,
            nils[worker.home_nil],
            worker.languages,
            AccreditationState.accredited,
        )
        provider.tax_code = _valid_person_tax_code(rng, worker.name)
        session.add(provider)
        await session.flush()
        user = await _worker_account(session, worker, worker_hash)
        session.add(ProviderStaff(provider_id=provider.id, user_id=user.id, role=StaffRole.admin))
        _history(session, provider, admin)
        _verifications(session, rng, provider, organisation=False, admin=admin)
        created["services"] += await _services(
            session, rng, provider, worker.specialties, worker.key, categories=categories, count=5, radius_km=3.0
        )
        created["providers"] += 1
    await _bind_demo_partner(session)
    await session.flush()
    return {"demo_providers_created": created["providers"], "demo_services_created": created["services"]}


async def _bind_demo_partner(session: AsyncSession) -> None:
    """The demo partner clients sync their cooperative's listings (Il Melograno, La Cordata)."""
    from app.seed.demo import DEMO_PARTNERS

    for partner in DEMO_PARTNERS:
        client = await session.scalar(select(PartnerClient).where(PartnerClient.client_id == partner.client_id))
        if client is not None and client.provider_id is None:
            client.provider_id = demo_id("provider", partner.provider_key)


def _provider(
    rng: random.Random,
    key: str,
    kind: ProviderKind,
    display: str,
    legal: str,
    description: str,
    nil: Zone,
    languages: tuple[str, ...],
    state: AccreditationState,
) -> Provider:
    return Provider(
        id=demo_id("provider", key),
        kind=kind,
        display_name=display,
        legal_name=legal,
        description=description,
        lat=round(nil.centroid_lat + rng.uniform(-0.003, 0.003), 6),
        lon=round(nil.centroid_lon + rng.uniform(-0.004, 0.004), 6),
        nil_id=nil.id,
        address_street=f"Via {rng.choice(['Padova', 'Valla', 'Ornato', 'Capuana', 'Venini'])} {rng.randint(1, 120)}",
        address_postcode=f"201{rng.randint(21, 62)}",
        zones_served=[nil.id],
        languages=list(languages),
        accreditation_state=state,
        accreditation_changed_at=NOW - timedelta(days=rng.randint(10, 400)),
        created_at=NOW - timedelta(days=500),
        updated_at=NOW - timedelta(days=rng.randint(1, 30)),
    )


# The demo provider-staff logins and the provider each runs (Il Melograno's partner client is bound to
# it too; La Cordata's staff is the other provider's peer the live fuzzing's authorisation check uses).
DEMO_STAFF = {
    "melograno": "staff.cooperativa@demo.welfareditutti.it",
    "cordata": "staff.cordata@demo.welfareditutti.it",
}


async def _staff_for(session: AsyncSession, provider: Provider, key: str) -> None:
    if key not in DEMO_STAFF:
        return
    staff = await session.scalar(select(User).where(User.email == DEMO_STAFF[key]))
    if staff is not None:
        session.add(ProviderStaff(provider_id=provider.id, user_id=staff.id, role=StaffRole.admin))


DEMO_WORKER_PASSWORD = "demo-worker-2026"  # every demo worker signs in with it (README)


async def _worker_account(session: AsyncSession, worker: Worker, password_hash: str) -> User:
    """Lucia is the main demo worker login; the others sign in as <key>@workers.demo.welfareditutti.it."""
    if worker.key == "lucia-ferrari":
        existing = await session.scalar(select(User).where(User.email == "lucia.worker@demo.welfareditutti.it"))
        if existing is not None:
            return existing
    email = f"{worker.key}@workers.demo.welfareditutti.it"
    existing = await session.scalar(select(User).where(User.email == email))
    if existing is not None:
        return existing
    user = User(
        email=email,
        password_hash=password_hash,
        full_name=worker.name,
        role=Role.worker,
        email_verified_at=datetime.now(UTC),  # seeded, like accounts an admin creates
    )
    session.add(user)
    await session.flush()
    return user


def _history(session: AsyncSession, provider: Provider, admin: User | None) -> None:
    steps = [(AccreditationState.draft, AccreditationState.submitted, "Documentazione completa inviata")]
    if provider.accreditation_state in (AccreditationState.accredited, AccreditationState.suspended):
        steps.append(
            (AccreditationState.submitted, AccreditationState.accredited, "Requisiti verificati dall'Ufficio Welfare")
        )
    if provider.accreditation_state == AccreditationState.suspended:
        steps.append(
            (
                AccreditationState.accredited,
                AccreditationState.suspended,
                "Polizza assicurativa scaduta: sospensione in attesa di rinnovo",
            )
        )
    if provider.accreditation_state == AccreditationState.draft:
        steps = []
    at = provider.accreditation_changed_at - timedelta(days=30 * len(steps))
    for from_state, to_state, reason in steps:
        at += timedelta(days=30)
        session.add(
            AccreditationTransition(
                provider_id=provider.id,
                from_state=from_state,
                to_state=to_state,
                reason=reason,
                actor_id=admin.id if admin else None,
                at=at,
            )
        )


def _verifications(
    session: AsyncSession, rng: random.Random, provider: Provider, *, organisation: bool, admin: User | None
) -> None:
    if provider.accreditation_state == AccreditationState.draft:
        return
    kinds = (
        [VerificationKind.insurance, VerificationKind.regional_register]
        if organisation
        else [VerificationKind.identity, VerificationKind.background_check, VerificationKind.references]
    )
    if not organisation and rng.random() < 0.5:
        kinds.append(VerificationKind.qualification)
    for kind in kinds:
        verified_at = NOW - timedelta(days=rng.randint(20, 300))
        # One in eight insurance checks has lapsed: it shows in the history but no longer as a badge.
        lapsed = kind == VerificationKind.insurance and rng.random() < 0.125
        expires_at = (
            verified_at + timedelta(days=365)
            if kind in (VerificationKind.insurance, VerificationKind.background_check)
            else None
        )
        if lapsed:
            expires_at = NOW - timedelta(days=5)
        session.add(
            Verification(
                provider_id=provider.id,
                kind=kind,
                outcome=VerificationOutcome.passed,
                evidence_ref=f"Prot. {rng.randint(10000, 99999)}/2026",
                verified_by_id=admin.id if admin else None,
                verifier_name="Comune di Milano (Ufficio Welfare)",
                verified_at=verified_at,
                expires_at=expires_at,
                created_at=verified_at,
            )
        )


async def _services(
    session: AsyncSession,
    rng: random.Random,
    provider: Provider,
    specialties: tuple[str, ...],
    key: str,
    *,
    categories: dict[str, Category],
    count: int,
    radius_km: float | None = None,
) -> int:
    for index in range(count):
        slug = specialties[index % len(specialties)]
        template = TEMPLATES[slug]
        price_model, price, delivery, persons, slots = (
            template.price_model,
            template.price_cents,
            template.delivery,
            template.persons,
            template.slots,
        )
        title = TITLES[slug][(index // len(specialties)) % len(TITLES[slug])]
        chosen = slots if index < len(specialties) else rng.sample(slots, max(1, len(slots) - 1))
        weekly = [WeeklySlot(day=d, opens=o, closes=c) for d, o, c in chosen]
        price_cents = None if price is None else int(round(price * rng.uniform(0.85, 1.25), -1))
        shared_prices = []
        if delivery == Delivery.shared and price_cents is not None and persons is not None:
            # Sharing is the point: each extra family lowers everyone's share.
            shared_prices = [
                {"group_size": size, "price_per_person_cents": int(price_cents * (0.9 - 0.1 * (size - 2)))}
                for size in range(persons[0], min(persons[1], persons[0] + 3) + 1)
            ]
        service = Service(
            id=demo_id("service", f"{key}:{index}"),
            provider_id=provider.id,
            category_id=categories[slug].id,
            title=f"{title} — {provider.display_name}",
            description=_description(slug, provider),
            delivery=delivery,
            min_persons=persons[0] if persons else None,
            max_persons=persons[1] if persons else None,
            price_model=price_model,
            price_cents=price_cents,
            weekly_hours=template.weekly_hours,
            session_minutes=template.session_minutes,
            shared_prices=shared_prices,
            income_based=rng.random() < 0.3,
            zones_served=[],
            radius_km=radius_km,
            availability=[s.model_dump() for s in weekly],
            availability_minutes=to_multirange(weekly),
            languages=list(provider.languages),
            capacity=persons[1] if persons else rng.choice([None, 2, 4]),
            status=ServiceStatus.published if index < count - 1 or rng.random() < 0.5 else ServiceStatus.draft,
            accessibility="Operatori formati per persone con disabilità motoria" if "trasporto" in slug else None,
            created_at=NOW - timedelta(days=rng.randint(30, 300)),
            updated_at=NOW - timedelta(days=rng.randint(0, 30)),
        )
        # Income-based listings price by ISEE band (docs/income.md); set after the rest so that the
        # random choices, and so every other listing, stay what they were.
        service.isee_bands = list(DEMO_ISEE_BANDS) if service.income_based and price_cents is not None else []
        if service.status == ServiceStatus.published:
            service.published_at = service.created_at + timedelta(days=1)
            service.last_verified_at = NOW - timedelta(days=rng.randint(0, 60))
        await search_columns.reindex(session, service, provider)
        session.add(service)
    return count


def _description(slug: str, provider: Provider) -> str:
    return f"{provider.description} Servizio di {slug.replace('-', ' ')} con operatori verificati."
