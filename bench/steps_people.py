"""Steps: citizens and city staff, providers, their staff accounts, verifications."""

from datetime import timedelta

from bench.load import Load, copy, weighted
from bench.steps_sharing import hub_plan
from bench.world import FEATURES, FIRST_NAMES, LANGUAGE_CHOICES, LAST_NAMES, ORG_PREFIX, ORG_WORDS, STREETS, point_in

EMAIL_DOMAIN = "bench.welfareditutti.example"
USER_COLUMNS = (
    "id", "email", "password_hash", "full_name", "phone", "role", "preferred_language", "is_active",
    "token_epoch", "created_at", "updated_at", "version",
)  # fmt: skip
KINDS = (
    ("individual", 0.70), ("cooperative", 0.12), ("association", 0.08), ("social_enterprise", 0.04),
    ("company", 0.04), ("volunteer_group", 0.02),
)  # fmt: skip
STATES = (
    ("accredited", 0.90), ("submitted", 0.04), ("changes_requested", 0.01), ("draft", 0.02),
    ("suspended", 0.02), ("withdrawn", 0.01),
)  # fmt: skip


def _user(load: Load, uid, email: str, name: str, role: str, days_ago: int, rng) -> tuple:  # noqa: ANN001
    at = load.now - timedelta(days=days_ago, minutes=rng.randint(0, 1439))
    phone = (
        f"+39 3{rng.randint(20, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}" if rng.random() < 0.6 else None
    )
    language = "en" if rng.random() < 0.08 else "it"
    return (uid, email, load.password_hash, name, phone, role, language, True, 0, at, at, 1)


def _name(rng) -> str:  # noqa: ANN001
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


async def users(load: Load) -> None:
    """Citizens (each with a home in a NIL, weighted by area), the hubs' operators and two admins."""
    rng, world, n = load.rng("users"), load.world, load.scale.citizens
    homes = weighted(rng, world.nil_weights, n)

    def rows():  # noqa: ANN202
        for i in range(n):
            nil = world.nils[homes[i]]
            lat, lon = point_in(nil, rng)
            load.home_nil.append(nil.index)
            load.home_lat.append(lat)
            load.home_lon.append(lon)
            yield _user(load, load.ids("citizen", i), f"cittadino{i}@{EMAIL_DOMAIN}", _name(rng), "citizen",
                        rng.randint(1, 900), rng)  # fmt: skip
        for i in range(sum(len(h.operators) for h in hub_plan(load))):  # 1-3 per hub
            uid = load.ids("operator", i)
            load.operators.append(uid)
            yield _user(load, uid, f"operatore{i}@{EMAIL_DOMAIN}", _name(rng), "hub_operator", 800, rng)
        for i in range(2):
            yield _user(load, load.ids("admin", i), f"admin{i}@{EMAIL_DOMAIN}", _name(rng), "admin", 900, rng)

    load.counts["user_account"] = await copy(load.conn, "user_account", USER_COLUMNS, rows())


def _valid_vat(rng) -> str:  # noqa: ANN001 - the Italian partita IVA check digit, as the demo seed does
    digits = [rng.randint(0, 9) for _ in range(10)]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def _languages(rng) -> list[str]:  # noqa: ANN001
    return ["it"] + [code for code, p in LANGUAGE_CHOICES if rng.random() < p]


async def providers(load: Load) -> None:
    rng, world, n = load.rng("providers"), load.world, load.scale.providers
    nils_of_municipio: dict = {}
    for nil in world.nils:
        nils_of_municipio.setdefault(nil.municipio, []).append(nil.index)
    municipi = sorted(nils_of_municipio)
    kinds = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS], k=n)
    states = rng.choices([s for s, _ in STATES], weights=[w for _, w in STATES], k=n)
    homes = weighted(rng, world.nil_weights, n)
    columns = (
        "id", "kind", "legal_name", "display_name", "vat_number", "description", "email", "phone", "website",
        "address_street", "address_postcode", "address_city", "lat", "lon", "nil_id", "zones_served", "languages",
        "accreditation_state", "accreditation_changed_at", "rating_average", "rating_count", "created_at",
        "updated_at", "version",
    )  # fmt: skip

    def rows():  # noqa: ANN202
        for i in range(n):
            kind, state, nil = kinds[i], states[i], world.nils[homes[i]]
            lat, lon = point_in(nil, rng)
            specialties = sorted(set(weighted(rng, world.category_weights, rng.randint(1, 3))))
            words = ", ".join(world.categories[c].slug.replace("-", " ") for c in specialties)
            if kind == "individual":
                name = legal = _name(rng)
                zones = [nil.index]
                description = f"{name}, {rng.randint(2, 25)} anni di esperienza: {words}. {rng.choice(FEATURES)}."
                vat = email = website = None
                phone = None
            else:
                word = rng.choice(ORG_WORDS)
                name = f"{word} {nil.name.title()}"[:120]
                legal = f"{ORG_PREFIX[kind]} {word} {i}"
                served = {nil.municipio} | set(rng.sample(municipi, rng.randint(0, 2)))
                zones = sorted(z for m in served for z in nils_of_municipio[m])
                description = (
                    f"{ORG_PREFIX[kind]} attiva a Milano dal {rng.randint(1975, 2022)}: {words}. "
                    f"{rng.choice(FEATURES).capitalize()}, {rng.choice(FEATURES)}."
                )
                vat, email, website = _valid_vat(rng), f"info{i}@{EMAIL_DOMAIN}", f"https://org{i}.{EMAIL_DOMAIN}"
                phone = f"+39 02 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
            languages = _languages(rng)
            rated = state == "accredited" and rng.random() < 0.6
            changed = load.now - timedelta(days=rng.randint(5, 700))
            load.p_kind.append(kind)
            load.p_state.append(state)
            load.p_nil.append(nil.index)
            load.p_lat.append(lat)
            load.p_lon.append(lon)
            load.p_zones.append(zones)
            load.p_langs.append(languages)
            load.p_name.append(name)
            load.p_specialties.append(specialties)
            yield (
                load.ids("provider", i), kind, legal, name, vat, description, email, phone, website,
                f"Via {rng.choice(STREETS)} {rng.randint(1, 150)}", f"201{rng.randint(21, 62)}", "Milano", lat, lon,
                nil.id, sorted(world.nils[z].id for z in zones), languages, state, changed,
                round(rng.uniform(3.2, 5.0), 2) if rated else None, rng.randint(1, 40) if rated else 0,
                changed - timedelta(days=rng.randint(30, 400)), changed, 1,
            )  # fmt: skip

    load.counts["provider"] = await copy(load.conn, "provider", columns, rows())


async def staff(load: Load) -> None:
    """A worker account per individual provider; one or two staff accounts per organisation."""
    rng, links = load.rng("staff"), []

    def rows():  # noqa: ANN202
        counter = 0
        for p, kind in enumerate(load.p_kind):
            provider_id = load.ids("provider", p)
            if kind == "individual":
                uid = load.ids("worker", p)
                links.append((provider_id, uid, "admin", load.now - timedelta(days=700)))
                load.p_staff.append(uid)
                yield _user(load, uid, f"lavoratore{p}@{EMAIL_DOMAIN}", load.p_name[p], "worker", 700, rng)
                continue
            for position in range(1 if rng.random() < 0.6 else 2):
                uid = load.ids("staff", counter)
                counter += 1
                links.append((provider_id, uid, "admin" if position == 0 else "operator", load.now))
                if position == 0:
                    load.p_staff.append(uid)
                yield _user(load, uid, f"staff{counter}@{EMAIL_DOMAIN}", _name(rng), "provider_staff", 700, rng)

    load.counts["user_account"] += await copy(load.conn, "user_account", USER_COLUMNS, rows())
    load.counts["provider_staff"] = await copy(
        load.conn, "provider_staff", ("provider_id", "user_id", "role", "created_at"), links
    )


async def verifications(load: Load) -> None:
    """Checks behind the badges: identity, background, references (workers); insurance, register (orgs)."""
    rng = load.rng("verifications")
    columns = (
        "id", "provider_id", "kind", "outcome", "evidence_ref", "verifier_name", "verified_at", "expires_at",
        "created_at",
    )  # fmt: skip

    def rows():  # noqa: ANN202
        counter = 0
        for p, kind in enumerate(load.p_kind):
            if load.p_state[p] in ("draft", "submitted"):
                continue
            if kind == "individual":
                kinds = ["identity", "background_check", "references"] + (["qualification"] * (rng.random() < 0.5))
            else:
                kinds = ["insurance", "regional_register"]
            for vkind in kinds:
                at = load.now - timedelta(days=rng.randint(20, 330))
                expires = at + timedelta(days=365) if vkind in ("insurance", "background_check") else None
                if vkind == "insurance" and rng.random() < 0.125:
                    expires = load.now - timedelta(days=5)  # lapsed: in the history, no longer a badge
                outcome = "failed" if vkind == "background_check" and rng.random() < 0.02 else "passed"
                yield (load.ids("verification", counter), load.ids("provider", p), vkind, outcome,
                       f"Prot. {rng.randint(10000, 99999)}/2026", "Comune di Milano (Ufficio Welfare)", at, expires,
                       at)  # fmt: skip
                counter += 1

    load.counts["verification"] = await copy(load.conn, "verification", columns, rows())
