"""Demo catalogue for `make run`: a believable Milan of accredited providers and their services.

About 40 providers (cooperatives, associations, a social enterprise, a company, a volunteer group
and individual workers) with verifications, and about 200 services in Italian across the
categories and the 88 NIL, some shared, some free. Deterministic (fixed random seed, UUIDv5 ids),
and idempotent: a provider that already exists is left alone.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog import indexing
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
from app.schedules import WeeklySlot, to_multirange
from app.seed.reference import REFERENCE_NAMESPACE

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


ORGS = (
    Org(
        "melograno",
        ProviderKind.cooperative,
        "Il Melograno",
        "Cooperativa Sociale Il Melograno Onlus",
        28,
        (4, 5),
        ("it", "en"),
        ("assistenza-domiciliare", "badante", "doposcuola", "tata-babysitter"),
        "Assistenza domiciliare, tate e doposcuola nei Municipi 4 e 5 dal 1998.",
    ),
    Org(
        "cordata",
        ProviderKind.cooperative,
        "La Cordata",
        "La Cordata Società Cooperativa Sociale",
        22,
        (3,),
        ("it", "en", "es"),
        ("tata-babysitter", "doposcuola", "sostegno-scolastico"),
        "Servizi educativi e babysitting condiviso a Città Studi e Lambrate.",
    ),
    Org(
        "arcobaleno",
        ProviderKind.cooperative,
        "Arcobaleno",
        "Cooperativa Sociale Arcobaleno",
        26,
        (4,),
        ("it", "ar"),
        ("doposcuola", "attivita-educative", "corsi-di-italiano"),
        "Doposcuola di quartiere e corsi di italiano per famiglie di nuova migrazione.",
    ),
    Org(
        "filo-dargento",
        ProviderKind.cooperative,
        "Filo d'Argento",
        "Filo d'Argento Cooperativa Sociale",
        61,
        (8,),
        ("it",),
        ("badante", "assistenza-domiciliare", "accompagnamento-visite"),
        "Badanti qualificate UNI 11766 e assistenza agli anziani a domicilio.",
    ),
    Org(
        "casa-aperta",
        ProviderKind.cooperative,
        "Casa Aperta",
        "Casa Aperta Cooperativa Sociale",
        45,
        (6,),
        ("it", "ro"),
        ("colf", "badante", "piccola-manutenzione"),
        "Colf e badanti con contratto regolare CCNL; piccola manutenzione della casa.",
    ),
    Org(
        "nuovi-orizzonti",
        ProviderKind.cooperative,
        "Nuovi Orizzonti",
        "Nuovi Orizzonti Società Cooperativa",
        69,
        (9,),
        ("it", "en", "fr"),
        ("tata-babysitter", "doposcuola", "attivita-educative"),
        "Tate e attività educative a Niguarda, Bicocca e dintorni.",
    ),
    Org(
        "portaluppi",
        ProviderKind.cooperative,
        "Portaluppi Servizi",
        "Portaluppi Servizi Cooperativa Sociale",
        4,
        (1,),
        ("it", "en"),
        ("colf", "piccole-commissioni", "pasti-a-domicilio"),
        "Colf, commissioni e pasti a domicilio in centro città.",
    ),
    Org(
        "la-bussola",
        ProviderKind.cooperative,
        "La Bussola",
        "La Bussola Cooperativa Sociale",
        52,
        (7,),
        ("it", "es"),
        ("trasporto-persone-con-disabilita", "accompagnamento-visite", "assistenza-domiciliare"),
        "Trasporto e accompagnamento di persone con disabilità con mezzi attrezzati.",
    ),
    Org(
        "giardino",
        ProviderKind.cooperative,
        "Il Giardino",
        "Il Giardino Cooperativa Sociale",
        38,
        (5,),
        ("it",),
        ("pasti-a-domicilio", "assistenza-domiciliare", "piccole-commissioni"),
        "Pasti caldi a domicilio e piccole commissioni per anziani soli.",
    ),
    Org(
        "mani-tese",
        ProviderKind.cooperative,
        "Mani Operose",
        "Mani Operose Cooperativa Sociale",
        33,
        (4,),
        ("it", "en"),
        ("piccola-manutenzione", "colf", "piccole-commissioni"),
        "Piccoli lavori di casa e pulizie a Rogoredo e Santa Giulia.",
    ),
    Org(
        "sesto-senso",
        ProviderKind.cooperative,
        "Sesto Senso",
        "Sesto Senso Cooperativa Sociale",
        72,
        (2,),
        ("it", "zh"),
        ("tata-babysitter", "doposcuola", "corsi-di-italiano"),
        "Educatori e tate bilingui in via Padova e Loreto.",
    ),
    Org(
        "ponte",
        ProviderKind.cooperative,
        "Il Ponte",
        "Il Ponte Cooperativa Sociale",
        13,
        (1, 6),
        ("it", "en"),
        ("badante", "assistenza-domiciliare", "supporto-rapporto-lavoro-domestico"),
        "Badanti, assistenza e supporto ai contratti di lavoro domestico.",
    ),
    Org(
        "stelline",
        ProviderKind.cooperative,
        "Stelline Cura",
        "Stelline Cura Cooperativa Sociale",
        14,
        (1,),
        ("it", "en", "fr"),
        ("assistenza-domiciliare", "accompagnamento-visite"),
        "Assistenza domiciliare tra Magenta e Sant'Ambrogio.",
    ),
    Org(
        "quarto",
        ProviderKind.cooperative,
        "Quarto Insieme",
        "Quarto Insieme Cooperativa Sociale",
        80,
        (8,),
        ("it", "ar"),
        ("doposcuola", "pasti-a-domicilio", "facilitazione-digitale"),
        "Doposcuola, pasti e facilitazione digitale a Quarto Oggiaro.",
        AccreditationState.submitted,
    ),
    Org(
        "zampe",
        ProviderKind.company,
        "Zampe Felici",
        "Zampe Felici S.r.l.",
        17,
        (1, 7),
        ("it", "en"),
        ("dogsitter", "petsitter"),
        "Dogsitter e pet sitter con assicurazione, passeggiate di gruppo al Parco Sempione.",
    ),
    Org(
        "code-scodinzolanti",
        ProviderKind.company,
        "Code Scodinzolanti",
        "Code Scodinzolanti S.r.l.s.",
        24,
        (4, 3),
        ("it",),
        ("dogsitter", "petsitter"),
        "Passeggiate e pensione diurna per cani al Parco Forlanini.",
    ),
    Org(
        "nonni-attivi",
        ProviderKind.association,
        "Nonni Attivi",
        "Associazione Nonni Attivi Milano APS",
        5,
        (1, 5),
        ("it",),
        ("trasporto-persone-con-disabilita", "piccole-commissioni", "accompagnamento-visite"),
        "Pensionati volontari: accompagnamenti, commissioni e trasporto solidale.",
    ),
    Org(
        "famiglie-insieme",
        ProviderKind.association,
        "Famiglie Insieme",
        "Associazione Famiglie Insieme ODV",
        57,
        (7,),
        ("it", "es"),
        ("doposcuola", "attivita-educative", "tata-babysitter"),
        "Famiglie che condividono doposcuola e babysitter di condominio.",
    ),
    Org(
        "soldi-chiari",
        ProviderKind.association,
        "Soldi Chiari",
        "Associazione Soldi Chiari APS",
        19,
        (2, 3),
        ("it", "en"),
        ("educazione-finanziaria", "disbrigo-pratiche"),
        "Educazione finanziaria per tutti e aiuto con le pratiche (ISEE, bonus).",
    ),
    Org(
        "parole-ponte",
        ProviderKind.association,
        "Parole Ponte",
        "Associazione Parole Ponte APS",
        75,
        (9, 2),
        ("it", "ar", "en", "fr"),
        ("corsi-di-italiano", "disbrigo-pratiche", "facilitazione-digitale"),
        "Corsi di italiano L2 e sportello pratiche per stranieri.",
    ),
    Org(
        "spazio-anziani",
        ProviderKind.association,
        "Spazio Anziani",
        "Associazione Spazio Anziani Baggio ODV",
        55,
        (7,),
        ("it",),
        ("piccole-commissioni", "accompagnamento-visite", "pasti-a-domicilio"),
        "Vicinato solidale per gli anziani di Baggio.",
    ),
    Org(
        "rete-welfare",
        ProviderKind.social_enterprise,
        "Rete Welfare",
        "Rete Welfare Impresa Sociale S.r.l.",
        40,
        (5, 6),
        ("it", "en"),
        ("supporto-rapporto-lavoro-domestico", "disbrigo-pratiche", "colf"),
        "Buste paga, contributi e contratti per famiglie che assumono colf e badanti.",
    ),
    Org(
        "volontari-ruote",
        ProviderKind.volunteer_group,
        "Ruote Solidali",
        "Gruppo Volontari Ruote Solidali",
        63,
        (8, 9),
        ("it",),
        ("trasporto-persone-con-disabilita", "accompagnamento-visite"),
        "Volontari in pensione che accompagnano persone con disabilità a visite e terapie.",
    ),
    Org(
        "casa-serena",
        ProviderKind.cooperative,
        "Casa Serena",
        "Casa Serena Cooperativa Sociale",
        48,
        (5,),
        ("it", "ro", "uk"),
        ("badante", "colf", "assistenza-domiciliare"),
        "Badanti conviventi e a ore; colf. Sostituzioni per ferie garantite.",
    ),
    Org(
        "girotondo",
        ProviderKind.cooperative,
        "Girotondo",
        "Girotondo Cooperativa Sociale",
        30,
        (4,),
        ("it", "en"),
        ("tata-babysitter", "doposcuola"),
        "Tate e doposcuola tra Corvetto e Forlanini.",
    ),
    Org(
        "lampada",
        ProviderKind.cooperative,
        "La Lampada",
        "La Lampada Cooperativa Sociale",
        66,
        (8,),
        ("it",),
        ("assistenza-domiciliare", "pasti-a-domicilio"),
        "Assistenza domiciliare e pasti per anziani al Gallaratese.",
        AccreditationState.suspended,
    ),
    Org(
        "primi-passi",
        ProviderKind.association,
        "Primi Passi",
        "Associazione Primi Passi APS",
        70,
        (2,),
        ("it", "en", "es"),
        ("tata-babysitter", "attivita-educative"),
        "Tate per la prima infanzia e laboratori genitori-bambini.",
        AccreditationState.submitted,
    ),
    Org(
        "officina-casa",
        ProviderKind.company,
        "Officina Casa",
        "Officina Casa S.r.l.",
        9,
        (1, 2),
        ("it",),
        ("piccola-manutenzione",),
        "Idraulico, elettricista e piccole riparazioni in giornata.",
        AccreditationState.draft,
    ),
)


@dataclass(frozen=True)
class Worker:
    key: str
    name: str
    home_nil: int
    languages: tuple[str, ...]
    specialties: tuple[str, ...]
    description: str


WORKERS = (
    Worker(
        "lucia-ferrari",
        "Lucia Ferrari",
        22,
        ("it", "en"),
        ("tata-babysitter",),
        "Tata con esperienza decennale, laureata in scienze dell'educazione; parlo inglese.",
    ),
    Worker(
        "maria-popescu",
        "Maria Popescu",
        28,
        ("it", "ro"),
        ("badante", "colf"),
        "Badante qualificata, referenze verificate, disponibile anche la notte.",
    ),
    Worker(
        "ana-santos",
        "Ana Santos",
        21,
        ("it", "es", "en"),
        ("tata-babysitter", "colf"),
        "Babysitter e colf, automunita; parlo spagnolo e inglese.",
    ),
    Worker(
        "olena-kovalenko",
        "Olena Kovalenko",
        46,
        ("it", "uk"),
        ("badante",),
        "Assistenza ad anziani non autosufficienti, corso UNI 11766.",
    ),
    Worker(
        "giorgio-bassi", "Giorgio Bassi", 11, ("it",), ("dogsitter",), "Dogsitter in zona Sempione e Arco della Pace."
    ),
    Worker(
        "fatima-elamrani",
        "Fatima El Amrani",
        78,
        ("it", "ar", "fr"),
        ("colf", "tata-babysitter"),
        "Colf e tata, grande esperienza con bambini piccoli.",
    ),
    Worker(
        "sara-conti",
        "Sara Conti",
        23,
        ("it", "en"),
        ("tata-babysitter", "sostegno-scolastico"),
        "Studentessa del Politecnico: babysitting e aiuto compiti, anche il sabato.",
    ),
    Worker(
        "rosa-mendoza",
        "Rosa Mendoza",
        57,
        ("it", "es"),
        ("badante", "assistenza-domiciliare"),
        "Badante convivente o a ore, referenze disponibili.",
    ),
    Worker(
        "luca-moretti",
        "Luca Moretti",
        36,
        ("it", "en"),
        ("dogsitter", "petsitter"),
        "Dogsitter e pet sitter a Navigli e Ticinese.",
    ),
    Worker("irina-popa", "Irina Popa", 64, ("it", "ro", "en"), ("colf",), "Colf precisa e affidabile, anche stiro."),
    Worker(
        "chen-li",
        "Chen Li",
        72,
        ("it", "zh", "en"),
        ("tata-babysitter", "sostegno-scolastico"),
        "Tata e ripetizioni di matematica e cinese.",
    ),
    Worker(
        "teresa-galli",
        "Teresa Galli",
        25,
        ("it",),
        ("badante", "piccole-commissioni"),
        "Aiuto agli anziani: spesa, farmacia, compagnia.",
    ),
)

# category slug → (price model, price in cents or None, delivery, (min, max), typical slots)
TEMPLATES: dict[str, tuple[PriceModel, int | None, Delivery, tuple[int, int] | None, list[tuple[str, str, str]]]] = {
    "tata-babysitter": (
        PriceModel.hourly,
        1100,
        Delivery.individual,
        None,
        [("mon", "16:00", "19:30"), ("tue", "16:00", "19:30"), ("thu", "16:00", "19:30"), ("sat", "08:30", "13:00")],
    ),
    "colf": (
        PriceModel.hourly,
        1000,
        Delivery.individual,
        None,
        [("tue", "09:00", "13:00"), ("fri", "09:00", "13:00")],
    ),
    "badante": (
        PriceModel.monthly,
        145000,
        Delivery.individual,
        None,
        [(d, "08:00", "20:00") for d in ("mon", "tue", "wed", "thu", "fri", "sat")],
    ),
    "supporto-rapporto-lavoro-domestico": (
        PriceModel.per_session,
        3500,
        Delivery.individual,
        None,
        [("tue", "14:00", "18:00"), ("thu", "14:00", "18:00")],
    ),
    "assistenza-domiciliare": (
        PriceModel.hourly,
        1900,
        Delivery.individual,
        None,
        [(d, "08:00", "12:00") for d in ("mon", "tue", "wed", "thu", "fri")],
    ),
    "pasti-a-domicilio": (
        PriceModel.per_session,
        750,
        Delivery.individual,
        None,
        [(d, "11:30", "13:30") for d in ("mon", "tue", "wed", "thu", "fri", "sat")],
    ),
    "piccole-commissioni": (
        PriceModel.hourly,
        1200,
        Delivery.individual,
        None,
        [("mon", "10:00", "12:00"), ("thu", "15:00", "18:00")],
    ),
    "piccola-manutenzione": (
        PriceModel.per_session,
        4000,
        Delivery.individual,
        None,
        [("wed", "09:00", "17:00"), ("sat", "09:00", "12:00")],
    ),
    "doposcuola": (
        PriceModel.monthly,
        9000,
        Delivery.shared,
        (3, 8),
        [(d, "16:00", "18:30") for d in ("mon", "tue", "wed", "thu", "fri")],
    ),
    "sostegno-scolastico": (
        PriceModel.hourly,
        1800,
        Delivery.individual,
        None,
        [("tue", "15:00", "19:00"), ("sat", "09:00", "12:00")],
    ),
    "attivita-educative": (
        PriceModel.per_session,
        1200,
        Delivery.shared,
        (4, 12),
        [("sat", "10:00", "12:30"), ("wed", "16:30", "18:30")],
    ),
    "trasporto-persone-con-disabilita": (
        PriceModel.per_session,
        1500,
        Delivery.individual,
        None,
        [(d, "08:00", "18:00") for d in ("mon", "tue", "wed", "thu", "fri")],
    ),
    "accompagnamento-visite": (
        PriceModel.per_session,
        2000,
        Delivery.individual,
        None,
        [("mon", "08:00", "13:00"), ("thu", "08:00", "13:00")],
    ),
    "dogsitter": (
        PriceModel.per_session,
        1200,
        Delivery.individual,
        None,
        [(d, "07:00", "09:00") for d in ("mon", "tue", "wed", "thu", "fri")] + [("sat", "09:00", "11:00")],
    ),
    "petsitter": (
        PriceModel.per_session,
        1500,
        Delivery.individual,
        None,
        [("sat", "09:00", "13:00"), ("sun", "09:00", "13:00")],
    ),
    "disbrigo-pratiche": (
        PriceModel.free,
        None,
        Delivery.individual,
        None,
        [("tue", "09:30", "12:30"), ("thu", "14:30", "17:30")],
    ),
    "facilitazione-digitale": (PriceModel.free, None, Delivery.individual, None, [("wed", "14:00", "17:00")]),
    "corsi-di-italiano": (
        PriceModel.free,
        None,
        Delivery.shared,
        (5, 15),
        [("mon", "18:00", "20:00"), ("wed", "18:00", "20:00")],
    ),
    "educazione-finanziaria": (PriceModel.free, None, Delivery.shared, (6, 20), [("thu", "18:30", "20:00")]),
}

TITLES: dict[str, tuple[str, ...]] = {
    "tata-babysitter": ("Babysitter pomeridiana", "Tata a domicilio", "Tata a ore"),
    "colf": ("Colf a ore", "Pulizie settimanali", "Colf e stiro"),
    "badante": ("Badante convivente", "Badante a ore", "Badante di condominio"),
    "supporto-rapporto-lavoro-domestico": ("Sportello contratti colf e badanti", "Buste paga e contributi INPS"),
    "assistenza-domiciliare": ("Assistenza domiciliare anziani", "Igiene e cura della persona a domicilio"),
    "pasti-a-domicilio": ("Pasti caldi a domicilio", "Pranzo consegnato a casa"),
    "piccole-commissioni": ("Spesa e farmacia per anziani", "Piccole commissioni di quartiere"),
    "piccola-manutenzione": ("Piccole riparazioni in casa", "Montaggio mobili e lampadine"),
    "doposcuola": ("Doposcuola condiviso", "Doposcuola di quartiere con merenda"),
    "sostegno-scolastico": ("Aiuto compiti", "Ripetizioni di matematica"),
    "attivita-educative": ("Laboratorio creativo del sabato", "Gioco e lettura per bambini"),
    "trasporto-persone-con-disabilita": (
        "Trasporto attrezzato per persone con disabilità",
        "Accompagnamento in carrozzina a terapie",
    ),
    "accompagnamento-visite": ("Accompagnamento a visite mediche", "Accompagnamento in ospedale"),
    "dogsitter": ("Passeggiata con il cane", "Dogsitter mattutino"),
    "petsitter": ("Pet sitter a domicilio nel weekend", "Visite al gatto durante le vacanze"),
    "disbrigo-pratiche": ("Sportello pratiche ISEE e bonus", "Aiuto con SPID e pratiche online"),
    "facilitazione-digitale": ("Facilitazione digitale per anziani", "Smartphone facile"),
    "corsi-di-italiano": ("Corso di italiano L2 serale", "Italiano per mamme e papà"),
    "educazione-finanziaria": ("Corso di educazione finanziaria", "Bilancio familiare in 4 incontri"),
}


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
    """The demo partner client syncs Il Melograno's listings."""
    from app.seed.demo import DEMO_PARTNER_CLIENT_ID

    client = await session.scalar(select(PartnerClient).where(PartnerClient.client_id == DEMO_PARTNER_CLIENT_ID))
    if client is not None and client.provider_id is None:
        client.provider_id = demo_id("provider", "melograno")


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


async def _staff_for(session: AsyncSession, provider: Provider, key: str) -> None:
    """The demo provider-staff login runs Il Melograno (the demo partner client is bound to it too)."""
    if key != "melograno":
        return
    staff = await session.scalar(select(User).where(User.email == "staff.cooperativa@demo.welfareditutti.it"))
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
    user = User(email=email, password_hash=password_hash, full_name=worker.name, role=Role.worker)
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
        price_model, price, delivery, persons, slots = TEMPLATES[slug]
        title = TITLES[slug][(index // len(specialties)) % len(TITLES[slug])]
        chosen = slots if index < len(specialties) else rng.sample(slots, max(1, len(slots) - 1))
        weekly = [WeeklySlot(day=d, opens=o, closes=c) for d, o, c in chosen]  # type: ignore[arg-type]
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
        if service.status == ServiceStatus.published:
            service.published_at = service.created_at + timedelta(days=1)
            service.last_verified_at = NOW - timedelta(days=rng.randint(0, 60))
        await indexing.reindex(session, service, provider)
        session.add(service)
    return count


def _description(slug: str, provider: Provider) -> str:
    return f"{provider.description} Servizio di {slug.replace('-', ' ')} con operatori verificati."
