"""Account administration: create, reset, change role, deactivate. Each change writes its
audit line for the administrator who made it; the caller commits."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts import services as accounts
from portal.accounts.audit import audit
from portal.extensions import db
from portal.models import Role, StaffUser


class AdminRefused(ValueError):
    """An account change that is not allowed; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code




def list_accounts(org_id: int | None = None) -> list[StaffUser]:
    """Every account, or one organisation's."""
    query = select(StaffUser).order_by(StaffUser.organisation_id, StaffUser.username)
    if org_id is not None:
        query = query.where(StaffUser.organisation_id == org_id)
    return list(db.session.scalars(query))


def setup_link(base_url: str, setup_path: str) -> str:
    """The absolute setup link an administrator passes on (path from url_for)."""
    return base_url.rstrip("/") + setup_path


def create_account(
    admin: StaffUser, username: str, role: str, language: str, organisation_id: int | None = None
) -> accounts.NewAccount:
    """A new account waiting for its owner to finish setup, in the administrator's
    organisation unless another is given (the caller checks that it may)."""
    try:
        account = accounts.create_account(
            username, role, language, organisation_id or admin.organisation_id
        )
    except accounts.AccountError as refused:
        raise AdminRefused(refused.code) from None
    audit(
        admin,
        "create_account",
        summary=f"{account.user.username} ({role})",
        account=account.user.username,
        role=role,
        language=language,
        other_org_id=account.user.organisation_id,
    )
    return account


def reset_account(admin: StaffUser, user: StaffUser) -> accounts.NewAccount:
    """New setup link and authenticator; the account's sessions end at once."""
    if user.id == admin.id:
        # It would end this session and leave only a link shown once; use the CLI.
        raise AdminRefused("self_reset")
    account = accounts.new_setup_token(user)
    audit(
        admin,
        "reset_account",
        summary=user.username,
        account=user.username,
        other_org_id=user.organisation_id,
    )
    return account


def change_role(admin: StaffUser, user: StaffUser, role: str) -> bool:
    """Give the account another role; False when it already had it."""
    Role(role)
    if user.id == admin.id:
        raise AdminRefused("self_role")
    if user.role == role:
        return False
    old, user.role = user.role, role
    audit(
        admin,
        "change_role",
        summary=f"{user.username}: {old} → {role}",
        account=user.username,
        old=old,
        new=role,
        other_org_id=user.organisation_id,
    )
    return True


def set_active(admin: StaffUser, user: StaffUser, active: bool) -> bool:
    """Deactivate or reactivate; False when nothing changed."""
    if user.id == admin.id and not active:
        raise AdminRefused("self_deactivate")
    if user.active == active:
        return False
    user.active = active
    if not active:
        # Sessions end now, and a copied cookie must not come back to life on reactivation.
        user.session_version += 1
    audit(
        admin,
        "reactivate_account" if active else "deactivate_account",
        summary=user.username,
        account=user.username,
        other_org_id=user.organisation_id,
    )
    return True
