"""Supervisors publish a public warning from a tip's indicator, and withdraw it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.accounts.audit import audit
from portal.extensions import db
from portal.forms import readable
from portal.i18n import LANGUAGE_NAMES, LOCALES
from portal.jobs import store
from portal.models import Tip
from portal.models.warnings import PublicWarning
from portal.sanitize import clean_text
from portal.staff.access import current_staff, in_coordinator, requires, tip_or_404
from portal.triage.defang import defang
from portal.warnings import services

bp = Blueprint("staff_warnings", __name__, url_prefix="/staff", template_folder="templates")
SUMMARY_HINT = _l("Plain words for the public: what happened, no names of reporters or victims.")


class PublishForm(FlaskForm):
    identifier = SelectField(_l("Identifier to warn about"), validators=[DataRequired()])
    incident_date = DateField(_l("When it happened (about)"), validators=[DataRequired()])
    summary_id = TextAreaField(
        _l("Summary in Indonesian"),
        description=SUMMARY_HINT,
        validators=[DataRequired(), readable, Length(max=1000)],
    )
    summary_en = TextAreaField(
        _l("Summary in English"),
        description=SUMMARY_HINT,
        validators=[DataRequired(), readable, Length(max=1000)],
    )
    summary_vi = TextAreaField(
        _l("Summary in Vietnamese"),
        description=SUMMARY_HINT,
        validators=[DataRequired(), readable, Length(max=1000)],
    )


# The other locales' summaries are optional: a reader whose language has none sees
# Indonesian (Malay readers) or English (see PublicWarning.summary_in).
REQUIRED_SUMMARIES = ("id", "en", "vi")
OPTIONAL_SUMMARIES = tuple(code for code in LOCALES if code not in REQUIRED_SUMMARIES)
for _code in OPTIONAL_SUMMARIES:
    setattr(
        PublishForm,
        f"summary_{_code}",
        TextAreaField(
            _l("Summary in %(language)s (optional)", language=LANGUAGE_NAMES[_code]),
            validators=[Optional(), readable, Length(max=1000)],
        ),
    )


def publish_form_for(tip: Tip) -> PublishForm:
    """The publish form with this tip's indicators as choices."""
    form = PublishForm()
    form.identifier.choices = [
        (f"{kind}|{value}", f"{kind}: {defang(kind, value)}")
        for kind, value in store.tip_indicators(tip.id)
    ]
    return form


@bp.post("/tips/<int:tip_id>/warnings")
@requires("supervisor", coordinator=True)  # the operator speaks to the public
def publish(tip_id: int) -> Any:
    tip, _grant = tip_or_404(tip_id)
    form = publish_form_for(tip)
    if not form.validate():
        flash(_("The warning was not published: please fill in every field."))
        return redirect(url_for("staff_queue.tip_detail", tip_id=tip.id), code=303)
    kind, _sep, value = form.identifier.data.partition("|")
    summary = {
        lang: text
        for lang in REQUIRED_SUMMARIES + OPTIONAL_SUMMARIES
        if (text := clean_text(getattr(form, f"summary_{lang}").data or "", 1000))
        or lang in REQUIRED_SUMMARIES
    }
    warning = services.publish(
        kind, value, summary, form.incident_date.data, tip.id, current_staff().id
    )
    audit(current_staff(), "publish_warning", tip.id, f"{kind}: {value}", warning=warning.id)
    db.session.commit()
    flash(_("The warning is published."))
    return redirect(url_for("staff_queue.tip_detail", tip_id=tip.id), code=303)


@bp.get("/warnings")
@requires("analyst")
def warning_list() -> str:
    query = db.select(PublicWarning).order_by(PublicWarning.id.desc()).limit(200)
    if not in_coordinator(current_staff()):
        # Partners see what the public sees: a withdrawn warning may come from a tip that
        # is not theirs.
        query = query.where(PublicWarning.withdrawn_at.is_(None))
    warnings = db.session.scalars(query).all()
    return render_template("staff/warnings/index.html", warnings=warnings)


@bp.post("/warnings/<int:warning_id>/withdraw")
@requires("supervisor", coordinator=True)
def withdraw(warning_id: int) -> Response:
    warning = db.get_or_404(PublicWarning, warning_id)
    services.withdraw(warning)
    audit(
        current_staff(),
        "withdraw_warning",
        warning.source_tip_id,
        f"{warning.kind}: {warning.value}",
        warning=warning.id,
    )
    db.session.commit()
    flash(_("The warning is withdrawn. It no longer appears in the list or the feed."))
    return redirect(url_for(".warning_list"), code=303)
