"""`tutti`: serve, migrate, seed, create-admin, openapi, worker.

`tutti serve` (what `make run` runs) migrates, seeds, and runs the API with the worker beside it;
`tutti serve --no-worker` and `tutti worker` run them apart (production)."""

import argparse
import asyncio
import getpass
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from app.config import PROJECT_ROOT, Settings, get_settings

OPENAPI_PATH = PROJECT_ROOT / "openapi" / "openapi.json"
ERRORS_DOC_PATH = PROJECT_ROOT / "docs" / "errors.md"


async def _with_session(work):  # noqa: ANN001, ANN202 - small CLI helper
    from app.db import build_engine, build_sessionmaker

    engine = build_engine(get_settings())
    try:
        async with build_sessionmaker(engine)() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def seed(*, demo: bool, quiet: bool = False) -> dict[str, int]:
    from app.seed.catalog_demo import seed_catalog_demo
    from app.seed.community_demo import seed_community_demo
    from app.seed.conversations_demo import seed_conversations_demo
    from app.seed.demand_demo import seed_demand_demo
    from app.seed.demo import describe_logins, seed_demo
    from app.seed.income_demo import seed_income_demo
    from app.seed.programmes_demo import seed_programmes_demo
    from app.seed.reference import seed_reference
    from app.seed.sharing_demo import seed_sharing_demo

    async def work(session):  # noqa: ANN001, ANN202
        counts = await seed_reference(session)
        if demo:
            counts |= await seed_demo(session)
            counts |= await seed_catalog_demo(session)
            counts |= await seed_income_demo(session)  # Giulia's verified ISEE: her prices by band
            counts |= await seed_sharing_demo(session)  # hubs first: operators act in their NILs
            counts |= await seed_demand_demo(session)
            counts |= await seed_community_demo(session)  # it needs the sharing demo's hubs
            counts |= await seed_conversations_demo(session)  # about the demand demo's requests
            counts |= await seed_programmes_demo(session)  # it needs the sharing demo's hubs
        return counts

    if demo and get_settings().env == "prod":
        sys.exit("refusing to seed demo accounts with ENV=prod")
    counts = asyncio.run(_with_session(work))
    if not quiet:
        print(json.dumps(counts))
        if demo:
            print(describe_logins())
    return counts


def create_admin(email: str, full_name: str) -> None:
    from app.accounts import service as account_service
    from app.models import Role

    password = os.environ.get("TUTTI_ADMIN_PASSWORD") or getpass.getpass("Password (10+ chars): ")
    if len(password) < 10:
        sys.exit("password must have at least 10 characters")

    async def work(session):  # noqa: ANN001, ANN202
        return await account_service.create_user(
            session, email=email, password=password, full_name=full_name, role=Role.admin
        )

    from app.accounts.errors import WeakPassword

    try:
        user = asyncio.run(_with_session(work))
    except WeakPassword as weak:
        sys.exit(f"weak password: {weak.detail} " + " ".join(weak.extra["suggestions"]))
    print(f"admin created: {user.email} ({user.id})")


def render_openapi() -> str:
    from app.main import create_app

    return json.dumps(create_app().openapi(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def render_errors_doc() -> str:
    from app.contract import render_errors_doc as render
    from app.main import create_app

    return render(create_app().openapi())


def write_openapi(*, check: bool = False) -> None:
    """openapi/openapi.json and docs/errors.md, both generated from the app (or checked against it)."""
    for path, rendered in ((OPENAPI_PATH, render_openapi()), (ERRORS_DOC_PATH, render_errors_doc())):
        _write_generated(path, rendered, check=check)


def _write_generated(path: Path, rendered: str, *, check: bool) -> None:
    if check:
        if not path.exists() or path.read_text(encoding="utf-8") != rendered:
            sys.exit(f"{path} is out of date: run `make openapi`")
        print(f"{path} is up to date")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(rendered, encoding="utf-8")
    print(f"wrote {path}")


def metrics_directory() -> tuple[Path, bool]:
    """An empty PROMETHEUS_MULTIPROC_DIR for this run, so that /metrics adds up every process's values
    (app/metrics.py): the configured one, emptied (an earlier run's files would add its counts), or a
    new temporary one (returned with True: remove it at exit). Must run before anything imports
    prometheus_client, which reads the variable once."""
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    path = Path(configured) if configured else Path(tempfile.mkdtemp(prefix="tutti-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return path, not configured


class Stopped(Exception):
    """SIGINT or SIGTERM reached `tutti serve` (after uvicorn's graceful shutdown, or before it ran)."""


def _raise_stopped(signum: int, frame: object) -> None:
    raise Stopped(signal.Signals(signum).name)


def serve(host: str, port: int, workers: int, *, demo: bool, with_worker: bool) -> None:
    """Migrate, seed, then run the API (uvicorn) and, unless told not to, the worker beside it."""
    import uvicorn

    metrics_dir, temporary = metrics_directory()  # before anything imports prometheus_client
    from app.db import migrate, resolve_database_url
    from app.observability import configure_logging
    from app.worker_process import WorkerProcess

    url = resolve_database_url()
    os.environ["DATABASE_URL"] = url  # the API's and the worker's processes reuse the resolved server
    # Links in e-mails (unsubscribe, the notification's page) point at this server unless configured.
    os.environ.setdefault("MAIL__BASE_URL", public_base(host, port))
    get_settings.cache_clear()
    settings = get_settings()
    configure_logging(settings.log_level, process="api")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin loaded
    migrate(url, own_logging=False)
    logging.getLogger("app.cli").info("seeded", extra=seed(demo=demo, quiet=True))
    # uvicorn handles SIGINT/SIGTERM while it serves and raises them again once it has shut down:
    # these handlers turn them into Stopped, so the worker is always stopped after the API.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _raise_stopped)
    worker = None
    try:
        if with_worker:
            worker = WorkerProcess(dict(os.environ), stop_timeout=settings.webhooks.timeout_seconds).start()
        print(startup_banner(settings, host, port, demo=demo, worker_pid=worker.pid if worker else None), flush=True)
        uvicorn.run(
            "app.main:build_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
            log_config=None,
            server_header=False,  # audit: no Server header naming the software (and its version)
        )
    except Stopped:
        pass
    finally:
        if worker is not None:
            worker.stop()  # first: the worker writes its metrics into metrics_dir until it ends
        if temporary:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    print("tutti serve: stopped" + (" (API and worker)" if worker is not None else ""), flush=True)


def public_base(host: str, port: int) -> str:
    """The URL a person on this machine opens to reach a server listening on host:port."""
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - a display choice
    return f"http://[{shown_host}]:{port}" if ":" in shown_host else f"http://{shown_host}:{port}"


def startup_banner(settings: Settings, host: str, port: int, *, demo: bool, worker_pid: int | None) -> str:
    """What a newcomer needs after `make run`: where to click, who to log in as, what runs, how to stop."""
    from app.seed.demo import describe_logins

    base = public_base(host, port)
    docs_on = settings.api.docs_enabled if settings.api.docs_enabled is not None else settings.env != "prod"
    lines = ["", f"Welfare di Tutti API: {base}  (ENV={settings.env})"]
    if docs_on:
        lines.append(f"  Docs:    {base}/docs  (Swagger UI; ReDoc at {base}/redoc)")
    else:
        lines.append("  Docs:    off (ENV=prod or API__DOCS_ENABLED=false)")
    if worker_pid is not None:
        lines.append(f"  Worker:  running beside the API (pid {worker_pid}): webhook delivery, e-mail, request expiry,")
        lines.append(f"           pool notice sweeps every {settings.worker.sweep_interval_seconds:g} s")
    else:
        lines.append("  Worker:  not started here (--no-worker): run `tutti worker` for webhooks, expiry, sweeps")
    lines.append(f"  E-mail:  {settings.mail.describe()}")
    if settings.webhooks.allow_loopback_targets:
        lines.append("  Webhooks: receivers on this machine are allowed (ENV=dev), e.g. http://127.0.0.1:9000/hook")
    lines.append('  Logs:    one JSON object a line; "process" says "api" or "worker"')
    lines.append("  Stop:    Ctrl-C (or SIGTERM) stops the API" + (" and the worker" if worker_pid else ""))
    if demo:
        lines += ["", describe_logins()]
    return "\n".join([*lines, ""])


def check_worker() -> None:
    from app import heartbeat

    settings = get_settings().worker
    alive, line = heartbeat.check(settings.heartbeat_path, settings.heartbeat_max_age_seconds)
    print(line)
    sys.exit(0 if alive else 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="tutti", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="migrate, seed and serve the API")
    p_serve.add_argument("--host", default="127.0.0.1")
    p_serve.add_argument("--port", type=int, default=8000)
    p_serve.add_argument("--workers", type=int, default=1)
    p_serve.add_argument("--no-demo", action="store_true", help="seed reference data only")
    p_serve.add_argument(
        "--no-worker", action="store_true", help="serve the API only; run `tutti worker` apart (production)"
    )
    sub.add_parser("migrate", help="apply database migrations")
    p_seed = sub.add_parser("seed", help="load reference data (and demo data unless --reference-only)")
    p_seed.add_argument("--reference-only", action="store_true")
    p_admin = sub.add_parser("create-admin", help="create an admin (password from TUTTI_ADMIN_PASSWORD or prompt)")
    p_admin.add_argument("--email", required=True)
    p_admin.add_argument("--name", default="Administrator")
    p_openapi = sub.add_parser("openapi", help="write openapi/openapi.json and docs/errors.md")
    p_openapi.add_argument("--check", action="store_true", help="fail if the file is out of date")
    p_worker = sub.add_parser("worker", help="run the background worker")
    p_worker.add_argument(
        "--check", action="store_true", help="exit 0 if a worker's heartbeat is fresh, else 1 (a healthcheck)"
    )
    args = parser.parse_args(argv)

    if args.command == "serve":
        serve(args.host, args.port, args.workers, demo=not args.no_demo, with_worker=not args.no_worker)
    elif args.command == "migrate":
        from app.db import migrate

        migrate()
    elif args.command == "seed":
        seed(demo=not args.reference_only)
    elif args.command == "create-admin":
        create_admin(args.email, args.name)
    elif args.command == "openapi":
        write_openapi(check=args.check)
    elif args.command == "worker" and args.check:
        check_worker()
    elif args.command == "worker":
        from app.worker import main as worker_main

        worker_main()


if __name__ == "__main__":
    main()
