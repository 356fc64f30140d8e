"""What the tip page shows of a tip's retention (imported by the tip page's view)."""

from __future__ import annotations

from typing import Any

from portal.models import Tip, as_utc
from portal.models.staff import StaffUser
from portal.organisations.access import Grant
from portal.retention import holds
from portal.staff.retention.forms import HoldForm


def retention_context(
    tip: Tip, me: StaffUser, grant: Grant, forms: dict[str, Any]
) -> dict[str, Any]:
    """What the tip page shows of the tip's retention, and the hold form."""
    hold = holds.active_hold(tip.id)
    supervisor = me.has_role("supervisor")
    return {
        "hold": hold,
        # A referral not accepted yet gives no say over the tip.
        "hold_form": forms.get("hold_form")
        or (HoldForm() if supervisor and hold is None and not grant.pending else None),
        # Why and for which case: the holding organisation's and the coordinator's to read,
        # like a note; the others see only that the tip is held.
        "hold_detail": hold is not None
        and (grant.coordinator or hold.organisation_id == me.organisation_id),
        "can_lift": supervisor
        and hold is not None
        and (grant.coordinator or hold.organisation_id == me.organisation_id),
        "expires_at": as_utc(tip.expires_at) if tip.expires_at else None,
        "withdrawn_at": as_utc(tip.withdrawn_at) if tip.withdrawn_at else None,
    }
