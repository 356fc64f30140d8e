"""Load, compile and match the triage rule files in ``portal/triage/data``.

Rules are data: each YAML file maps rule ids to a group, a signed weight, a
one-line staff explanation and regular expressions per language (the format is
described in the header of ``data/drug_lexicon.yaml``). This module compiles
them once (cached) and matches them against normalised text:

* the text is NFKC-normalised, case-folded, stripped of invisible format
  characters, given straight quotes and cut to ``max_chars``;
* a diacritic-free twin of the same length serves Vietnamese written without
  accents ("viec nhe luong cao") and place names in any spelling ("Moc Bai");
* patterns get word boundaries, so ``cod`` never matches ``code``;
* patterns marked ``!`` only run when their language is active: the declared
  ``lang`` plus every language the text visibly is in (or all languages when
  neither says anything); other patterns always run, because tips mix
  languages and the interface language need not be the tip's language;
* a negator up to three words before a match, in the same clause, drops it.

``match_job_red_flags`` is the public-safe entry point for a job-offer
checker. The drug lexicon is backend-only and never leaves the server.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).with_name("data")
MAX_CHARS = 20_000
ALL_LANGS = frozenset({"id", "en", "vi", "ms", "tl", "th"})
_SEP, _SEP_OPT = r"[\s\-_]+", r"[\s\-_]*"
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})
_TOKEN = re.compile(r"[\w']+")
_CLAUSE_END = re.compile(r"[.,;:!?\n()\[\]\"]")
_THAI = re.compile("[\u0e00-\u0e7f]")
_NAME = re.compile(r"[a-z_]+")
_MAX_DISTINCT, _MAX_SPANS = 8, 40
_LANG_ALIASES = {"fil": "tl", "in": "id", "ind": "id", "zsm": "ms", "vie": "vi", "eng": "en"}


@dataclass(frozen=True)
class RuleHit:
    """One matched rule: its id, effective weight, staff explanation and matched snippet."""

    rule_id: str
    weight: float
    explanation: str
    snippet: str
    group: str = ""
    tags: tuple[str, ...] = ()
    count: int = 1


@dataclass(frozen=True)
class PreparedText:
    """A tip normalised once for every rule set: folded text, its diacritic-free twin, languages."""

    folded: str
    stripped: str
    langs: frozenset[str]

    @property
    def vi(self) -> bool:
        """Whether the diacritic-free Vietnamese pass runs."""
        return "vi" in self.langs


@dataclass(frozen=True)
class _Variant:
    weight: float
    tag: str
    common: re.Pattern[str] | None  # every language, on the folded text
    strict: tuple[tuple[str, re.Pattern[str]], ...]  # only while that language is active
    vi_plain: re.Pattern[str] | None  # Vietnamese without diacritics, on the stripped text
    folded_any: re.Pattern[str] | None  # gazetteers: accent-insensitive, always


@dataclass(frozen=True)
class Rule:
    """A compiled rule: id, group, default weight, explanation and pattern variants."""

    id: str
    group: str
    weight: float
    explanation: str
    variants: tuple[_Variant, ...]
    cap: float | None = None
    min_matches: int = 1
    unless: frozenset[str] = frozenset()
    requires: frozenset[str] = frozenset()
    requires_group: str = ""
    negatable: bool = True


@dataclass(frozen=True)
class RuleSet:
    """All rules of one data file plus its non-rule sections (scoring constants, explanations)."""

    name: str
    rules: tuple[Rule, ...]
    config: Mapping[str, Any]
    by_id: Mapping[str, Rule] = field(default_factory=dict)

    def explanation(self, rule_id: str) -> str:
        """Staff explanation for a rule id or a synthetic reason id of this file."""
        if rule_id in self.by_id:
            return self.by_id[rule_id].explanation
        return str(self.config.get("explanations", {}).get(rule_id, ""))


@dataclass(frozen=True)
class _LangData:
    stopwords: Mapping[str, frozenset[str]]
    vi_letters: re.Pattern[str]
    negators: frozenset[str]
    number_words: frozenset[str]


def load_yaml(name: str) -> dict[str, Any]:
    """Read one data file by bare name (e.g. ``"urgency"``) from ``portal/triage/data``."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"bad data file name {name!r}")
    with (DATA_DIR / f"{name}.yaml").open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    if not isinstance(data, dict):
        raise ValueError(f"{name}.yaml must hold a mapping")
    return data


@functools.cache
def _strip_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        base = unicodedata.normalize("NFD", chr(cp))[0]
        if base != chr(cp) and not unicodedata.combining(base):
            table[cp] = base
    table.update({ord("đ"): "d", ord("Đ"): "D"})
    return table


def strip_diacritics(text: str) -> str:
    """Drop Latin diacritics one character at a time, so the result keeps every offset."""
    return text.translate(_strip_table())


def fold(text: str, max_chars: int = MAX_CHARS) -> str:
    """Normalise text for matching: NFKC, no invisible characters, case-folded, straight quotes."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text[:max_chars]))
    return unicodedata.normalize("NFC", text.casefold()).translate(_QUOTES)


def normalize_lang(lang: object) -> str | None:
    """Reduce a language tag such as ``"id-ID"`` or ``"fil"`` to the rule files' code, or None."""
    if not isinstance(lang, str) or not lang.strip():
        return None
    code = re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0]
    return _LANG_ALIASES.get(code, code)


@functools.cache
def _lang_data() -> _LangData:
    raw = load_yaml("languages")
    return _LangData(
        stopwords={lang: frozenset(words) for lang, words in raw["stopwords"].items()},
        vi_letters=re.compile(f"[{re.escape(raw['vietnamese_letters'])}]"),
        negators=frozenset(str(word) for word in raw["negators"]),
        number_words=frozenset(str(word) for word in raw["number_words_after_no"]),
    )


def detect_languages(folded: str, stripped: str) -> frozenset[str]:
    """Guess the languages a folded text is written in from function words, letters and script."""
    data = _lang_data()
    found = set()
    if data.vi_letters.search(folded):
        found.add("vi")
    if _THAI.search(folded):
        found.add("th")
    tokens = _TOKEN.findall(folded)
    need = 1 if len(tokens) <= 6 else 2
    words, plain = set(tokens[:600]), set(_TOKEN.findall(stripped)[:600])
    for lang, stop in data.stopwords.items():
        if len((plain if lang == "vi" else words) & stop) >= need:
            found.add(lang)
    return frozenset(found)


def prepare(text: str, lang: str | None = None, max_chars: int = MAX_CHARS) -> PreparedText:
    """Normalise a tip once and work out which languages' strict patterns may run on it."""
    folded = fold(text, max_chars)
    stripped = strip_diacritics(folded)
    langs = detect_languages(folded, stripped)
    code = normalize_lang(lang)
    if code:
        langs = langs | {code}
    return PreparedText(folded, stripped, langs or ALL_LANGS)


def _parse(pattern: str) -> tuple[tuple[str, bool], bool, bool]:
    strict = exact = raw = False
    while pattern[:1] in ("!", "=", "~") and pattern:
        strict, exact, raw = strict or pattern[0] == "!", exact or pattern[0] == "=", raw or pattern[0] == "~"
        pattern = pattern[1:]
    body = unicodedata.normalize("NFC", pattern).replace(" ?", _SEP_OPT).replace(" ", _SEP)
    return (body, raw), strict, exact


def _join(parts: Sequence[tuple[str, bool]]) -> re.Pattern[str] | None:
    # One shared boundary around all bounded alternatives: the regex engine then
    # rejects most alternatives on their first character (30x faster than a
    # boundary inside every alternative).
    bounded = [body for body, raw in parts if not raw]
    branches = [f"(?<!\\w)(?:{'|'.join(f'(?:{body})' for body in bounded)})(?!\\w)"] if bounded else []
    branches += [body for body, raw in parts if raw]
    return re.compile("|".join(f"(?:{branch})" for branch in branches)) if branches else None


def _plain(part: tuple[str, bool]) -> tuple[str, bool]:
    return strip_diacritics(part[0]), part[1]


def _compile_variant(patterns: Mapping[str, Any], weight: float, tag: str, fold_all: bool) -> _Variant:
    common: list[tuple[str, bool]] = []
    strict: dict[str, list[tuple[str, bool]]] = {}
    vi_plain: list[tuple[str, bool]] = []
    folded_any: list[tuple[str, bool]] = []
    for lang, items in (patterns or {}).items():
        for item in items or ():
            part, is_strict, exact = _parse(str(item))
            if fold_all and not exact:
                folded_any.append(_plain(part))
                continue
            (strict.setdefault(str(lang), []) if is_strict else common).append(part)
            if lang == "vi" and not exact and _plain(part) != part:
                vi_plain.append(_plain(part))
    strict_rx = tuple((lang, rx) for lang, parts in strict.items() if (rx := _join(parts)))
    return _Variant(float(weight), tag, _join(common), strict_rx, _join(vi_plain), _join(folded_any))


def _compile_rule(rule_id: str, spec: Mapping[str, Any], gazetteer: Sequence[Any]) -> Rule:
    weight = spec.get("weight")
    explanation = str(spec.get("explanation", "")).strip()
    if not isinstance(weight, int | float) or not explanation or not spec.get("group"):
        raise ValueError(f"rule {rule_id}: needs group, numeric weight and explanation")
    fold_all = bool(spec.get("fold_accents", False))
    variants = [_compile_variant(spec.get("patterns") or {}, weight, "", fold_all)]
    for extra in spec.get("variants") or ():
        variants.append(_compile_variant(extra["patterns"], extra["weight"], str(extra.get("tag", "")), fold_all))
    for entry in gazetteer:
        variants.append(_compile_variant({"any": entry["names"]}, entry["weight"], str(entry["tag"]), True))
    cap = spec.get("cap")
    return Rule(
        id=rule_id, group=str(spec["group"]), weight=float(weight), explanation=explanation,
        variants=tuple(variants), cap=None if cap is None else float(cap),
        min_matches=int(spec.get("min_matches", 1)), unless=frozenset(spec.get("unless") or ()),
        requires=frozenset(spec.get("requires") or ()), requires_group=str(spec.get("requires_group", "")),
        negatable=bool(spec.get("negatable", True)),
    )


@functools.cache
def load_ruleset(name: str) -> RuleSet:
    """Load and compile one rule file (cached for the life of the process)."""
    raw = load_yaml(name)
    gazetteers = raw.get("gazetteers") or {}
    rules = tuple(_compile_rule(str(rid), spec, gazetteers.get(rid, ()))
                  for rid, spec in (raw.get("rules") or {}).items())
    config = {key: value for key, value in raw.items() if key != "rules"}
    return RuleSet(name, rules, config, {rule.id: rule for rule in rules})


def _negated(folded: str, start: int) -> bool:
    window = _CLAUSE_END.split(folded[max(0, start - 48):start])[-1]
    tokens = _TOKEN.findall(window)[-3:]
    data = _lang_data()
    following = _TOKEN.findall(folded[start:start + 16])[:1]
    for index, token in enumerate(tokens):
        if token not in data.negators:
            continue
        after = tokens[index + 1:index + 2] or following
        if token == "no" and after and after[0] in data.number_words:
            continue
        return True
    return False


def _spans(variant: _Variant, text: PreparedText) -> Iterator[tuple[int, int]]:
    if variant.common:
        yield from (m.span() for m in variant.common.finditer(text.folded))
    for lang, rx in variant.strict:
        if lang in text.langs:
            yield from (m.span() for m in rx.finditer(text.folded))
    if variant.vi_plain and text.vi:
        yield from (m.span() for m in variant.vi_plain.finditer(text.stripped))
    if variant.folded_any:
        yield from (m.span() for m in variant.folded_any.finditer(text.stripped))


def _match_rule(rule: Rule, text: PreparedText) -> RuleHit | None:
    snippets: dict[str, str] = {}
    tags: list[str] = []
    best: _Variant | None = None
    for variant in rule.variants:
        for count, (start, end) in enumerate(_spans(variant, text)):
            if count >= _MAX_SPANS or len(snippets) >= _MAX_DISTINCT:
                break
            if end == start or (rule.negatable and _negated(text.folded, start)):
                continue
            snippets.setdefault(text.stripped[start:end], text.folded[start:end])
            if best is None or abs(variant.weight) > abs(best.weight):
                best = variant
            if variant.tag and variant.tag not in tags:
                tags.append(variant.tag)
    if best is None or len(snippets) < rule.min_matches:
        return None
    weight = best.weight
    if rule.cap is not None:
        weight = math.copysign(min(abs(weight) * len(snippets), abs(rule.cap)), weight)
    snippet = next(iter(snippets.values()))[:80]
    return RuleHit(rule.id, weight, rule.explanation, snippet, rule.group, tuple(tags), len(snippets))


def _resolve(ruleset: RuleSet, found: Mapping[str, RuleHit]) -> list[RuleHit]:
    kept = []
    for rule_id, hit in found.items():
        rule = ruleset.by_id.get(rule_id)
        others = found.keys() - {rule_id}
        if rule is not None and (
            rule.unless & found.keys()
            or (rule.requires and not rule.requires & others)
            or (rule.requires_group and not any(found[o].group == rule.requires_group for o in others))
        ):
            continue
        kept.append(hit)
    return kept


def _raw_hits(ruleset: RuleSet, text: PreparedText) -> dict[str, RuleHit]:
    return {hit.rule_id: hit for rule in ruleset.rules if (hit := _match_rule(rule, text))}


def match_rules(ruleset: RuleSet, text: PreparedText) -> list[RuleHit]:
    """Match every rule of a rule set against a prepared text, honouring unless/requires."""
    return _resolve(ruleset, _raw_hits(ruleset, text))


@dataclass(frozen=True)
class _SalaryRx:
    amount: re.Pattern[str]
    currencies: tuple[tuple[re.Pattern[str], str], ...]
    salary_words: re.Pattern[str]
    month: re.Pattern[str]
    day: re.Pattern[str]
    year: re.Pattern[str]


@functools.cache
def _salary_rx() -> _SalaryRx:
    cfg = load_ruleset("job_red_flags").config["salary"]
    tokens = sorted(cfg["currency_tokens"], key=len, reverse=True)
    cur = "|".join(tokens)
    mag = "|".join(sorted(cfg["magnitudes"], key=len, reverse=True))
    num = r"\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?"
    amount = (rf"(?<!\w)(?:(?P<pre>{cur})\s?)?(?P<num>{num})(?:\s?(?:-|–|~|s/d|sampai|to|đến)\s?(?P<num2>{num}))?"
              rf"\s?(?P<mag>{mag})?(?!\w)\s?(?:(?P<post>{cur})(?!\w))?")
    return _SalaryRx(
        re.compile(amount),
        tuple((re.compile(token), str(cfg["currency_tokens"][token])) for token in tokens),
        *(re.compile(str(cfg[key])) for key in ("salary_words", "month_words", "day_words", "year_words")),
    )


def _number(text: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", text):
        return float(re.sub(r"[.,]", "", text))
    return float(text.replace(",", "."))


def salary_usd_per_month(text: PreparedText) -> tuple[float, str] | None:
    """Highest monthly pay (in USD) that a text states as salary, with its snippet; None if none."""
    cfg, rx = load_ruleset("job_red_flags").config["salary"], _salary_rx()
    best: tuple[float, str] | None = None
    for m in rx.amount.finditer(text.folded):
        token = m["pre"] or m["post"]
        currency = next((code for crx, code in rx.currencies if token and crx.fullmatch(token)), None)
        currency = currency or cfg["implied_currency"].get(m["mag"] or "")
        if currency is None:
            continue
        before, after = text.folded[max(0, m.start() - 40):m.start()], text.folded[m.end():m.end() + 20]
        if not (rx.salary_words.search(before) or rx.month.search(after)):
            continue
        amount = max(_number(m["num"]), _number(m["num2"] or "0")) * cfg["magnitudes"].get(m["mag"] or "", 1)
        per_month = 26.0 if rx.day.search(after) else (1 / 12 if rx.year.search(after) else 1.0)
        usd = amount * float(cfg["usd_per_unit"][currency]) * per_month
        if best is None or usd > best[0]:
            best = (usd, m.group(0).strip())
    return best


def match_job_offer(text: str | PreparedText, lang: str | None = None,
                    country: str | None = None) -> list[RuleHit]:
    """All job-offer hits for a text: red flags (group ``flag``) and dampers (group ``damper``)."""
    prepared = text if isinstance(text, PreparedText) else prepare(text, lang)
    ruleset = load_ruleset("job_red_flags")
    found = _raw_hits(ruleset, prepared)
    salary = salary_usd_per_month(prepared)
    if salary and "unrealistic_salary" not in found:
        cfg = ruleset.config["salary"]
        baselines = cfg["baseline_usd_month"]
        code = country.upper() if isinstance(country, str) else ""
        if salary[0] >= float(cfg["multiplier"]) * float(baselines.get(code, baselines["default"])):
            rule = ruleset.by_id["unrealistic_salary"]
            found[rule.id] = RuleHit(rule.id, rule.weight, rule.explanation, salary[1][:80], rule.group)
    return _resolve(ruleset, found)


def match_job_red_flags(text: str | PreparedText, lang: str | None = None,
                        country: str | None = None) -> list[RuleHit]:
    """Red flags (ids from job_offer_red_flags.md) a job-offer text shows, with weights and snippets."""
    return [hit for hit in match_job_offer(text, lang, country) if hit.group == "flag"]
