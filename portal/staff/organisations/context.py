"""What the tip page shows of referrals, relayed questions and hidden related tips."""

from __future__ import annotations

from typing import Any

from portal.extensions import db
from portal.forms import with_ids
from portal.models import Organisation, ReferralState, StaffUser, Tip
from portal.organisations import services
from portal.organisations.access import Grant
from portal.organisations.referrals import holder_org_id, referrals_seen_by, relays_of
from portal.staff.organisations.forms import (
    AccessRequestForm,
    AnswerForm,
    DecisionForm,
    ReferForm,
    RelayForm,
)


def org_label(org: Organisation) -> str:
    """An organisation as staff read it: its name, its English name, its country."""
    english = f" / {org.name_en}" if org.name_en and org.name_en != org.name else ""
    return f"{org.name}{english} ({org.country})"


def refer_form_for(tip: Tip, grant: Grant, form: ReferForm | None = None) -> ReferForm:
    form = form or ReferForm(formdata=None)
    form.to_org.choices = [
        (str(org.id), org_label(org))
        for org in services.all_organisations(active_only=True)
        if not org.is_coordinator and org.id != grant.org_id
    ]
    return form


def referral_context(tip: Tip, me: StaffUser, grant: Grant, forms: dict[str, Any]) -> dict[str, Any]:
    orgs = {org.id: org for org in services.all_organisations()}
    seen = referrals_seen_by(tip, grant)
    waiting = [r for r in seen if r.to_org_id == grant.org_id and r.state == ReferralState.PENDING]
    may_refer = me.has_role("supervisor") and grant.may_refer and not grant.pending
    destination = (tip.answers or {}).get("destination") or None
    takers = {
        org.id: org
        for country in dict.fromkeys([tip.country, destination])
        for org in services.takers(tip.category, country)
        if org.id != grant.org_id
    }
    return {
        "orgs": orgs,
        "org_label": org_label,
        "referrals": seen,
        "waiting_answer": waiting[0] if waiting else None,
        "answer_form": with_ids(forms.get("answer_form") or AnswerForm(formdata=None), "answer"),
        "refer_form": (
            with_ids(refer_form_for(tip, grant, forms.get("refer_form")), "refer")
            if may_refer
            else None
        ),
        "takers": list(takers.values()),
        "holder": _holder_known_to(tip, grant, seen),
        "relays": relays_of(tip, grant),
        "relay_form": (
            with_ids(forms.get("relay_form") or RelayForm(formdata=None), "relay")
            if not grant.holder and not grant.pending
            else None
        ),
        "decision_form": DecisionForm(formdata=None),
        # One form per identifier: each box on the page has its own field ids.
        "access_form_for": lambda indicator_id: with_ids(
            AccessRequestForm(formdata=None), f"access-{indicator_id}"
        ),
    }


def _holder_known_to(tip: Tip, grant: Grant, seen: list[Any]) -> Organisation | None:
    """The organisation holding the conversation, if this one may know it: the coordinator
    always; a partner only when the holder is on one of its own referrals (else None, and
    the page says "another organisation")."""
    holder = db.session.get(Organisation, holder_org_id(tip))
    if holder is None or grant.coordinator:
        return holder
    parties = {r.from_org_id for r in seen} | {r.to_org_id for r in seen}
    return holder if holder.id in parties else None
