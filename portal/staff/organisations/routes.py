"""Referrals, relayed questions and access requests on a tip; the coordinator's pages for
organisations, automatic referral rules and access requests. HTTP only: the logic is in
portal.organisations. Anything tip-scoped that the account's organisation may not see
answers 404."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from portal.accounts.audit import audit
from portal.extensions import db
from portal.models import (
    AccessRequest,
    Indicator,
    Organisation,
    Referral,
    ReferralRule,
    RelayRequest,
    StaffUser,
    Tip,
)
from portal.organisations import referrals, services
from portal.staff.access import current_staff, requires, tip_or_404
from portal.staff.organisations.context import org_label
from portal.staff.organisations.forms import (
    KIND_LABELS,
    MODE_LABELS,
    TLP_LABELS,
    AccessRequestForm,
    AnswerForm,
    DecisionForm,
    OrgForm,
    ReferForm,
    RelayForm,
    RuleForm,
)

bp = Blueprint("staff_orgs", __name__, url_prefix="/staff", template_folder="templates")

REFUSALS = {
    "not_allowed": _l("You cannot do this for this tip."),
    "tlp_onward": _l("This tip was shared with you as TLP:AMBER+STRICT or TLP:RED: it cannot go further."),
    "answer_first": _l("Accept this tip before you pass it on."),
    "receiver": _l("Choose another organisation."),
    "tlp_looser": _l("You cannot loosen the marking this tip came with."),
    "more_than_given": _l("You can only pass on what was shared with you."),
    "already": _l("This was already sent and is waiting for an answer."),
    "reason": _l("Please write a reason."),
    "empty": _l("Please write something first."),
    "nothing_hidden": _l("No tip held by another organisation shares this identifier now."),
    "answered": _l("This request was already answered."),
    "stale_request": _l(
        "This can no longer be granted: the organisation no longer has the tip it asked from, "
        "or no other tip shares the identifier now."
    ),
    "transfer_supervisor": _l("Only a supervisor can accept a transfer."),
}
STATE_LABELS = {
    "pending": _l("Waiting for an answer"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "ended": _l("Ended"),
    "granted": _l("Granted"),
    "refused": _l("Refused"),
    "sent": _l("Sent to the reporter"),
}
ORG_PROBLEMS = {
    "slug": _l("Use 3 to 40 letters a to z, digits and hyphens."),
    "name": _l("Please write the name."),
    "kind": _l("Please choose a kind."),
    "country": _l("Use two-letter country codes, like ID or VN."),
    "categories": _l("Please choose from the list."),
    "languages": _l("Please choose from the list."),
    "exists": _l("An organisation with this short name already exists."),
    "second_coordinator": _l("There is already a coordinator."),
}


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "KIND_LABELS": KIND_LABELS,
        "TLP_LABELS": TLP_LABELS,
        "MODE_LABELS": MODE_LABELS,
        "REFERRAL_STATE_LABELS": STATE_LABELS,
    }


def _back(tip_id: int, message: Any) -> Response:
    flash(str(message))
    return redirect(url_for("staff_queue.tip_detail", tip_id=tip_id), code=303)


def _step(tip_id: int, action: Any, done: Any) -> Response:
    """Run one referral step: refuse with its reason, or commit and say so."""
    try:
        action()
    except referrals.ReferralRefused as refused:
        db.session.rollback()
        return _back(tip_id, REFUSALS[refused.code])
    db.session.commit()
    return _back(tip_id, done)


def _form_problem(tip_id: int) -> Response:
    return _back(tip_id, _("The form was not complete. Please try again."))


# ---------------------------------------------------------------- on a tip


@bp.post("/tips/<int:tip_id>/refer")
@requires("supervisor")
def refer(tip_id: int) -> Response:
    (tip, _grant), me = tip_or_404(tip_id), current_staff()
    form = ReferForm()
    form.to_org.choices = [(str(o.id), o.name) for o in services.all_organisations(active_only=True)]
    if not form.validate():
        return _form_problem(tip.id)
    to_org = db.session.get(Organisation, int(form.to_org.data))
    assert to_org is not None  # a choice of the list above
    sharing = referrals.Sharing(form.photos.data, form.messages.data, form.contact.data)
    return _step(
        tip.id,
        lambda: referrals.refer(
            tip, me, to_org, reason=form.reason.data, tlp=form.tlp.data, mode=form.mode.data,
            sharing=sharing,
        ),
        _("The tip was sent to %(name)s. They will accept or decline it.", name=org_label(to_org)),
    )


def _referral_or_404(referral_id: int) -> tuple[Referral, Tip]:
    """A referral the signed-in organisation sent or received, of a tip it may see."""
    referral = db.get_or_404(Referral, referral_id)
    me = current_staff()
    tip, grant = tip_or_404(referral.tip_id)
    if not grant.coordinator and me.organisation_id not in (referral.to_org_id, referral.from_org_id):
        abort(404)
    return referral, tip


@bp.post("/referrals/<int:referral_id>/answer")
@requires("analyst")
def answer(referral_id: int) -> Response:
    referral, tip = _referral_or_404(referral_id)
    form = AnswerForm()
    if not form.validate():
        return _form_problem(tip.id)
    accept = form.decision.data == "accept"
    return _step(
        tip.id,
        lambda: referrals.answer(referral, current_staff(), accept=accept, reason=form.reason.data or ""),
        _("You accepted this tip.") if accept else _("You declined this tip."),
    )


@bp.post("/referrals/<int:referral_id>/withdraw")
@requires("supervisor")
def withdraw(referral_id: int) -> Response:
    referral, tip = _referral_or_404(referral_id)
    if not DecisionForm().validate():
        return _form_problem(tip.id)
    return _step(
        tip.id, lambda: referrals.withdraw(referral, current_staff()), _("The referral was withdrawn.")
    )


@bp.post("/tips/<int:tip_id>/relay")
@requires("analyst")
def ask_relay(tip_id: int) -> Response:
    tip, _grant = tip_or_404(tip_id)
    form = RelayForm()
    if not form.validate():
        return _form_problem(tip.id)
    return _step(
        tip.id,
        lambda: referrals.ask_relay(tip, current_staff(), form.body.data),
        _("Your question was sent to the organisation that talks with the reporter."),
    )


@bp.post("/relays/<int:relay_id>/decide")
@requires("analyst")
def decide_relay(relay_id: int) -> Response:
    relay = db.get_or_404(RelayRequest, relay_id)
    tip, grant = tip_or_404(relay.tip_id)
    if not (grant.holder or grant.coordinator or relay.org_id == grant.org_id):
        abort(404)
    form = DecisionForm()
    if not form.validate():
        return _form_problem(tip.id)
    send = form.decision.data == "yes"
    return _step(
        tip.id,
        lambda: referrals.decide_relay(relay, current_staff(), send=send),
        _("The question was sent to the reporter.") if send else _("The question was not sent."),
    )


@bp.post("/tips/<int:tip_id>/access-request")
@requires("analyst")
def request_access(tip_id: int) -> Response:
    tip, _grant = tip_or_404(tip_id)
    form = AccessRequestForm()
    if not form.validate():
        return _form_problem(tip.id)
    return _step(
        tip.id,
        lambda: referrals.request_access(tip, current_staff(), int(form.indicator.data), form.reason.data),
        _("The coordinator will look at your request."),
    )


# ---------------------------------------------------------------- coordinator pages


@bp.get("/access-requests")
@requires("supervisor", coordinator=True)
def access_requests() -> str:
    pending = referrals.pending_access_requests()
    return render_template(
        "staff/organisations/access_requests.html",
        requests=pending,
        orgs={org.id: org for org in services.all_organisations()},
        indicators={
            i.id: i
            for i in db.session.scalars(
                db.select(Indicator).where(Indicator.id.in_([r.indicator_id for r in pending]))
            )
        },
        people=dict(db.session.execute(db.select(StaffUser.id, StaffUser.username)).all()),
        # How many tips each grant would open, so the coordinator knows before clicking.
        opens={
            r.id: sum(
                h.count
                for h in referrals.hidden_related(r.tip_id, r.org_id)
                if h.indicator_id == r.indicator_id
            )
            for r in pending
        },
        org_label=org_label,
        form=DecisionForm(formdata=None),
    )


@bp.post("/access-requests/<int:request_id>/decide")
@requires("supervisor", coordinator=True)
def decide_access(request_id: int) -> Response:
    access = db.get_or_404(AccessRequest, request_id)
    form = DecisionForm()
    if not form.validate():
        flash(_("The form was not complete. Please try again."))
        return redirect(url_for(".access_requests"), code=303)
    try:
        granted = referrals.decide_access(access, current_staff(), grant=form.decision.data == "yes")
    except referrals.ReferralRefused as refused:
        db.session.rollback()
        flash(str(REFUSALS[refused.code]))
        return redirect(url_for(".access_requests"), code=303)
    db.session.commit()
    if form.decision.data == "yes":
        flash(_("Access granted to %(num)d tips.", num=len(granted)))
    else:
        flash(_("The request was refused."))
    return redirect(url_for(".access_requests"), code=303)


def _render_orgs(form: OrgForm | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "staff/organisations/list.html",
        organisations=services.all_organisations(),
        counts=services.counts(),
        form=form or OrgForm(formdata=None),
    ), status


@bp.get("/organisations")
@requires("admin", coordinator=True)
def organisations() -> tuple[str, int]:
    return _render_orgs()


def _fields(form: OrgForm, slug: str) -> services.OrgFields:
    countries = tuple(c for c in (form.countries.data or "").replace(" ", ",").split(",") if c)
    return services.OrgFields(
        slug=slug,
        name=form.name.data or "",
        kind=form.kind.data or "",
        country=form.country.data or "",
        name_en=form.name_en.data or "",
        categories=tuple(form.categories.data or ()),
        countries=countries,
        languages=tuple(form.languages.data or ()),
        name_public=bool(form.name_public.data),
    )


@bp.post("/organisations/new")
@requires("admin", fresh=True, coordinator=True)
def create_organisation() -> Any:
    form = OrgForm()
    if not form.validate():
        return _render_orgs(form, 400)
    try:
        org = services.create(_fields(form, form.slug.data or ""))
    except services.OrgError as refused:
        db.session.rollback()
        form.slug.errors = [str(ORG_PROBLEMS[refused.code])]
        return _render_orgs(form, 400)
    audit(current_staff(), "create_organisation", summary=org.slug, other_org_id=org.id)
    db.session.commit()
    flash(_("Saved."))
    return redirect(url_for(".organisations"), code=303)


@bp.route("/organisations/<int:org_id>", methods=["GET", "POST"])
@requires("admin", fresh=True, coordinator=True)
def edit_organisation(org_id: int) -> Any:
    org = db.get_or_404(Organisation, org_id)
    if request.method == "POST":  # what was sent, and nothing of the stored row
        form = OrgForm()
    else:
        form = OrgForm(obj=org)
        form.countries.data = ", ".join(org.countries or [])
    if org.is_coordinator:
        form.kind.choices = list(KIND_LABELS.items())[:1]
    problem = None
    if form.is_submitted():
        form.slug.data = org.slug
        if form.validate():
            try:
                services.update(org, _fields(form, org.slug))
            except services.OrgError as refused:
                db.session.rollback()
                problem = ORG_PROBLEMS[refused.code]
            else:
                audit(current_staff(), "change_organisation", summary=org.slug, other_org_id=org.id)
                db.session.commit()
                flash(_("Saved."))
                return redirect(url_for(".organisations"), code=303)
    return render_template(
        "staff/organisations/edit.html", org=org, form=form, problem=problem
    ), (400 if form.is_submitted() else 200)


def _rule_form(form: RuleForm | None = None) -> RuleForm:
    form = form or RuleForm(formdata=None)
    form.to_org.choices = [
        (str(org.id), org_label(org))
        for org in services.all_organisations(active_only=True)
        if not org.is_coordinator
    ]
    return form


def _render_rules(form: RuleForm | None = None, status: int = 200) -> tuple[str, int]:
    rules = db.session.scalars(db.select(ReferralRule).order_by(ReferralRule.id)).all()
    return render_template(
        "staff/organisations/rules.html",
        rules=rules,
        orgs={org.id: org for org in services.all_organisations()},
        org_label=org_label,
        form=_rule_form(form),
        toggle=DecisionForm(formdata=None),
    ), status


@bp.get("/referral-rules")
@requires("supervisor", coordinator=True)
def rules() -> tuple[str, int]:
    return _render_rules()


@bp.post("/referral-rules/new")
@requires("supervisor", coordinator=True)
def create_rule() -> Any:
    form = _rule_form(RuleForm())
    if not form.validate():
        return _render_rules(form, 400)
    rule = ReferralRule(
        name=form.name.data,
        category=form.category.data or "",
        country=(form.country.data or "").upper(),
        min_score=form.min_score.data,
        to_org_id=int(form.to_org.data),
        tlp=form.tlp.data,
        created_by_id=current_staff().id,
    )
    db.session.add(rule)
    db.session.flush()
    audit(current_staff(), "create_referral_rule", summary=rule.name, other_org_id=rule.to_org_id, rule=rule.id)
    db.session.commit()
    flash(_("Saved. New tips that match are referred when they are triaged."))
    return redirect(url_for(".rules"), code=303)


@bp.post("/referral-rules/<int:rule_id>/toggle")
@requires("supervisor", coordinator=True)
def toggle_rule(rule_id: int) -> Response:
    rule = db.get_or_404(ReferralRule, rule_id)
    form = DecisionForm()
    if form.validate():
        rule.active = form.decision.data == "yes"
        audit(
            current_staff(),
            "enable_referral_rule" if rule.active else "disable_referral_rule",
            summary=rule.name,
            rule=rule.id,
        )
        db.session.commit()
        flash(_("Saved."))
    return redirect(url_for(".rules"), code=303)

