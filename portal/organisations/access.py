"""Need-to-know: what an organisation may see of a tip.

The coordinator sees every tip. Any other organisation sees a tip only while a referral to
it is pending or accepted; the `tip_access` rows say which, and with what (photos, the
message thread, the reporter's contact). Every staff query that reads tips goes through
`scope_of()` / `visible_clause()`; every tip-scoped page through `grant_for()`, and answers
404 when it is None, so a tip another organisation holds does not seem to exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select

from portal.extensions import db
from portal.models import Organisation, OrgKind, StaffUser, Tip, TipAccess, Tlp
from portal.models.organisations import NO_ONWARD


@dataclass(frozen=True, slots=True)
class Grant:
    """What one organisation may see of, and do with, one tip."""

    org_id: int
    coordinator: bool
    holder: bool  # holds the conversation and the workflow
    photos: bool
    messages: bool
    contact: bool
    tlp: str | None  # None: the coordinator's own tip, unmarked
    pending: bool  # referred, not yet accepted

    @property
    def may_refer(self) -> bool:
        """A receiver may not pass on what it was given as AMBER+STRICT or RED."""
        return self.coordinator or self.tlp not in NO_ONWARD


def organisation_of(user: StaffUser) -> Organisation:
    org = db.session.get(Organisation, user.organisation_id)
    if org is None:  # the foreign key makes this impossible; refuse rather than widen access
        raise LookupError("account without an organisation")
    return org


def scope_of(user: StaffUser) -> int | None:
    """The organisation whose tips this account sees; None for the coordinator (all tips)."""
    org = organisation_of(user)
    return None if org.kind == OrgKind.COORDINATOR else org.id


def visible_clause(org_id: int | None) -> ColumnElement[bool] | None:
    """A WHERE clause on Tip for the tips an organisation may see (None: no restriction)."""
    if org_id is None:
        return None
    return Tip.id.in_(select(TipAccess.tip_id).where(TipAccess.org_id == org_id))


def grant_for(tip: Tip, user: StaffUser) -> Grant | None:
    """What `user`'s organisation may see of `tip`, or None if it may not see it at all."""
    org = organisation_of(user)
    holder = tip.holder_org_id == org.id or (
        tip.holder_org_id is None and org.kind == OrgKind.COORDINATOR
    )
    if org.kind == OrgKind.COORDINATOR:
        return Grant(org.id, True, holder, True, True, True, None, False)
    row = db.session.get(TipAccess, (org.id, tip.id))
    if row is None:
        return None
    return Grant(
        org.id,
        False,
        holder and not row.pending,
        # Only what the referrals' ticks gave (a transfer ticks the thread itself).
        row.with_photos,
        row.with_messages,
        row.with_contact,
        row.tlp,
        row.pending,
    )


def visible_tip(tip_id: int, user: StaffUser) -> tuple[Tip, Grant] | None:
    """The tip and the grant, if `user` may see it; None for a tip that is missing or
    not theirs (both must look the same)."""
    tip = db.session.get(Tip, tip_id)
    if tip is None:
        return None
    grant = grant_for(tip, user)
    return None if grant is None else (tip, grant)


TLP_ORDER = [Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED]


def strictest(markings: Iterable[str]) -> str:
    """The most restrictive of several TLP markings."""
    return max(markings, key=lambda m: TLP_ORDER.index(Tlp(m)), default=Tlp.AMBER)
