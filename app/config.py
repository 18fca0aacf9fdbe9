"""Settings: one object, nested groups, read from the environment (and `.env`).

Nested groups use a double underscore: `AUTH__SECRET_KEY`, `DB__POOL_SIZE`, `API__CORS_ORIGINS`.
The two connection strings keep their conventional flat names: `DATABASE_URL`, `REDIS_URL`.
Nothing here connects to anything.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.embedded import POSTGRES_MAJOR

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NIL_GEOJSON = Path(__file__).resolve().parent / "zones" / "data" / "nil.geojson"
DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"  # 32+ bytes; refused when env=prod


class DbSettings(BaseModel):
    pool_size: int = 10
    max_overflow: int = 5
    # Short on purpose: a saturated pool answers 503 fast instead of hanging for 30 s.
    pool_timeout: float = 3.0
    # Requests that may wait for a connection when all are in use (app.admission); the rest of a
    # crowd is answered 503 service_busy at once instead of queueing past the pool timeout.
    admission_queue: int = 30
    # Seconds to open a connection: an unreachable (not just refusing) server must not hold a
    # request, and the pool slot it took, for long.
    connect_timeout: float = 2.0
    statement_timeout_ms: int = 15_000
    # Named after the PostgreSQL major: a folder of another major (the old `.pgdata` of PostgreSQL 16)
    # cannot be opened, and is left alone rather than breaking the start.
    embedded_dir: Path = PROJECT_ROOT / f".pgdata-{POSTGRES_MAJOR}"
    embedded_database: str = "tutti"
    # A replica for the read-only paths (ReadSessionDep: search, HSDS, the event feed, public
    # views), libpq or asyncpg spelling; unset, they read the primary like every other route.
    read_url: str | None = None


class AuthSettings(BaseModel):
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    issuer: str = "https://api.welfareditutti.example"
    audience: str = "welfare-di-tutti-api"
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    # Argon2id parameters (RFC 9106 low-memory profile) and how many hashes may run at once:
    # each one takes `argon2_memory_kib` of RAM, so the cap bounds memory under a login flood.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65_536
    argon2_parallelism: int = 4
    max_concurrent_hashes: int = 4
    # Lifetimes of the links mailed to an account's owner (app/accounts/account_tokens.py).
    password_reset_minutes: int = 30
    email_verification_hours: int = 72


class RateLimitSettings(BaseModel):
    enabled: bool = True
    login_per_ip_per_minute: int = 30
    login_per_account_per_15_minutes: int = 10
    register_per_ip_per_hour: int = 20
    create_per_principal_per_minute: int = 60
    # Messages one person posts per minute, over all their threads (a person types, a script floods).
    messages_per_person_per_minute: int = 20


class ApiSettings(BaseModel):
    max_body_bytes: int = 1_048_576
    max_bulk_body_bytes: int = 16 * 1_048_576  # partner bulk sync: up to 1,000 listings
    cors_origins: list[str] = Field(default_factory=list)
    # Swagger UI, ReDoc and /openapi.json; unset means on, except with ENV=prod (OWASP API8).
    docs_enabled: bool | None = None
    idempotency_ttl_hours: int = 24
    # A GeoJSON FeatureCollection of NIL polygons (property ID_NIL) that /zones/locate places points
    # in. By default the simplified polygons shipped with the app (app/zones/data/README.md).
    nil_geojson_path: Path = NIL_GEOJSON
    # Bearer token a Prometheus scraper sends to /metrics. Unset: /metrics is public in dev and
    # test, and not served (404) with ENV=prod.
    metrics_token: SecretStr | None = None

    @field_validator("nil_geojson_path")
    @classmethod
    def _nil_geojson_exists(cls, path: Path) -> Path:
        # A missing file is a start-up error naming the setting, never a failure at request time.
        if not path.is_file():
            raise ValueError(f"API__NIL_GEOJSON_PATH: no such file: {path}")
        return path


class PoolSettings(BaseModel):
    # Pool suggestions: two open requests open to sharing are compatible when they overlap at least
    # this many minutes a week and live in one condominium or within this distance in one NIL.
    suggestion_max_distance_km: float = 1.0
    suggestion_min_overlap_minutes: int = Field(default=120, ge=1, le=7 * 24 * 60)
    suggestion_token_hours: int = 24
    # Operators' suggestions are precomputed by the worker (app/pools/snapshots.py): how often it
    # folds in the logged changes, i.e. how far behind the requests a suggestion may be.
    suggestion_refresh_seconds: float = Field(default=15.0, gt=0)


class WebhookSettings(BaseModel):
    # Ports a webhook target may use (finding: any port of a public host made webhooks a port
    # scanner, e.g. https://93.184.216.34:22). 443 only unless a deployment lists more.
    allowed_ports: list[int] = Field(default_factory=lambda: [443])
    # Development: a receiver on the developer's own machine (127.0.0.0/8, ::1, localhost) over http
    # or https, on any port. Unset means on with ENV=dev and off otherwise; refused with ENV=prod.
    allow_loopback_targets: bool | None = None
    # Tests only: deliver to any address (loopback, private ...) on any port, and over plain http.
    # Production keeps both off (OWASP API7: SSRF).
    allow_private_targets: bool = False
    allow_http: bool = False
    timeout_seconds: float = 10.0  # whole attempt: connect, send, read (slower counts as failed)
    max_response_bytes: int = 65_536  # read at most this much of a receiver's answer
    lease_seconds: int = 60  # a claimed delivery is retried by another worker after this
    backoff_base_seconds: int = 30  # 30 s, 1 min, 2 min, ... (x2 per attempt, +/-20 % jitter)
    backoff_max_seconds: int = 6 * 3600
    max_age_hours: int = 24  # after this, a delivery still failing is marked dead
    disable_after_failures: int = 15  # consecutive failed attempts that disable a subscription
    poll_interval_seconds: float = 1.0
    batch_size: int = 50  # deliveries claimed per worker round
    concurrency: int = 10  # sends in flight per worker
    secret_rotation_grace_hours: int = 24  # the previous secret keeps signing this long


class MailSettings(BaseModel):
    """E-mail of notifications (app.mail), sent by the worker through SMTP.

    With no `smtp_host` (development) e-mails are written to the log instead of being sent, and
    `tutti serve` says so at start."""

    smtp_host: str | None = None
    smtp_port: int = 587
    # none: plain SMTP (a relay on localhost, tests); starttls: upgrade on the submission port
    # (587); tls: implicit TLS from the first byte (465).
    smtp_tls: Literal["none", "starttls", "tls"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    sender: str = "Welfare di Tutti <noreply@welfareditutti.example>"
    # Where the links in e-mails point: the API's public address (the inbox, the preferences and the
    # one-click unsubscribe, which works without signing in).
    base_url: str = "http://127.0.0.1:8000"
    # Optional mailto: address offered in List-Unsubscribe beside the URL (RFC 2369); unset, URL only.
    unsubscribe_mailto: str | None = None
    # The daily digest leaves at this hour of `timezone`'s clock: 18:00 in Milan, after the working
    # day (what providers and families answer in the evening), before dinner.
    digest_hour: int = Field(default=18, ge=0, le=23)
    timezone: str = "Europe/Rome"
    timeout_seconds: float = 20.0  # one SMTP conversation: connect, (STARTTLS, AUTH,) send
    # A claimed e-mail is sent again by another worker after this (a worker killed mid-send). Well
    # above a batch's sends (batch_size / concurrency x timeout_seconds), and a worker does not start
    # a send its lease would not cover, so a slow worker never overlaps the next one's claim.
    lease_seconds: int = 180
    backoff_base_seconds: int = 60  # 1 min, 2 min, 4 min, ... (x2 per attempt, +/-20 % jitter)
    backoff_max_seconds: int = 3600
    max_age_hours: int = 48  # after this, an e-mail still failing is dead (counted in the metrics)
    # A permanent refusal (5xx) is tried this many times in all, for a misconfigured relay that an
    # operator fixes; a temporary one (4xx, no connection) until max_age_hours.
    permanent_failure_attempts: int = 3
    poll_interval_seconds: float = 2.0
    batch_size: int = 20  # e-mails claimed per worker round
    concurrency: int = 5  # SMTP conversations in flight per worker
    route_batch: int = 500  # new notifications looked at per round

    def describe(self) -> str:
        """Where e-mails go, for the start-up banner and the worker's log."""
        if not self.smtp_host:
            return "written to the log, not sent (MAIL__SMTP_HOST is unset)"
        return f"sent through SMTP {self.smtp_host}:{self.smtp_port} (TLS: {self.smtp_tls}) as {self.sender}"


IdTokenAlgorithm = Literal["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]


def _default_id_token_algorithms() -> list[IdTokenAlgorithm]:
    return ["RS256", "ES256", "PS256"]


class OidcProviderSettings(BaseModel):
    """One OpenID Provider: a SPID or CIE provider speaking the SPID/CIE OpenID Connect profile, or an
    identity gateway in front of them that speaks plain OpenID Connect (app/signin, docs/signin.md)."""

    # spid: the level of assurance shows as SpidL2 / SpidL3 (from `acr`); cie: it shows as CIE.
    kind: Literal["spid", "cie"] = "spid"
    # The OP's issuer identifier: discovery reads <issuer>/.well-known/openid-configuration, and the
    # id_token's `iss` must equal it. https in production.
    issuer: str
    client_id: str
    # private_key_jwt is what the SPID/CIE profile requires; a gateway may take a client secret.
    client_auth: Literal["private_key_jwt", "client_secret_basic", "client_secret_post"] = "private_key_jwt"
    client_secret: SecretStr | None = None
    # private_key_jwt: the client's private key, as a JWK (JSON) or PEM; its public half is registered
    # with the provider.
    client_private_key: SecretStr | None = None
    scopes: list[str] = Field(default_factory=lambda: ["openid", "profile", "email"])
    # Requested levels of assurance (sent as acr_values, in order of preference), and the levels an
    # id_token may come back with: anything else is refused (acr_not_allowed).
    acr_values: list[str] = Field(default_factory=lambda: ["https://www.spid.gov.it/SpidL2"])
    allowed_acr: list[str] = Field(
        default_factory=lambda: ["https://www.spid.gov.it/SpidL2", "https://www.spid.gov.it/SpidL3"]
    )
    # The frontends' redirect URIs registered with the provider: an authorization may name only these.
    redirect_uris: list[str] = Field(default_factory=list)
    # Signature algorithms accepted on id_tokens (never `none`, never a symmetric one).
    id_token_algorithms: list[IdTokenAlgorithm] = Field(default_factory=_default_id_token_algorithms)

    @model_validator(mode="after")
    def _client_credentials_present(self) -> "OidcProviderSettings":
        if self.client_auth == "private_key_jwt" and self.client_private_key is None:
            raise ValueError(f"OIDC provider {self.issuer}: private_key_jwt needs client_private_key")
        if self.client_auth != "private_key_jwt" and self.client_secret is None:
            raise ValueError(f"OIDC provider {self.issuer}: {self.client_auth} needs client_secret")
        return self


class OidcSettings(BaseModel):
    # Providers by the name used in /v1/auth/oidc/{provider}/..., as JSON:
    # OIDC__PROVIDERS={"spid": {"issuer": "https://...", "client_id": "...", ...}}. Empty: no sign-in
    # with SPID/CIE (the operations answer 404 oidc_provider_unknown).
    providers: dict[str, OidcProviderSettings] = Field(default_factory=dict)
    # How long an authorization (its state, nonce and PKCE verifier) waits for the callback; single use.
    state_minutes: int = Field(default=10, ge=1, le=60)
    # Whole HTTP exchange with a provider (discovery, keys, token, userinfo), per call.
    http_timeout_seconds: float = Field(default=10.0, gt=0)
    # Discovery documents and key sets are kept this long; an id_token signed by an unknown key
    # fetches the key set again at once (the provider rotated its keys).
    metadata_cache_seconds: int = Field(default=3600, ge=0)
    # Tolerated clock difference with a provider when checking exp and iat.
    clock_skew_seconds: int = Field(default=30, ge=0, le=300)


class WorkerSettings(BaseModel):
    # The worker touches this file after every webhook round; `tutti worker --check` fails when it is
    # older than the limit (app/heartbeat.py). The limit is well above a slow round (webhook sends
    # time out after WEBHOOKS__TIMEOUT_SECONDS).
    heartbeat_path: Path = Path("/tmp/tutti-worker.heartbeat")  # noqa: S108 - one per host/container
    heartbeat_max_age_seconds: float = 60.0
    # A worker run on its own (`tutti worker`, e.g. its own container) serves its Prometheus metrics
    # on this port when set; beside the API (`tutti serve`) they are in the API's /metrics instead.
    # Bind to an address only the scraper reaches: the port has no authentication.
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    # Housekeeping sweeps (request expiry, pool notice periods, pruning): how often. A request past
    # valid_until already reads as expired; the sweep records it and tells the providers.
    sweep_interval_seconds: float = 300.0


class TimesheetSettings(BaseModel):
    # A submitted timesheet the household neither confirms nor disputes is confirmed by the worker
    # this long after submission (or after the provider's last edit). Issue 13 asks for 72 h.
    auto_confirm_hours: int = Field(default=72, ge=1, le=30 * 24)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_nested_delimiter="__", extra="ignore", case_sensitive=False)

    env: Literal["dev", "test", "prod"] = "dev"
    database_url: str | None = None
    redis_url: str | None = None
    log_level: str = "INFO"
    db: DbSettings = Field(default_factory=DbSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    pools: PoolSettings = Field(default_factory=PoolSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    mail: MailSettings = Field(default_factory=MailSettings)
    oidc: OidcSettings = Field(default_factory=OidcSettings)
    timesheets: TimesheetSettings = Field(default_factory=TimesheetSettings)

    @model_validator(mode="after")
    def _development_defaults(self) -> "Settings":
        if self.webhooks.allow_loopback_targets is None:
            self.webhooks.allow_loopback_targets = self.env == "dev"
        return self

    def relaxed_safety_warnings(self) -> list[str]:
        """What the API and the worker log at start-up: switches that relax SSRF protection."""
        warnings = []
        if self.webhooks.allow_loopback_targets:
            warnings.append(
                "webhooks may target this machine (127.0.0.1, ::1, localhost; http or https; any port): "
                "WEBHOOKS__ALLOW_LOOPBACK_TARGETS is on, the default with ENV=dev only"
            )
        if self.webhooks.allow_private_targets or self.webhooks.allow_http:
            warnings.append("webhooks may target private addresses or plain http: test-only settings are on")
        return warnings

    def check_production_safety(self) -> None:
        """Refuse to run in production with development defaults."""
        if self.env != "prod":
            return
        if self.auth.secret_key.get_secret_value() == DEV_SECRET:
            raise RuntimeError("AUTH__SECRET_KEY must be set in production")
        if len(self.auth.secret_key.get_secret_value()) < 32:
            raise RuntimeError("AUTH__SECRET_KEY must be at least 32 characters")
        if not self.database_url:
            raise RuntimeError("DATABASE_URL must be set in production (no embedded database)")
        if self.webhooks.allow_private_targets or self.webhooks.allow_http:
            raise RuntimeError("WEBHOOKS__ALLOW_PRIVATE_TARGETS / WEBHOOKS__ALLOW_HTTP are for tests, not production")
        if self.webhooks.allow_loopback_targets:
            raise RuntimeError("WEBHOOKS__ALLOW_LOOPBACK_TARGETS is for development, not production")
        insecure = [
            name for name, provider in self.oidc.providers.items() if not provider.issuer.startswith("https://")
        ]
        if insecure:
            raise RuntimeError(f"OIDC__PROVIDERS: issuers must be https in production ({', '.join(insecure)})")


@lru_cache
def get_settings() -> Settings:
    return Settings()
