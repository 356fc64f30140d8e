"""Load, compile and match the triage rule files in ``portal/triage/data``.

Rules are data (format in the header of ``data/drug_lexicon.yaml``); this module
compiles them once and matches them against normalised text: NFKC, case-folded,
invisible characters dropped, cut to ``max_chars``, plus a diacritic-free twin of
the same length for Vietnamese without accents and place names in any spelling.
Patterns get word boundaries ("cod" never matches "code"). Patterns marked "!"
run only while their language is active (the declared ``lang`` plus languages the
text visibly is in; all when neither says anything); the rest always run, since
tips mix languages. A negator up to three words before a match, in the same
clause, drops it. For speed, the word beginning every match of a pattern starts
with is indexed at compile time, so a regex runs only when one occurs in the text.

``match_job_red_flags`` is the public-safe entry for a job-offer checker; the drug
lexicon is backend-only and never leaves the server.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import yaml

DATA_DIR = Path(__file__).with_name("data")
MAX_CHARS = 20_000
ALL_LANGS = frozenset({"id", "en", "vi", "ms", "tl", "th"})
_SEP, _SEP_OPT = r"[\s\-_]+", r"[\s\-_]*"
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})
_TOKEN, _SPLIT, _LEAD = re.compile(r"[\w']+"), re.compile(r"[\W_]+"), re.compile(r"[^\W_]*")
_CLAUSE_END = re.compile(r"[.,;:!?\n()\[\]\"]")
_THAI, _NAME = re.compile("[\u0e00-\u0e7f]"), re.compile(r"[a-z_]+")
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


@dataclass(frozen=True)
class PreparedText:
    """A tip normalised once for every rule set: folded text, diacritic-free twin, languages."""

    folded: str
    stripped: str
    langs: frozenset[str]
    keys: frozenset[str] = frozenset()  # first three letters of every word (folded)
    plain_keys: frozenset[str] = frozenset()  # the same for the diacritic-free twin


class _Scan(NamedTuple):
    rx: re.Pattern[str]
    keys: frozenset[str] | None  # every match starts a word with one of these (None: always run)
    lang: str  # "" = always; else only while that language is active
    stripped: bool  # run on the diacritic-free twin


class _Variant(NamedTuple):
    weight: float
    tag: str
    scans: tuple[_Scan, ...]


@dataclass(frozen=True)
class Rule:
    """A compiled rule: id, group, weight, explanation, pattern variants and its YAML options."""

    id: str
    group: str
    weight: float
    explanation: str
    variants: tuple[_Variant, ...]
    options: Mapping[str, Any]  # cap, min_matches, unless, requires, requires_group, negatable


@dataclass(frozen=True)
class RuleSet:
    """All rules of one data file, their scan index, and the file's other sections (config)."""

    name: str
    rules: tuple[Rule, ...]
    config: Mapping[str, Any]
    by_id: Mapping[str, Rule]
    plan: tuple[tuple[int, int, _Scan], ...]  # (rule index, variant index, scan)
    index: Mapping[tuple[bool, str], tuple[int, ...]]  # (stripped, word key) → plan entries
    unindexed: tuple[int, ...]

    def explanation(self, rule_id: str) -> str:
        """Staff explanation for a rule id or a synthetic reason id of this file."""
        if rule_id in self.by_id:
            return self.by_id[rule_id].explanation
        return str(self.config.get("explanations", {}).get(rule_id, ""))


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
    table = {ord("đ"): "d", ord("Đ"): "D"}
    for cp in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        base = unicodedata.normalize("NFD", chr(cp))[0]
        if base != chr(cp) and not unicodedata.combining(base):
            table[cp] = base
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
def _lang_data() -> dict[str, Any]:
    raw = load_yaml("languages")
    return {
        "stopwords": {lang: frozenset(words) for lang, words in raw["stopwords"].items()},
        "vi_letters": re.compile(f"[{re.escape(raw['vietnamese_letters'])}]"),
        "negators": frozenset(map(str, raw["negators"])),
        "number_words": frozenset(map(str, raw["number_words_after_no"])),
    }


def detect_languages(folded: str, stripped: str) -> frozenset[str]:
    """Guess the languages a folded text is written in from function words, letters and script."""
    data = _lang_data()
    found = {"vi"} if data["vi_letters"].search(folded) else set()
    found |= {"th"} if _THAI.search(folded) else set()
    tokens = _TOKEN.findall(folded)
    need = 1 if len(tokens) <= 6 else 2
    words, plain = set(tokens[:600]), set(_TOKEN.findall(stripped)[:600])
    for lang, stop in data["stopwords"].items():
        if len((plain if lang == "vi" else words) & stop) >= need:
            found.add(lang)
    return frozenset(found)


def prepare(text: str, lang: str | None = None, max_chars: int = MAX_CHARS) -> PreparedText:
    """Normalise a tip once and work out which languages' strict patterns may run on it."""
    folded = fold(text, max_chars)
    stripped = strip_diacritics(folded)
    code = normalize_lang(lang)
    langs = detect_languages(folded, stripped) | ({code} if code else set())
    keys = frozenset(word[:3] for word in _SPLIT.split(folded))
    return PreparedText(
        folded,
        stripped,
        langs or ALL_LANGS,
        keys,
        frozenset(word[:3] for word in _SPLIT.split(stripped)),
    )


def _split_top(src: str) -> list[str]:
    """Split a regex at its top-level "|" (not inside groups, classes or escapes)."""
    parts: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(src):
        if src[i] == "\\":
            i += 1
        elif src[i] == "[":
            i = max(src.find("]", i + 2), i)
        elif src[i] in "()":
            depth += 1 if src[i] == "(" else -1
        elif src[i] == "|" and depth == 0:
            parts, start = [*parts, src[start:i]], i + 1
        i += 1
    return [*parts, src[start:]]


def _start_keys(src: str, edge_after: bool = True) -> frozenset[str] | None:
    """Word keys one of which begins every match of a word-bounded pattern (None: unsure).

    A key is the first three letters of the word the match starts with, or the whole
    word when it is shorter and certainly ends there.
    """
    keys: set[str] = set()
    for branch in _split_top(src):
        if branch.startswith("(") and not branch.startswith("(?"):
            depth, end = 0, 0
            while end < len(branch):
                depth += {"(": 1, ")": -1}.get(branch[end], 0)
                end += 2 if branch[end] == "\\" else 1
                if depth == 0:
                    break
            rest = branch[end:]
            if rest[:1] in ("?", "*") or rest.startswith("{0"):
                return None
            inner = _start_keys(branch[1 : end - 1], rest == "" and edge_after or _spaced(rest))
            if inner is None:
                return None
            keys |= inner
            continue
        run = _LEAD.match(branch).group(0)  # type: ignore[union-attr]
        rest = branch[len(run) :]
        run = run[:-1] if rest[:1] in ("?", "*", "{") else run
        if len(run) >= 3:
            keys.add(run[:3])
        elif (
            run
            and len(run) == len(branch) - len(rest)
            and (rest == "" and edge_after or _spaced(rest))
        ):
            keys.add(run)
        else:
            return None
    return frozenset(keys)


def _spaced(rest: str) -> bool:
    return rest.startswith(" ") and not rest.startswith(" ?")


def _sep(body: str) -> str:
    return body.replace(" ?", _SEP_OPT).replace(" ", _SEP)


def _scans(bodies: Sequence[tuple[str, bool]], lang: str, stripped: bool) -> Iterator[_Scan]:
    """Compile patterns into up to two scans: one indexed by word keys, one that always runs."""
    needs = [None if raw else _start_keys(body) for body, raw in bodies]
    for indexed in (True, False):
        pick = [i for i, keys in enumerate(needs) if (keys is not None) == indexed]
        bounded = "|".join(f"(?:{_sep(bodies[i][0])})" for i in pick if not bodies[i][1])
        branches = [f"(?<!\\w)(?:{bounded})(?!\\w)"] if bounded else []
        branches += [_sep(bodies[i][0]) for i in pick if bodies[i][1]]
        if branches:
            keys = frozenset().union(*(needs[i] or () for i in pick)) if indexed else None
            yield _Scan(re.compile("|".join(f"(?:{b})" for b in branches)), keys, lang, stripped)


def _variant(patterns: Mapping[str, Any], weight: float, tag: str, fold_all: bool) -> _Variant:
    """Group a variant's patterns by (language gate, diacritic-free) and compile them."""
    groups: dict[tuple[str, bool], list[tuple[str, bool]]] = {}
    for lang, items in (patterns or {}).items():
        for item in map(str, items or ()):
            body = unicodedata.normalize("NFC", item.lstrip("!=~"))
            marks = item[: len(item) - len(item.lstrip("!=~"))]
            exact, raw = "=" in marks, "~" in marks
            keys = (
                [("", True)] if fold_all and not exact else [(lang if "!" in marks else "", False)]
            )
            if lang == "vi" and not (exact or fold_all) and strip_diacritics(body) != body:
                keys.append(("vi", True))
            for key in keys:
                groups.setdefault(key, []).append((strip_diacritics(body) if key[1] else body, raw))
    scans = (
        scan for (lang, plain), bodies in groups.items() for scan in _scans(bodies, lang, plain)
    )
    return _Variant(float(weight), tag, tuple(scans))


def _rule(rule_id: str, spec: Mapping[str, Any], gazetteer: Sequence[Any]) -> Rule:
    weight, explanation = spec.get("weight"), str(spec.get("explanation", "")).strip()
    if not isinstance(weight, int | float) or not explanation or not spec.get("group"):
        raise ValueError(f"rule {rule_id}: needs group, numeric weight and explanation")
    fold_all = bool(spec.get("fold_accents", False))
    variants = [_variant(spec.get("patterns") or {}, weight, "", fold_all)]
    for extra in spec.get("variants") or ():
        variants.append(
            _variant(extra["patterns"], extra["weight"], str(extra.get("tag", "")), fold_all)
        )
    for entry in gazetteer:
        variants.append(_variant({"any": entry["names"]}, entry["weight"], str(entry["tag"]), True))
    options = {key: spec[key] for key in spec if key not in ("patterns", "variants")}
    return Rule(rule_id, str(spec["group"]), float(weight), explanation, tuple(variants), options)


@functools.cache
def load_ruleset(name: str) -> RuleSet:
    """Load and compile one rule file (cached for the life of the process)."""
    raw = load_yaml(name)
    gazetteers = raw.get("gazetteers") or {}
    rules = tuple(
        _rule(str(rid), spec, gazetteers.get(rid, ())) for rid, spec in raw["rules"].items()
    )
    plan = tuple(
        (ri, vi, scan)
        for ri, rule in enumerate(rules)
        for vi, variant in enumerate(rule.variants)
        for scan in variant.scans
    )
    index: dict[tuple[bool, str], tuple[int, ...]] = {}
    for k, (_, _, scan) in enumerate(plan):
        for key in scan.keys or ():
            index[(scan.stripped, key)] = (*index.get((scan.stripped, key), ()), k)
    unindexed = tuple(k for k, (_, _, scan) in enumerate(plan) if scan.keys is None)
    config = {key: value for key, value in raw.items() if key != "rules"}
    return RuleSet(name, rules, config, {r.id: r for r in rules}, plan, index, unindexed)


def _negated(folded: str, start: int) -> bool:
    """Whether a negator stands up to three words before ``start`` in the same clause."""
    tokens = _TOKEN.findall(_CLAUSE_END.split(folded[max(0, start - 48) : start])[-1])[-3:]
    data = _lang_data()
    following = _TOKEN.findall(folded[start : start + 16])[:1]
    for index, word in enumerate(tokens):
        after = tokens[index + 1 : index + 2] or following
        if word in data["negators"] and not (
            word == "no" and after[:1] and after[0] in data["number_words"]
        ):
            return True
    return False


def _hit(rule: Rule, spans: Sequence[tuple[int, int, int]], text: PreparedText) -> RuleHit | None:
    """Turn a rule's match spans into one hit: negation, distinct matches, cap, best variant."""
    snippets: dict[str, str] = {}
    tags: list[str] = []
    best: _Variant | None = None
    for var_index, start, end in spans:
        if len(snippets) >= _MAX_DISTINCT:
            break
        if end == start or (rule.options.get("negatable", True) and _negated(text.folded, start)):
            continue
        variant = rule.variants[var_index]
        snippets.setdefault(text.stripped[start:end], text.folded[start:end])
        best = variant if best is None or abs(variant.weight) > abs(best.weight) else best
        tags += [variant.tag] if variant.tag and variant.tag not in tags else []
    if best is None or len(snippets) < int(rule.options.get("min_matches", 1)):
        return None
    weight, cap = best.weight, rule.options.get("cap")
    if cap is not None:
        weight = math.copysign(min(abs(weight) * len(snippets), abs(float(cap))), weight)
    snippet = next(iter(snippets.values()))[:80]
    return RuleHit(rule.id, weight, rule.explanation, snippet, rule.group, tuple(tags))


def _resolve(ruleset: RuleSet, found: Mapping[str, RuleHit]) -> list[RuleHit]:
    """Drop hits whose ``unless`` rule matched or whose ``requires``/``requires_group`` did not."""
    kept = []
    for rule_id, hit in found.items():
        options, others = ruleset.by_id[rule_id].options, found.keys() - {rule_id}
        required, group = set(options.get("requires") or ()), options.get("requires_group")
        if set(options.get("unless") or ()) & found.keys() or (required and not required & others):
            continue
        if group and not any(found[other].group == group for other in others):
            continue
        kept.append(hit)
    return kept


def _raw_hits(ruleset: RuleSet, text: PreparedText) -> dict[str, RuleHit]:
    """Run the scans whose word keys occur in the text (and the unindexed ones); build hits."""
    picked = set(ruleset.unindexed)
    for stripped, keys in ((False, text.keys), (True, text.plain_keys)):
        for key in keys:
            picked.update(ruleset.index.get((stripped, key), ()))
    spans: dict[int, list[tuple[int, int, int]]] = {}
    for k in sorted(picked):
        rule_index, var_index, scan = ruleset.plan[k]
        if scan.lang and scan.lang not in text.langs:
            continue
        found = spans.setdefault(rule_index, [])
        for count, m in enumerate(
            scan.rx.finditer(text.stripped if scan.stripped else text.folded)
        ):
            if count >= _MAX_SPANS:
                break
            found.append((var_index, *m.span()))
    hits = (_hit(ruleset.rules[index], found, text) for index, found in sorted(spans.items()))
    return {hit.rule_id: hit for hit in hits if hit}


def match_rules(ruleset: RuleSet, text: PreparedText) -> list[RuleHit]:
    """Match every rule of a rule set against a prepared text, honouring unless/requires."""
    return _resolve(ruleset, _raw_hits(ruleset, text))


@functools.cache
def _salary_rx() -> dict[str, re.Pattern[str]]:
    cfg = load_ruleset("job_red_flags").config["salary"]
    return {"amount": re.compile(cfg["amount"])} | {
        k: re.compile(v) for k, v in cfg["context"].items()
    }


def _number(text: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", text):
        return float(re.sub(r"[.,]", "", text))
    return float(text.replace(",", "."))


def salary_usd_per_month(text: PreparedText) -> tuple[float, str] | None:
    """Highest monthly pay (in USD) that a text states as salary, with its snippet; None if none."""
    cfg, rx = load_ruleset("job_red_flags").config["salary"], _salary_rx()
    best: tuple[float, str] | None = None
    for m in rx["amount"].finditer(text.folded):
        currency = cfg["currency_of"].get(m["pre"] or m["post"] or "")
        currency = currency or cfg["implied_currency"].get(m["mag"] or "")
        before, after = text.folded[max(0, m.start() - 40) : m.start()], text.folded[m.end() :][:20]
        if not currency or not (
            rx["salary_words"].search(before) or rx["month_words"].search(after)
        ):
            continue
        amount = max(_number(m["num"]), _number(m["num2"] or "0"))
        amount *= cfg["magnitudes"].get(m["mag"] or "", 1) * float(cfg["usd_per_unit"][currency])
        amount *= (
            26 if rx["day_words"].search(after) else 1 / 12 if rx["year_words"].search(after) else 1
        )
        if best is None or amount > best[0]:
            best = (amount, m.group(0).strip())
    return best


def match_job_offer(
    text: str | PreparedText, lang: str | None = None, country: str | None = None
) -> list[RuleHit]:
    """All job-offer hits for a text: red flags (group ``flag``) and dampers (group ``damper``)."""
    prepared = text if isinstance(text, PreparedText) else prepare(text, lang)
    ruleset = load_ruleset("job_red_flags")
    found = _raw_hits(ruleset, prepared)
    salary, cfg = salary_usd_per_month(prepared), ruleset.config["salary"]
    baseline = cfg["baseline_usd_month"].get(
        str(country or "").upper(), cfg["baseline_usd_month"]["default"]
    )
    if salary and "unrealistic_salary" not in found and salary[0] >= cfg["multiplier"] * baseline:
        rule = ruleset.by_id["unrealistic_salary"]
        found[rule.id] = RuleHit(rule.id, rule.weight, rule.explanation, salary[1][:80], rule.group)
    return _resolve(ruleset, found)


def match_job_red_flags(
    text: str | PreparedText, lang: str | None = None, country: str | None = None
) -> list[RuleHit]:
    """Red flags (ids from job_offer_red_flags.md) a job-offer text shows, with weights and snippets."""
    return [hit for hit in match_job_offer(text, lang, country) if hit.group == "flag"]
