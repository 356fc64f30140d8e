"""Deny by default: every /staff/ view needs a signed-in account with a declared role,
unless it is explicitly marked public (the sign-in pages)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, abort, current_app, g, redirect, request, session, url_for

from portal import sessions
from portal.extensions import db
from portal.models import Attachment, AuditEvent, Organisation, Referral, RelayRequest, Tip
from portal.models.staff import Role, StaffUser
from portal.organisations.access import Grant, organisation_of, scope_of, visible_tip

IDLE_MINUTES = 20
# However active, a session ends after a working day: a copied cookie cannot live on.
MAX_SESSION_HOURS = 10
REAUTH_MINUTES = 5
SESSION_KEY = "staff"


def public(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a staff view as reachable without signing in (sign-in and setup pages only)."""
    view.staff_public = True  # type: ignore[attr-defined]
    return view


def requires(
    role: str, *, fresh: bool = False, coordinator: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the least role a view needs; `fresh` asks for a recent password + TOTP;
    `coordinator`: only for members of the coordinating organisation (who run the portal)."""
    Role(role)  # fail at import time on a typo

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            # The /staff/ guard already checked; checking again keeps a view safe even
            # if it is ever mounted elsewhere.
            user = current_staff()
            if user is None:
                abort(401)
            if not user.has_role(role) or (coordinator and not in_coordinator(user)):
                abort(403)
            if fresh and time.time() - session[SESSION_KEY]["auth_at"] > REAUTH_MINUTES * 60:
                return redirect(url_for("staff_auth.reauth", next=_back_to()))
            return view(*args, **kwargs)

        wrapper.staff_role = role  # type: ignore[attr-defined]
        wrapper.staff_coordinator = coordinator  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _back_to() -> str:
    """Where to return after re-authenticating: this page, or the form's page for a POST."""
    if request.method == "GET":
        return request.full_path
    referrer = request.referrer or ""
    path = referrer.split("://", 1)[-1].partition("/")[2]
    return f"/{path}" if path.startswith("staff/") else url_for("staff_auth.home")


def actor_of(event: AuditEvent) -> str:
    """Who did it, as the signed-in person may know: a username of their own organisation
    (the coordinator knows everyone's), otherwise only the other organisation's name."""
    me = current_staff()
    if me is None or event.organisation_id in (None, me.organisation_id) or in_coordinator(me):
        return event.username
    org = db.session.get(Organisation, event.organisation_id)
    return org.name if org is not None else "–"


def in_coordinator(user: StaffUser) -> bool:
    """True for members of the coordinating organisation."""
    return scope_of(user) is None


def tip_or_404(tip_id: int) -> tuple[Tip, Grant]:
    """The tip and what the signed-in account's organisation may see of it; 404 for a tip
    that is missing or not theirs alike (a 403 would tell that it exists)."""
    found = visible_tip(tip_id, current_staff())
    if found is None:
        abort(404)
    return found


def current_staff() -> StaffUser | None:
    """The signed-in staff account of this request, if any."""
    return g.get("staff")


def sign_in(user: StaffUser) -> None:
    """Start a staff session (after password and TOTP both passed). The caller commits."""
    now = time.time()
    sign_out()
    session.clear()
    token = sessions.start(
        sessions.STAFF, timedelta(minutes=IDLE_MINUTES), staff_user_id=user.id
    )
    session[SESSION_KEY] = {
        "sid": token,
        "uid": user.id,
        "ver": user.session_version,
        "auth_at": now,
        "seen": now,
        "started": now,
    }


def sign_out() -> None:
    """End this browser's staff session on the server too: a copy of the cookie made before
    is worth nothing after. The caller commits."""
    state = session.get(SESSION_KEY) or {}
    sessions.end(state.get("sid"))
    session.pop(SESSION_KEY, None)


def refresh_auth() -> None:
    """Record a fresh password + TOTP check for admin actions."""
    session[SESSION_KEY] = {**session[SESSION_KEY], "auth_at": time.time()}


def init_app(app: Flask) -> None:
    """Guard every /staff/ request before its view runs."""

    @app.context_processor
    def _staff_org() -> dict[str, Any]:
        user = g.get("staff")
        return {
            "staff_org": organisation_of(user) if user is not None else None,
            "actor_of": actor_of,
        }

    @app.before_request
    def _guard_staff() -> Any:
        if not request.path.startswith("/staff/") or request.endpoint is None:
            return None
        view = current_app.view_functions.get(request.endpoint)
        if view is None or getattr(view, "staff_public", False):
            return None
        user = _session_user()
        if user is None:
            session.pop(SESSION_KEY, None)
            if request.method == "GET":
                return redirect(url_for("staff_auth.login", next=request.full_path))
            abort(401)
        # A tip this organisation may not see does not exist for it, whatever the role:
        # checked before the role, so a 403 never tells that the tip is there.
        if not _tip_in_view(user, request.view_args or {}):
            abort(404)
        role = getattr(view, "staff_role", None)
        if role is None or not user.has_role(role):
            abort(403)
        if getattr(view, "staff_coordinator", False) and not in_coordinator(user):
            abort(403)
        g.staff = user
        g.lang = user.language
        return None


# URL arguments that name a tip, or something that belongs to exactly one tip.
_TIP_SCOPED: dict[str, type] = {
    "tip_id": Tip,
    "attachment_id": Attachment,
    "referral_id": Referral,
    "relay_id": RelayRequest,
}


def _tip_in_view(user: StaffUser, args: dict[str, Any]) -> bool:
    """False if the URL names a tip (directly or through something of it) that is missing
    or that the account's organisation may not see."""
    for name, model in _TIP_SCOPED.items():
        if name not in args:
            continue
        row = db.session.get(model, args[name])
        tip_id = None if row is None else (row.id if model is Tip else row.tip_id)
        if tip_id is None or visible_tip(tip_id, user) is None:
            return False
    return True


def _session_user() -> StaffUser | None:
    state = session.get(SESSION_KEY)
    if not state:
        return None
    now = time.time()
    if now - state.get("seen", 0) > IDLE_MINUTES * 60:
        return None
    if now - state.get("started", 0) > MAX_SESSION_HOURS * 3600:
        return None
    record = sessions.find(state.get("sid"), sessions.STAFF)  # idle or ended: gone
    if record is None or record.staff_user_id != state.get("uid"):
        return None
    user = db.session.get(StaffUser, record.staff_user_id)
    if user is None or not user.active or user.session_version != state.get("ver"):
        return None
    if now - state.get("seen", 0) > 60:  # refresh the idle clock, at most once a minute
        session[SESSION_KEY] = {**state, "seen": now}
        ends = min(
            datetime.fromtimestamp(now, UTC) + timedelta(minutes=IDLE_MINUTES),
            datetime.fromtimestamp(state.get("started", now), UTC)
            + timedelta(hours=MAX_SESSION_HOURS),
        )
        sessions.extend(record, ends)
        db.session.commit()
    return user
