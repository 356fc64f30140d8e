"""Waspada: anonymous, multilingual reporting for Southeast Asia.

create_app() reads like a table of contents: settings, extensions, blueprints,
command line, error pages.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from PIL import Image
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from portal import compression, errors, i18n, metrics, redis_server, security
from portal.config import SETTINGS_KEY, ConfigError, Settings, current_settings
from portal.extensions import babel, csrf, db, limiter, migrate
from portal.i18n import LANGUAGE_NAMES, LOCALES, babel_locale
from portal.models import MAX_ROW_ID
from portal.paths import migrations_folder, translations_folder
from portal.triage.defang import defang


def create_app(
    environ: Mapping[str, str] | None = None, instance_path: str | os.PathLike[str] | None = None
) -> Flask:
    """Build the application from the environment (os.environ unless given)."""
    environ = os.environ if environ is None else environ
    settings = check_settings(environ, instance_path)
    app = Flask(__name__, instance_path=str(settings.instance_path))

    app.extensions[SETTINGS_KEY] = settings
    app.config.update(settings.flask_config())
    _configure_logging(settings.env)
    Image.MAX_IMAGE_PIXELS = settings.max_image_pixels
    if settings.proxy_fix_x_for:
        # Behind a reverse proxy: trust exactly that many hops (used only for rate-limit HMACs).
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=settings.proxy_fix_x_for,  # type: ignore[method-assign]
            x_proto=1,
            x_host=1,
        )

    redis_url = settings.redis_url or redis_server.embedded_url(settings.instance_path)
    _init_extensions(app, redis_url)
    _register_blueprints(app)
    _register_cli(app)
    errors.init_app(app)
    metrics.init_app(app)
    compression.init_app(app)
    security.init_app(app, production=settings.is_production)
    return app


def check_settings(
    environ: Mapping[str, str], instance_path: str | os.PathLike[str] | None = None
) -> Settings:
    """The validated settings, or ConfigError saying in one line what makes them unsafe."""
    instance = Path(
        instance_path
        or environ.get("WASPADA_INSTANCE")
        or Path(__file__).resolve().parent.parent / "instance"
    )
    settings = Settings.from_env(environ, instance)
    if settings.is_production:
        _require_translations()
    return settings


def _require_translations() -> None:
    """A page in English under /vi/ is worse than no page: refuse to serve without catalogs."""
    folder = translations_folder()
    problems = i18n.stale_catalogs(folder)
    if problems:
        hint = "install the built wheel (pip install .) or run `make compile-translations`"
        if not folder.is_relative_to(Path(__file__).resolve().parent):
            # The portal/ of a checkout was imported, perhaps by running inside the checkout,
            # where ./portal shadows the installed package.
            hint = f"this is the checkout's portal/ ({folder.parent}); run from outside it, or {hint}"
        raise ConfigError("translations missing or not compiled for " + "; ".join(problems) + f": {hint}")


def _init_extensions(app: Flask, redis_url: str) -> None:
    from portal.jobs import queue

    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)
    migrate.init_app(app, db, directory=str(migrations_folder()), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=babel_locale)
    i18n.init_app(app)
    app.config["RATELIMIT_STORAGE_URI"] = redis_server.limiter_storage_uri(redis_url)
    # A Redis that answers slowly must not hold up a report: after a second the limiter falls
    # back to counting in memory. Tests on a loaded machine wait longer, so that a slow answer
    # does not reset the counts they check.
    slow = 10.0 if current_settings(app).env == "testing" else 1.0
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"socket_connect_timeout": 0.5, "socket_timeout": slow}
    limiter.init_app(app)
    queue.init_app(app, redis_url)

    @app.context_processor
    def _layout_globals() -> dict[str, object]:
        return {
            "LOCALES": LOCALES,
            "LANGUAGE_NAMES": LANGUAGE_NAMES,
            "defang": defang,
            "settings": current_settings(app),
        }


def _sqlite_pragmas(connection: object, _record: object) -> None:
    """WAL lets the web processes read while the worker writes; foreign keys on."""
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class _RowIdConverter(IntegerConverter):
    """``<int:…>`` in URLs stops at the largest row id: a longer number is a 404, not a 500."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(url_map, *args, **kwargs)


def _register_blueprints(app: Flask) -> None:
    from portal import ops
    from portal.public.home import routes as home
    from portal.public.job_offers import routes as checker
    from portal.public.support import routes as support
    from portal.public.tips import routes as tips
    from portal.public.warnings import routes as warnings
    from portal.staff import access
    from portal.staff.admin import routes as staff_admin
    from portal.staff.auth import routes as staff_auth
    from portal.staff.dashboard import routes as staff_dashboard
    from portal.staff.exports import routes as staff_exports
    from portal.staff.organisations import routes as staff_orgs
    from portal.staff.queue import routes as staff_queue
    from portal.staff.retention import routes as staff_retention
    from portal.staff.warnings import routes as staff_warnings

    app.url_map.converters["int"] = _RowIdConverter  # before any rule uses it
    app.register_blueprint(home.root)
    app.register_blueprint(home.bp)
    app.register_blueprint(tips.bp)
    app.register_blueprint(checker.bp)
    app.register_blueprint(support.bp)
    app.register_blueprint(ops.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(staff_auth.bp)
    app.register_blueprint(staff_queue.bp)
    app.register_blueprint(warnings.bp)
    app.register_blueprint(staff_warnings.bp)
    app.register_blueprint(staff_dashboard.bp)
    app.register_blueprint(staff_admin.bp)
    app.register_blueprint(staff_exports.bp)
    app.register_blueprint(staff_orgs.bp)
    app.register_blueprint(staff_retention.bp)
    access.init_app(app)


def _register_cli(app: Flask) -> None:
    from portal.accounts.cli import staff_cli
    from portal.demo import demo_cli
    from portal.directory.cli import support_cli
    from portal.job_offers.cli import registry_cli
    from portal.jobs.cli import triage_cli
    from portal.ops_cli import ops_cli
    from portal.organisations.cli import org_cli
    from portal.protection.cli import keys_cli
    from portal.retention.cli import retention_cli

    app.cli.add_command(triage_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(support_cli)
    app.cli.add_command(registry_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(ops_cli)
    app.cli.add_command(org_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(retention_cli)


def _configure_logging(env: str) -> None:
    """Plain log lines to stderr. Nothing we log carries a client address."""
    level = logging.WARNING if env == "testing" else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
