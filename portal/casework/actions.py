"""Staff actions on a tip. Each one writes an audit line in the same transaction."""

from __future__ import annotations

from portal.accounts.audit import audit
from portal.extensions import db
from portal.models import Author, Message, Note, Tip, TipStatus, utcnow
from portal.models.staff import StaffUser
from portal.retention import policy as retention_policy
from portal.sanitize import TEXT_MAX, clean_text

# Allowed moves in the workflow; closing as "no action" or reopening needs a supervisor.
TRANSITIONS: dict[str, set[str]] = {
    TipStatus.NEW: {TipStatus.IN_REVIEW, TipStatus.CLOSED_DUPLICATE, TipStatus.CLOSED_SPAM},
    TipStatus.IN_REVIEW: {
        TipStatus.ESCALATED,
        TipStatus.FORWARDED,
        TipStatus.CLOSED_ACTIONED,
        TipStatus.CLOSED_NO_ACTION,
        TipStatus.CLOSED_DUPLICATE,
        TipStatus.CLOSED_SPAM,
    },
    TipStatus.ESCALATED: {
        TipStatus.IN_REVIEW,
        TipStatus.FORWARDED,
        TipStatus.CLOSED_ACTIONED,
        TipStatus.CLOSED_NO_ACTION,
        TipStatus.CLOSED_DUPLICATE,
    },
    TipStatus.FORWARDED: {
        TipStatus.IN_REVIEW,
        TipStatus.CLOSED_ACTIONED,
        TipStatus.CLOSED_NO_ACTION,
    },
}
for _closed in (
    TipStatus.CLOSED_ACTIONED,
    TipStatus.CLOSED_NO_ACTION,
    TipStatus.CLOSED_DUPLICATE,
    TipStatus.CLOSED_SPAM,
):
    TRANSITIONS[_closed] = {TipStatus.IN_REVIEW}
SUPERVISOR_ONLY = {TipStatus.CLOSED_NO_ACTION}


class ActionRefused(ValueError):
    """The action is not allowed for this tip or this person; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def allowed_statuses(tip: Tip, user: StaffUser) -> list[str]:
    """Statuses this person may move the tip to now."""
    moves = TRANSITIONS.get(tip.status, set())
    reopening = tip.status.startswith("closed")
    return [
        s
        for s in TipStatus
        if s in moves
        and (user.has_role("supervisor") or (s not in SUPERVISOR_ONLY and not reopening))
    ]


def mark_seen(tip: Tip) -> None:
    """The first time a person opens a tip counts as its first review."""
    if tip.first_reviewed_at is None:
        tip.first_reviewed_at = utcnow()


def change_status(tip: Tip, user: StaffUser, status: str) -> None:
    if status not in allowed_statuses(tip, user):
        raise ActionRefused("status")
    old = tip.status
    tip.status = status
    retention_policy.on_status_change(tip)
    mark_seen(tip)
    audit(user, "change_status", tip.id, f"{old} → {status}", old=old, new=status)


def assign(tip: Tip, user: StaffUser, assignee: StaffUser | None) -> None:
    """Analysts take a tip for themselves (or let it go); supervisors assign anyone."""
    if assignee is not None and assignee.id != user.id and not user.has_role("supervisor"):
        raise ActionRefused("assign_others")
    if (
        assignee is None
        and tip.assignee_id not in (None, user.id)
        and not user.has_role("supervisor")
    ):
        raise ActionRefused("assign_others")
    if assignee is not None and not assignee.active:
        raise ActionRefused("inactive")
    tip.assignee_id = assignee.id if assignee else None
    audit(
        user,
        "assign",
        tip.id,
        assignee.username if assignee else "-",
        assignee=assignee.username if assignee else None,
    )


def add_note(tip: Tip, user: StaffUser, body: str) -> Note:
    text = clean_text(body, TEXT_MAX)
    if not text:
        raise ActionRefused("empty")
    note = Note(
        tip_id=tip.id, staff_user_id=user.id, organisation_id=user.organisation_id, body=text
    )
    db.session.add(note)
    audit(user, "add_note", tip.id)
    return note


def reply_to_reporter(tip: Tip, user: StaffUser, body: str) -> Message:
    """A message the reporter reads on their follow-up page."""
    text = clean_text(body, TEXT_MAX)
    if not text:
        raise ActionRefused("empty")
    message = Message(tip_id=tip.id, author=Author.STAFF, body=text, staff_user_id=user.id)
    db.session.add(message)
    mark_seen(tip)
    audit(user, "reply", tip.id)
    return message
