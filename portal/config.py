"""One frozen, validated settings object built from the environment at start-up.

Insecure conveniences (a generated secret key, SQLite, an embedded Redis) exist
only outside production; production refuses to start without real settings.
"""

from __future__ import annotations

import math
import os
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from flask import Flask, current_app

from portal.paths import translations_folder
from portal.protection.keys import KeyRing, KeySetupError, keyring_from_env

ENVIRONMENTS = ("development", "testing", "production")


class ConfigError(RuntimeError):
    """Raised when the environment cannot produce a safe configuration."""


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Named limits per endpoint, in Flask-Limiter's notation.

    Each client (an IPv4 address or an IPv6 /64) has its own count; a `_global` ceiling counts
    everyone together, so that many clients cannot add up to more than the site can take.
    """

    submission: str = "6 per minute;30 per hour"
    follow_up_login: str = "5 per minute;20 per hour"
    follow_up_reply: str = "10 per minute;60 per hour"
    checker: str = "10 per minute;60 per hour"
    submission_global: str = "300 per minute"
    follow_up_login_global: str = "300 per minute"
    follow_up_reply_global: str = "300 per minute"
    # A long offer takes the checker ~0.3 s: this keeps it under about half a CPU.
    checker_global: str = "120 per minute"
    # Reading a screenshot costs a worker about a second (up to 20 s for noise) and its pixels
    # wait in Redis: far fewer than checks of typed text.
    checker_picture: str = "3 per minute;20 per hour"
    checker_picture_global: str = "20 per minute"


# Tests send hundreds of forms from one address within seconds; a test of a limit sets it.
TESTING_RATE_LIMITS = RateLimits(
    **{limit.name: "100000 per minute" for limit in fields(RateLimits)}
)


@dataclass(frozen=True, slots=True)
class Argon2Params:
    """An argon2id cost."""

    time_cost: int
    memory_cost_kib: int
    parallelism: int


# Receipt codes: slow on purpose (OWASP's minimum, ~34 ms here).
RECEIPT_HASH = Argon2Params(time_cost=2, memory_cost_kib=19 * 1024, parallelism=1)
# Staff passwords: argon2-cffi's recommendation (RFC 9106, low memory).
PASSWORD_HASH = Argon2Params(time_cost=3, memory_cost_kib=64 * 1024, parallelism=4)
# Tests hash hundreds of receipts and sign staff in hundreds of times (0.2-0.45 s each at the
# real password cost): WASPADA_ENV=testing alone uses this. The real costs are checked in
# tests/test_config.py and measured in bench/.
CHEAP_HASH = Argon2Params(time_cost=1, memory_cost_kib=1024, parallelism=1)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the application reads from its environment, validated once."""

    env: str
    secret_key: str
    database_url: str
    redis_url: str | None
    instance_path: Path
    upload_dir: Path
    receipt_salt: bytes
    # The key-encryption keys that protect what reporters wrote (portal.protection).
    data_keys: KeyRing
    receipt_hash: Argon2Params = RECEIPT_HASH
    password_hash: Argon2Params = PASSWORD_HASH
    rate_limits: RateLimits = field(default_factory=RateLimits)
    proxy_fix_x_for: int = 0
    max_images: int = 5
    max_image_bytes: int = 10 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    # Pixels decoded for one request, all images together: five 20-megapixel photos.
    max_request_pixels: int = 100_000_000
    image_work_slots: int = 2  # requests per process decoding images at the same time
    image_work_wait_seconds: float = 5.0
    triage_queue: str = "triage"
    sweep_interval_seconds: int = 60
    stale_after_seconds: int = 600
    worker_max_jobs: int = 20_000  # a worker process is replaced after this many jobs
    worker_max_rss_mb: int = 400  # … or once it holds more memory than this
    triage_batch: int = 100  # tips one job triages at most, when many wait
    triage_job_timeout: int = 180  # seconds before a hung job is stopped (and retried)
    worker_log_level: str = "WARNING"  # RQ's own lines in the worker (INFO: one per step of a job)
    follow_up_minutes: int = 30
    quick_exit_url: str = "https://www.google.com/"
    public_base_url: str = "http://127.0.0.1:5000"
    metrics_token: str = ""

    @property
    def is_production(self) -> bool:
        """True when running with real users' data."""
        return self.env == "production"

    @property
    def max_request_bytes(self) -> int:
        """Upper bound for a whole request: every image at full size plus the text."""
        return self.max_images * self.max_image_bytes + 1024 * 1024

    @classmethod
    def from_env(cls, environ: Mapping[str, str], instance_path: Path) -> Settings:
        """Build and validate the settings from environment variables."""
        env = environ.get("WASPADA_ENV", "development").strip().lower()
        if env not in ENVIRONMENTS:
            raise ConfigError(f"WASPADA_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
        production = env == "production"

        secret_key = environ.get("SECRET_KEY", "")
        database_url = environ.get("DATABASE_URL", "")
        redis_url = environ.get("REDIS_URL") or None
        if production:
            missing = [
                name
                for name, value in (
                    ("SECRET_KEY", secret_key),
                    ("DATABASE_URL", database_url),
                    ("REDIS_URL", redis_url),
                )
                if not value
            ]
            if missing:
                raise ConfigError(f"production needs {', '.join(missing)} to be set")
            _require_strong_secret("SECRET_KEY", secret_key)
            if _is_example(environ.get("RECEIPT_SALT", "")):
                raise ConfigError(f"RECEIPT_SALT is an example value; generate one: {_GENERATE}")
            if not database_url.startswith(("postgresql", "postgres")):
                raise ConfigError("production needs a PostgreSQL DATABASE_URL")
        else:
            secret_key = secret_key or _development_secret(instance_path)
            database_url = database_url or f"sqlite:///{instance_path / 'waspada.sqlite3'}"
        if database_url.startswith("postgres://"):
            database_url = "postgresql://" + database_url.removeprefix("postgres://")
        if database_url.startswith("postgresql://"):
            database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")

        try:
            data_keys = keyring_from_env(environ, instance_path, production=production)
        except KeySetupError as error:
            raise ConfigError(str(error)) from None
        receipt_salt = environ.get("RECEIPT_SALT") or f"waspada-receipt:{secret_key}"
        upload_dir = Path(environ.get("UPLOAD_DIR") or instance_path / "uploads")
        defaults = TESTING_RATE_LIMITS if env == "testing" else RateLimits()
        # Each limit from RATE_LIMIT_<NAME> (RATE_LIMIT_SUBMISSION, …_CHECKER_GLOBAL, …).
        rate_limits = RateLimits(
            **{
                limit.name: environ.get(f"RATE_LIMIT_{limit.name.upper()}")
                or getattr(defaults, limit.name)
                for limit in fields(RateLimits)
            }
        )
        return cls(
            env=env,
            secret_key=secret_key,
            database_url=database_url,
            redis_url=redis_url,
            instance_path=instance_path,
            upload_dir=upload_dir,
            receipt_salt=receipt_salt.encode(),
            data_keys=data_keys,
            receipt_hash=CHEAP_HASH if env == "testing" else RECEIPT_HASH,
            password_hash=CHEAP_HASH if env == "testing" else PASSWORD_HASH,
            rate_limits=rate_limits,
            proxy_fix_x_for=_int(environ, "PROXY_FIX_X_FOR", 0, minimum=0),
            sweep_interval_seconds=_int(environ, "TRIAGE_SWEEP_INTERVAL", 60, minimum=1),
            stale_after_seconds=_int(environ, "TRIAGE_STALE_AFTER", 600, minimum=1),
            worker_max_jobs=_int(environ, "TRIAGE_WORKER_MAX_JOBS", 20_000, minimum=1),
            worker_max_rss_mb=_int(environ, "TRIAGE_WORKER_MAX_RSS_MB", 400, minimum=64),
            triage_batch=_int(environ, "TRIAGE_BATCH", 100, minimum=1),
            triage_job_timeout=_int(environ, "TRIAGE_JOB_TIMEOUT", 180, minimum=1),
            worker_log_level=_log_level(environ.get("TRIAGE_WORKER_LOG_LEVEL", "WARNING")),
            quick_exit_url=environ.get("QUICK_EXIT_URL", "https://www.google.com/"),
            public_base_url=environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
            metrics_token=_metrics_token(environ, production),
        )

    def flask_config(self) -> dict[str, object]:
        """The subset of settings Flask and its extensions read from app.config."""
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(self.database_url),
            "MAX_CONTENT_LENGTH": self.max_request_bytes,
            "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
            "WTF_CSRF_TIME_LIMIT": 4 * 3600,
            # On HTTPS a POST must also carry a same-origin Referer (Referrer-Policy same-origin
            # sends it); the test client speaks http, where the check does not apply.
            "WTF_CSRF_SSL_STRICT": True,
            "SESSION_COOKIE_HTTPONLY": True,
            # Lax, not Strict: a link from a messenger app opening a page with a form would
            # otherwise replace the cookie and end a reporter's receipt view or a staff
            # sign-in. Cross-site links are told apart by Sec-Fetch-Site where it matters.
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.is_production,
            "PREFERRED_URL_SCHEME": "https" if self.is_production else "http",
            "TESTING": self.env == "testing",
            "BABEL_DEFAULT_LOCALE": "id",
            "BABEL_TRANSLATION_DIRECTORIES": str(translations_folder()),
            "RATELIMIT_HEADERS_ENABLED": False,
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
            "RATELIMIT_SWALLOW_ERRORS": True,
        }


def _engine_options(database_url: str) -> dict[str, object]:
    # hide_parameters: a database error's message never carries the values of its statement
    # (tip text, identifiers), wherever that message ends up (logs, the job registry).
    if database_url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}, "hide_parameters": True}
    return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 5, "hide_parameters": True}


def _log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(
            f"TRIAGE_WORKER_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {raw!r}"
        )
    return level


def _int(environ: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


# Values published in this repository (deploy/env.example, the README): whoever read them can
# sign a staff session cookie, so a key that contains one is no secret at all.
EXAMPLE_SECRETS = ("change-me", "changeme", "example", "your-secret", "secret-key-here")
MIN_SECRET_BITS = 128


def secret_strength_bits(value: str) -> float:
    """A deliberately simple estimate: Shannon entropy of the characters times the length.

    A key from `secrets.token_urlsafe(48)` scores about 350; a sentence or a repeated pattern
    scores far less, whatever its length."""
    if not value:
        return 0.0
    counts = Counter(value)
    per_char = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return per_char * len(value)


def _require_strong_secret(name: str, value: str) -> None:
    """Refuse published example values, short keys and keys too regular to be random."""
    if _is_example(value):
        raise ConfigError(f"{name} is an example value; generate one: {_GENERATE}")
    if len(value) < 32:
        raise ConfigError(f"{name} must be at least 32 characters in production; {_GENERATE}")
    classes = sum(
        any(test(ch) for ch in value)
        for test in (str.islower, str.isupper, str.isdigit, lambda ch: not ch.isalnum())
    )
    if classes < 2 or secret_strength_bits(value) < MIN_SECRET_BITS:
        raise ConfigError(
            f"{name} is not random enough (under {MIN_SECRET_BITS} bits); {_GENERATE}"
        )


def _is_example(value: str) -> bool:
    return any(example in value.lower() for example in EXAMPLE_SECRETS)


_GENERATE = 'python3 -c "import secrets; print(secrets.token_urlsafe(48))"'


def _metrics_token(environ: Mapping[str, str], production: bool) -> str:
    """Optional bearer token for scraping /metrics from another host; a short one is a guess away."""
    token = environ.get("METRICS_TOKEN", "").strip()
    if token and production and len(token) < 32:
        raise ConfigError("METRICS_TOKEN must be at least 32 characters in production")
    return token


def _development_secret(instance_path: Path) -> str:
    """Create (once) and reuse a random key kept in instance/, never in the repository."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process (web or worker) created it first
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


SETTINGS_KEY = "waspada.settings"


def current_settings(app: Flask | None = None) -> Settings:
    """The settings of `app`, or of the app handling this request or command."""
    settings: Settings = (app or current_app).extensions[SETTINGS_KEY]
    return settings
