"""Admin pages: the audit log (read-only), staff accounts, the support directory file.

HTTP only: the logic is in services. Every change needs a recent password + TOTP
check (`fresh=True`), is a POST with a CSRF token and writes an audit line.
"""

from __future__ import annotations

import time
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.accounts import admin as services
from portal.accounts import audit as audit_trail
from portal.accounts import services as auth_services
from portal.config import current_settings
from portal.directory import admin as directory_admin
from portal.extensions import db
from portal.job_offers import registry as recruiter_registry
from portal.models import utcnow
from portal.models.directory import SupportService
from portal.models.staff import StaffUser
from portal.organisations import services as organisations
from portal.organisations.access import organisation_of, scope_of
from portal.sanitize import clean_line
from portal.staff.access import REAUTH_MINUTES, SESSION_KEY, current_staff, requires
from portal.staff.admin.forms import (
    ROLE_LABELS,
    ConfirmForm,
    CreateAccountForm,
    RegistryUploadForm,
    RoleForm,
    SupportUploadForm,
)

bp = Blueprint("staff_admin", __name__, url_prefix="/staff/admin", template_folder="templates")

REFUSALS = {
    "bad_username": _l("Use 3 to 40 letters a to z, digits, dots, hyphens or underscores."),
    "exists": _l("An account with this username already exists."),
    "self_role": _l("You cannot change your own role. Ask another administrator."),
    "self_deactivate": _l("You cannot deactivate your own account. Ask another administrator."),
    "self_reset": _l(
        "You cannot reset your own account here. Ask another administrator, "
        "or use the command line."
    ),
}


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"ROLE_LABELS": ROLE_LABELS}


# ---------------------------------------------------------------- audit log


@bp.get("/audit")
@requires("admin")
def audit_log() -> Any:
    try:
        filters = audit_trail.AuditFilters.from_args(request.args.to_dict())
        events, before = audit_trail.audit_page(
            filters, request.args.get("before", ""), org_id=scope_of(current_staff())
        )
    except audit_trail.BadFilter as bad:
        return render_template(
            "staff/admin/audit.html",
            filters=audit_trail.AuditFilters(),
            events=[],
            before=None,
            error=_("This filter value is not valid: %(name)s", name=str(bad)),
        ), 400
    return render_template(
        "staff/admin/audit.html", filters=filters, events=events, before=before, error=None
    )


# ---------------------------------------------------------------- accounts


def _recently_confirmed() -> bool:
    return time.time() - session[SESSION_KEY]["auth_at"] <= REAUTH_MINUTES * 60


def _create_form(form: CreateAccountForm | None = None) -> CreateAccountForm:
    """The new-account form; the coordinator's administrators choose the organisation."""
    form = form or CreateAccountForm(formdata=None)
    me = current_staff()
    if scope_of(me) is None:
        form.organisation.choices = [
            (str(org.id), org.name) for org in organisations.all_organisations(active_only=True)
        ]
        if not form.organisation.data:
            form.organisation.data = str(me.organisation_id)
    else:
        form.organisation.choices = [(str(me.organisation_id), organisation_of(me).name)]
        form.organisation.data = str(me.organisation_id)
    return form


def _render_accounts(
    status: int = 200, error: str | None = None, create_form: CreateAccountForm | None = None
) -> tuple[str, int]:
    users = services.list_accounts(scope_of(current_staff()))
    return render_template(
        "staff/admin/accounts.html",
        users=users,
        org_names={org.id: org.name for org in organisations.all_organisations()},
        locked={user.id for user in users if auth_services.is_locked(user)},
        create_form=_create_form(create_form),
        role_forms={user.id: RoleForm(formdata=None, role=user.role) for user in users},
        confirm_form=ConfirmForm(formdata=None),
        confirmed=_recently_confirmed(),
        hours=auth_services.SETUP_HOURS,
        error=error,
    ), status


def _render_setup_link(account: auth_services.NewAccount, *, created: bool) -> str:
    """The setup link, shown once (only its hash is stored). No authenticator seed: the
    setup page makes one for the person alone."""
    settings = current_settings()
    link = services.setup_link(
        settings.public_base_url, url_for("staff_auth.setup", token=account.setup_token)
    )
    return render_template(
        "staff/admin/setup_link.html",
        user=account.user,
        link=link,
        created=created,
        hours=auth_services.SETUP_HOURS,
    )


@bp.get("/accounts")
@requires("admin")
def accounts() -> Any:
    return _render_accounts()


@bp.get("/accounts/new")
@bp.get("/accounts/<int:user_id>/reset")
@bp.get("/accounts/<int:user_id>/role")
@bp.get("/accounts/<int:user_id>/deactivate")
@bp.get("/accounts/<int:user_id>/reactivate")
@requires("admin")
def back_to_accounts(user_id: int | None = None) -> Response:
    """After re-authentication the browser comes back to an action's address with GET.

    The form it had sent is gone; show the list again and change nothing.
    """
    return redirect(url_for(".accounts"), code=303)


@bp.post("/accounts/new")
@requires("admin", fresh=True)
def create_account() -> Any:
    form = _create_form(CreateAccountForm())
    if not form.validate():
        return _render_accounts(400, create_form=form)
    try:
        account = services.create_account(
            current_staff(),
            form.username.data,
            form.role.data,
            form.language.data,
            int(form.organisation.data),
        )
    except services.AdminRefused as refused:
        db.session.rollback()
        form.username.errors = [str(REFUSALS[refused.code])]
        return _render_accounts(400, create_form=form)
    db.session.commit()
    return _render_setup_link(account, created=True)


def _account_action(user_id: int, form: Any, action: Any) -> Any:
    """Run one change on an account: validate the form, refuse with a message, or commit."""
    user = db.get_or_404(StaffUser, user_id)
    org_id = scope_of(current_staff())
    if org_id is not None and user.organisation_id != org_id:
        abort(404)  # another organisation's people are not this administrator's
    if not form.validate():
        return _render_accounts(400, error=_("The form was not complete. Please try again."))
    try:
        result = action(current_staff(), user)
    except services.AdminRefused as refused:
        db.session.rollback()
        return _render_accounts(400, error=str(REFUSALS[refused.code]))
    db.session.commit()
    if isinstance(result, auth_services.NewAccount):
        return _render_setup_link(result, created=False)
    flash(_("Saved.") if result else _("Nothing to change."))
    return redirect(url_for(".accounts"), code=303)


@bp.post("/accounts/<int:user_id>/reset")
@requires("admin", fresh=True)
def reset_account(user_id: int) -> Any:
    return _account_action(user_id, ConfirmForm(), services.reset_account)


@bp.post("/accounts/<int:user_id>/role")
@requires("admin", fresh=True)
def change_role(user_id: int) -> Any:
    form = RoleForm()
    return _account_action(
        user_id, form, lambda admin, user: services.change_role(admin, user, form.role.data)
    )


@bp.post("/accounts/<int:user_id>/deactivate")
@requires("admin", fresh=True)
def deactivate(user_id: int) -> Any:
    return _account_action(
        user_id, ConfirmForm(), lambda admin, user: services.set_active(admin, user, False)
    )


@bp.post("/accounts/<int:user_id>/reactivate")
@requires("admin", fresh=True)
def reactivate(user_id: int) -> Any:
    return _account_action(
        user_id, ConfirmForm(), lambda admin, user: services.set_active(admin, user, True)
    )


# ---------------------------------------------------------------- support directory


def _uploaded(form: Any, max_bytes: int, default_name: str) -> tuple[bytes, str]:
    """An uploaded file's first ``max_bytes + 1`` bytes (the loader refuses more) and its
    name, which is shown and audited: plain text only (no NUL for PostgreSQL)."""
    upload = form.file.data
    content = upload.stream.read(max_bytes + 1)
    return content, clean_line(upload.filename or "", 200) or default_name


@bp.route("/support", methods=["GET", "POST"])
@requires("admin", fresh=True, coordinator=True)
def support() -> Any:
    form = SupportUploadForm()
    result = problem = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate():
            content, filename = _uploaded(form, directory_admin.FILE_MAX_BYTES, "upload.yaml")
            try:
                result = directory_admin.load_support_file(current_staff(), content, filename)
                status = 200
            except directory_admin.SupportFileRefused as refused:
                problem = str(refused)
            db.session.commit()  # the audit line, whether the file was loaded or refused
    return render_template(
        "staff/admin/support.html",
        form=form,
        result=result,
        problem=problem,
        entries=db.session.scalar(db.select(db.func.count()).select_from(SupportService)),
    ), status


@bp.get("/support/directory.yaml")
@requires("admin", coordinator=True)
def support_export() -> Response:
    body = directory_admin.directory_yaml(utcnow())
    return Response(
        body,
        mimetype="application/yaml",
        headers={"Content-Disposition": 'attachment; filename="support-directory.yaml"'},
    )


# ---------------------------------------------------------------- licensed recruiters


@bp.route("/registry", methods=["GET", "POST"])
@requires("admin", fresh=True, coordinator=True)
def registry_page() -> Any:
    """The licensed-recruiter lists the checker looks up: what is loaded, and a new file."""
    form = RegistryUploadForm()
    result = None
    problems: list[tuple[int, str, str]] = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate():
            content, filename = _uploaded(form, recruiter_registry.FILE_MAX_BYTES, "upload.csv")
            try:
                result = recruiter_registry.load(content, filename)
                summary = ", ".join(
                    f"{item.country} +{item.added} -{item.removed} ={item.kept}"
                    for item in result.countries
                )
                audit_trail.audit(
                    current_staff(), "load_recruiter_registry", summary=f"{filename}: {summary}"
                )
                status = 200
            except recruiter_registry.RegistryFileRefused as refused:
                db.session.rollback()
                problems = refused.problems
                audit_trail.audit(
                    current_staff(),
                    "load_recruiter_registry_refused",
                    summary=f"{filename}: {len(problems)} problems",
                )
            db.session.commit()
    return render_template(
        "staff/admin/registry.html",
        form=form,
        result=result,
        problems=problems,
        lists=recruiter_registry.lists(),
        columns=recruiter_registry.COLUMNS,
    ), status
