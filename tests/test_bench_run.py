"""bench.run's load and report: one connection works (wrk refuses more threads than connections), and
each scenario's sequential run shows in the report."""

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench.report import write_markdown
from bench.run import run_wrk, wrk_threads


def test_wrk_gets_no_more_threads_than_connections():
    assert wrk_threads(1) == 1
    assert wrk_threads(2) == 2
    assert wrk_threads(32) == 2


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (bench.run installs it when run)")
def test_a_one_connection_run_measures(tmp_path: Path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lines = tmp_path / "lines.tsv"
    lines.write_text("GET\t/v1/services\t\t\n", encoding="utf-8")
    try:
        figures = run_wrk(shutil.which("wrk") or "", server.server_address[1], lines, seconds=1, connections=1)
    finally:
        server.shutdown()

    assert figures["requests"] > 0
    assert figures["errors"] == 0


def _results(scenarios: dict, load_extra: dict) -> dict:
    load = {"connections": 32, "duration_s": 20, "warmup_s": 4, "workers": 2} | load_extra
    return {
        "scenarios": scenarios,
        "scale": "city",
        "database": "tutti_bench_city",
        "run_at": "2026-12-03T15:00:00+00:00",
        "machine": {"cpus": 2},
        "load": load,
        "targets": {"p95_ms": 50.0, "ratio": 0.5, "rss_mb": 300.0},
    }


def test_the_report_shows_each_scenarios_sequential_latency(tmp_path: Path):
    api = {"rps": 300.0, "p50_ms": 90.0, "p95_ms": 150.0, "p99_ms": 200.0, "errors": 0, "worker_rss_mb": [130.0]}
    api["sequential"] = {"p50_ms": 4.1, "p95_ms": 6.2}
    raw = {"rps": 400.0, "p95_ms": 120.0, "sequential": {"p50_ms": 2.0, "p95_ms": 3.3}}
    out = tmp_path / "benchmark.md"

    load = {"threads": 2, "sequential_s": 5}
    write_markdown(_results({"search": {"api": api, "raw": raw, "ratio": 0.75}}, load), out)

    text = out.read_text(encoding="utf-8")
    assert "then 5 s with 1 connection" in text
    assert "| seq p50 ms | seq p95 ms | raw seq p95 ms |" in text
    assert "| search | 300.0 | 90.0 | 150.0 | 200.0 | 0 | 400.0 | 120.0 | 0.75 | 4.1 | 6.2 | 3.3 | 130.0 |" in text


def test_results_written_before_the_sequential_runs_still_render(tmp_path: Path):
    api = {"rps": 300.0, "p50_ms": 90.0, "p95_ms": 150.0, "p99_ms": 200.0, "errors": 0, "worker_rss_mb": [130.0]}
    out = tmp_path / "benchmark.md"

    write_markdown(_results({"search": {"api": api}}, {}), out)

    assert "| search | 300.0 | 90.0 | 150.0 | 200.0 | 0 | – | – | – | – | – | – | 130.0 |" in out.read_text("utf-8")
