"""The job-offer checker: which known warning signs an offer shows, and how worrying they are.

Pure: plain values in, plain values out, no request and no database writes. The
text is never stored or logged. Matching reuses the triage red-flag rules
(``portal.triage.rules.match_job_offer``: red flags plus the dampers of a licensed
recruiter, an official process or a warning text); the risk follows the scoring
guidance of shared/reference/job_offer_red_flags.md §1d:

* J = sum of strong flags (weight >= 2) + weak flags capped at 3 + dampers (< 0);
* "high" when a hotspot meets a tourist-visa / irregular-route / passport /
  coached-story flag, when an Indonesian is recruited to Cambodia or Myanmar
  (not placement countries), or when J >= ``HIGH_AT``;
* "medium" when at least one strong flag is left and J >= ``MEDIUM_AT``;
* "low" otherwise: no known warning sign was found. Weak signs alone (urgent,
  admin, WhatsApp, no experience) stay low, as they are common in honest ads.

"low" never means an offer is safe, and nothing here says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import has_app_context

from portal.job_offers import explanations
from portal.models import PublicWarning
from portal.triage.indicators import Indicator, extract_or_nothing
from portal.triage.rules import RuleHit, load_ruleset, match_job_offer
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

    @property
    def strong_flags(self) -> list[Flag]:
        """Flags that count as a warning sign on their own (weight 2 or more)."""
        return [flag for flag in self.flags if flag.weight >= 2]


def check(text: str, lang: str = "en", country: str | None = None) -> CheckResult:
    """Check a job offer (and the recruiter's contact) for the known warning signs.

    ``country`` is where the person lives (ISO alpha-2): it sets the pay baseline
    (without it, the country of ``lang`` does: "th" → TH, "my" → MM, "km" → KH),
    the region of phone numbers written without +CC, and the Indonesian
    non-placement rule. Explanations are in ``lang`` when an app context exists,
    else in English.
    """
    body = (text if isinstance(text, str) else "")[:MAX_CHARS]
    code = country.strip().upper()[:2] if isinstance(country, str) and country.strip() else None
    hits = match_job_offer(body, lang=lang, country=code) if body.strip() else []
    region = phone_region(code, lang)
    indicators = extract_or_nothing(body, region, "in the checker") if body.strip() else []
    hits = [*hits, *_personal_account(body, hits, indicators)]
    risk, flag_hits, note_ids = _assess(hits, code)
    with explanations.in_language(lang):
        flags = [_flag(hit) for hit in flag_hits]
        notes = [Note(note, str(explanations.NOTES[note])) for note in note_ids]
    return CheckResult(risk, flags, find_matching_warnings(indicators), notes, indicators)


def find_matching_warnings(indicators: Sequence[Indicator]) -> list[PublicWarning]:
    """Published warnings (never drafts or withdrawn ones) that name one of these indicators.

    Outside an app (the checker called as a plain function) there is no database to ask,
    so there are no matches.
    """
    if not indicators or not has_app_context():
        return []
    return list(find_published_by_indicators([(i.kind, i.value) for i in indicators]))


def _personal_account(
    body: str, hits: Sequence[RuleHit], indicators: Sequence[Indicator]
) -> list[RuleHit]:
    """The offer names a personal bank account, e-wallet or crypto wallet to pay into
    (reference: PAY_PERSONAL; ``upfront_fee`` weighs 3 with a personal account, so with a
    fee already found this adds 1, and on its own it is a strong sign of 2)."""
    accounts = personal_payments(indicators)
    if not accounts:
        return []
    with_fee = any(hit.rule_id == "upfront_fee" for hit in hits)
    # The accounts as the offer writes them ("BCA 873 012 3456"), not their stored form.
    snippet = ", ".join(
        body[item.span[0] : item.span[1]] if item.span else item.value for item in accounts[:3]
    )
    return [RuleHit(PAY_PERSONAL, 1.0 if with_fee else 2.0, "", snippet, "flag")]


def _assess(hits: Sequence[RuleHit], country: str | None) -> tuple[str, list[RuleHit], list[str]]:
    """Risk level, the red-flag hits to show and the ids of notes explaining the level."""
    cfg = load_ruleset("job_red_flags").config["scoring"]
    ids = {hit.rule_id for hit in hits}
    flags = _flags_only(hits)
    weak_below, weak_cap = float(cfg["weak_weight_below"]), float(cfg["weak_cap"])
    strong = [hit for hit in flags if hit.weight >= weak_below]
    raw = sum(hit.weight for hit in strong)
    raw += min(weak_cap, sum(hit.weight for hit in flags if hit.weight < weak_below))
    raw += sum(hit.weight for hit in hits if hit.group == "damper")
    notes: list[str] = []
    warning_text = "warning_context" in ids
    if warning_text:
        notes.append("warning_context")
    hotspot = next((hit for hit in hits if hit.rule_id == "hotspot_destination"), None)
    if hotspot is not None and not warning_text:
        if ids & set(cfg["combo_with_hotspot"]):
            notes.append("hotspot_combination")
        if set(cfg["non_placement"].get(country or "", ())) & set(hotspot.tags):
            notes.append("non_procedural_placement")
    if {"hotspot_combination", "non_procedural_placement"} & set(notes) or raw >= HIGH_AT:
        risk = "high"
    elif strong and raw >= MEDIUM_AT:
        risk = "medium"
    else:
        risk = "low"
    return risk, sorted(flags, key=lambda hit: -hit.weight), notes


def _flags_only(hits: Sequence[RuleHit]) -> list[RuleHit]:
    """Red flags with reference ids: a transit cue counts as ``hotspot_destination`` (§1c)."""
    flags = [hit for hit in hits if hit.group == "flag"]
    if any(hit.rule_id == "hotspot_destination" for hit in flags):
        return [hit for hit in flags if hit.rule_id != "hotspot_transit"]
    return flags


def _flag(hit: RuleHit) -> Flag:
    if hit.rule_id == "hotspot_transit":
        title, text = explanations.TRANSIT
        return Flag("hotspot_destination", hit.weight, str(text), str(title), hit.snippet)
    title, text = explanations.FLAGS[hit.rule_id]
    return Flag(hit.rule_id, hit.weight, str(text), str(title), hit.snippet)
