"""How a tip travels: referrals and their answers, automatic referral rules, requests for
access to related tips, and questions relayed to the reporter. Every step writes an audit
line that both organisations see; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from portal.accounts.audit import audit
from portal.extensions import db
from portal.models import (
    AccessRequest,
    Author,
    Indicator,
    Message,
    Organisation,
    Referral,
    ReferralMode,
    ReferralRule,
    ReferralState,
    RelayRequest,
    RequestState,
    StaffUser,
    Tip,
    TipAccess,
    TipIndicator,
    Tlp,
    utcnow,
)
from portal.organisations.access import TLP_ORDER, Grant, grant_for, strictest
from portal.organisations.services import ensure_coordinator
from portal.protection.identifiers import open_value
from portal.sanitize import TEXT_MAX, clean_text
from portal.triage.linking import is_linkable

LIVE = (ReferralState.PENDING, ReferralState.ACCEPTED)
REASON_MAX = 2000


class ReferralRefused(ValueError):
    """A referral step that is not allowed; `code` says why (the page words it)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Sharing:
    """What goes with a referral besides the text and answers (which always go)."""

    photos: bool = False
    messages: bool = False
    contact: bool = False


def refresh_access(tip: Tip, org_id: int) -> None:
    """Make `tip_access` for (org, tip) match the organisation's live referrals of the tip."""
    live = list(
        db.session.scalars(
            select(Referral).where(
                Referral.tip_id == tip.id, Referral.to_org_id == org_id, Referral.state.in_(LIVE)
            )
        )
    )
    row = db.session.get(TipAccess, (org_id, tip.id))
    if not live:
        if row is not None:
            db.session.delete(row)
        return
    if row is None:
        row = TipAccess(org_id=org_id, tip_id=tip.id)
        db.session.add(row)
    row.queue_rank, row.created_at = tip.queue_rank, tip.created_at
    row.pending = all(r.state == ReferralState.PENDING for r in live)
    row.with_photos = any(r.with_photos for r in live)
    row.with_messages = any(r.with_messages for r in live)
    row.with_contact = any(r.with_contact for r in live)
    row.tlp = strictest(r.tlp for r in live)
    db.session.flush()


def _is_live_to(tip_id: int, org_id: int) -> bool:
    return (
        db.session.scalar(
            select(Referral.id).where(
                Referral.tip_id == tip_id, Referral.to_org_id == org_id, Referral.state.in_(LIVE)
            )
        )
        is not None
    )


def refer(
    tip: Tip,
    user: StaffUser,
    to_org: Organisation,
    *,
    reason: str,
    tlp: str,
    mode: str = ReferralMode.SHARE,
    sharing: Sharing = Sharing(),
) -> Referral:
    """Pass a tip to another organisation: pending until it answers.

    The sender gives only what it has: a receiver cannot add photos it was not given, nor
    loosen the marking it received; an AMBER+STRICT or RED tip goes no further."""
    grant = grant_for(tip, user)
    if grant is None or not user.has_role("supervisor"):
        raise ReferralRefused("not_allowed")
    if not grant.may_refer:
        raise ReferralRefused("tlp_onward")
    if grant.pending:
        raise ReferralRefused("answer_first")
    if to_org.id == grant.org_id or to_org.is_coordinator or not to_org.active:
        raise ReferralRefused("receiver")
    Tlp(tlp)
    ReferralMode(mode)
    if grant.tlp is not None and TLP_ORDER.index(Tlp(tlp)) < TLP_ORDER.index(Tlp(grant.tlp)):
        raise ReferralRefused("tlp_looser")
    if mode == ReferralMode.TRANSFER and grant.holder:
        # Whoever holds the tip talks with the reporter: the thread goes with it.
        sharing = Sharing(sharing.photos, True, sharing.contact)
    if (
        (sharing.photos and not grant.photos)
        or (sharing.messages and not grant.messages)
        or (sharing.contact and not grant.contact)
    ):
        raise ReferralRefused("more_than_given")
    if _is_live_to(tip.id, to_org.id):
        raise ReferralRefused("already")
    text = clean_text(reason, REASON_MAX)
    if not text:
        raise ReferralRefused("reason")
    referral = _new_referral(tip, grant.org_id, to_org, text, tlp, mode, sharing, user)
    audit(
        user,
        "refer",
        tip.id,
        f"→ {to_org.slug} ({tlp.upper()}, {mode})",
        other_org_id=to_org.id,
        referral=referral.id,
        tlp=tlp,
        mode=mode,
        photos=sharing.photos,
        messages=sharing.messages,
        contact=sharing.contact,
    )
    return referral


def _new_referral(
    tip: Tip,
    from_org_id: int,
    to_org: Organisation,
    reason: str,
    tlp: str,
    mode: str,
    sharing: Sharing,
    user: StaffUser | None,
    *,
    state: str = ReferralState.PENDING,
    rule: ReferralRule | None = None,
) -> Referral:
    referral = Referral(
        tip_id=tip.id,
        from_org_id=from_org_id,
        to_org_id=to_org.id,
        state=state,
        mode=mode,
        tlp=tlp,
        with_photos=sharing.photos,
        with_messages=sharing.messages,
        with_contact=sharing.contact,
        reason=reason,
        created_by_id=user.id if user else None,
        rule_id=rule.id if rule else None,
    )
    db.session.add(referral)
    db.session.flush()
    refresh_access(tip, to_org.id)
    return referral


def answer(referral: Referral, user: StaffUser, *, accept: bool, reason: str) -> None:
    """The receiver accepts or declines. A transfer, once accepted, ends the sender's access
    and hands over the conversation if the sender held it."""
    if referral.to_org_id != user.organisation_id or referral.state != ReferralState.PENDING:
        raise ReferralRefused("not_allowed")
    if accept and referral.mode == ReferralMode.TRANSFER and not user.has_role("supervisor"):
        # Taking a tip over ends the sender's access: a supervisor's decision.
        raise ReferralRefused("transfer_supervisor")
    text = clean_text(reason, REASON_MAX)
    if not accept and not text:
        raise ReferralRefused("reason")
    tip = db.session.get(Tip, referral.tip_id)
    assert tip is not None  # the referral's foreign key cascades
    referral.state = ReferralState.ACCEPTED if accept else ReferralState.DECLINED
    referral.answered_by_id, referral.answered_at, referral.answer_reason = user.id, utcnow(), text
    if accept and referral.mode == ReferralMode.TRANSFER:
        _hand_over(tip, referral)
    refresh_access(tip, referral.to_org_id)
    audit(
        user,
        "accept_referral" if accept else "decline_referral",
        tip.id,
        text,
        other_org_id=referral.from_org_id,
        referral=referral.id,
    )


def _hand_over(tip: Tip, referral: Referral) -> None:
    sender = db.session.get(Organisation, referral.from_org_id)
    assert sender is not None
    held_by_sender = tip.holder_org_id == sender.id or (
        tip.holder_org_id is None and sender.is_coordinator
    )
    if held_by_sender:
        tip.holder_org_id = referral.to_org_id
        tip.assignee_id = None  # the sender's person no longer works it
    if sender.is_coordinator:  # the coordinator keeps sight of every tip
        return
    db.session.execute(
        update(Referral)
        .where(Referral.tip_id == tip.id, Referral.to_org_id == sender.id, Referral.state.in_(LIVE))
        .values(state=ReferralState.ENDED)
        .execution_options(synchronize_session="fetch")
    )
    refresh_access(tip, sender.id)


def withdraw(referral: Referral, user: StaffUser) -> None:
    """The sender (or the coordinator) takes back a pending or accepted referral."""
    sender_side = user.organisation_id == referral.from_org_id
    coordinator = ensure_coordinator().id == user.organisation_id
    if not (sender_side or coordinator) or referral.state not in LIVE:
        raise ReferralRefused("not_allowed")
    if not user.has_role("supervisor"):
        raise ReferralRefused("not_allowed")
    tip = db.session.get(Tip, referral.tip_id)
    assert tip is not None
    referral.state = ReferralState.ENDED
    if tip.holder_org_id == referral.to_org_id:
        tip.holder_org_id = None
        tip.assignee_id = None
    refresh_access(tip, referral.to_org_id)
    audit(user, "withdraw_referral", tip.id, other_org_id=referral.to_org_id, referral=referral.id)
    if not sender_side:  # the coordinator withdrew another's referral: the sender is told too
        audit(
            user,
            "withdraw_referral",
            tip.id,
            other_org_id=referral.from_org_id,
            referral=referral.id,
        )


def referrals_seen_by(tip: Tip, grant: Grant) -> list[Referral]:
    """The tip's referrals this organisation may know of: all for the coordinator, else the
    ones it sent or received."""
    query = select(Referral).where(Referral.tip_id == tip.id).order_by(Referral.id)
    if not grant.coordinator:
        query = query.where(
            (Referral.to_org_id == grant.org_id) | (Referral.from_org_id == grant.org_id)
        )
    return list(db.session.scalars(query))


def pending_for(org_id: int, limit: int = 50) -> list[Referral]:
    """Referrals waiting for this organisation's answer, oldest first."""
    return list(
        db.session.scalars(
            select(Referral)
            .where(Referral.to_org_id == org_id, Referral.state == ReferralState.PENDING)
            .order_by(Referral.id)
            .limit(limit)
        )
    )


# --- automatic referral rules -------------------------------------------------------------


def rule_matches(rule: ReferralRule, category: str, country: str | None, score: int) -> bool:
    return (
        rule.active
        and (not rule.category or rule.category == category)
        and (not rule.country or rule.country == (country or ""))
        and score >= rule.min_score
    )


def active_rules() -> list[ReferralRule]:
    """The coordinator's standing referral rules in force, in the order they apply."""
    return list(
        db.session.scalars(
            select(ReferralRule).where(ReferralRule.active.is_(True)).order_by(ReferralRule.id)
        )
    )


def apply_rules(
    tip_id: int,
    category: str,
    country: str | None,
    score: int,
    *,
    rules: list[ReferralRule] | None = None,
) -> list[str]:
    """Refer a freshly triaged tip as the coordinator's rules say; return the rules that
    fired. Safe to run twice: a tip already referred to an organisation is not again.

    Called by triage with what it already knows of the tip and the `rules` it loaded once
    for its batch, so a tip that no rule matches costs no query."""
    if rules is None:
        rules = active_rules()
    rules = [rule for rule in rules if rule_matches(rule, category, country, score)]
    tip = db.session.get(Tip, tip_id) if rules else None
    if tip is None:
        return []
    fired = []
    coordinator = None
    for rule in rules:
        to_org = db.session.get(Organisation, rule.to_org_id)
        if to_org is None or not to_org.active or to_org.is_coordinator:
            continue
        if db.session.scalar(
            select(Referral.id).where(Referral.tip_id == tip.id, Referral.to_org_id == to_org.id)
        ):
            continue  # referred before (even if declined): a rule does not insist
        coordinator = coordinator or ensure_coordinator()
        referral = _new_referral(
            tip,
            coordinator.id,
            to_org,
            rule.name,
            rule.tlp,
            ReferralMode.SHARE,
            Sharing(),
            None,
            rule=rule,
        )
        audit(
            None,
            "auto_refer",
            tip.id,
            f"{rule.name} → {to_org.slug}",
            org_id=coordinator.id,
            other_org_id=to_org.id,
            rule=rule.name,
            referral=referral.id,
        )
        fired.append(rule.name)
    return fired


# --- related tips held by others ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HiddenShare:
    indicator_id: int
    kind: str
    value: str
    count: int  # tips this organisation may not see that share the identifier


def hidden_related(tip_id: int, org_id: int) -> list[HiddenShare]:
    """Per identifier of this tip: how many tips the organisation may not see also have it."""
    mine = TipIndicator.__table__.alias("mine")
    theirs = TipIndicator.__table__.alias("theirs")
    seen = select(TipAccess.tip_id).where(TipAccess.org_id == org_id)
    rows = db.session.execute(
        select(
            Indicator.id,
            Indicator.kind,
            Indicator.value_index,
            Indicator.value_sealed,
            func.count(theirs.c.tip_id.distinct()),
        )
        .join(mine, mine.c.indicator_id == Indicator.id)
        .join(theirs, theirs.c.indicator_id == Indicator.id)
        .where(mine.c.tip_id == tip_id, theirs.c.tip_id != tip_id, theirs.c.tip_id.not_in(seen))
        .group_by(Indicator.id, Indicator.kind, Indicator.value_index, Indicator.value_sealed)
        .order_by(Indicator.id)
    )
    shares = [
        HiddenShare(indicator_id, kind, open_value(index, sealed), count)
        for indicator_id, kind, index, sealed, count in rows
    ]
    # Identifiers too common to link tips (facebook.com, t.me…) say nothing and would offer
    # every tip that names them.
    return [share for share in shares if is_linkable(share.kind, share.value)]


def request_access(tip: Tip, user: StaffUser, indicator_id: int, reason: str) -> AccessRequest:
    grant = grant_for(tip, user)
    if grant is None or grant.coordinator:
        raise ReferralRefused("not_allowed")
    if not any(h.indicator_id == indicator_id for h in hidden_related(tip.id, grant.org_id)):
        raise ReferralRefused("nothing_hidden")
    if db.session.scalar(
        select(AccessRequest.id).where(
            AccessRequest.org_id == grant.org_id,
            AccessRequest.indicator_id == indicator_id,
            AccessRequest.state == RequestState.PENDING,
        )
    ):
        raise ReferralRefused("already")
    text = clean_text(reason, REASON_MAX)
    if not text:
        raise ReferralRefused("reason")
    request = AccessRequest(
        org_id=grant.org_id,
        tip_id=tip.id,
        indicator_id=indicator_id,
        requested_by_id=user.id,
        reason=text,
    )
    db.session.add(request)
    db.session.flush()
    audit(
        user,
        "request_access",
        tip.id,
        text,
        other_org_id=ensure_coordinator().id,
        request=request.id,
    )
    return request


def pending_access_requests() -> list[AccessRequest]:
    return list(
        db.session.scalars(
            select(AccessRequest)
            .where(AccessRequest.state == RequestState.PENDING)
            .order_by(AccessRequest.id)
        )
    )


def decide_access(request: AccessRequest, user: StaffUser, *, grant: bool) -> list[int]:
    """The coordinator grants (a shared, accepted AMBER referral of each tip that shares the
    identifier and the organisation cannot see) or refuses. Returns the tips granted."""
    coordinator = ensure_coordinator()
    if user.organisation_id != coordinator.id or not user.has_role("supervisor"):
        raise ReferralRefused("not_allowed")
    if request.state != RequestState.PENDING:
        raise ReferralRefused("answered")
    to_org = db.session.get(Organisation, request.org_id)
    if grant and (
        to_org is None
        or not to_org.active
        or db.session.get(TipAccess, (to_org.id, request.tip_id)) is None
        or not any(
            h.indicator_id == request.indicator_id
            for h in hidden_related(request.tip_id, to_org.id)
        )
    ):
        # The organisation no longer holds the tip it asked from, or nothing is hidden now.
        raise ReferralRefused("stale_request")
    request.state = RequestState.GRANTED if grant else RequestState.REFUSED
    request.decided_by_id, request.decided_at = user.id, utcnow()
    granted: list[int] = []
    if grant and to_org is not None:
        seen = select(TipAccess.tip_id).where(TipAccess.org_id == to_org.id)
        tip_ids = db.session.scalars(
            select(TipIndicator.tip_id).where(
                TipIndicator.indicator_id == request.indicator_id, TipIndicator.tip_id.not_in(seen)
            )
        ).all()
        for tip_id in tip_ids:
            tip = db.session.get(Tip, tip_id)
            assert tip is not None
            referral = _new_referral(
                tip,
                coordinator.id,
                to_org,
                f"#{request.id}",
                Tlp.AMBER,
                ReferralMode.SHARE,
                Sharing(),
                user,
                state=ReferralState.ACCEPTED,
            )
            audit(
                user,
                "grant_access",
                tip.id,
                other_org_id=to_org.id,
                request=request.id,
                referral=referral.id,
            )
            granted.append(tip_id)
        request.granted_tips = granted
    audit(
        user,
        "grant_access_request" if grant else "refuse_access_request",
        request.tip_id,
        other_org_id=request.org_id,
        request=request.id,
        tips=len(granted),
    )
    return granted


# --- questions relayed to the reporter -----------------------------------------------------


def ask_relay(tip: Tip, user: StaffUser, body: str) -> RelayRequest:
    """An organisation that does not hold the conversation asks the holder to pass on a
    question."""
    grant = grant_for(tip, user)
    if grant is None or grant.holder or grant.pending:
        raise ReferralRefused("not_allowed")
    text = clean_text(body, TEXT_MAX)
    if not text:
        raise ReferralRefused("empty")
    relay = RelayRequest(tip_id=tip.id, org_id=grant.org_id, requested_by_id=user.id, body=text)
    db.session.add(relay)
    db.session.flush()
    audit(user, "ask_relay", tip.id, other_org_id=holder_org_id(tip), relay=relay.id)
    return relay


def holder_org_id(tip: Tip) -> int:
    return tip.holder_org_id or ensure_coordinator().id


def decide_relay(relay: RelayRequest, user: StaffUser, *, send: bool) -> Message | None:
    """The holder sends the question on to the reporter (as its own message) or refuses it."""
    tip = db.session.get(Tip, relay.tip_id)
    assert tip is not None
    grant = grant_for(tip, user)
    if grant is None or not grant.holder or relay.state != RequestState.PENDING:
        raise ReferralRefused("not_allowed")
    relay.state = RequestState.SENT if send else RequestState.REFUSED
    relay.decided_by_id, relay.decided_at = user.id, utcnow()
    message = None
    if send:
        message = Message(
            tip_id=tip.id,
            author=Author.STAFF,
            body=relay.body,
            staff_user_id=user.id,
            relay_id=relay.id,
        )
        db.session.add(message)
    audit(
        user,
        "send_relay" if send else "refuse_relay",
        tip.id,
        other_org_id=relay.org_id,
        relay=relay.id,
    )
    return message


def relays_of(tip: Tip, grant: Grant) -> list[RelayRequest]:
    """Relay requests on this tip that this organisation made, or (the holder) must answer."""
    query = select(RelayRequest).where(RelayRequest.tip_id == tip.id).order_by(RelayRequest.id)
    if not (grant.holder or grant.coordinator):
        query = query.where(RelayRequest.org_id == grant.org_id)
    return list(db.session.scalars(query))


def relay_for_reply(tip_id: int) -> int | None:
    """The relayed question a reporter's new message answers: only the first message
    straight after it. Later messages (perhaps answering the holder's own questions) stay
    with the holder."""
    last = db.session.execute(
        select(Message.author, Message.relay_id)
        .where(Message.tip_id == tip_id)
        .order_by(Message.id.desc())
        .limit(1)
    ).one_or_none()
    return last.relay_id if last is not None and last.author == Author.STAFF else None


def messages_seen_by(tip: Tip, grant: Grant) -> list[Message]:
    """The thread, or for an organisation not given it, only its relayed questions and the
    reporter's answers to them."""
    messages = list(tip.messages)
    if grant.messages:
        return messages
    mine = set(
        db.session.scalars(select(RelayRequest.id).where(RelayRequest.org_id == grant.org_id))
    )
    return [m for m in messages if m.relay_id in mine]


def reporter_notice(tip: Tip) -> tuple[bool, list[Organisation]]:
    """Whether the reporter is told their report was passed on, and the names they may read."""
    ids = select(Referral.to_org_id).where(
        Referral.tip_id == tip.id, Referral.state == ReferralState.ACCEPTED
    )
    orgs = db.session.scalars(
        select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.id)
    ).all()
    return bool(orgs), [org for org in orgs if org.name_public]
