"""Demo data for `make run`: one account per role, and a partner client. Idempotent.

The demo passwords are public (README); the seed refuses to run with ENV=prod.
"""

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service as account_service
from app.models import PartnerClient, PartnerScope, Role, User


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    full_name: str
    role: Role


DEMO_LOGINS = (
    DemoLogin("admin@demo.welfareditutti.it", "demo-admin-2026", "Amministrazione Comunale", Role.admin),
    DemoLogin(
        "operatore.sangottardo@demo.welfareditutti.it",
        "demo-operatore-2026",
        "Paola Bianchi (Spazio WeMi San Gottardo)",
        Role.hub_operator,
    ),
    DemoLogin(
        "staff.cooperativa@demo.welfareditutti.it",
        "demo-staff-2026",
        "Marco Colombo (Cooperativa Il Melograno)",
        Role.provider_staff,
    ),
    # Another provider's staff: the same-role peer of the object-level authorisation check (live fuzzing).
    DemoLogin(
        "staff.cordata@demo.welfareditutti.it",
        "demo-staff-2026",
        "Silvia Marchetti (Cooperativa La Cordata)",
        Role.provider_staff,
    ),
    DemoLogin("lucia.worker@demo.welfareditutti.it", "demo-worker-2026", "Lucia Ferrari", Role.worker),
    DemoLogin("giulia.cittadina@demo.welfareditutti.it", "demo-cittadina-2026", "Giulia Rossi", Role.citizen),
    DemoLogin("ahmed.cittadino@demo.welfareditutti.it", "demo-cittadino-2026", "Ahmed Benali", Role.citizen),
    # The sharing demo (app/seed/sharing_demo.py): a second hub's operator, and San Gottardo's neighbours.
    DemoLogin(
        "operatore.quartooggiaro@demo.welfareditutti.it",
        "demo-operatore-2026",
        "Davide Greco (Spazio WeMi Agorà Quarto Oggiaro)",
        Role.hub_operator,
    ),
    DemoLogin("elena.conti@demo.welfareditutti.it", "demo-cittadino-2026", "Elena Conti", Role.citizen),
    DemoLogin("paolo.ricci@demo.welfareditutti.it", "demo-cittadino-2026", "Paolo Ricci", Role.citizen),
    DemoLogin("chiara.moretti@demo.welfareditutti.it", "demo-cittadino-2026", "Chiara Moretti", Role.citizen),
    DemoLogin("luca.galli@demo.welfareditutti.it", "demo-cittadino-2026", "Luca Galli", Role.citizen),
    DemoLogin("marta.fontana@demo.welfareditutti.it", "demo-cittadino-2026", "Marta Fontana", Role.citizen),
    # A second hub operator: two of each role let object-level authorisation be tested (live fuzzing).
    DemoLogin(
        "operatore.niguarda@demo.welfareditutti.it",
        "demo-operatore-2026",
        "Stefano Greco (Spazio WeMi Cascina Biblioteca, Niguarda)",
        Role.hub_operator,
    ),
)
DEMO_PARTNER_CLIENT_ID = "pc_demo_cooperativa"
DEMO_PARTNER_SECRET = "pcs_demo-partner-secret-2026"


@dataclass(frozen=True)
class DemoPartner:
    client_id: str
    secret: str
    name: str
    provider_key: str  # the demo provider whose listings it syncs (bound by the catalogue seed)


DEMO_PARTNERS = (
    DemoPartner(DEMO_PARTNER_CLIENT_ID, DEMO_PARTNER_SECRET, "Cooperativa Il Melograno (demo partner)", "melograno"),
    DemoPartner("pc_demo_cordata", "pcs_demo-cordata-secret-2026", "Cooperativa La Cordata (demo partner)", "cordata"),
)


async def seed_demo(session: AsyncSession) -> dict[str, int]:
    created = 0
    for login in DEMO_LOGINS:
        exists = await session.scalar(select(User.id).where(User.email == login.email))
        if exists is None:
            await account_service.create_user(
                session,
                email=login.email,
                password=login.password,
                full_name=login.full_name,
                role=login.role,
            )
            created += 1
    for partner in DEMO_PARTNERS:
        if await session.scalar(select(PartnerClient.id).where(PartnerClient.client_id == partner.client_id)) is None:
            session.add(
                PartnerClient(
                    name=partner.name,
                    client_id=partner.client_id,
                    secret_hash=hashlib.sha256(partner.secret.encode()).hexdigest(),
                    scopes=sorted(s.value for s in PartnerScope),
                )
            )
            created += 1
    await session.flush()
    return {"demo_records_created": created}


def describe_logins() -> str:
    lines = ["Demo logins (password flow at /v1/auth/token, or Authorize in /docs):"]
    lines += [f"  {d.role.value:<15} {d.email:<48} {d.password}" for d in DEMO_LOGINS]
    lines.append("  worker          <name>@workers.demo.welfareditutti.it (e.g. ana-santos@…)   demo-worker-2026")
    lines += [f"  partner client  client_id={p.client_id}  client_secret={p.secret}" for p in DEMO_PARTNERS]
    return "\n".join(lines)
