"""`/<lang>/check`: the job-offer checker. HTTP only: the logic is in portal.job_offers.

Nothing typed here is stored or logged; the result page is ``private, no-store``
(the default for a view without ``@cacheable``). Only the "Report this offer"
button sends the text on, to the report form, where the person decides.
"""

from __future__ import annotations

from typing import Any

from flask import g, redirect, render_template, request, url_for
from flask_babel import format_currency
from flask_babel import gettext as _

from portal.config import current_settings
from portal.directory.loader import current_services
from portal.extensions import limiter
from portal.i18n import localized_blueprint
from portal.job_offers.checker import check as check_offer
from portal.job_offers.next_steps import next_steps
from portal.jobs import ocr as ocr_jobs
from portal.languages import LIKELY_COUNTRY
from portal.public.job_offers.forms import CheckForm
from portal.public.support.forms import country_name
from portal.public.tips.routes import image_message, image_work_slot
from portal.sanitize import TEXT_MAX, clean_line, clean_text
from portal.tips.images import ImageRejected, reencode

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


def _no_picture() -> bool:
    upload = request.files.get("screenshot")
    return not (upload and upload.filename)


# A screenshot costs a worker about a second and waits in Redis: a stricter limit of its own.
picture_limit = limiter.shared_limit(
    _limit("checker_picture"), scope="checker-picture", methods=["POST"], exempt_when=_no_picture
)
picture_global_limit = limiter.shared_limit(
    _limit("checker_picture_global"),
    scope="checker-picture-global",
    key_func=lambda: "site-wide",
    deduct_when=lambda response: response.status_code != 429,
    methods=["POST"],
    exempt_when=_no_picture,
)
# The picture page checks the text it shows: it counts as a check.
reading_limit = limiter.shared_limit(_limit("checker"), scope="checker", methods=["GET"])


@bp.route("/check", methods=["GET", "POST"])
@checker_limit
@checker_global_limit
@picture_limit
@picture_global_limit
def check() -> Any:
    form = CheckForm()
    pictures = ocr_jobs.screenshots_available(g.lang)
    if request.method == "GET":
        form.country.data = LIKELY_COUNTRY.get(g.lang, "")
        return _page(form, None, pictures)
    if not form.validate():
        return _page(form, None, pictures), 400
    if form.has_picture():
        return _read_picture(form, pictures)
    return _page(form, check_offer(form.text(), lang=g.lang, country=form.home_country()), pictures)


# How long the page waits for a screenshot's text before it offers a "check again" button.
# A reading takes about a second; no page refreshes by itself (WCAG 2.2.1, axe meta-refresh).
PICTURE_WAIT_SECONDS = 6.0


@bp.get("/check/picture/<token>")
@reading_limit
def picture(token: str) -> Any:
    """A screenshot's reading: the check of its text, shown in the form so the person can
    correct it; while the text is still being read, a page with a "check again" button."""
    found = ocr_jobs.wait_for_reading(token, PICTURE_WAIT_SECONDS)
    pictures = ocr_jobs.screenshots_available(g.lang)
    if found is None:
        return render_template("job_offers/picture.html", state="gone"), 404
    if found.state == ocr_jobs.WAITING:
        return render_template("job_offers/picture.html", state="waiting", token=token)
    form = CheckForm(formdata=None)
    form.offer.data = "\n".join(part for part in (found.typed, found.text) if part)
    form.contact.data = found.contact
    country = request.args.get("country", "")
    codes = {choice.value for choice in form.country.choices}
    form.country.data = country if country in codes else ""
    if found.state != ocr_jobs.DONE or not form.text():
        ocr_jobs.forget(token)
        form.screenshot.errors = [
            _("We could not read any text in this picture. Please type or paste the text.")
        ]
        return _page(form, None, pictures), 422
    result = check_offer(form.text(), lang=g.lang, country=form.home_country())
    ocr_jobs.forget(token)  # shown once: the text stays in the form on this page, not in Redis
    return _page(form, result, pictures, machine_read=True)


def _read_picture(form: CheckForm, pictures: bool) -> Any:
    """Re-encode the picture like a report photo and queue its reading; to the waiting page."""
    if not pictures:
        form.screenshot.errors = [
            _("Reading pictures is not available on this server. Please paste the text.")
        ]
        return _page(form, None, pictures), 400
    settings = current_settings()
    try:
        with image_work_slot():
            image = reencode(
                form.screenshot.data.stream,
                max_bytes=settings.max_image_bytes,
                max_pixels=settings.max_image_pixels,
            )
    except ImageRejected as refused:
        form.screenshot.errors = [image_message(refused.reason)]
        return _page(form, None, pictures), 400
    token = ocr_jobs.start_screenshot(
        image.data,
        g.lang,
        typed=clean_text(form.offer.data or "", TEXT_MAX),
        contact=clean_line(form.contact.data or "", 500),
    )
    if token is None:
        form.screenshot.errors = [
            _("Reading pictures is not possible right now. Please paste the text instead.")
        ]
        return _page(form, None, pictures), 503
    target = url_for(
        "checker.picture", lang=g.lang, token=token, country=form.country.data or None
    )
    return redirect(target, 303)


def _page(form: CheckForm, result: Any, pictures: bool, *, machine_read: bool = False) -> str:
    steps = None
    if result is not None:
        steps = next_steps(
            result.risk, form.country.data or None, lang=g.lang, services=current_services()
        )
    return render_template(
        "job_offers/check.html",
        form=form,
        result=result,
        steps=steps,
        country=form.home_country(),
        country_name=country_name,
        money=_money,
        pictures=pictures,
        machine_read=machine_read,
    )


def _money(amount: float, currency: str) -> str:
    """A whole amount in the reader's number format, with its currency sign or code."""
    return format_currency(round(amount), currency.upper(), "¤\u00a0#,##0", currency_digits=False)
