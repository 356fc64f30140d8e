from pathlib import Path

import pytest

from portal import create_app
from portal.config import ConfigError, Settings

PRODUCTION = {
    "WASPADA_ENV": "production",
    "SECRET_KEY": "Vx3-production-test-key_9qL2mZ7rT4wK8pN1sD6f",
    "DATABASE_URL": "postgresql://waspada@db/waspada",
    "REDIS_URL": "redis://cache:6379/0",
    "WASPADA_DATA_KEYS": "k1:" + "A" * 43,
}


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_each_required_setting(missing, tmp_path):
    environ = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(ConfigError, match=missing):
        create_app(environ, instance_path=tmp_path)


def test_production_refuses_sqlite_and_short_keys(tmp_path):
    with pytest.raises(ConfigError, match="PostgreSQL"):
        Settings.from_env({**PRODUCTION, "DATABASE_URL": "sqlite:///x.db"}, tmp_path)
    with pytest.raises(ConfigError, match="32 characters"):
        Settings.from_env({**PRODUCTION, "SECRET_KEY": "short"}, tmp_path)


def test_production_settings_are_secure(tmp_path):
    settings = Settings.from_env(PRODUCTION, tmp_path)
    config = settings.flask_config()
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.receipt_hash.memory_cost_kib >= 19 * 1024


@pytest.mark.parametrize("env", ["production", "development"])
def test_staff_passwords_are_hashed_at_full_cost_outside_tests(tmp_path, env):
    """Only WASPADA_ENV=testing makes staff password hashing cheap."""
    from argon2 import PasswordHasher

    from portal.accounts import services as accounts

    environ = PRODUCTION if env == "production" else {"WASPADA_ENV": "development"}
    settings = Settings.from_env(environ, tmp_path)
    recommended = PasswordHasher()
    assert (
        settings.password_hash.time_cost,
        settings.password_hash.memory_cost_kib,
        settings.password_hash.parallelism,
    ) == (recommended.time_cost, recommended.memory_cost, recommended.parallelism)
    hasher, dummy = accounts._hasher_for(settings.password_hash)
    assert hasher.hash("correct horse battery").startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert dummy.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_development_generates_and_keeps_a_secret_key_in_instance(tmp_path: Path):
    first = Settings.from_env({}, tmp_path)
    second = Settings.from_env({}, tmp_path)
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first.database_url == f"sqlite:///{tmp_path / 'waspada.sqlite3'}"
    assert first.redis_url is None  # embedded Redis


def test_settings_are_frozen(tmp_path):
    settings = Settings.from_env({}, tmp_path)
    with pytest.raises(AttributeError):
        settings.env = "production"  # type: ignore[misc]


def test_bad_numbers_and_environments_are_refused(tmp_path):
    with pytest.raises(ConfigError):
        Settings.from_env({"WASPADA_ENV": "staging"}, tmp_path)
    with pytest.raises(ConfigError, match="TRIAGE_SWEEP_INTERVAL"):
        Settings.from_env({"TRIAGE_SWEEP_INTERVAL": "soon"}, tmp_path)
