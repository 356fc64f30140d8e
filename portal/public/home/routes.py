"""`/` picks a language; `/<lang>/` offers the three things people come for."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from werkzeug.wrappers import Response

from portal.extensions import limiter
from portal.i18n import best_locale, localized_blueprint
from portal.security import cacheable

root = Blueprint("root", __name__)
bp = localized_blueprint("home", __name__)


@root.get("/")
def pick_locale() -> Response:
    response = redirect(url_for("home.index", lang=best_locale()), code=302)
    response.vary.add("Accept-Language")
    return response


@bp.get("/")
@limiter.exempt
@cacheable
def index() -> str:
    return render_template("home/index.html")
