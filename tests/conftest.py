"""Shared fixtures: every app-level test runs on SQLite + embedded Redis, and also on
PostgreSQL + a Redis server when TEST_DATABASE_URL / TEST_REDIS_URL are set."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from portal import create_app, redis_server
from portal.extensions import db, limiter
from portal.protection.keys import new_key_line
from tests.chromium import CHROMIUM, FLAGS

# With pytest-xdist each worker process ("gw0", "gw1", ...) runs a session of its own: its own
# SQLite files and embedded Redis (temporary folders), its own PostgreSQL databases and its own
# Redis numbers, so workers never see each other's rows or keys, whichever tests they get.
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
# Each worker has four Redis numbers (up to four workers): the app tests', and one for each
# suite that runs installations of its own.
REDIS_USES = ("tests", "production-shape", "backup", "wheel")


def worker_suffix() -> str:
    """Appended to the names of databases a test creates: "" for the first worker."""
    return f"_gw{WORKER}" if WORKER else ""


def own_redis_db(url: str, use: str = "tests") -> str:
    """`url` with this worker's Redis number for `use` (one of REDIS_USES)."""
    number = 15 - 4 * (WORKER % 4) - REDIS_USES.index(use)
    return re.sub(r"/\d+$", "", url) + f"/{number}"


def _own_database(url: str) -> str:
    """This worker's PostgreSQL database, created if missing (the first worker keeps the
    database .ci/run creates)."""
    if not worker_suffix():
        return url
    name = f"waspada_test{worker_suffix()}"
    server = create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with server.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
            conn.execute(text(f"CREATE DATABASE {name}"))
    server.dispose()
    return urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()


def _backends() -> list[str]:
    backends = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL") and os.environ.get("TEST_REDIS_URL"):
        backends.append("postgresql")
    return backends


@pytest.fixture(scope="session")
def embedded_redis_url() -> Iterator[str]:
    # A short path: Unix socket paths are limited to ~100 bytes.
    directory = Path(tempfile.mkdtemp(prefix="wsp-redis-"))
    process = redis_server.start_embedded(directory)
    yield redis_server.embedded_url(directory)
    if process is not None:
        process.terminate()
        process.wait(timeout=10)
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session", params=_backends())
def backend(
    request: pytest.FixtureRequest,
    embedded_redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, str]:
    """Connection settings for one backend pair; the schema is created once per session."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        return {
            "DATABASE_URL": f"sqlite:///{path}",
            "REDIS_URL": embedded_redis_url,
            "name": "sqlite",
        }
    url = _own_database(os.environ["TEST_DATABASE_URL"])
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    engine.dispose()
    redis_url = own_redis_db(os.environ["TEST_REDIS_URL"])
    return {"DATABASE_URL": url, "REDIS_URL": redis_url, "name": "postgresql"}


def make_env(backend: dict[str, str], **extra: str) -> dict[str, str]:
    env = {
        "WASPADA_ENV": "testing",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "DATABASE_URL": backend["DATABASE_URL"],
        "REDIS_URL": backend["REDIS_URL"],
        "RATE_LIMIT_SUBMISSION": "1000 per minute",
        "RATE_LIMIT_FOLLOW_UP_LOGIN": "1000 per minute",
        "RATE_LIMIT_FOLLOW_UP_REPLY": "1000 per minute",
        # One key for the test app and the workers and servers it starts (each with its own
        # instance folder would otherwise make its own development key).
        "WASPADA_DATA_KEYS": TEST_DATA_KEYS,
    }
    env.update(extra)
    return env


TEST_DATA_KEYS = new_key_line("test1")


class EnglishClient(FlaskClient):
    """A browser that asks for English unless a test says otherwise (staff pages have no
    /<lang>/ prefix, so their language comes from Accept-Language)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")


def _build_app(backend: dict[str, str], instance: Path, **extra: str):
    app = create_app(make_env(backend, **extra), instance_path=instance)
    app.test_client_class = EnglishClient
    with app.app_context():
        db.create_all()
        make_site_keys(app)
    return app


def make_site_keys(app) -> None:
    """The site keys `flask db upgrade` makes (a schema from create_all has none)."""
    from portal.config import current_settings
    from portal.protection.site_keys import ensure_site_keys, forget_site_keys

    with app.app_context():
        with db.engine.begin() as connection:
            ensure_site_keys(connection, current_settings(app).data_keys)
        forget_site_keys()


class _SharedApp:
    """The app of every test that asks for no settings of its own, built once and reused (as
    Indico's fixtures do); each test leaves its tables, Redis and uploads empty and its changes
    to the app's settings and extensions undone. Flask-Limiter's limiter is one object bound to
    the newest app, so an app built with other settings retires the shared one."""

    def __init__(self, backend: dict[str, str], instance: Path) -> None:
        self.backend, self.instance, self.app = backend, instance, None

    def get(self):
        if self.app is None:
            self.app = _build_app(self.backend, self.instance)
        return self.app

    def retire(self) -> None:
        if self.app is not None:
            with self.app.app_context():
                db.session.remove()
                db.engine.dispose()
            self.app = None


@pytest.fixture(scope="session")
def shared_apps(backend: dict[str, str], tmp_path_factory: pytest.TempPathFactory):
    holder = _SharedApp(backend, tmp_path_factory.mktemp("instance"))
    yield holder
    holder.retire()


def _empty_tables(app) -> None:
    """Every row gone and ids starting at 1 again (tests may rely on the first tip being #1).
    On PostgreSQL, DELETE and restarting the sequences takes a quarter of TRUNCATE's time on
    tables this small."""
    with app.app_context():
        db.session.remove()
        for table in reversed(db.metadata.sorted_tables):
            if table.name != "protection_keys":  # the site keys live as long as the schema
                db.session.execute(table.delete())
        if db.engine.dialect.name == "postgresql":
            sequences = db.session.scalars(
                text("SELECT sequence_name FROM information_schema.sequences")
            ).all()
            for sequence in sequences:
                db.session.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
        db.session.commit()


def _fresh_limiter() -> None:
    """Flask-Limiter keeps its "storage unreachable" flag and its in-memory fallback counts on
    the one limiter object, whichever app it serves. After a test that stopped a Redis, the
    next test's app would count in memory until the limiter's back-off tried Redis again, and
    then switch to Redis mid-test (seen: a flooder admitted three times under a limit of two).
    Production has one app per process; tests start each app's limiter afresh."""
    limiter._storage_dead = False
    fallback = getattr(limiter, "_fallback_storage", None)
    if fallback is not None:
        fallback.reset()


@pytest.fixture
def app_factory(backend: dict[str, str], tmp_path: Path, shared_apps: _SharedApp):
    """Apps on the current backend: the shared one when no extra settings are given, else a
    new one with those settings. Cleans up after the test."""
    made = []
    shared: list = []

    def factory(*, private: bool = False, **extra: str):
        """`private=True`: an app of this test's own even without settings (for a test that
        changes how the app is set up)."""
        _fresh_limiter()
        if not extra and not private:
            if not shared:
                app = shared_apps.get()
                shared.append((app, dict(app.extensions), dict(app.config)))
            return shared[0][0]
        shared_apps.retire()
        app = _build_app(backend, tmp_path / "instance", **extra)
        made.append(app)
        return app

    yield factory
    for app in made:
        _empty_tables(app)
        with app.app_context():
            db.engine.dispose()
    for app, extensions, config in shared:
        _empty_tables(app)
        app.extensions.clear()
        app.extensions.update(extensions)
        app.extensions["waspada.redis_down_until"] = 0.0
        app.config.clear()
        app.config.update(config)
        uploads = app.extensions["waspada.settings"].upload_dir
        if uploads.exists():
            shutil.rmtree(uploads)
    redis_lib.Redis.from_url(backend["REDIS_URL"]).flushdb()


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def redis_client(app) -> redis_lib.Redis:
    return redis_lib.Redis.from_url(app.extensions["waspada.redis_url"])


# The longest tests start first: with several workers, one of them started last would keep
# the whole run waiting. Within each group the collection order stays.
_FIRST = (
    "tests/test_faults.py",
    "tests/deploy/",
    "tests/browser/test_accessibility.py",
    "tests/ocr/",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid
        return next((i for i, prefix in enumerate(_FIRST) if path.startswith(prefix)), len(_FIRST))

    items.sort(key=rank)


@pytest.fixture(scope="session")
def browser():
    """The session's one headless Chromium (Debian's), for tests/browser and tests/ocr."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(
                "CI must run the browser tests: `make browser-deps` did not install chromium"
            )
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()
