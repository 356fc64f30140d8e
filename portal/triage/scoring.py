"""Explainable triage score for a tip: transparent weighted rules, no black box.

Every point comes from a rule in ``portal/triage/data/*.yaml`` and becomes a
``Reason`` (rule id, signed weight in the category's raw units, one-line staff
explanation, matched snippet for staff only). The value is a deterministic
function of the matched rules; the constants live in the YAML files:

* drugs: S = min(6, substance weights); L = min(12, sale weights + identifier);
  B = |benign weights|, halved when a strong sale combination is present;
  L' = max(0, L - B); raw = S*L' + S + L' ("substance x sale - benign": a
  substance alone gives at most 6); value = raw * 50 / 19, so the reference's
  high line (S = 3, L = 4) maps to 50.
* job-offer (``portal.triage.job_offer``, shared with the public checker): J = flags
  of weight >= 2 + min(3, weight-1 flags) + identifier + non-procedural placement
  - |dampers|; value = J * 50 / 7, at least 70 when a combination applies (a hotspot
  with a tourist-visa / irregular-route / passport / coached flag, an Indonesian
  reporter recruited to KH/MM/LA, or one of the placement-fraud combinations: a fee
  with unlicensed recruiting or a guaranteed departure, …), unless it reads as a
  warning.
* extremism: E = signals (a target counts only next to violence, weapons or
  recruitment) + identifier - |dampers|; value = E * 50 / 5.
* other, and any unknown category: the highest of the three.

Non-urgent values are rounded and clamped to 0..89; priority is "high" from 50,
"normal" from 25, else "low". Urgent signals (held captive, passport taken,
cannot go home, beaten, sold on, ransom, minor, suicidal, imminent attack)
apply to every category: value = min(100, 90 + 2*(n-1) + base // 20) and
priority "urgent" - except when the text reads as news, a general warning or
fiction and shows no personal, present situation (then only the reason
``urgency_general_context``, weight 0). Reasons of weight 0 explain floors and
context; urgent reasons carry weight 10 but do not add to the value.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from portal.categories import CATEGORIES
from portal.languages import LIKELY_COUNTRY, normalize_lang
from portal.triage.indicators import PAYMENT_KINDS, Indicator, extract
from portal.triage.job_offer import read_offer
from portal.triage.rules import (
    PreparedText,
    RuleHit,
    RuleSet,
    load_ruleset,
    load_yaml,
    match_rules,
    prepare,
)

log = logging.getLogger(__name__)


PRIORITIES = ("urgent", "high", "normal", "low")


@dataclass(frozen=True)
class Reason:
    """One line of the explanation: the matched rule, its signed weight and why it matters."""

    rule_id: str
    weight: float
    explanation: str
    snippet: str = ""


@dataclass(frozen=True)
class Score:
    """Triage result: value 0-100 (higher = more urgent/likely), reasons, priority, urgent flag."""

    value: int
    reasons: list[Reason]
    priority: str
    urgent: bool
    category: str


@dataclass(frozen=True)
class _Part:
    value: float
    reasons: list[Reason]


def _weight(value: float) -> float:
    return int(value) if float(value).is_integer() else round(value, 2)


def _from_hit(hit: RuleHit) -> Reason:
    return Reason(hit.rule_id, _weight(hit.weight), hit.explanation, hit.snippet)


def _synthetic(
    source: RuleSet | dict[str, Any], rule_id: str, weight: float, snippet: str = ""
) -> Reason:
    if isinstance(source, RuleSet):
        text = source.explanation(rule_id)
    else:
        text = str(source.get("explanations", {}).get(rule_id, ""))
    return Reason(rule_id, _weight(weight), text, snippet)


@functools.cache
def _settings() -> dict[str, Any]:
    return load_yaml("scoring")


def _scaled(raw: float, high_at_raw: float) -> float:
    return raw * float(_settings()["priority"]["high"]) / float(high_at_raw)


def _drugs(
    text: PreparedText, country: str | None, ident: Reason | None, payment: Reason | None
) -> _Part:
    ruleset = load_ruleset("drug_lexicon")
    cfg = ruleset.config["scoring"]
    hits = match_rules(ruleset, text)
    ids = {hit.rule_id for hit in hits}
    reasons = [_from_hit(hit) for hit in hits]
    substance = min(
        float(cfg["substance_cap"]), sum(h.weight for h in hits if h.group == "substance")
    )
    sale = sum(h.weight for h in hits if h.group == "sale") + _sum(ident, payment)
    sale = min(float(cfg["sale_cap"]), sale)
    benign = -sum(h.weight for h in hits if h.group == "benign")
    if benign > 0 and any(set(combo) <= ids for combo in cfg["strong_sale"]):
        benign *= float(cfg["strong_sale_benign_factor"])
        reasons.append(_synthetic(ruleset, "strong_sale_override", 0))
    sale_left = max(0.0, sale - benign)
    raw = substance * sale_left + substance + sale_left
    return _Part(_scaled(raw, cfg["high_at_raw"]), reasons + _present(ident, payment))


def _job_offer(
    text: PreparedText, country: str | None, ident: Reason | None, payment: Reason | None
) -> _Part:
    ruleset = load_ruleset("job_red_flags")
    cfg = ruleset.config["scoring"]
    reading = read_offer(text, country=country, personal_account=payment is not None)
    reasons = [_from_hit(hit) for hit in reading.hits if hit.group != "context"]
    raw = reading.raw() + _sum(ident, payment)
    hub = next((hit.snippet for hit in reading.hits if hit.rule_id == "hotspot_destination"), "")
    for combo in reading.combinations:
        if combo != "non_procedural_placement":  # already a reason with its weight
            snippet = hub if combo == "hotspot_combination" else ""
            reasons.append(_synthetic(ruleset, combo, 0, snippet))
    if reading.below_minimum is not None and reading.pay is not None:
        reasons.append(_synthetic(ruleset, "pay_below_minimum", 0, reading.pay.snippet))
    floor = float(cfg["combo_floor"]) if reading.combinations else 0.0
    value = max(floor, _scaled(raw, cfg["high_at_raw"]))
    return _Part(value, reasons + _present(ident, payment))


def _extremism(
    text: PreparedText, country: str | None, ident: Reason | None, payment: Reason | None
) -> _Part:
    """A payment account is not evidence of extremism by itself (charities ask for money)."""
    ruleset = load_ruleset("extremism")
    hits = match_rules(ruleset, text)
    raw = sum(hit.weight for hit in hits) + (ident.weight if ident else 0)
    reasons = [_from_hit(hit) for hit in hits] + ([ident] if ident else [])
    return _Part(_scaled(raw, ruleset.config["scoring"]["high_at_raw"]), reasons)


def _sum(*reasons: Reason | None) -> float:
    return sum(reason.weight for reason in reasons if reason is not None)


def _present(*reasons: Reason | None) -> list[Reason]:
    return [reason for reason in reasons if reason is not None]


_SCORERS: dict[str, Callable[[PreparedText, str | None, Reason | None, Reason | None], _Part]] = {
    "drugs": _drugs,
    "job-offer": _job_offer,
    "extremism": _extremism,
}


def _urgency(text: PreparedText) -> tuple[list[Reason], list[Reason]]:
    """Return (urgent reasons, context reasons) for a text, applying the news/warning rule."""
    ruleset = load_ruleset("urgency")
    hits = match_rules(ruleset, text)
    urgent = [hit for hit in hits if hit.group == "urgent"]
    ids = {hit.rule_id for hit in hits}
    general = ids & {"general_context", "fiction_context"}
    if urgent and general and "personal_context" not in ids:
        return [], [_synthetic(ruleset, "urgency_general_context", 0, urgent[0].snippet)]
    return [_from_hit(hit) for hit in urgent], []


def _found(
    text: str, country: str | None, indicators: Iterable[Indicator] | None
) -> list[Indicator]:
    """What extract() finds in ``text``, unless the caller already knows."""
    if indicators is not None:
        return list(indicators)
    if not text.strip():
        return []
    try:
        return extract(text, country)
    except Exception as exc:  # noqa: BLE001 - the bonus is optional; score() never raises
        log.warning("indicator extraction failed in scoring: %s", type(exc).__name__)
        return []


def _identifier(indicators: list[Indicator]) -> Reason | None:
    """The credibility bonus for a tip that names a concrete identifier."""
    kinds = sorted({str(getattr(item, "kind", "")) for item in indicators} - {""})
    if not kinds:
        return None
    return _synthetic(
        _settings(), "has_identifier", float(_settings()["identifier_weight"]), ", ".join(kinds)
    )


@functools.cache
def _company_holder() -> re.Pattern[str]:
    return re.compile(_settings()["company_holder"], re.IGNORECASE)


def personal_payments(indicators: Iterable[Indicator]) -> list[Indicator]:
    """Payment accounts that belong to a person: e-wallets, crypto wallets, and bank accounts
    not held by a registered company (a licensed agency's company account is no sign)."""
    company = _company_holder()
    return [
        item
        for item in indicators
        if getattr(item, "kind", "") in PAYMENT_KINDS
        and not company.search(getattr(item, "holder", None) or "")
    ]


def _payment(indicators: list[Indicator]) -> Reason | None:
    """A request to pay a personal account counts as evidence of a sale or a fake offer."""
    personal = personal_payments(indicators)
    if not personal:
        return None
    snippet = ", ".join(item.value for item in personal[:3])
    return _synthetic(
        _settings(), "payment_to_personal_account", float(_settings()["payment_weight"]), snippet
    )


def phone_region(country: str | None, lang: str | None) -> str | None:
    """Where nationally written phone numbers in a text are from: the country given, else the
    country whose numbers people writing in ``lang`` most likely mean."""
    return country or LIKELY_COUNTRY.get(normalize_lang(lang) or "")


def _clean_category(category: object) -> str:
    if not isinstance(category, str):
        return "other"
    name = category.strip().lower().replace("_", "-")
    return name if name in CATEGORIES else "other"


def _clean_country(country: object) -> str | None:
    if not isinstance(country, str) or not country.strip():
        return None
    return country.strip().upper()[:2]


def score(
    category: str,
    text: str,
    country: str | None = None,
    lang: str | None = None,
    *,
    indicators: Iterable[Indicator] | None = None,
) -> Score:
    """Score a tip's text for its category; never raises. See the module docstring for the formula.

    `indicators`: what extract() already found in this text (the triage job passes them, so
    a tip is not parsed twice); omitted, score extracts them itself."""
    settings = _settings()
    cat = _clean_category(category)
    body = text if isinstance(text, str) else ("" if text is None else str(text))
    body = body[: int(settings["max_chars"])]
    ctry = _clean_country(country)
    prepared = prepare(body, lang if isinstance(lang, str) else None, int(settings["max_chars"]))
    region = phone_region(ctry, lang if isinstance(lang, str) else None)
    found = _found(body[: int(settings["identifier_max_chars"])], region, indicators)
    ident, payment = _identifier(found), _payment(found)
    if cat == "other":
        parts = {name: scorer(prepared, ctry, ident, payment) for name, scorer in _SCORERS.items()}
        best = max(parts, key=lambda name: parts[name].value)
        part = parts[best]
        if part.value >= float(settings["other_hint_min_value"]):
            hint = f"looks_like_{best.replace('-', '_')}"
            part = _Part(part.value, [*part.reasons, _synthetic(settings, hint, 0)])
    else:
        part = _SCORERS[cat](prepared, ctry, ident, payment)
    base = int(min(float(settings["non_urgent_max"]), max(0.0, part.value)) + 0.5)
    urgent, context = _urgency(prepared)
    reasons = urgent + context + sorted(part.reasons, key=lambda reason: -reason.weight)
    if urgent:
        cfg = settings["urgent"]
        value = min(
            100,
            int(cfg["base"])
            + int(cfg["per_extra_signal"]) * (len(urgent) - 1)
            + base // int(cfg["base_divisor"]),
        )
        return Score(value, reasons, "urgent", True, cat)
    thresholds = settings["priority"]
    priority = (
        "high"
        if base >= thresholds["high"]
        else "normal"
        if base >= thresholds["normal"]
        else "low"
    )
    return Score(base, reasons, priority, False, cat)
