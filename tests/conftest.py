"""Shared fixtures: every app-level test runs on SQLite + embedded Redis, and also on
PostgreSQL + a Redis server when TEST_DATABASE_URL / TEST_REDIS_URL are set."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from portal import create_app, redis_server
from portal.extensions import db


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
    url = os.environ["TEST_DATABASE_URL"]
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    engine.dispose()
    return {"DATABASE_URL": url, "REDIS_URL": os.environ["TEST_REDIS_URL"], "name": "postgresql"}


def make_env(backend: dict[str, str], **extra: str) -> dict[str, str]:
    env = {
        "WASPADA_ENV": "testing",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "DATABASE_URL": backend["DATABASE_URL"],
        "REDIS_URL": backend["REDIS_URL"],
        "RATE_LIMIT_SUBMISSION": "1000 per minute",
        "RATE_LIMIT_FOLLOW_UP_LOGIN": "1000 per minute",
        "RATE_LIMIT_FOLLOW_UP_REPLY": "1000 per minute",
    }
    env.update(extra)
    return env


class EnglishClient(FlaskClient):
    """A browser that asks for English unless a test says otherwise (staff pages have no
    /<lang>/ prefix, so their language comes from Accept-Language)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")


@pytest.fixture
def app_factory(backend: dict[str, str], tmp_path: Path):
    """Build apps on the current backend with extra environment settings; clean up after."""
    made = []

    def factory(**extra: str):
        app = create_app(make_env(backend, **extra), instance_path=tmp_path / "instance")
        app.test_client_class = EnglishClient
        with app.app_context():
            db.create_all()
        made.append(app)
        return app

    yield factory
    for app in made:
        with app.app_context():
            db.session.remove()
            if db.engine.dialect.name == "postgresql":
                # Same ids on both backends: tests may rely on the first tip being #1.
                names = ", ".join(t.name for t in db.metadata.sorted_tables)
                db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(db.metadata.sorted_tables):
                    db.session.execute(table.delete())
            db.session.commit()
            db.engine.dispose()
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
