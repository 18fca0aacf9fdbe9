"""Live fuzzing: the schemathesis CLI with its default options against `tutti serve`, once
anonymously and once with a token of each role.

    make fuzz-live            (or: .venv/bin/python scripts/live_fuzz.py [--max-examples N])

1. A fresh database: on DATABASE_URL's server when set, else on PostgreSQL at 127.0.0.1:5432 when one
   answers, else in the embedded server.
2. `tutti serve` on a free port (migrate, seed the demo data, uvicorn), as `make run` does, with
   rate limiting off (the fuzzer would otherwise mostly explore 429s; the limits have their own
   tests) and 60-minute access tokens (the run must not outlive them).
3. The object-level authorisation check: what the demo citizen (hub operator) lists as their own,
   another citizen (an operator of another hub, another provider's staff) reads and must get 403/404.
4. One `schemathesis run --checks all` per identity (anonymous, citizen, hub operator, provider staff,
   worker, admin, partner client), all four phases, nothing relaxed: no excluded check, the default
   expected statuses of `positive_data_acceptance`, no baseline. The only configuration is data:
   half of the generated path ids are ids of seeded demo objects (else most `/{id}` operations only
   ever see 404s).
5. Every failure fails the run, except `positive_data_acceptance` (a schema-valid request refused)
   on an operation listed in scripts/live_fuzz_business_rules.json: a business rule that JSON Schema
   cannot state, each with its reason. The run prints how many such cases it saw per rule; a refusal
   on an operation that is not listed fails the run, so the file grows only with a reason.
   Reports (JSON per identity, server log) are in reports/live-fuzz/.
"""

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REPORTS = ROOT / "reports" / "live-fuzz"
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"

DATABASE = f"{os.environ.get('TEST_DB_PREFIX') or 'tutti'}_livefuzz"  # helpers' runs must not collide

# (role, e-mail or partner client id, password or secret, partner?): one run each, and one without a
# token. Demo accounts from app/seed (README: demo logins).
IDENTITIES = [
    ("citizen", "giulia.cittadina@demo.welfareditutti.it", "demo-cittadina-2026", False),
    ("hub_operator", "operatore.sangottardo@demo.welfareditutti.it", "demo-operatore-2026", False),
    ("provider_staff", "staff.cooperativa@demo.welfareditutti.it", "demo-staff-2026", False),
    ("worker", "lucia.worker@demo.welfareditutti.it", "demo-worker-2026", False),
    ("admin", "admin@demo.welfareditutti.it", "demo-admin-2026", False),
    ("partner", "pc_demo_cooperativa", "pcs_demo-partner-secret-2026", True),
]
# Same-role peers for the object-level authorisation check (OWASP API1): demo accounts of the same
# role as an identity above, with objects of their own elsewhere.
PEERS = [
    ("citizen", "ahmed.cittadino@demo.welfareditutti.it", "demo-cittadino-2026"),
    ("hub_operator", "operatore.niguarda@demo.welfareditutti.it", "demo-operatore-2026"),
    ("provider_staff", "staff.cordata@demo.welfareditutti.it", "demo-staff-2026"),
]
# (role, the list of that identity's own objects, the GET of one of them): each object the identity
# lists is read by its same-role peer, who must not get it (404: other people's rows are not found).
# An empty list fails the check (it would prove nothing): the demo citizen has no engagement yet.
PEER_READS = [
    ("citizen", "/v1/requests", "/v1/requests/{id}"),
    ("hub_operator", "/v1/requests", "/v1/requests/{id}"),
    ("provider_staff", "/v1/providers?mine=true", "/v1/providers/{id}/accreditation-history"),
    ("provider_staff", "/v1/providers?mine=true", "/v1/providers/{id}/staff"),
    # Threads are private to their participants (app/seed/conversations_demo.py seeds one of each).
    ("citizen", "/v1/threads", "/v1/threads/{id}"),
    ("citizen", "/v1/threads", "/v1/threads/{id}/messages"),
    ("provider_staff", "/v1/threads", "/v1/threads/{id}"),
    # Programme applications and grants are the household's; operators see their NILs' (app/seed/programmes_demo.py).
    ("citizen", "/v1/programme-applications", "/v1/programme-applications/{id}"),
    ("citizen", "/v1/grants", "/v1/grants/{id}"),
    ("hub_operator", "/v1/programme-applications", "/v1/programme-applications/{id}"),
]
BUSINESS_RULES = Path(__file__).with_name("live_fuzz_business_rules.json")
REFUSED_VALID_DATA_TYPE = "RejectedPositiveData"  # schemathesis' positive_data_acceptance check


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _try_server(url: str) -> bool:
    try:
        conn = await asyncpg.connect(url, timeout=3)
    except (OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


async def _recreate(server: str) -> str:
    conn = await asyncpg.connect(server, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await conn.close()
    head, _, _ = server.rpartition("/")
    return f"{head}/{DATABASE}"


def fresh_database() -> tuple[dict[str, str], str]:
    """Environment for `tutti serve` pointing at a freshly created database, and its URL."""
    server = os.environ.get("DATABASE_URL") or LOCAL_SERVER
    if os.environ.get("DATABASE_URL") or asyncio.run(_try_server(LOCAL_SERVER)):
        url = asyncio.run(_recreate(server))
        return {"DATABASE_URL": url}, url
    from app.config import get_settings  # the embedded server `make run` uses; a database of our own in it
    from app.embedded import embedded_server

    embedded = embedded_server(get_settings().db.embedded_dir)
    embedded.psql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE);')
    return {"DB__EMBEDDED_DATABASE": DATABASE}, embedded.get_uri(DATABASE)


# Path parameters that get the ids of the seeded demo objects half of the time (the other half stays
# generated): without them most of `/{id}` operations only ever see 404s. The stateful phase still
# links the objects the run creates.
DEMO_ID_QUERIES = {
    "request_id": "SELECT id FROM demand_request",
    "offer_id": "SELECT id FROM offer",
    "engagement_id": "SELECT id FROM engagement",
    "review_id": "SELECT id FROM review",
    "provider_id": "SELECT id FROM provider ORDER BY id LIMIT 25",
    "service_id": "SELECT id FROM service ORDER BY id LIMIT 25",
    "user_id": "SELECT id FROM user_account ORDER BY id LIMIT 25",
    "partner_client_id": "SELECT id FROM partner_client",
    "thread_id": "SELECT id FROM conversation_thread",
    "message_id": "SELECT id FROM conversation_message",
    "programme_id": "SELECT id FROM programme",
    "application_id": "SELECT id FROM programme_application",
    "grant_id": "SELECT id FROM programme_grant",
    "account_id": "SELECT id FROM money_account ORDER BY id LIMIT 25",
}


async def _demo_ids(url: str) -> dict[str, list[str]]:
    conn = await asyncpg.connect(url, timeout=5)
    try:
        found = {name: [str(r[0]) for r in await conn.fetch(query)] for name, query in DEMO_ID_QUERIES.items()}
    finally:
        await conn.close()
    return {**found, "provider": [SIGN_IN_PROVIDER]}  # the configured OpenID Provider's name


# Sign-in with SPID/CIE (app/signin) needs an OpenID Provider to discover: the one the tests use
# (oidc-provider-mock, tests/signin/provider.py) runs on a loopback port for the whole run.
SIGN_IN_PROVIDER = "spid"


def local_identity_provider() -> Any:
    import oidc_provider_mock

    return oidc_provider_mock.run_server_in_thread(require_nonce=True)


def sign_in_providers(port: int) -> dict[str, Any]:
    return {
        SIGN_IN_PROVIDER: {
            "issuer": f"http://localhost:{port}",  # the OP names itself after the host it is asked on
            "client_id": "welfare-di-tutti-live-fuzz",
            "client_auth": "client_secret_basic",
            "client_secret": secrets.token_urlsafe(16),
            "redirect_uris": ["https://app.welfareditutti.example/signin/callback"],  # the contract's example
        }
    }


def start_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    full_env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        **env,
        "ENV": "dev",
        "RATE_LIMIT__ENABLED": "false",
        "AUTH__ACCESS_TOKEN_MINUTES": "60",
        # /metrics as in production: its contract asks for the metrics token (dev leaves it public).
        "API__METRICS_TOKEN": secrets.token_urlsafe(32),
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [str(BIN / "tutti"), "serve", "--port", str(port)],
        cwd=ROOT,
        env=full_env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300  # migrations and the demo seed
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"tutti serve exited early; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    process.terminate()
    sys.exit(f"tutti serve did not become ready; see {log}")


def token(base: str, form: dict[str, str]) -> str:
    response = httpx.post(f"{base}/v1/auth/token", data=form, timeout=30)
    response.raise_for_status()
    return response.json()["access_token"]


def identity_tokens(base: str) -> dict[str, str | None]:
    tokens: dict[str, str | None] = {"anonymous": None}
    for role, login, secret, partner in IDENTITIES:
        form = (
            {"grant_type": "client_credentials", "client_id": login, "client_secret": secret}
            if partner
            else {"grant_type": "password", "username": login, "password": secret}
        )
        tokens[role] = token(base, form)
    return tokens


def peer_reads(base: str, tokens: dict[str, str | None]) -> list[str]:
    """Object-level authorisation with a same-role peer: what one citizen (hub operator) lists as
    theirs, another citizen (an operator of another hub) reads and must not get. Returns problems."""
    problems: list[str] = []
    for role, login, password in PEERS:
        peer = token(base, {"grant_type": "password", "username": login, "password": password})
        for owner_role, list_path, item_path in PEER_READS:
            if owner_role != role:
                continue
            owned = httpx.get(f"{base}{list_path}", headers={"Authorization": f"Bearer {tokens[role]}"}, timeout=30)
            owned.raise_for_status()
            ids = [item["id"] for item in owned.json()["items"]]
            if not ids:
                problems.append(f"peer check: the demo {role} has nothing in {list_path} to test with")
            for object_id in ids:
                url = f"{base}{item_path.format(id=object_id)}"
                read = httpx.get(url, headers={"Authorization": f"Bearer {peer}"}, timeout=30)
                if read.status_code not in (403, 404):
                    problems.append(f"peer check: another {role} read {item_path} {object_id} -> {read.status_code}")
            print(f"-- peer check ({role}): {len(ids)} objects of {list_path} read by another {role}", flush=True)
    return problems


def write_config(ids: dict[str, list[str]]) -> Path:
    """Test data only (demo ids for path parameters); no check is configured."""
    ids = {name: values for name, values in ids.items() if values}
    config = REPORTS / "schemathesis.toml"
    config.write_text(
        "[parameters]\n"
        + "".join(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.5 }}\n' for name in ids)
        + "".join(f"\n[dictionaries.{name}]\nvalues = {json.dumps(values)}\n" for name, values in ids.items())
    )
    return config


def fuzz(base: str, config: Path, identity: str, bearer: str | None, args: argparse.Namespace) -> Path:
    """One schemathesis run as `identity`; returns its JSON report."""
    out = REPORTS / identity
    out.mkdir()
    header = ["--header", f"Authorization: Bearer {bearer}"] if bearer else []
    phases = [] if identity in args.coverage_as else ["--phases", "examples,fuzzing,stateful"]
    # The coverage phase builds Hypothesis strategies whose lambda descriptions parse source with `ast`,
    # which is not thread-safe on CPython 3.11: with two workers it once died with "AST constructor
    # recursion depth mismatch" (a Runtime Error of the fuzzer, not of the API). Runs with coverage use one.
    workers = "1" if identity in args.coverage_as else str(args.workers)
    command = [
        str(BIN / "schemathesis"), "--config-file", str(config), "run", f"{base}/openapi.json", *header,
        "--checks", "all", "--max-examples", str(args.max_examples), "--seed", str(args.seed),
        "--workers", workers, "--request-timeout", "15",
        "--report", "json", "--report-dir", str(out), "--no-color", *phases,
    ]  # fmt: skip
    print(
        f"== {identity}: schemathesis run --checks all --max-examples {args.max_examples} {' '.join(phases)}",
        flush=True,
    )
    started = time.monotonic()
    result = subprocess.run(command, cwd=out, check=False, capture_output=True, text=True)  # noqa: S603
    (out / "output.txt").write_text(result.stdout + result.stderr)
    # Its own "Test cases:" totals are relabelled: CI counts the judged totals printed at the end.
    print((result.stdout + result.stderr).replace("Test cases:\n", f"Test cases ({identity}, before judging):\n"))
    took = time.monotonic() - started
    print(f"== {identity}: schemathesis exited {result.returncode} after {took:.0f} s", flush=True)
    return out


def business_rules() -> dict[str, str]:
    """Operation -> why a schema-valid request to it may be refused (scripts/live_fuzz_business_rules.json)."""
    rules = json.loads(BUSINESS_RULES.read_text())["rules"]
    missing = [rule["operations"] for rule in rules if not rule.get("reason", "").strip()]
    if missing:
        sys.exit(f"{BUSINESS_RULES.name}: every rule needs its reason; missing for {missing}")
    reasons: dict[str, str] = {}
    for rule in rules:
        for operation in rule["operations"]:
            reasons[operation] = f"{reasons[operation]} | {rule['reason']}" if operation in reasons else rule["reason"]
    return reasons


def judge(runs: dict[str, Path]) -> int:
    """0 when every failure of every run is a listed business-rule refusal; prints what it saw."""
    rules = business_rules()
    seen: Counter[str] = Counter()  # refused schema-valid cases per identity
    generated = failed = 0
    ruled: set[str] = set()
    problems: list[str] = []
    for identity, folder in runs.items():
        reports = list(folder.glob("*.json"))
        if not reports:
            problems.append(f"{identity}: schemathesis wrote no report")
            failed += 1
            continue
        report = json.loads(reports[0].read_text())
        cases = report["test_cases"]
        generated += cases["generated"]
        print(f"-- {identity}: {cases['generated']} cases, {cases['with_failures']} with failures, "
              f"{report['operations']['tested']} operations tested")  # fmt: skip
        problems += [f"{identity}: error {error['title']} x{error['count']}" for error in report["errors"]]
        failed += sum(error["count"] for error in report["errors"])
        if not report["complete"]:
            problems.append(f"{identity}: the run did not finish ({report['stop_reason']})")
            failed += 1
        for group in report["failures"]:
            if group["type"] != REFUSED_VALID_DATA_TYPE:
                problems.append(f"{identity}: {group['title']} x{group['count']} on {group['operations']}")
                failed += group["count"]
                continue
            seen[identity] += group["count"]
            unlisted = [operation for operation in group["operations"] if operation not in rules]
            ruled.update(operation for operation in group["operations"] if operation in rules)
            problems += [f"{identity}: schema-valid request refused on {op}, not a listed rule" for op in unlisted]
            failed += group["count"] if unlisted else 0
    listed = ", ".join(f"{name} {count}" for name, count in seen.items()) or "none"
    print(f"== schema-valid requests refused by listed business rules: {sum(seen.values())} cases ({listed})")
    print(f"   on {len(ruled)} of the {len(rules)} operations listed in {BUSINESS_RULES.name}:")
    for operation in sorted(ruled):
        print(f"   {operation}: {rules[operation]}")
    for problem in problems:
        print(f"!! {problem}")
    # The totals CI reads (.ci/count.py): a listed business-rule refusal is the expected answer.
    print(f"Test cases:\n  {generated} generated, {generated - failed} passed, {failed} failed")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("FUZZ_MAX_EXAMPLES", "5")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "20261125")))
    parser.add_argument("--workers", default=os.environ.get("FUZZ_WORKERS", "2"))
    parser.add_argument("--only", nargs="*", help="identities to run (default: all)")
    parser.add_argument(
        "--coverage-as",
        nargs="*",
        default=os.environ.get("FUZZ_COVERAGE_AS", "anonymous citizen").split(),
        help="identities that also run the coverage phase (each adds 2.5-4 minutes on 2 cores)",
    )
    args = parser.parse_args()

    shutil.rmtree(REPORTS, ignore_errors=True)
    REPORTS.mkdir(parents=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    env, database_url = fresh_database()
    identity_provider = local_identity_provider()
    env = {**env, "OIDC__PROVIDERS": json.dumps(sign_in_providers(identity_provider.__enter__().server_port))}
    server = start_server(port, env, REPORTS / "server.log")
    print(f"== tutti serve ready on {base} in {time.monotonic() - started:.0f} s", flush=True)
    try:
        tokens = identity_tokens(base)
        config = write_config(asyncio.run(_demo_ids(database_url)))
        chosen = args.only or list(tokens)
        peer_problems = peer_reads(base, tokens)
        runs = {name: fuzz(base, config, name, bearer, args) for name, bearer in tokens.items() if name in chosen}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        identity_provider.__exit__(None, None, None)
    status = judge(runs)
    for problem in peer_problems:
        print(f"!! {problem}")
    status = status or (1 if peer_problems else 0)
    if "Traceback" in (REPORTS / "server.log").read_text(errors="replace"):
        print(f"!! the server logged a traceback; see {REPORTS / 'server.log'}")
        status = 1
    print(f"== live fuzzing took {time.monotonic() - started:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
