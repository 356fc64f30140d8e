"""`/` picks a language; `/<lang>/` offers the three things people come for."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from werkzeug.wrappers import Response

from portal.config import current_settings
from portal.extensions import limiter
from portal.i18n import best_locale, localized_blueprint
from portal.public.tips.routes import end_browser_sessions
from portal.security import cacheable

root = Blueprint("root", __name__)
bp = localized_blueprint("home", __name__)


@root.get("/")
def pick_locale() -> Response:
    response = redirect(url_for("home.index", lang=best_locale()), code=302)
    response.vary.add("Accept-Language")
    return response


@root.get("/exit")
@limiter.exempt
def quick_exit() -> Response:
    """Quick exit: end this browser's receipt and follow-up views on the server, drop its
    cookie and cached pages, and leave for a neutral site. A link, so it works without
    JavaScript; a GET, because only the visitor's own session ends (nothing anyone else has)."""
    end_browser_sessions()
    response = redirect(current_settings().quick_exit_url, code=303)
    # Browsers on HTTPS also forget this site's cookies and storage. Not "cache": clearing it
    # can hold up the redirect for seconds, and pages with anything personal are no-store.
    response.headers["Clear-Site-Data"] = '"cookies", "storage"'
    return response


@bp.get("/")
@limiter.exempt
@cacheable
def index() -> str:
    return render_template("home/index.html")
