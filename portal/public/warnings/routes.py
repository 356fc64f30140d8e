"""Published warnings, searchable by identifier; an Atom feed; disputes to the staff queue."""

from __future__ import annotations

from typing import Any

from flask import abort, g, make_response, render_template, request
from werkzeug.wrappers import Response

from portal.extensions import db, limiter
from portal.i18n import current_locale, example_phone_number, localized_blueprint
from portal.models import utcnow
from portal.models.warnings import PublicWarning
from portal.public.tips.routes import (
    remember_form,
    show_receipt_once,
    submission_global_limit,
    submission_limit,
)
from portal.public.warnings.forms import DisputeForm
from portal.sanitize import clean_line, clean_text
from portal.security import cacheable
from portal.tips.services import NewTip, Receipt, submit_tip
from portal.warnings import services

bp = localized_blueprint("warnings", __name__)


@bp.get("/warnings")
@limiter.exempt
@cacheable
def index() -> str:
    q = clean_line(request.args.get("q", ""), 200)
    return render_template(
        "warnings/index.html",
        q=q,
        warnings=services.published(q),
        example_number=example_phone_number(current_locale()),
    )


@bp.get("/warnings.atom")
@limiter.exempt
@cacheable
def feed() -> Response:
    body = render_template(
        "warnings/feed.atom", warnings=services.published(limit=100), now=utcnow()
    )
    response = make_response(body)
    response.mimetype = "application/atom+xml"
    return response


@bp.route("/warnings/<int:warning_id>", methods=["GET", "POST"])
@submission_limit
@submission_global_limit
def detail(warning_id: int) -> Any:
    warning = db.get_or_404(PublicWarning, warning_id)
    if warning.withdrawn_at is not None:
        abort(404)
    form = DisputeForm()
    if request.method == "POST":
        if form.validate():
            return show_receipt_once(
                _file_dispute(warning, form), form.form_token.data, category="other"
            )
        return render_template("warnings/detail.html", warning=warning, form=form), 400
    remember_form(form.form_token.data)
    return render_template("warnings/detail.html", warning=warning, form=form)


def _file_dispute(warning: PublicWarning, form: DisputeForm) -> Receipt:
    """A dispute is a tip in the staff queue, marked so staff see what it is about."""
    reason = form.reason.data or "wrong"
    return submit_tip(
        NewTip(
            category="other",
            lang=g.lang,
            country=None,
            description=clean_text(form.details.data or "", 5000),
            link=f"{warning.kind}: {warning.value}",
            contact=clean_line(form.contact.data or "", 500),
            in_danger=False,
            answers={
                "topic": f"dispute of warning #{warning.id}",
                "dispute": reason,
                "warning_id": str(warning.id),
            },
        ),
        form_token=form.form_token.data,
    )
