"""Queue, tip detail and the actions on a tip. HTTP only: the logic is in services."""

from __future__ import annotations

import io
import logging
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from portal.accounts.audit import audit
from portal.casework import actions as services
from portal.casework import queries
from portal.casework.exports import staff_names
from portal.casework.payments import payment_details
from portal.extensions import db
from portal.forms import with_ids
from portal.jobs import store
from portal.models import Attachment, Category, Note, Tip, TipStatus
from portal.models.staff import AuditEvent, StaffUser
from portal.organisations import referrals
from portal.organisations.access import Grant, grant_for, scope_of
from portal.protection.files import read_file
from portal.protection.keys import Unreadable
from portal.protection.sealed import unreadable
from portal.public.tips.forms import describe_answers
from portal.staff.access import current_staff, requires, tip_or_404
from portal.staff.organisations.context import referral_context
from portal.staff.queue.forms import AssignForm, NoteForm, ReplyForm, StatusForm
from portal.staff.queue.reasons import routing_reason
from portal.staff.retention.context import retention_context
from portal.staff.warnings.routes import OPTIONAL_SUMMARIES, publish_form_for
from portal.triage.defang import defang

log = logging.getLogger(__name__)
bp = Blueprint("staff_queue", __name__, url_prefix="/staff", template_folder="templates")

STATUS_LABELS = {
    TipStatus.NEW: _l("New"),
    TipStatus.IN_REVIEW: _l("In review"),
    TipStatus.ESCALATED: _l("Escalated"),
    TipStatus.FORWARDED: _l("Forwarded"),
    TipStatus.CLOSED_ACTIONED: _l("Closed: action taken"),
    TipStatus.CLOSED_NO_ACTION: _l("Closed: no action"),
    TipStatus.CLOSED_DUPLICATE: _l("Closed: duplicate"),
    TipStatus.CLOSED_SPAM: _l("Closed: spam"),
}
CATEGORY_LABELS = {
    Category.DRUGS: _l("Drugs"),
    Category.JOB_OFFER: _l("Job offer"),
    Category.EXTREMISM: _l("Extremism"),
    Category.OTHER: _l("Other"),
}
PRIORITY_LABELS = {
    "urgent": _l("Urgent"),
    "high": _l("High"),
    "normal": _l("Normal"),
    "low": _l("Low"),
}
REFUSALS = {
    "status": _l("That status change is not allowed for this tip or for your role."),
    "assign_others": _l("Only supervisors can assign tips to other people."),
    "inactive": _l("That account is not active."),
    "empty": _l("Please write something first."),
    "not_holder": _l(
        "Another organisation holds this tip's workflow and its conversation with the reporter."
    ),
}


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "STATUS_LABELS": STATUS_LABELS,
        "CATEGORY_LABELS": CATEGORY_LABELS,
        "PRIORITY_LABELS": PRIORITY_LABELS,
        "defang": defang,
        "routing_reason": routing_reason,
    }


@bp.get("/queue")
@requires("analyst")
def queue() -> Any:
    me = current_staff()
    org_id = scope_of(me)
    waiting = referrals.pending_for(org_id) if org_id is not None else []
    try:
        filters = queries.QueueFilters.from_args(request.args.to_dict())
        tips, cursor = queries.queue_page(
            filters, me.id, request.args.get("after", ""), org_id=org_id
        )
    except queries.BadFilter as bad:
        return render_template(
            "staff/queue/queue.html",
            filters=queries.QueueFilters(),
            tips=[],
            cursor=None,
            staff=_staff_names(),
            waiting=waiting,
            error=_("This filter value is not valid: %(name)s", name=str(bad)),
        ), 400
    return render_template(
        "staff/queue/queue.html",
        filters=filters,
        tips=tips,
        cursor=cursor,
        staff=_staff_names(),
        waiting=waiting,
        error=None,
    )


@bp.get("/tips/<int:tip_id>")
@requires("analyst")
def tip_detail(tip_id: int) -> str:
    tip, grant = tip_or_404(tip_id)
    me = current_staff()
    if request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none"):
        # Opened from the console or typed in: a review. A cross-site link (from a browser
        # that still sent the cookie) shows the tip but does not count as one. The first
        # review is the holder's: a partner reading a referral does not stop the clock.
        if grant.holder:
            services.mark_seen(tip)
        audit(current_staff(), "view_tip", tip.id)
    else:
        audit(current_staff(), "view_tip", tip.id, cross_site=True)
    if parts := unreadable_parts(tip):
        # Logged by where it was (each value's own log line says why), never by what it held.
        audit(current_staff(), "tip_content_unreadable", tip.id, parts=parts)
    db.session.commit()
    return _render_detail(tip, me)


def unreadable_parts(tip: Tip) -> list[str]:
    """Which sealed parts of a tip did not open ("description", "message 12", …)."""
    parts = sorted(unreadable(tip))
    parts += [f"message {m.id}" for m in tip.messages if unreadable(m)]
    parts += [f"photo {a.id}" for a in tip.attachments if unreadable(a)]
    return parts


def _render_detail(tip: Tip, me: StaffUser, status: int = 200, **forms: Any) -> Any:
    grant = grant_for(tip, me)
    assert grant is not None  # every caller found the tip through tip_or_404
    status_form = forms.get("status_form") or StatusForm()
    status_form.status.choices = [(s, STATUS_LABELS[s]) for s in services.allowed_statuses(tip, me)]
    assign_form = forms.get("assign_form") or AssignForm(assignee=str(tip.assignee_id or ""))
    assign_form.assignee.choices = _assignee_choices(me)
    notes = db.select(Note).where(Note.tip_id == tip.id).order_by(Note.id)
    if not grant.coordinator:  # an organisation's notes are its own
        notes = notes.where(Note.organisation_id == grant.org_id)
    scope = None if grant.coordinator else grant.org_id
    related = store.related_tips(tip.id, visible_to=scope)
    cluster = store.cluster_members(tip.cluster_id, visible_to=scope) if tip.cluster_id else []
    return render_template(
        "staff/queue/tip.html",
        tip=tip,
        grant=grant,
        indicators=store.tip_indicators(tip.id),
        payments=payment_details(tip),
        related=related,
        hidden=[] if grant.coordinator else referrals.hidden_related(tip.id, grant.org_id),
        cluster=cluster,
        notes=list(db.session.scalars(notes)),
        history=list(db.session.scalars(_history_query(tip.id, grant))),
        messages=referrals.messages_seen_by(tip, grant),
        unreadable=unreadable_parts(tip),
        attachments=list(tip.attachments) if grant.photos else [],
        status_form=status_form,
        assign_form=assign_form,
        note_form=with_ids(forms.get("note_form") or NoteForm(), "note"),
        reply_form=with_ids(forms.get("reply_form") or ReplyForm(), "reply"),
        staff=_staff_names(),
        publish_form=(
            publish_form_for(tip) if me.has_role("supervisor") and grant.coordinator else None
        ),
        describe_answers=describe_answers,
        optional_summaries=OPTIONAL_SUMMARIES,
        **referral_context(tip, me, grant, forms),
        **retention_context(tip, me, grant, forms),
    ), status


def _history_query(tip_id: int, grant: Grant):  # type: ignore[no-untyped-def]
    query = (
        db.select(AuditEvent)
        .where(AuditEvent.tip_id == tip_id, AuditEvent.action != "view_tip")
        .order_by(AuditEvent.id)
    )
    if not grant.coordinator:  # its own steps, those addressed to it, and new scores
        query = query.where(
            (AuditEvent.organisation_id == grant.org_id)
            | (AuditEvent.other_org_id == grant.org_id)
            | (AuditEvent.action == "rescored")
        )
    return query


@bp.post("/tips/<int:tip_id>/status")
@requires("analyst")
def change_status(tip_id: int) -> Any:
    (tip, grant), me = tip_or_404(tip_id), current_staff()
    if not grant.holder:
        return _refuse(tip, "not_holder")
    form = StatusForm()
    form.status.choices = [(s.value, s.value) for s in TipStatus]
    if form.validate():
        return _act(tip, lambda: services.change_status(tip, me, form.status.data))
    return _render_detail(tip, me, 400, status_form=form)


@bp.post("/tips/<int:tip_id>/assign")
@requires("analyst")
def assign(tip_id: int) -> Any:
    (tip, grant), me = tip_or_404(tip_id), current_staff()
    if not grant.holder:
        return _refuse(tip, "not_holder")
    form = AssignForm()
    form.assignee.choices = _assignee_choices(me)
    if not form.validate():
        return _render_detail(tip, me, 400, assign_form=form)
    assignee = db.session.get(StaffUser, int(form.assignee.data)) if form.assignee.data else None
    if assignee is not None and assignee.organisation_id != me.organisation_id:
        return _refuse(tip, "assign_others")
    return _act(tip, lambda: services.assign(tip, me, assignee))


@bp.post("/tips/<int:tip_id>/notes")
@requires("analyst")
def add_note(tip_id: int) -> Any:
    (tip, _grant), me = tip_or_404(tip_id), current_staff()
    form = NoteForm()
    if not form.validate():
        return _render_detail(tip, me, 400, note_form=form)
    return _act(tip, lambda: services.add_note(tip, me, form.body.data))


@bp.post("/tips/<int:tip_id>/reply")
@requires("analyst")
def reply(tip_id: int) -> Any:
    (tip, grant), me = tip_or_404(tip_id), current_staff()
    if not grant.holder:
        return _refuse(tip, "not_holder")
    form = ReplyForm()
    if not form.validate():
        return _render_detail(tip, me, 400, reply_form=form)
    return _act(tip, lambda: services.reply_to_reporter(tip, me, form.body.data))


@bp.get("/attachments/<int:attachment_id>")
@requires("analyst")
def attachment(attachment_id: int) -> Response:
    item = db.get_or_404(Attachment, attachment_id)
    _tip, grant = tip_or_404(item.tip_id)
    if not grant.photos:  # the photos did not go with the referral
        abort(404)
    audit(current_staff(), "view_attachment", item.tip_id, attachment=item.id)
    db.session.commit()
    try:
        data = read_file(item)
    except (OSError, Unreadable) as error:  # a file gone, or one that does not open
        log.warning("attachment %d not served: %s", item.id, type(error).__name__)
        abort(404)
    response = send_file(io.BytesIO(data), mimetype=item.media_type, max_age=0, conditional=False)
    response.headers["Content-Disposition"] = "inline"
    return response


def _refuse(tip: Tip, code: str) -> Response:
    flash(str(REFUSALS[code]))
    return redirect(url_for(".tip_detail", tip_id=tip.id), code=303)


def _act(tip: Tip, action: Any) -> Any:
    try:
        action()
    except services.ActionRefused as refused:
        db.session.rollback()
        flash(str(REFUSALS[refused.code]))
        return redirect(url_for(".tip_detail", tip_id=tip.id), code=303)
    db.session.commit()
    flash(_("Saved."))
    return redirect(url_for(".tip_detail", tip_id=tip.id), code=303)


def _staff_names() -> dict[int, str]:
    return staff_names(scope_of(current_staff()))


def _assignee_choices(me: StaffUser) -> list[tuple[str, str]]:
    if not me.has_role("supervisor"):
        return [("", str(_l("Nobody"))), (str(me.id), me.username)]
    people = db.session.execute(
        db.select(StaffUser.id, StaffUser.username)
        .where(StaffUser.active.is_(True), StaffUser.organisation_id == me.organisation_id)
        .order_by(StaffUser.username)
    ).all()
    return [("", str(_l("Nobody")))] + [(str(i), name) for i, name in people]
