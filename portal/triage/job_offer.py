"""A job offer read the way a careful reader in the sending country would read it.

Shared by the public checker (``portal.job_offers.checker``) and the job-offer
triage score (``portal.triage.scoring``), so both always agree. Pure: text in,
plain values out. On top of the red-flag rules of ``data/job_red_flags.yaml``:

* **Where the job is.** ``destination`` hits name countries; one that is not the
  reader's own country (``home``) makes the job *abroad*. An irregular departure
  point (Batam, Nunukan, …) counts only for a job abroad.
* **Pay realism** (``data/wages.yaml``). The pay is read with its currency and
  period. At home, only a bait role of scam recruitment (customer service, admin,
  chat agent, typing, online casino) is "too good to be true", from 2.5x the minimum
  wage of its place (or of the country's highest known minimum): no ordinary wage at
  home is ever too high. A job abroad is compared with the destination's entry pay (a scam
  hub's when one is named). A job at home paid below its place's minimum gets an
  information note about the worker's rights, never a warning sign.
* **Fees above the legal ceiling** of the reader's country, in months of the offer's
  own pay (the Philippines: one; Vietnam: three, one per year of a contract of up to
  three years): a strong flag of its own.
* **Combinations that mean fraud** (``scoring.combinations``): a fee with recruiting
  outside licensed channels, a fee with a guaranteed departure, a fee for a job that
  must cost an Indonesian worker nothing, … reach high on their own. So do the
  scam-compound combinations (a hotspot with a tourist visa, an irregular route, a
  passport taken or a coached story; an Indonesian recruited to Cambodia, Myanmar or
  Laos). None of them applies to a text that reads as a warning.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from portal.languages import normalize_lang
from portal.triage.rules import (
    PayReading,
    PreparedText,
    RuleHit,
    load_ruleset,
    load_yaml,
    normalize_pattern,
    prepare,
    raw_job_offer_hits,
    read_pay_and_fee,
    resolve,
    separators,
    strip_diacritics,
    word_char,
)

SCAM_HUBS = frozenset({"KH", "MM", "LA"})
HOME = "-home"  # a hotspot tag's suffix for the country itself and its ordinary places
GENERIC_ABROAD = frozenset({"abroad"})


@dataclass(frozen=True)
class Minimum:
    """The legal minimum wage of a place, a month, in its currency (wages.yaml)."""

    place: str
    name: str
    country: str
    monthly: float
    currency: str
    year: int
    source: str


@dataclass(frozen=True)
class JobReading:
    """Everything the rules found in one offer.

    ``hits``: red flags, dampers and context, after ``unless``/``requires``; the
    amount-based ``unrealistic_salary`` is a flag, and the ``non_procedural_placement``
    weight a hit of group "combination". ``combinations``: ids of the combinations that make it high.
    """

    hits: list[RuleHit]
    combinations: list[str]
    home: str | None
    destinations: frozenset[str]  # countries named outside ``home`` ("abroad": only a word)
    pay: PayReading | None
    pay_place: Minimum | None  # the minimum the pay was compared with, for a job at home
    below_minimum: Minimum | None  # set when a job at home pays less than this minimum

    @property
    def abroad(self) -> bool:
        return bool(self.destinations)

    @property
    def flags(self) -> list[RuleHit]:
        return [hit for hit in self.hits if hit.group == "flag"]

    @property
    def warning_text(self) -> bool:
        return any(hit.rule_id == "warning_context" for hit in self.hits)

    def raw(self) -> float:
        """J of the scoring guidance: strong flags + weak flags (capped) + dampers."""
        cfg = _scoring()
        weak_below = float(cfg["weak_weight_below"])
        flags = self.flags
        raw = sum(hit.weight for hit in flags if hit.weight >= weak_below)
        raw += min(float(cfg["weak_cap"]), sum(h.weight for h in flags if h.weight < weak_below))
        return raw + sum(hit.weight for hit in self.hits if hit.group in ("damper", "combination"))


def read_offer(
    text: str | PreparedText,
    lang: str | None = None,
    country: str | None = None,
    *,
    personal_account: bool = False,
) -> JobReading:
    """Read a job offer for a reader living in ``country`` (else the country of ``lang``).

    ``personal_account``: the offer names a personal bank account, e-wallet or crypto
    wallet to pay into (found among its indicators); it counts as a fee.
    """
    prepared = text if isinstance(text, PreparedText) else prepare(text, lang)
    ruleset = load_ruleset("job_red_flags")
    found = raw_job_offer_hits(prepared)
    home = home_country(country, lang or prepared.lang)
    hub = found.get("hotspot_destination")
    if hub is not None:
        # "KH-home": Cambodia itself, Phnom Penh… (a hotspot, except for a reader living
        # there); scam-compound places (Poipet, KK Park, the Golden Triangle) count for all.
        if home and set(hub.tags) <= {f"{home}{HOME}"}:
            del found["hotspot_destination"]
        else:
            tags = tuple(dict.fromkeys(tag.removesuffix(HOME) for tag in hub.tags))
            found["hotspot_destination"] = replace(hub, tags=tags)
    destinations = _destinations(prepared, found, home)
    if not destinations:
        found.pop("irregular_departure", None)
    pay, fee_asked = read_pay_and_fee(prepared)
    place = _minimum_for(prepared, home, domestic="zero_cost_job:domestic" in _keys(found))
    bait = bool(found.keys() & set(_wages()["bait_roles"]))
    if (
        pay
        and "unrealistic_salary" not in found
        and pay.usd >= _too_high_usd(destinations, home, None if destinations else place, bait)
    ):
        rule = ruleset.by_id["unrealistic_salary"]
        found[rule.id] = RuleHit(rule.id, rule.weight, rule.explanation, pay.snippet[:80], "flag")
    hits = resolve(ruleset, found)
    fee = _above_cap(fee_asked, pay, home) if destinations else None
    if fee is not None:
        why = ruleset.explanation("fee_above_cap")
        weight = float(_scoring()["fee_cap_weight"])
        hits.append(RuleHit("fee_above_cap", weight, why, fee.snippet[:80], "flag"))
    raw_keys = _keys(found) | {hit.rule_id for hit in hits}
    combos = _combinations(hits, raw_keys, home, destinations, personal_account)
    if "non_procedural_placement" in combos:
        weight = float(_scoring()["non_placement_weight"])
        hub = next(hit for hit in hits if hit.rule_id == "hotspot_destination")
        why = ruleset.explanation("non_procedural_placement")
        hits.append(RuleHit("non_procedural_placement", weight, why, hub.snippet, "combination"))
    below = None
    if pay and place and not destinations and pay.currency == place.currency:
        below = place if pay.monthly < place.monthly else None
    return JobReading(hits, combos, home, destinations, pay, place, below)


def _above_cap(
    fee: PayReading | None, pay: PayReading | None, home: str | None
) -> PayReading | None:
    """The fee, when it is above the legal ceiling of the reader's country for this pay."""
    months = _scoring()["fee_cap_months"].get(home or "")
    if fee is None or pay is None or months is None:
        return None
    return fee if fee.usd > float(months) * pay.usd else None


def home_country(country: str | None, lang: str | None) -> str | None:
    """The reader's country: as given, else the country of their language (th → TH)."""
    if country:
        return country.strip().upper()[:2] or None
    by_lang = load_ruleset("job_red_flags").config["salary"].get("home_by_lang", {})
    return by_lang.get(normalize_lang(lang) or "") or None


@functools.cache
def _scoring() -> Mapping[str, Any]:
    return load_ruleset("job_red_flags").config["scoring"]


@functools.cache
def _wages() -> dict[str, Any]:
    return load_yaml("wages")


@functools.cache
def _places() -> tuple[tuple[Minimum, re.Pattern[str] | None, bool, bool], ...]:
    """Every minimum of wages.yaml with the pattern of its place names (None: national)."""
    places = []
    for entry in _wages()["minimum_wages"]:
        monthly = float(entry.get("monthly") or float(entry["daily"]) * 26)
        minimum = Minimum(
            str(entry["place"]),
            str(entry["name"]),
            str(entry["country"]),
            monthly,
            str(entry["currency"]),
            int(entry["year"]),
            str(entry["source"]),
        )
        names = [separators(strip_diacritics(normalize_pattern(str(n)))) for n in entry["names"]]
        pattern = re.compile(rf"(?<!\w)(?:{'|'.join(names)})(?!\w)") if names else None
        places.append(
            (minimum, pattern, bool(entry.get("national")), bool(entry.get("excludes_domestic")))
        )
    return tuple(places)


def _minimum_for(text: PreparedText, home: str | None, domestic: bool) -> Minimum | None:
    """The minimum wage of the place the offer names in the reader's country (or national)."""
    for minimum, pattern, national, excludes_domestic in _places():
        if minimum.country != home or (domestic and excludes_domestic):
            continue
        if national or (pattern is not None and pattern.search(text.stripped)):
            return minimum
    return None


def _to_usd(amount: float, currency: str) -> float:
    rates = load_ruleset("job_red_flags").config["salary"]["usd_per_unit"]
    return amount * float(rates[currency])


def _too_high_usd(
    destinations: frozenset[str], home: str | None, place: Minimum | None, bait: bool
) -> float:
    """The monthly pay in USD from which an offer's pay is "too good to be true"."""
    wages = _wages()
    entry = wages["destination_entry_usd_month"]
    if destinations:
        hubs = destinations & SCAM_HUBS
        named = (hubs or destinations) - GENERIC_ABROAD
        if named - set(entry):
            return math.inf  # a country without entry pay here: no judgement rather than a guess
        if named:  # the scam hub's pay where one is named, else the best paid destination
            base = (min if hubs else max)(float(entry[c]) for c in named)
        else:  # only a word for "abroad": the reader's own country's entry pay
            base = float(entry.get(home or "", wages["home_baseline_usd_month"]["default"]))
        return base * float(wages["bait_multiplier_abroad" if bait else "abroad_multiplier"])
    if not bait:
        return math.inf  # at home, an ordinary job's pay is never "too good to be true"
    if place is None:
        known = [m for m, *_ in _places() if m.country == home]
        place = max(known, key=lambda m: _to_usd(m.monthly, m.currency), default=None)
    if place is not None:
        base = _to_usd(place.monthly, place.currency)
    else:
        baselines = wages["home_baseline_usd_month"]
        base = float(baselines.get(home or "", baselines["default"]))
    return base * float(wages["bait_multiplier_home"])


def _keys(found: Mapping[str, RuleHit] | Iterable[RuleHit]) -> set[str]:
    """Ids and ``id:tag`` keys of hits, as the combinations name them."""
    hits = found.values() if isinstance(found, Mapping) else found
    keys: set[str] = set()
    for hit in hits:
        keys.add(hit.rule_id)
        keys.update(f"{hit.rule_id}:{tag}" for tag in hit.tags)
    return keys


def _destinations(
    text: PreparedText, found: Mapping[str, RuleHit], home: str | None
) -> frozenset[str]:
    """Countries named as where the job is (a scam hub's too), other than the reader's own."""
    tags = set(found["hotspot_destination"].tags) if "hotspot_destination" in found else set()
    for pattern, folded in _destination_patterns():
        for match in pattern.finditer(text.folded if folded else text.stripped):
            tags.add(next(tag for tag, value in match.groupdict().items() if value)[1:])
    return frozenset(tags - {home or ""})


@functools.cache
def _destination_patterns() -> tuple[tuple[re.Pattern[str], bool], ...]:
    """The ``destinations`` of job_red_flags.yaml as two patterns, one pass each: names matched
    without accents, and names marked "=" that keep theirs. A group per tag ("_MY")."""
    word = word_char()
    groups: dict[bool, list[str]] = {False: [], True: []}
    for entry in load_ruleset("job_red_flags").config["destinations"]:
        by_kind: dict[bool, list[str]] = {False: [], True: []}
        for name in entry["names"]:
            folded = str(name).startswith("=")
            body = normalize_pattern(str(name).removeprefix("="))
            body = body if folded else strip_diacritics(body)
            by_kind[folded].append(separators(body))
        for folded, names in by_kind.items():
            if names:
                groups[folded].append(f"(?P<_{entry['tag']}>{'|'.join(names)})")
    return tuple(
        (re.compile(f"(?<!{word})(?:{'|'.join(alternatives)})(?!{word})"), folded)
        for folded, alternatives in groups.items()
        if alternatives
    )


def _combinations(
    hits: Sequence[RuleHit],
    raw_keys: set[str],
    home: str | None,
    destinations: frozenset[str],
    personal: bool,
) -> list[str]:
    """Ids of the combinations that make an offer high on their own (none for a warning).

    A combination marked ``raw`` is judged on the hits before ``unless`` (a government
    office's name is also a licence cue, which would hide the private chat it uses)."""
    extra = {"pay_personal_account"} if personal else set()
    keys = _keys(hits) | extra
    if "warning_context" in keys:
        return []
    cfg = _scoring()
    found: list[str] = []
    hub = next((hit for hit in hits if hit.rule_id == "hotspot_destination"), None)
    if hub is not None and keys & set(cfg["combo_with_hotspot"]):
        found.append("hotspot_combination")
    if hub is not None and set(cfg["non_placement"].get(home or "", ())) & set(hub.tags):
        found.append("non_procedural_placement")
    fees = {str(item) for item in cfg["fee_ids"]}
    abroad = {f"destination:{tag}" for tag in destinations} | ({"abroad"} if destinations else set())
    for combo_id, spec in cfg["combinations"].items():
        if spec.get("countries") and home not in spec["countries"]:
            continue
        have = (raw_keys if spec.get("raw") else keys) | extra | abroad
        if all(_met(need, have, fees) for need in spec["need"]):
            found.append(str(combo_id))
    return found


def _met(need: Sequence[str], keys: set[str], fees: set[str]) -> bool:
    wanted = {str(item) for item in need}
    if "fee" in wanted:
        wanted = (wanted - {"fee"}) | fees
    return bool(wanted & keys)


def match_job_offer(
    text: str | PreparedText, lang: str | None = None, country: str | None = None
) -> list[RuleHit]:
    """The red flags (group ``flag``) and dampers (group ``damper``) of a job offer."""
    return [hit for hit in read_offer(text, lang, country).hits if hit.group in ("flag", "damper")]


def match_job_red_flags(
    text: str | PreparedText, lang: str | None = None, country: str | None = None
) -> list[RuleHit]:
    """Red flags (ids from the references) a job-offer text shows, with weights and snippets."""
    return [hit for hit in read_offer(text, lang, country).hits if hit.group == "flag"]
