"""Staff sign-in (password, then TOTP), setup, re-authentication, sign-out."""

from __future__ import annotations

import hashlib
import io
import time
from typing import Any

import segno
from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response

from portal import sessions
from portal.accounts import services
from portal.accounts.audit import audit
from portal.extensions import db, limiter
from portal.models.staff import AuditEvent, StaffUser
from portal.staff.access import (
    current_staff,
    public,
    refresh_auth,
    requires,
    sign_in,
    sign_out,
)
from portal.staff.auth.forms import (
    CodeForm,
    LanguageForm,
    LoginForm,
    PasswordChangeForm,
    ReauthForm,
    SetupForm,
)

bp = Blueprint("staff_auth", __name__, url_prefix="/staff", template_folder="templates")
PENDING = "staff_pending"
PENDING_SECONDS = 300
SETUP_SEED = "staff_setup_seed"
LOGIN_LIMIT = "20 per minute;100 per hour"
login_limit = limiter.shared_limit(LOGIN_LIMIT, scope="staff-login", methods=["POST"])
# The same budget, spent only when a password was checked: a form refused before that (400)
# tells a guesser nothing.
password_check_limit = limiter.shared_limit(
    LOGIN_LIMIT,
    scope="staff-login",
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 400,
)

MESSAGES = {
    "locked": lambda: _(
        "Too many failed attempts. This account is locked for a while; "
        "try again later or ask an administrator."
    ),
    "bad_code": lambda: _(
        "That code is not right, or it was already used. Wait for the next code and try again."
    ),
    "short_password": lambda: _("Please use at least 12 characters."),
    "password_has_username": lambda: _("The password must not contain your username."),
    "common_password": lambda: _("This password is too common. Please choose another one."),
}
# Which factor was wrong is not said: it would help someone who took over a session.
WRONG_PASSWORD_OR_CODE = ("bad_password", "bad_code")


def _safe_next(default: str) -> str:
    target = request.args.get("next", "")
    # isprintable(): a line break would end up inside the Location header.
    safe = target.startswith("/staff/") and "//" not in target and target.isprintable()
    return target if safe else default


@bp.route("/login", methods=["GET", "POST"])
@public
@login_limit
def login() -> Any:
    form = LoginForm()
    if request.method == "GET" or not form.validate():
        return render_template("staff/auth/login.html", form=form), (
            400 if request.method == "POST" else 200
        )
    try:
        user = services.check_password(form.username.data, form.password.data)
    except services.AccountError as refused:
        db.session.commit()
        form.password.errors = [MESSAGES[refused.code]()]
        return render_template("staff/auth/login.html", form=form), 403
    if user is None:
        _audit_failed_sign_in(form.username.data)
        db.session.commit()
        form.password.errors = [_("Wrong username or password.")]
        return render_template("staff/auth/login.html", form=form), 403
    db.session.commit()
    session[PENDING] = {"uid": user.id, "until": time.time() + PENDING_SECONDS}
    return redirect(url_for(".second_factor", next=request.args.get("next", "")), code=303)


@bp.route("/login/code", methods=["GET", "POST"])
@public
@login_limit
def second_factor() -> Any:
    pending = session.get(PENDING)
    if not pending or pending["until"] < time.time():
        session.pop(PENDING, None)
        return redirect(url_for(".login"), code=303)
    form = CodeForm()
    if request.method == "GET" or not form.validate():
        return render_template("staff/auth/code.html", form=form), (
            400 if request.method == "POST" else 200
        )
    user = db.session.get(StaffUser, pending["uid"])
    if user is None or not user.active or services.is_locked(user):
        session.pop(PENDING, None)
        return redirect(url_for(".login"), code=303)
    if not services.accept_totp(user, form.code.data):
        services.record_failure(user)
        _audit_failed_sign_in(user.username, step="code")
        db.session.commit()
        form.code.errors = [MESSAGES["bad_code"]()]
        return render_template("staff/auth/code.html", form=form), 403
    services.record_success(user)
    sign_in(user)
    g.staff = user
    audit(user, "sign_in")
    db.session.commit()
    return redirect(_safe_next(url_for("staff_auth.home")), code=303)


@bp.route("/setup/<token>", methods=["GET", "POST"])
@public
@login_limit
def setup(token: str) -> Any:
    user = services.account_for_setup(token)
    if user is None:
        return render_template("staff/auth/setup_invalid.html"), 404
    form = SetupForm()
    status = 200
    seed = _fresh_seed_for(token)
    if request.method == "POST":
        status = 400
        if form.validate():
            try:
                services.complete_setup(user, form.password.data, form.code.data, seed)
                db.session.commit()
                session.pop(SETUP_SEED, None)
                return redirect(url_for(".login"), code=303)
            except services.AccountError as refused:
                field = form.code if refused.code == "bad_code" else form.password
                field.errors = [MESSAGES[refused.code]()]
                db.session.commit()
    uri = services.totp_uri(user, seed)
    return render_template(
        "staff/auth/setup.html", form=form, user=user, uri=uri, secret=seed, qr=qr_svg(uri)
    ), status


def _fresh_seed_for(token: str) -> str:
    """The authenticator seed this browser's setup page shows: made here, for this person
    only, and kept (in this browser's session) until setup is done, so a reload shows the
    same one the app already scanned."""
    mark = hashlib.sha256(token.encode()).hexdigest()[:16]
    kept = session.get(SETUP_SEED) or {}
    if kept.get("for") != mark:
        kept = {"for": mark, "seed": services.new_totp_secret()}
        session[SETUP_SEED] = kept
    return kept["seed"]


@bp.route("/reauth", methods=["GET", "POST"])
@requires("analyst")
def reauth() -> Any:
    user = current_staff()
    form = ReauthForm(username=user.username if user else "")
    if request.method == "POST" and form.validate():
        try:
            ok = services.check_password(user.username, form.password.data) is not None
        except services.AccountError:
            ok = False
        if ok and services.accept_totp(user, form.code.data):
            refresh_auth()
            audit(user, "reauthenticate")
            db.session.commit()
            return redirect(_safe_next(url_for("staff_auth.home")), code=303)
        if ok:
            services.record_failure(user)
        db.session.commit()
        form.code.errors = [_("The password or the code is not right.")]
        return render_template("staff/auth/reauth.html", form=form), 403
    return render_template("staff/auth/reauth.html", form=form), (
        400 if request.method == "POST" else 200
    )


@bp.get("/")
@requires("analyst")
def home() -> Response:
    if "staff_queue.queue" in current_app.view_functions:
        return redirect(url_for("staff_queue.queue"))
    return redirect(url_for(".account"))


@bp.get("/account")
@requires("analyst")
def account() -> str:
    return render_template(
        "staff/auth/account.html", language=LanguageForm(language=current_staff().language)
    )


@bp.post("/account/language")
@requires("analyst")
def set_language() -> Response:
    form = LanguageForm()
    if form.validate():
        current_staff().language = form.language.data
        audit(current_staff(), "set_language", language=form.language.data)
        db.session.commit()
    return redirect(url_for(".account"), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
@requires("analyst")
@password_check_limit
def change_password() -> Any:
    form = PasswordChangeForm()
    if request.method == "GET" or not form.validate():
        return render_template("staff/auth/password.html", form=form), (
            400 if request.method == "POST" else 200
        )
    user = current_staff()
    try:
        services.change_password(user, form.current.data, form.password.data, form.code.data)
    except services.AccountError as refused:
        db.session.commit()  # a counted failure is kept
        if refused.code in WRONG_PASSWORD_OR_CODE:
            form.code.errors = [_("The password or the code is not right.")]
            return render_template("staff/auth/password.html", form=form), 403
        if refused.code == "locked":
            form.current.errors = [MESSAGES["locked"]()]
            return render_template("staff/auth/password.html", form=form), 403
        form.password.errors = [MESSAGES[refused.code]()]
        return render_template("staff/auth/password.html", form=form), 400
    sign_in(user)  # other sessions ended with the old session version; this one goes on
    audit(user, "change_password")
    db.session.commit()
    flash(_("Your password is changed. You are signed out on every other device."))
    return redirect(url_for(".account"), code=303)


@bp.post("/logout")
@requires("analyst")
def logout() -> Response:
    audit(current_staff(), "sign_out")
    sign_out()
    db.session.commit()
    session.clear()
    return redirect(url_for(".login"), code=303)


@bp.post("/logout-everywhere")
@requires("analyst")
def logout_everywhere() -> Response:
    user = current_staff()
    user.session_version += 1
    sessions.end_all_for_staff(user.id)
    audit(user, "sign_out_everywhere")
    db.session.commit()
    session.clear()
    return redirect(url_for(".login"), code=303)


def _audit_failed_sign_in(username: str, step: str = "password") -> None:
    """Record a failed attempt against an existing account (unknown names are not stored)."""
    user = db.session.scalar(
        db.select(StaffUser).where(StaffUser.username == (username or "").strip().lower())
    )
    if user is not None:
        db.session.add(
            AuditEvent(
                staff_user_id=user.id,
                username=user.username,
                action="sign_in_failed",
                detail={"step": step},
                summary=step,
            )
        )


def qr_svg(data: str) -> Markup:
    """A QR code as inline SVG, drawn here: no image service ever sees the secret."""
    out = io.BytesIO()
    segno.make(data, error="m").save(
        out,
        kind="svg",
        scale=5,
        border=2,
        xmldecl=False,
        svgclass="qr",
        title=_("QR code for your authenticator app"),
        dark="#000",
        light="#fff",
    )
    return Markup(out.getvalue().decode())  # noqa: S704 - generated by segno, not user input
