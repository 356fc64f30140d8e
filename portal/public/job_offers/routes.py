"""`/<lang>/check`: the job-offer checker. HTTP only: the logic is in portal.job_offers.

Nothing typed here is stored or logged; the result page is ``private, no-store``
(the default for a view without ``@cacheable``). Only the "Report this offer"
button sends the text on, to the report form, where the person decides.
"""

from __future__ import annotations

from typing import Any

from flask import g, render_template, request
from flask_babel import format_currency

from portal.config import current_settings
from portal.directory.loader import current_services
from portal.extensions import limiter
from portal.i18n import localized_blueprint
from portal.job_offers.checker import check as check_offer
from portal.job_offers.next_steps import next_steps
from portal.languages import LIKELY_COUNTRY
from portal.public.job_offers.forms import CheckForm
from portal.public.support.forms import country_name

bp = localized_blueprint("checker", __name__)


def _limit(name: str) -> Any:
    return lambda: getattr(current_settings().rate_limits, name)


# A check costs real CPU (up to ~0.3 s for a long offer); reading the form costs nothing.
# The ceiling is one count for all clients, of the checks no client limit refused (as the
# ceilings in portal/public/tips/routes.py).
checker_limit = limiter.shared_limit(_limit("checker"), scope="checker", methods=["POST"])
checker_global_limit = limiter.shared_limit(
    _limit("checker_global"),
    scope="checker-global",
    key_func=lambda: "site-wide",
    deduct_when=lambda response: response.status_code != 429,
    methods=["POST"],
)


@bp.route("/check", methods=["GET", "POST"])
@checker_limit
@checker_global_limit
def check() -> str | tuple[str, int]:
    form = CheckForm()
    if request.method == "GET":
        form.country.data = LIKELY_COUNTRY.get(g.lang, "")
        return render_template("job_offers/check.html", form=form, result=None)
    if not form.validate():
        return render_template("job_offers/check.html", form=form, result=None), 400
    country = form.home_country()
    result = check_offer(form.text(), lang=g.lang, country=country)
    steps = next_steps(
        result.risk, form.country.data or None, lang=g.lang, services=current_services()
    )
    return render_template(
        "job_offers/check.html",
        form=form,
        result=result,
        steps=steps,
        country=country,
        country_name=country_name,
        money=_money,
    )


def _money(amount: float, currency: str) -> str:
    """A whole amount in the reader's number format, with its currency sign or code."""
    return format_currency(round(amount), currency.upper(), "¤\u00a0#,##0", currency_digits=False)
