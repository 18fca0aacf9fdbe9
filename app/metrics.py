"""Prometheus metrics: one coherent view across uvicorn's worker processes and the background worker.

Each uvicorn worker is its own process with its own memory, so a scrape answered by one of them sees
only its share (six scrapes of one counter gave 12, 9, 12, 9, 9, 12). With PROMETHEUS_MULTIPROC_DIR
set, prometheus-client keeps every process's values in files in that directory and /metrics adds
them up (MultiProcessCollector). `tutti serve` sets it to a fresh directory before any worker starts
(the variable is read when prometheus_client is first imported, so it must come first). Without it
(tests, a single process) the values live in this process's memory. Counters of a worker that died
stay in its file (they never go down); its `live*` gauges stay too until the directory is renewed
at the next start.

What is measured:
* http_requests_total{method, route, status} and http_request_duration_seconds{method, route,
  status_class}: `route` is the full template (`/v1/providers/{provider_id}`), never the raw path
  (ids would make a series per object), `unmatched` for 404s outside any route.
* db_pool_connections_in_use, db_pool_overflow_in_use {pool}: per kind of engine ("api",
  "worker"), summed over the live processes and their engines.
* worker_job_duration_seconds{job}, webhook_deliveries_pending, webhook_deliveries_total{outcome},
  outbox_lag_seconds: see app/worker.py.
* emails_sent_total{mode} (instant, digest), email_send_failures_total{reason} (temporary: a 4xx;
  permanent: a 5xx; connection: no server, TLS, timeout; internal), email_deliveries_total{outcome}
  (dead: given up; cancelled: nothing left to send), email_deliveries_pending: the mail loop of
  app/worker.py (app/mail/outbox.py). A worker beside the API (`tutti serve`) shares its
  directory, so the API's /metrics shows them; a worker on its own serves them on
  WORKER__METRICS_PORT.
"""

from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, start_http_server, values
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"], registry=REGISTRY)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route", "status_class"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
POOL_IN_USE = Gauge(
    "db_pool_connections_in_use",
    "Database connections checked out of the pool",
    ["pool"],
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
POOL_OVERFLOW = Gauge(
    "db_pool_overflow_in_use",
    "Connections in use beyond the pool's size (taken from max_overflow)",
    ["pool"],
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
JOB_DURATION = Histogram(
    "worker_job_duration_seconds",
    "Duration of one background job run (a sweep, a webhook delivery round)",
    ["job"],
    registry=REGISTRY,
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
# Read from the database by the worker: every worker sees the same value, so the newest one wins.
DELIVERIES_PENDING = Gauge(
    "webhook_deliveries_pending",
    "Webhook deliveries waiting for their next attempt",
    registry=REGISTRY,
    multiprocess_mode="mostrecent",
)
DELIVERIES_SETTLED = Counter(
    "webhook_deliveries_total",
    "Webhook deliveries that reached a final state (succeeded, or dead: retries exhausted or 410 Gone)",
    ["outcome"],
    registry=REGISTRY,
)
OUTBOX_LAG = Gauge(
    "outbox_lag_seconds",
    "Age of the oldest outbox event not yet fanned out to webhooks (0 when none waits)",
    registry=REGISTRY,
    multiprocess_mode="mostrecent",
)

EMAILS_SENT = Counter(
    "emails_sent_total",
    "E-mails the SMTP server accepted (or, with no SMTP host, wrote to the log), by mode",
    ["mode"],
    registry=REGISTRY,
)
EMAIL_FAILURES = Counter(
    "email_send_failures_total",
    "Failed e-mail attempts (each is retried with backoff until it is given up), by reason",
    ["reason"],
    registry=REGISTRY,
)
EMAILS_SETTLED = Counter(
    "email_deliveries_total",
    "E-mails that ended without being sent: dead (given up) or cancelled (nothing left to send)",
    ["outcome"],
    registry=REGISTRY,
)
EMAILS_PENDING = Gauge(
    "email_deliveries_pending",
    "E-mails waiting to be sent (due now or retried later)",
    registry=REGISTRY,
    multiprocess_mode="mostrecent",
)


def exposed_registry() -> CollectorRegistry:
    """Every process's values in multiprocess mode, else this process's."""
    if values.ValueClass is values.MutexValue:  # prometheus_client was imported without the directory
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


def render() -> bytes:
    return generate_latest(exposed_registry())


def serve_on_port(host: str, port: int) -> WSGIServer:
    """A worker running in its own container (no API beside it) shows its metrics on a port of its
    own (WORKER__METRICS_PORT), in a daemon thread; `shutdown()` stops it."""
    server, _thread = start_http_server(port, addr=host, registry=exposed_registry())
    return server


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route, f"{status // 100}xx").observe(seconds)


def instrument_pool(engine: AsyncEngine, name: str) -> None:
    """Keep the pool gauges current, counted on checkout and checkin (the pool's own `checkedout()`
    lags by one inside these events). inc/dec, not set: several engines may share a name."""
    pool = engine.sync_engine.pool
    size = pool.size() if hasattr(pool, "size") else 0
    in_use, overflow = POOL_IN_USE.labels(name), POOL_OVERFLOW.labels(name)
    checked_out = [0]

    def update(delta: int) -> None:
        overflow_before = max(0, checked_out[0] - size)
        checked_out[0] += delta
        in_use.inc(delta)
        overflow.inc(max(0, checked_out[0] - size) - overflow_before)

    event.listen(pool, "checkout", lambda *_: update(+1))
    event.listen(pool, "checkin", lambda *_: update(-1))
