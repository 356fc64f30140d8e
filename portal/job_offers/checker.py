"""The job-offer checker: which known warning signs an offer shows, and how worrying they are.

Pure: plain values in, plain values out, no request and no database writes. The
text is never stored or logged. Reading reuses the triage job-offer rules
(``portal.triage.job_offer.read_offer``: red flags, the dampers of a licensed
recruiter, an official process or a warning text, where the job is, the pay, and
the combinations that mean fraud), so the checker and the triage score agree. The
risk follows the scoring guidance of shared/reference/job_offer_red_flags.md §1d
and job_offer_law_and_routes.md §6:

* J = sum of strong flags (weight >= 2) + weak flags capped at 3 + dampers (< 0);
* "high" when a combination applies: a hotspot with a tourist-visa / irregular-route
  / passport / coached-story flag, an Indonesian recruited to Cambodia, Myanmar or
  Laos (not placement countries), or placement fraud (a fee with unlicensed
  recruiting or a guaranteed departure, a fee for a job that must cost nothing, …);
  or when J >= ``HIGH_AT``;
* "medium" when at least one strong flag is left and J >= ``MEDIUM_AT``;
* "low" otherwise: no known warning sign was found. Weak signs alone (urgent,
  admin, WhatsApp, no experience) stay low, as they are common in honest ads.

Each flag carries the law of the reader's country behind it where one is known
(``portal.job_offers.law``). Pay below the local minimum wage is a separate note
about the worker's rights, never a warning sign. "low" never means an offer is
safe, and nothing here says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import has_app_context

from portal.job_offers import explanations, registry
from portal.job_offers.law import law_for
from portal.models import PublicWarning
from portal.triage.indicators import Indicator, extract_or_nothing
from portal.triage.job_offer import JobReading, Minimum, read_offer
from portal.triage.rules import PayReading, RuleHit, load_ruleset
from portal.triage.scoring import personal_payments, phone_region
from portal.warnings.services import find_published_by_indicators

RISKS = ("high", "medium", "low")
HIGH_AT = 6  # e.g. a hotspot + high pay + a fee, or three strong signs
MEDIUM_AT = 2  # one strong sign that no licence or official process outweighs
MAX_CHARS = 20_000
PAY_PERSONAL = "pay_personal_account"


@dataclass(frozen=True)
class Flag:
    """One warning sign found: its reference id, weight, title and explanation in ``lang``."""

    id: str
    weight: float
    explanation: str
    title: str = ""
    snippet: str = ""
    law: str = ""  # the law of the reader's country behind this sign, if known


@dataclass(frozen=True)
class Note:
    """Why the result is what it is beyond single signs (a combination, a warning text)."""

    id: str
    explanation: str


@dataclass(frozen=True)
class CheckResult:
    """Risk ("high", "medium", "low"), the flags found, published warnings that match."""

    risk: str
    flags: list[Flag]
    matches: list[Any]
    notes: list[Note]
    indicators: list[Indicator]
    pay: PayReading | None = None  # the pay the offer states, as read
    below_minimum: Minimum | None = None  # a job at home paid below this minimum wage
    registry: list[registry.Answer] = field(default_factory=list)  # licensed-recruiter lists

    @property
    def strong_flags(self) -> list[Flag]:
        """Flags that count as a warning sign on their own (weight 2 or more)."""
        return [flag for flag in self.flags if flag.weight >= 2]


def check(text: str, lang: str = "en", country: str | None = None) -> CheckResult:
    """Check a job offer (and the recruiter's contact) for the known warning signs.

    ``country`` is where the person lives (ISO alpha-2): it sets the law cited, the pay
    baseline (without it, the country of ``lang`` does: "th" → TH, "my" → MM, "km" →
    KH), the region of phone numbers written without +CC, and the Indonesian
    non-placement rule. Explanations are in ``lang`` when an app context exists,
    else in English.
    """
    body = (text if isinstance(text, str) else "")[:MAX_CHARS]
    code = country.strip().upper()[:2] if isinstance(country, str) and country.strip() else None
    if not body.strip():
        return CheckResult("low", [], [], [], [])
    region = phone_region(code, lang)
    indicators = extract_or_nothing(body, region, "in the checker")
    accounts = personal_payments(indicators)
    reading = read_offer(body, lang=lang, country=code, personal_account=bool(accounts))
    hits = [*reading.hits, *_personal_account(body, reading.hits, accounts)]
    risk, flag_hits = _assess(hits, reading)
    with explanations.in_language(lang):
        # The laws cited are about work abroad: a job at home gets the plain explanation.
        law_country = reading.home if reading.abroad else None
        flags = [_flag(hit, law_country, lang) for hit in flag_hits]
        notes = [Note(note, str(explanations.NOTES[note])) for note in _note_ids(reading)]
    return CheckResult(
        risk,
        flags,
        find_matching_warnings(indicators),
        notes,
        indicators,
        pay=reading.pay,
        below_minimum=reading.below_minimum,
        registry=registry.answers(body, reading.home) if has_app_context() else [],
    )


def find_matching_warnings(indicators: Sequence[Indicator]) -> list[PublicWarning]:
    """Published warnings (never drafts or withdrawn ones) that name one of these indicators.

    Outside an app (the checker called as a plain function) there is no database to ask,
    so there are no matches.
    """
    if not indicators or not has_app_context():
        return []
    return list(find_published_by_indicators([(i.kind, i.value) for i in indicators]))


def _personal_account(
    body: str, hits: Sequence[RuleHit], accounts: Sequence[Indicator]
) -> list[RuleHit]:
    """The offer names a personal bank account, e-wallet or crypto wallet to pay into
    (reference: PAY_PERSONAL; ``upfront_fee`` weighs 3 with a personal account, so with a
    fee already found this adds 1, and on its own it is a strong sign of 2)."""
    if not accounts:
        return []
    with_fee = any(hit.rule_id == "upfront_fee" for hit in hits)
    # The accounts as the offer writes them ("BCA 873 012 3456"), not their stored form.
    snippet = ", ".join(
        body[item.span[0] : item.span[1]] if item.span else item.value for item in accounts[:3]
    )
    return [RuleHit(PAY_PERSONAL, 1.0 if with_fee else 2.0, "", snippet, "flag")]


def _assess(hits: Sequence[RuleHit], reading: JobReading) -> tuple[str, list[RuleHit]]:
    """Risk level and the red-flag hits to show, strongest first."""
    cfg = load_ruleset("job_red_flags").config["scoring"]
    flags = _flags_only(hits)
    strong = [hit for hit in flags if hit.weight >= float(cfg["weak_weight_below"])]
    extra = sum(hit.weight for hit in hits if hit.rule_id == PAY_PERSONAL)
    raw = reading.raw() + extra
    if reading.combinations or raw >= HIGH_AT:
        risk = "high"
    elif strong and raw >= MEDIUM_AT:
        risk = "medium"
    else:
        risk = "low"
    return risk, sorted(flags, key=lambda hit: -hit.weight)


def _note_ids(reading: JobReading) -> list[str]:
    """Why the result is what it is: a warning text, or the combinations that apply."""
    return (["warning_context"] if reading.warning_text else []) + reading.combinations


def _flags_only(hits: Sequence[RuleHit]) -> list[RuleHit]:
    """Red flags with reference ids: a transit cue counts as ``hotspot_destination`` (§1c)."""
    flags = [hit for hit in hits if hit.group == "flag"]
    if any(hit.rule_id == "hotspot_destination" for hit in flags):
        return [hit for hit in flags if hit.rule_id != "hotspot_transit"]
    return flags


def _flag(hit: RuleHit, home: str | None, lang: str) -> Flag:
    if hit.rule_id == "hotspot_transit":
        title, text = explanations.TRANSIT
        return Flag("hotspot_destination", hit.weight, str(text), str(title), hit.snippet)
    title, text = explanations.FLAGS[hit.rule_id]
    law = law_for(hit.rule_id, home, lang)
    return Flag(hit.rule_id, hit.weight, str(text), str(title), hit.snippet, law)
