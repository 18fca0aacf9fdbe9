"""`make bench`: the API under load on a generated city, against a raw asyncpg + Starlette baseline.

1. Generates the database if it has no data (python -m bench.generate --scale ...), migrates it.
2. Builds the request mixes (bench/scenarios.py) and mints JWTs with the server's settings.
3. Serves the API (2 uvicorn workers, ENV=prod, access log off, rate limits out of the way) and
   drives each scenario with wrk (closed loop, fixed connections) after a warm-up; samples each
   worker's RSS from /proc meanwhile, then (--sequential seconds) once more with one connection,
   for latency without queueing. Then the same for bench/raw_app.py.
4. Writes docs/bench/results.json and docs/benchmark.md; removes the requests it created.
"""

import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from app.config import PROJECT_ROOT, AuthSettings
from bench import scenarios
from bench.generate import generate, resolve_url
from bench.report import write_markdown

BIN = Path(sys.executable).parent
LUA = Path(__file__).with_name("wrk_script.lua")
TARGETS = {
    "api": ["app.main:build_app", "--factory"],
    "raw": ["bench.raw_app:app"],
}
TARGETS_MET = {"p95_ms": 50.0, "ratio": 0.5, "rss_mb": 300.0}
WRK_THREADS = 2


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, capture_output=True)  # noqa: S607
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: apt-get install wrk (Debian/Ubuntu) or brew install wrk")
    return found


def server_env(url: str, secret: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH__", "RATE_LIMIT__", "DB__"))}
    env.update(
        ENV="prod",
        DATABASE_URL=url,
        AUTH__SECRET_KEY=secret,
        LOG_LEVEL="WARNING",
        RATE_LIMIT__CREATE_PER_PRINCIPAL_PER_MINUTE="1000000",
        RATE_LIMIT__LOGIN_PER_IP_PER_MINUTE="1000000",
        RATE_LIMIT__LOGIN_PER_ACCOUNT_PER_15_MINUTES="1000000",
        RATE_LIMIT__REGISTER_PER_IP_PER_HOUR="1000000",
        PYTHONPATH=str(PROJECT_ROOT),
    )
    return env


def start_server(target: str, env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    command = [str(BIN / "uvicorn"), *TARGETS[target], "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--no-access-log", "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                if len(worker_pids(process.pid)) >= workers:
                    return process
        except OSError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"the {target} server exited with {process.returncode}")
        time.sleep(0.3)
    stop_server(process)
    raise SystemExit(f"the {target} server did not start")


def stop_server(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def worker_pids(master: int) -> list[int]:
    """uvicorn's worker processes: the master's children (multiprocessing spawns them directly)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry.name))
    return [p for p in pids if "multiprocessing" not in _cmdline(p) or "spawn_main" in _cmdline(p)]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def rss_mb(pid: int) -> float:
    try:
        match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return 0.0
    return int(match[1]) / 1024 if match else 0.0


class RssSampler(threading.Thread):
    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids, self.peak, self._done = pids, dict.fromkeys(pids, 0.0), threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.5):
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], rss_mb(pid))

    def stop(self) -> dict[int, float]:
        self._done.set()
        self.join()
        return self.peak


def wrk_threads(connections: int) -> int:
    """Two load threads, never more than connections: wrk refuses more threads than connections
    ("number of connections must be >= threads"), so `--connections 1` used to crash the run."""
    return max(1, min(WRK_THREADS, connections))


def run_wrk(wrk: str, port: int, lines_file: Path, *, seconds: int, connections: int) -> dict:
    command = [wrk, "-t", str(wrk_threads(connections)), "-c", str(connections), "-d", f"{seconds}s",
               "--timeout", "10s", "-s", str(LUA), f"http://127.0.0.1:{port}", "--", str(lines_file),
               secrets.token_hex(6)]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    data = json.loads(out.split("WRKJSON ", 1)[1].splitlines()[0])
    errors = sum(data[k] for k in ("errors_connect", "errors_read", "errors_write", "errors_status", "errors_timeout"))
    return {
        "requests": data["requests"],
        "rps": round(data["requests"] / (data["duration_us"] / 1e6), 1),
        "p50_ms": round(data["p50_us"] / 1000, 2),
        "p95_ms": round(data["p95_us"] / 1000, 2),
        "p99_ms": round(data["p99_us"] / 1000, 2),
        "max_ms": round(data["max_us"] / 1000, 2),
        "errors": errors,
        "non_2xx": data["errors_status"],
    }


def write_lines(folder: Path, name: str, lines: list[scenarios.Line]) -> Path:
    path = folder / f"{name}.tsv"
    path.write_text("".join(f"{ln.method}\t{ln.path}\t{ln.token}\t{ln.body}\n" for ln in lines), encoding="utf-8")
    return path


async def cleanup(url: str) -> None:
    """Remove what the benchmark created (audit entries are append-only and stay)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DELETE FROM demand_request WHERE description LIKE $1", scenarios.BENCH_MARKER + "%")
        await conn.execute("DELETE FROM idempotency_record WHERE key ~ '^[0-9a-f]{12}-[0-9]+-[0-9]+$'")
        await conn.execute("VACUUM ANALYZE demand_request")
    finally:
        await conn.close()


async def has_data(url: str) -> bool:
    try:
        conn = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        return False
    try:
        return bool(await conn.fetchval("SELECT to_regclass('service') IS NOT NULL AND EXISTS (SELECT 1 FROM service)"))
    finally:
        await conn.close()


def bench(args: argparse.Namespace) -> dict:
    url = resolve_url(args.database_url, f"tutti_bench_{args.scale}")
    generation = None
    if not asyncio.run(has_data(url)):
        from bench.generate import bench_password_hash

        print(f"no data in {url.rsplit('/', 1)[-1]}: generating scale={args.scale}", file=sys.stderr, flush=True)
        generation = asyncio.run(generate(url, args.scale, seed=2026, reset=False, password_hash=bench_password_hash()))
    from app.db import migrate

    migrate(url.replace("postgresql://", "postgresql+asyncpg://", 1))
    wrk = ensure_wrk()
    secret = secrets.token_urlsafe(48)
    auth = AuthSettings(secret_key=secret, access_token_minutes=24 * 60)
    mixes = asyncio.run(scenarios.build(url, auth, seed=args.seed, size=args.size))
    asyncio.run(cleanup(url))
    env = server_env(url, secret)
    results: dict = {"scenarios": {}, "rss_mb": {}}
    with tempfile.TemporaryDirectory(prefix="tutti-bench-") as folder:
        for target in args.targets:
            server = start_server(target, env, args.port, args.workers)
            pids = worker_pids(server.pid)
            try:
                for name, lines in mixes.items():
                    if args.only and name not in args.only:
                        continue
                    file = write_lines(Path(folder), name, [ln.raw() for ln in lines] if target == "raw" else lines)
                    run_wrk(wrk, args.port, file, seconds=args.warmup, connections=args.connections)
                    sampler = RssSampler(pids)
                    sampler.start()
                    figures = run_wrk(wrk, args.port, file, seconds=args.duration, connections=args.connections)
                    if args.sequential:  # latency with nothing else in flight: one connection
                        figures["sequential"] = run_wrk(wrk, args.port, file, seconds=args.sequential, connections=1)
                    figures["worker_rss_mb"] = [round(v, 1) for v in sampler.stop().values()]
                    results["scenarios"].setdefault(name, {})[target] = figures
                    print(f"{target:4} {name:36} {figures['rps']:8.1f} req/s  p50 {figures['p50_ms']:7.1f}  "
                          f"p95 {figures['p95_ms']:7.1f}  p99 {figures['p99_ms']:7.1f} ms  errors {figures['errors']}  "
                          f"rss {figures['worker_rss_mb']}", file=sys.stderr, flush=True)  # fmt: skip
            finally:
                stop_server(server)
            asyncio.run(cleanup(url))
    for figures in results["scenarios"].values():
        if "api" in figures and "raw" in figures and figures["raw"]["rps"]:
            figures["ratio"] = round(figures["api"]["rps"] / figures["raw"]["rps"], 2)
    results.update(
        scale=args.scale,
        database=url.rsplit("/", 1)[-1],
        generated=generation,
        run_at=datetime.now(UTC).isoformat(timespec="seconds"),
        machine={"cpus": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()},
        load={
            "tool": "wrk",
            "connections": args.connections,
            "threads": wrk_threads(args.connections),
            "duration_s": args.duration,
            "sequential_s": args.sequential,
            "warmup_s": args.warmup,
            "workers": args.workers,
        },  # fmt: skip
        targets=TARGETS_MET,
    )
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="city", choices=["tiny", "small", "city", "region"])
    parser.add_argument("--database-url")
    parser.add_argument("--duration", type=int, default=20, help="seconds measured per scenario and target")
    parser.add_argument("--warmup", type=int, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--sequential", type=int, default=5, help="seconds of a 1-connection run after each scenario (0: none)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8077)
    parser.add_argument("--size", type=int, default=1000, help="distinct requests per scenario")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--targets", nargs="+", default=["api", "raw"], choices=["api", "raw"])
    parser.add_argument("--only", nargs="*", help="run only these scenarios")
    parser.add_argument("--out", default=str(PROJECT_ROOT / "docs" / "bench" / "results.json"))
    parser.add_argument("--markdown", default=str(PROJECT_ROOT / "docs" / "benchmark.md"))
    args = parser.parse_args(argv)
    results = bench(args)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    write_markdown(results, Path(args.markdown))
    print(f"wrote {out} and {args.markdown}", file=sys.stderr)


if __name__ == "__main__":
    main()
