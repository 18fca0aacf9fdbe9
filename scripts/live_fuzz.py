"""Live fuzzing: the schemathesis CLI, every check, against `tutti serve` with fresh demo data.

    make fuzz-live            (or: .venv/bin/python scripts/live_fuzz.py [--max-examples N])

1. A fresh database `tutti_livefuzz`: on DATABASE_URL's server when set, else on PostgreSQL at
   127.0.0.1:5432 when one answers, else in the embedded server.
2. `tutti serve` on a free port (migrate, seed the demo data, uvicorn), as `make run` does, with
   rate limiting off (the fuzzer would otherwise mostly explore 429s; the limits have their own
   tests) and 60-minute access tokens (the run must not outlive them).
3. Tokens for two identities of every role (citizens, provider staff of two providers, hub
   operators, partner clients) plus the admin, written as a Web Fuzzing Commons auth file.
   Schemathesis tries identities in file order per operation (moving on at 401/403), and the
   `peers` get the `object_level_authorization` check: a peer's successful read of its own object is
   replayed as every other peer, which must not get an equivalent body.
4. `schemathesis run --checks all` with all four phases (examples, coverage, fuzzing, stateful);
   reports (JUnit, server log) in reports/live-fuzz/. Exit status: schemathesis'.

Every check runs (`allow_header_conformance` too: app/methods.py makes `Allow` list every method).
Accepted findings are in scripts/live_fuzz_baseline.json, each with its reason.
"""

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REPORTS = ROOT / "reports" / "live-fuzz"
DATABASE = "tutti_livefuzz"
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"

# (name, e-mail or partner client id, password or secret, partner?). Schemathesis gives each
# operation the first identity in this order that it does not refuse (401/403), so the first of each
# role comes first, ending with the admin (no peer: admins may read much by design); the second of
# each role follows, as the peer that object-level authorisation replays the reads as.
IDENTITIES = [
    ("citizen_giulia", "giulia.cittadina@demo.welfareditutti.it", "demo-cittadina-2026", False),
    ("staff_melograno", "staff.cooperativa@demo.welfareditutti.it", "demo-staff-2026", False),
    ("partner_melograno", "pc_demo_cooperativa", "pcs_demo-partner-secret-2026", True),
    ("operator_sangottardo", "operatore.sangottardo@demo.welfareditutti.it", "demo-operatore-2026", False),
    ("admin", "admin@demo.welfareditutti.it", "demo-admin-2026", False),
    ("citizen_ahmed", "ahmed.cittadino@demo.welfareditutti.it", "demo-cittadino-2026", False),
    ("staff_lucia", "lucia.worker@demo.welfareditutti.it", "demo-worker-2026", False),  # her own provider
    ("partner_cordata", "pc_demo_cordata", "pcs_demo-cordata-secret-2026", True),
    ("operator_niguarda", "operatore.niguarda@demo.welfareditutti.it", "demo-operatore-2026", False),
]
PEERS = [name for name, *_ in IDENTITIES if name != "admin"]
# Schema-valid input may still be refused for reasons JSON Schema cannot express (see the same list
# in tests/test_openapi.py): unsigned cursors, stale If-Match, cross-field and business rules.
EXPECTED_FOR_VALID_INPUT = ["2xx", "3xx", "400", "401", "403", "404", "409", "412", "422", "429", "5xx"]


# Accepted findings, each checked by hand and explained in its `reason` (a schemathesis baseline).
BASELINE = Path(__file__).with_name("live_fuzz_baseline.json")


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
}


async def _demo_ids(url: str) -> dict[str, list[str]]:
    conn = await asyncpg.connect(url, timeout=5)
    try:
        return {name: [str(r[0]) for r in await conn.fetch(query)] for name, query in DEMO_ID_QUERIES.items()}
    finally:
        await conn.close()


def start_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    full_env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        **env,
        "ENV": "dev",
        "RATE_LIMIT__ENABLED": "false",
        "AUTH__ACCESS_TOKEN_MINUTES": "60",
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


def auth_document(base: str) -> dict:
    entries = []
    for name, login, secret, partner in IDENTITIES:
        form = (
            {"grant_type": "client_credentials", "client_id": login, "client_secret": secret}
            if partner
            else {"grant_type": "password", "username": login, "password": secret}
        )
        header = {"name": "Authorization", "value": f"Bearer {token(base, form)}"}
        entries.append({"name": name, "fixedHeaders": [header]})
    return {"schemaVersion": "0.2.0", "auth": entries}


def write_config(auth_path: Path, ids: dict[str, list[str]]) -> Path:
    ids = {name: values for name, values in ids.items() if values}
    config = REPORTS / "schemathesis.toml"
    config.write_text(
        f'[auth.wfc]\npath = "{auth_path}"\npeers = {json.dumps(PEERS)}\n\n'
        f"[checks.positive_data_acceptance]\nexpected-statuses = {json.dumps(EXPECTED_FOR_VALID_INPUT)}\n\n"
        "[parameters]\n"
        + "".join(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.5 }}\n' for name in ids)
        + "".join(f"\n[dictionaries.{name}]\nvalues = {json.dumps(values)}\n" for name, values in ids.items())
    )
    return config


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("FUZZ_MAX_EXAMPLES", "25")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "20261125")))
    parser.add_argument("--workers", default=os.environ.get("FUZZ_WORKERS", "2"))
    args = parser.parse_args()

    shutil.rmtree(REPORTS, ignore_errors=True)
    REPORTS.mkdir(parents=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    env, database_url = fresh_database()
    server = start_server(port, env, REPORTS / "server.log")
    print(f"== tutti serve ready on {base} in {time.monotonic() - started:.0f} s", flush=True)
    try:
        auth_path = REPORTS / "auth.json"  # tokens: git-ignored, removed below
        auth_path.write_text(json.dumps(auth_document(base), indent=2))
        config = write_config(auth_path, asyncio.run(_demo_ids(database_url)))
        baseline = REPORTS / BASELINE.name  # a copy: the run may stamp `last_seen` into it
        shutil.copy(BASELINE, baseline)
        command = [
            str(BIN / "schemathesis"), "--config-file", str(config), "run", f"{base}/openapi.json",
            "--checks", "all",
            "--max-examples", str(args.max_examples), "--seed", str(args.seed), "--workers", str(args.workers),
            "--request-timeout", "15", "--baseline", str(baseline),
            "--report", "junit", "--report-dir", str(REPORTS), "--no-color",
        ]  # fmt: skip
        print("== " + " ".join(command[1:]), flush=True)
        fuzz_started = time.monotonic()
        status = subprocess.run(command, cwd=REPORTS, check=False).returncode  # noqa: S603
        print(f"== schemathesis exited {status} after {time.monotonic() - fuzz_started:.0f} s", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        (REPORTS / "auth.json").unlink(missing_ok=True)
    if "Traceback" in (REPORTS / "server.log").read_text(errors="replace"):
        print(f"!! the server logged a traceback; see {REPORTS / 'server.log'}")
        status = status or 1
    return status


if __name__ == "__main__":
    sys.exit(main())
