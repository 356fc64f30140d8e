"""Report forms, the receipt page and follow-up. HTTP only: the logic is in services."""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from portal import metrics, sessions
from portal.config import current_settings
from portal.directory.entries import emergency_contacts
from portal.directory.loader import current_services
from portal.extensions import db, limiter
from portal.i18n import localized_blueprint
from portal.models import Category, Tip, as_utc, utcnow
from portal.public.tips.forms import FORMS, ReceiptForm, ReplyForm, ReportForm
from portal.retention import holds
from portal.retention.policy import GRACE_DAYS
from portal.sanitize import TEXT_MAX, clean_line, clean_text
from portal.security import cacheable
from portal.tips import receipts, services
from portal.tips.images import CleanImage, ImageRejected, PixelBudget, reencode
from portal.tips.status import describe_status, passed_on

bp = localized_blueprint("tips", __name__)


@bp.record_once
def _image_work_slots(state: Any) -> None:
    """One semaphore per app: how many of its requests may decode images at once."""
    settings = current_settings(state.app)
    state.app.extensions["waspada.image_slots"] = threading.BoundedSemaphore(
        settings.image_work_slots
    )


# How long the receipt page shows the code after a report: long enough to write it down.
RECEIPT_SHOWN_FOR = timedelta(minutes=15)
FORMS_GIVEN = "forms_given"


def _limit(name: str) -> Any:
    return lambda: getattr(current_settings().rate_limits, name)


submission_limit = limiter.shared_limit(_limit("submission"), scope="submission", methods=["POST"])
follow_up_login_limit = limiter.shared_limit(
    _limit("follow_up_login"), scope="follow-up-login", methods=["POST"]
)
follow_up_reply_limit = limiter.shared_limit(
    _limit("follow_up_reply"), scope="follow-up-reply", methods=["POST"]
)


def _ceiling(name: str, scope: str) -> Any:
    """One count for all clients together, so many clients, each under its own limit, still
    cannot keep the workers busy. Only admitted requests count: otherwise one client sending
    on after its own 429 would use up the ceiling and lock everyone else out."""
    return limiter.shared_limit(
        _limit(name),
        scope=scope,
        key_func=lambda: "site-wide",
        deduct_when=lambda response: response.status_code != 429,
        methods=["POST"],
    )


submission_global_limit = _ceiling("submission_global", "submission-global")
follow_up_login_global_limit = _ceiling("follow_up_login_global", "follow-up-login-global")
follow_up_reply_global_limit = _ceiling("follow_up_reply_global", "follow-up-reply-global")


@bp.get("/report/")
@limiter.exempt
@cacheable
def choose_category() -> str:
    return render_template("tips/choose.html", categories=list(Category))


@bp.route("/report/<category>", methods=["GET", "POST"])
@submission_limit
@submission_global_limit
def report(category: str) -> str | Response | tuple[str, int]:
    form_class = FORMS.get(category)
    if form_class is None:
        abort(404)
    form = form_class()
    if request.method == "GET":
        remember_form(form.form_token.data)
        return render_template("tips/report.html", form=form, category=category)
    if request.form.get("prefill") == "1":
        # Sent on from the job-offer checker: show the filled-in form to finish; store nothing.
        form.form_token.data = secrets.token_urlsafe(24)
        remember_form(form.form_token.data)
        return render_template("tips/report.html", form=form, category=category)
    if not form.validate():
        metrics.report_refused(category, "invalid")
        return render_template("tips/report.html", form=form, category=category), 400
    images = _clean_images(form)
    if images is None:
        metrics.report_refused(category, "image")
        return render_template("tips/report.html", form=form, category=category), 400
    receipt = services.submit_tip(_new_tip(form, category, images), form.form_token.data)
    if receipt.duplicate:
        metrics.report_refused(category, "duplicate")
    else:
        metrics.report_accepted(category)
    return show_receipt_once(
        receipt,
        form.form_token.data,
        category=category,
        danger=form.in_danger(),
        country=form.country.data or "",
    )


def remember_form(form_token: str) -> None:
    """Note (a hash of) each form this browser was given, the last few: if a second tap sends
    one again before the first answer arrived, this browser may still see its receipt."""
    mark = _form_mark(form_token)
    given = [seen for seen in session.get(FORMS_GIVEN, []) if seen != mark][-4:]
    session[FORMS_GIVEN] = [*given, mark]


def _form_mark(form_token: str) -> str:
    return hashlib.sha256(f"form:{form_token}".encode()).hexdigest()[:20]


def show_receipt_once(
    receipt: services.Receipt,
    form_token: str,
    *,
    category: str,
    danger: bool = False,
    country: str = "",
) -> Response | tuple[str, int]:
    """Send the reporter to the receipt page. The code waits, sealed, in a server-side
    session for 15 minutes; the cookie carries only that session's random token."""
    if receipt.duplicate and not _may_see_again(receipt, form_token):
        return render_template("tips/done.html", code=None, sent_again=True), 409
    token = sessions.start(
        sessions.RECEIPT, RECEIPT_SHOWN_FOR, tip_id=receipt.tip_id, secret=receipt.code
    )
    db.session.commit()
    session["receipt"] = {
        "sid": token,
        "danger": danger,
        "country": country,
        "duplicate": receipt.duplicate,
        "category": category,
    }
    return redirect(url_for("tips.done"), code=303)


def _may_see_again(receipt: services.Receipt, form_token: str) -> bool:
    """The same form sent twice: its receipt again only for the browser that was given the
    form (a double tap, a lost answer), and only while the first one could still be shown.

    Anyone else holding the form's hidden token (a saved page, a copied form) learns only
    that it was sent."""
    if _form_mark(form_token) not in session.get(FORMS_GIVEN, []):
        return False
    created = db.session.scalar(select(Tip.created_at).where(Tip.id == receipt.tip_id))
    return created is not None and utcnow() - as_utc(created) < RECEIPT_SHOWN_FOR


@bp.get("/report/done")
def done() -> str:
    shown = session.get("receipt") or {}
    record = sessions.find(shown.get("sid"), sessions.RECEIPT)
    code = sessions.unseal(record, shown["sid"]) if record is not None else None
    if code is None:
        session.pop("receipt", None)
        return render_template("tips/done.html", code=None)
    contacts = (
        emergency_contacts(shown["country"] or None, services=current_services())
        if shown.get("danger")
        else []
    )
    return render_template(
        "tips/done.html", code=receipts.grouped(code), shown=shown, contacts=contacts
    )


@bp.post("/report/done")
def hide_receipt() -> Response:
    session.pop(FORMS_GIVEN, None)
    sessions.end((session.pop("receipt", None) or {}).get("sid"))
    db.session.commit()
    return redirect(url_for(".choose_category"), code=303)


@bp.route("/follow-up", methods=["GET", "POST"])
@follow_up_login_limit
@follow_up_login_global_limit
def follow_up() -> str | Response | tuple[str, int]:
    tip = _followed_tip()
    if tip is not None:
        return _thread(tip, ReplyForm())
    form = ReceiptForm()
    if request.method == "GET":
        return render_template("tips/follow_up.html", form=form)
    if not form.validate():
        metrics.follow_up_login("invalid")
        return render_template("tips/follow_up.html", form=form), 400
    if receipts.normalise(form.code.data or "") is None:
        metrics.follow_up_login("invalid")
        form.code.errors = [_("A receipt code has 16 digits. Please check it and try again.")]
        return render_template("tips/follow_up.html", form=form), 400
    found = services.find_tip_by_receipt(form.code.data or "")
    if found is None:
        metrics.follow_up_login("wrong_code")
        form.code.errors = [
            _("We could not find a report with this code. Please check the digits and try again.")
        ]
        return render_template("tips/follow_up.html", form=form), 400
    metrics.follow_up_login("accepted")
    minutes = current_settings().follow_up_minutes
    sessions.end((session.get("follow_up") or {}).get("sid"))
    token = sessions.start(sessions.FOLLOW_UP, timedelta(minutes=minutes), tip_id=found.id)
    db.session.commit()
    session["follow_up"] = {"sid": token}
    return redirect(url_for(".follow_up"), code=303)


@bp.post("/follow-up/reply")
@follow_up_reply_limit
@follow_up_reply_global_limit
def reply() -> str | Response | tuple[str, int]:
    tip = _followed_tip()
    if tip is None:
        return redirect(url_for(".follow_up"), code=303)
    form = ReplyForm()
    if not form.validate():
        return _thread(tip, form), 400
    images = _clean_images(form)
    if images is None:
        return _thread(tip, form), 400
    services.add_reporter_message(tip.id, clean_text(form.body.data or "", TEXT_MAX), images)
    flash(_("Thank you. Your message was added."))
    return redirect(url_for(".follow_up"), code=303)


def _thread(tip: Tip, form: ReplyForm) -> str:
    passed, names = passed_on(tip)
    return render_template(
        "tips/thread.html",
        tip=tip,
        reply=form,
        status=describe_status(tip.status),
        passed_on=passed,
        holders=names,
        **_deletion(tip),
    )


def _deletion(tip: Tip) -> dict[str, Any]:
    """What the reporter is told about deleting their report."""
    return {
        "held": holds.active_hold(tip.id) is not None,
        "delete_on": as_utc(tip.expires_at) if tip.withdrawn_at and tip.expires_at else None,
        "grace_days": GRACE_DAYS,
    }


@bp.route("/follow-up/delete", methods=["GET", "POST"])
@follow_up_reply_limit
@follow_up_reply_global_limit
def delete_report() -> str | Response:
    """"Delete my report": a plain confirmation first; then seven days to change one's mind
    (the same receipt code undoes it), then the report is deleted, unless held for a case."""
    tip = _followed_tip()
    if tip is None:
        return redirect(url_for(".follow_up"), code=303)
    if request.method == "GET":
        shown = _deletion(tip)
        shown["delete_on"] = shown["delete_on"] or utcnow() + timedelta(days=GRACE_DAYS)
        return render_template("tips/delete.html", **shown)
    holds.withdraw(tip)
    db.session.commit()
    if holds.active_hold(tip.id) is not None:
        flash(_("We noted that you want your report deleted. It will be deleted when the case ends."))
    else:
        flash(_("Your report will be deleted. You can still change your mind."))
    return redirect(url_for(".follow_up"), code=303)


@bp.post("/follow-up/keep")
@follow_up_reply_limit
@follow_up_reply_global_limit
def keep_report() -> Response:
    tip = _followed_tip()
    if tip is None:
        return redirect(url_for(".follow_up"), code=303)
    holds.undo_withdrawal(tip)
    db.session.commit()
    flash(_("Your report will be kept. Thank you."))
    return redirect(url_for(".follow_up"), code=303)


@bp.post("/follow-up/leave")
def leave() -> Response:
    sessions.end((session.pop("follow_up", None) or {}).get("sid"))
    db.session.commit()
    return redirect(url_for(".follow_up"), code=303)


def end_browser_sessions() -> None:
    """End every session of this browser on the server (quick exit): receipt, follow-up, and
    a staff sign-in if there is one. The cookie is dropped even when the database is down."""
    try:
        for name in ("receipt", "follow_up", "staff"):
            sessions.end((session.get(name) or {}).get("sid"))
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()  # leaving must never fail: the rows expire on their own
    session.clear()


def _followed_tip() -> Any:
    state = session.get("follow_up") or {}
    record = sessions.find(state.get("sid"), sessions.FOLLOW_UP)
    if record is None:
        session.pop("follow_up", None)
        return None
    return db.session.get(Tip, record.tip_id)


def _new_tip(form: ReportForm, category: str, images: list[CleanImage]) -> services.NewTip:
    answers = {}
    for name in form.answer_fields:
        value = getattr(form, name).data
        if isinstance(value, str) and value.strip():
            answers[name] = clean_line(value, 500)
    return services.NewTip(
        category=category,
        lang=g.lang,
        country=form.country.data or None,
        description=clean_text(form.description.data or "", TEXT_MAX),
        link=clean_line(form.link.data or "", 500),
        contact=clean_line(form.contact.data or "", 500),
        in_danger=form.in_danger(),
        answers=answers,
        images=images,
    )


def _clean_images(form: Any) -> list[CleanImage] | None:
    """Re-encode every upload within one pixel budget; on the first refusal, put a message on
    the field. Only a few requests per process work on images at once; past a short wait: 503."""
    uploads = form.uploads()
    if not uploads:
        return []
    settings = current_settings()
    with image_work_slot():
        budget = PixelBudget(settings.max_request_pixels)
        cleaned = []
        for upload in uploads:
            try:
                cleaned.append(
                    reencode(
                        upload.stream,
                        max_bytes=settings.max_image_bytes,
                        max_pixels=settings.max_image_pixels,
                        budget=budget,
                    )
                )
            except ImageRejected as refused:
                form.images.errors = [*form.images.errors, image_message(refused.reason)]
                return None
        return cleaned


@contextmanager
def image_work_slot() -> Iterator[None]:
    """One of the few image decodings a process runs at once (``image_work_slots``); past a
    short wait, 503. For report photos and the checker's screenshots alike."""
    settings = current_settings()
    slots = current_app.extensions["waspada.image_slots"]
    if not slots.acquire(timeout=settings.image_work_wait_seconds):
        abort(503)
    try:
        yield
    finally:
        slots.release()


def image_message(reason: str) -> str:
    """Why an upload was refused, in the reader's language."""
    if reason == ImageRejected.TOO_LARGE:
        return _("One of the images is larger than 10 MB. Please send a smaller one.")
    if reason == ImageRejected.TOO_MANY_PIXELS:
        return _("One of the images is too large to open. Please send a smaller one.")
    return _("We can only accept photos and screenshots (JPEG, PNG or WebP).")
