"""Retention in the staff console: the policy (shown to all staff, set by the coordinator's
administrators), the fortnight's outlook for supervisors, and legal holds on a tip."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from portal.categories import CATEGORIES
from portal.extensions import db
from portal.retention import holds, policy
from portal.staff.access import current_staff, in_coordinator, requires, tip_or_404
from portal.staff.retention.forms import HoldForm, field_name, policy_form

bp = Blueprint("staff_retention", __name__, url_prefix="/staff", template_folder="templates")


@bp.get("/retention")
@requires("analyst")
def policy_page() -> Any:
    days = policy.rules()
    me = current_staff()
    assert me is not None
    editable = me.has_role("admin") and in_coordinator(me)
    return _render_policy(days, policy_form(days) if editable else None)


def _render_policy(days: dict[tuple[str, str], int], form: Any, status: int = 200) -> Any:
    return render_template(
        "staff/retention/policy.html",
        days=days,
        form=form,
        categories=CATEGORIES,
        statuses=list(policy.DEFAULT_DAYS),
        field_name=field_name,
        grace_days=policy.GRACE_DAYS,
        reminder_days=policy.OPEN_REMINDER_DAYS,
    ), status


@bp.post("/retention")
@requires("admin", fresh=True, coordinator=True)
def save_policy() -> Any:
    days = policy.rules()
    form = policy_form(days)
    if not form.validate():
        return _render_policy(days, form, 400)
    me = current_staff()
    assert me is not None
    moved = changed = 0
    for category in CATEGORIES:
        for status in policy.DEFAULT_DAYS:
            new = form[field_name(category, status)].data
            if new != days[category, status]:
                moved += policy.set_days(me, category, status, new)
                changed += 1
    db.session.commit()
    if changed:
        flash(
            ngettext(
                "Saved. %(num)s closed tip has a new deletion date.",
                "Saved. %(num)s closed tips have a new deletion date.",
                moved,
            )
        )
    else:
        flash(_("Nothing was changed."))
    return redirect(url_for(".policy_page"), code=303)


@bp.get("/retention/outlook")
@requires("supervisor")
def outlook() -> Any:
    me = current_staff()
    assert me is not None
    found = holds.outlook(me.organisation_id, in_coordinator(me))
    return render_template(
        "staff/retention/outlook.html",
        **found,
        outlook_days=policy.OUTLOOK_DAYS,
        reminder_days=policy.OPEN_REMINDER_DAYS,
    )


@bp.post("/tips/<int:tip_id>/hold")
@requires("supervisor")
def place_hold(tip_id: int) -> Any:
    tip, grant = tip_or_404(tip_id)
    me = current_staff()
    assert me is not None
    if grant.pending:  # a referral not accepted yet gives no say over the tip
        flash(_("Accept this tip before you place a legal hold on it."))
        return _back(tip_id)
    form = HoldForm()
    if not form.validate():
        return render_template("staff/retention/hold.html", tip=tip, hold_form=form), 400
    try:
        holds.place_hold(tip, me, form.reason.data, form.case_reference.data, form.review_on.data)
        db.session.commit()
    except holds.HoldRefused:
        db.session.rollback()
        flash(_("This tip is under a legal hold already."))
        return _back(tip_id)
    except IntegrityError:  # deleted by the retention run meanwhile
        db.session.rollback()
        abort(404)
    flash(_("The legal hold is in place: this tip will not be deleted."))
    return _back(tip_id)


@bp.post("/tips/<int:tip_id>/hold/lift")
@requires("supervisor")
def lift_hold(tip_id: int) -> Response:
    tip, grant = tip_or_404(tip_id)
    me = current_staff()
    assert me is not None
    try:
        holds.lift_hold(tip, me, coordinator=grant.coordinator)
    except holds.HoldRefused:
        db.session.rollback()
        flash(_("Only the organisation that placed the hold, or the coordinator, can lift it."))
        return _back(tip_id)
    db.session.commit()
    flash(_("The legal hold was lifted."))
    return _back(tip_id)


def _back(tip_id: int) -> Response:
    return redirect(url_for("staff_queue.tip_detail", tip_id=tip_id), code=303)
