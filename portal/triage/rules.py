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

Thai, Lao, Khmer and Burmese are written without spaces between words
(``unspaced_scripts`` in ``data/languages.yaml``). Their letters never count for a
word boundary, so patterns match inside running text and English words glued to
it ("รับสมัครadmin") still match; a pattern that starts with one of their letters
is indexed by its script instead of a word; their digits fold to ASCII; and their
negators count when glued right before (th, lo, km) or after (my) a match
(``glued_negation``).

The job-offer rules are read through ``portal.triage.job_offer`` (the law of the
sending country, pay realism, combinations), the public-safe entry for the checker;
the drug lexicon is backend-only and never leaves the server.
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

from portal.languages import normalize_lang

DATA_DIR = Path(__file__).with_name("data")
MAX_CHARS = 20_000
ALL_LANGS = frozenset({"id", "en", "vi", "ms", "tl", "th", "lo", "km", "my"})
_SEP, _SEP_OPT = r"[\s\-_]+", r"[\s\-_]*"
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})
_TOKEN, _SPLIT, _LEAD = re.compile(r"[\w']+"), re.compile(r"[\W_]+"), re.compile(r"[^\W_]*")
# Clause ends, with the Burmese (၊ ။) and Khmer (។ ៕) sentence marks.
_CLAUSE_END = re.compile('[.,;:!?\n()\\[\\]"\u104a\u104b\u17d4\u17d5]')
_NAME = re.compile(r"[a-z_]+")
_MAX_DISTINCT, _MAX_SPANS = 8, 40
_GLUED_WINDOW = 16  # characters searched for a glued negator before a match (12 after)


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
    lang: str | None = None  # the declared language, normalised (e.g. "th"), if any
    scripts: frozenset[str] = frozenset()  # languages whose unspaced script the text uses


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


def word_char() -> str:
    """A character class for a letter or digit of a spaced script: what a word boundary sees
    (Thai, Lao, Khmer and Burmese letters are left out, as the patterns treat them)."""
    return str(_lang_data()["word"])


def strip_diacritics(text: str) -> str:
    """Drop Latin diacritics one character at a time, so the result keeps every offset."""
    return text.translate(_strip_table())


def fold(text: str, max_chars: int = MAX_CHARS) -> str:
    """Normalise text for matching: NFKC, no invisible characters, case-folded, straight quotes.

    Digits of the unspaced scripts (๑๒, ១២, ၁၂, ໑໒) become ASCII digits, one for one.
    """
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text[:max_chars]))
    return unicodedata.normalize("NFC", text.casefold()).translate(_fold_table())


def normalize_pattern(pattern: str) -> str:
    """Normalise a data-file pattern the way ``fold`` normalises text (NFKC, then NFC).

    Thai and Lao vowels such as "ำ" and "ໝ" have compatibility forms that NFKC
    splits; a pattern must be split the same way to match folded text.
    """
    return unicodedata.normalize("NFC", unicodedata.normalize("NFKC", pattern))


@functools.cache
def _fold_table() -> dict[int, str]:
    table: dict[int, str] = dict(_QUOTES)
    for lo, hi in _lang_data()["script_ranges"]:
        for cp in range(lo, hi + 1):
            if unicodedata.category(chr(cp)) == "Nd":
                table[cp] = str(unicodedata.digit(chr(cp)))
    return table


@functools.cache
def _lang_data() -> dict[str, Any]:
    raw = load_yaml("languages")
    scripts = {str(lang): str(chars) for lang, chars in raw["unspaced_scripts"].items()}
    unspaced = "".join(scripts.values())
    ranges = [
        (ord(m[1]), ord(m[2] or m[1])) for m in re.finditer(r"(.)(?:-(.))?", unspaced, re.DOTALL)
    ]
    glued = raw.get("glued_negation") or {}
    before = "|".join(normalize_pattern(str(p)) for p in glued.get("before") or ())
    after = "|".join(normalize_pattern(str(p)) for p in glued.get("after") or ())
    return {
        "stopwords": {lang: frozenset(words) for lang, words in raw["stopwords"].items()},
        "vi_letters": re.compile(f"[{re.escape(raw['vietnamese_letters'])}]"),
        "negators": frozenset(map(str, raw["negators"])),
        "number_words": frozenset(map(str, raw["number_words_after_no"])),
        "scripts": {lang: re.compile(f"[{chars}]") for lang, chars in scripts.items()},
        "script_ranges": ranges,
        "unspaced": re.compile(f"[{unspaced}]"),
        # What a word boundary looks at: letters and digits of the spaced scripts only.
        "word": f"[^\\W{unspaced}]",
        "glued_before": re.compile(f"(?:{before})$") if before else None,
        "glued_after": re.compile(f"\\s?(?:{after})") if after else None,
    }


def _is_letter(char: str) -> bool:
    return unicodedata.category(char)[0] in "LM"


def scripts_in(folded: str) -> frozenset[str]:
    """Languages whose unspaced script (Thai, Lao, Khmer, Burmese) has a letter in the text."""
    data = _lang_data()
    if not data["unspaced"].search(folded):
        return frozenset()
    found = set()
    for lang, chars in data["scripts"].items():
        if any(_is_letter(m.group()) for m in chars.finditer(folded)):
            found.add(lang)
    return frozenset(found)


def _script_key(lang: str) -> str:
    """Index key of an unspaced script ("#th"); never a word, which has no "#"."""
    return f"#{lang}"


def detect_languages(
    folded: str, stripped: str, scripts: frozenset[str] | None = None
) -> frozenset[str]:
    """Guess the languages a folded text is written in from function words, letters and script.

    ``scripts`` is ``scripts_in(folded)`` when the caller has it already.
    """
    data = _lang_data()
    found = {"vi"} if data["vi_letters"].search(folded) else set()
    found |= scripts_in(folded) if scripts is None else scripts
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
    unspaced = scripts_in(folded)
    langs = detect_languages(folded, stripped, unspaced) | ({code} if code else set())
    script_keys = {_script_key(script) for script in unspaced}
    # Words are looked up by their first letters; runs of an unspaced script by the script
    # (cutting them out also separates English words glued to them: "งานadmin").
    spaced = _lang_data()["unspaced"].sub(" ", folded) if unspaced else folded
    return PreparedText(
        folded,
        stripped,
        langs or ALL_LANGS,
        frozenset(word[:3] for word in _SPLIT.split(spaced)) | script_keys,
        frozenset(word[:3] for word in _SPLIT.split(strip_diacritics(spaced))) | script_keys,
        code,
        unspaced,
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
        if _lang_data()["unspaced"].match(branch):
            # A run of an unspaced script is not a word of its own: index it by script.
            script = next(lang for lang, rx in _lang_data()["scripts"].items() if rx.match(branch))
            if not _is_letter(branch[0]) or branch[1:2] in ("?", "*", "{"):
                return None
            keys.add(_script_key(script))
            continue
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


def separators(body: str) -> str:
    """A pattern's spaces as separators, as every pattern of the data files reads them: " " one or more, " ?" none or more. Inside a
    character class ("[- ]", "[a-z ]") a space stays one whitespace character: replacing it
    there broke the class ("good[- ]looking" never matched "good-looking")."""
    out: list[str] = []
    in_class, i = False, 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            out.append(body[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]" or out[-1] == "[" or out[-2:] == ["[", "^"]
            out.append(r"\s" if char == " " else char)
        elif char == "[":
            in_class = True
            out.append(char)
        elif char == " ":
            optional = body[i + 1 : i + 2] == "?"
            out.append(_SEP_OPT if optional else _SEP)
            i += 1 + optional
            continue
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _scans(bodies: Sequence[tuple[str, bool]], lang: str, stripped: bool) -> Iterator[_Scan]:
    """Compile patterns into scans: indexed by word keys, by script keys, or always run.

    Patterns that start in an unspaced script get scans of their own, so that text
    in other scripts never pays for them (and Latin text never runs Thai branches).
    """
    needs = [None if raw else _start_keys(body) for body, raw in bodies]
    groups: dict[frozenset[str] | str | None, list[int]] = {}
    for i, keys in enumerate(needs):
        by_script = keys is not None and all(key.startswith("#") for key in keys)
        groups.setdefault(keys if by_script else None if keys is None else "words", []).append(i)
    word = _lang_data()["word"]
    for kind, pick in groups.items():
        bounded = "|".join(f"(?:{separators(bodies[i][0])})" for i in pick if not bodies[i][1])
        branches = [f"(?<!{word})(?:{bounded})(?!{word})"] if bounded else []
        branches += [separators(bodies[i][0]) for i in pick if bodies[i][1]]
        keys = None if kind is None else frozenset().union(*(needs[i] or () for i in pick))
        yield _Scan(re.compile("|".join(f"(?:{b})" for b in branches)), keys, lang, stripped)


def _variant(patterns: Mapping[str, Any], weight: float, tag: str, fold_all: bool) -> _Variant:
    """Group a variant's patterns by (language gate, diacritic-free) and compile them."""
    groups: dict[tuple[str, bool], list[tuple[str, bool]]] = {}
    for lang, items in (patterns or {}).items():
        for item in map(str, items or ()):
            body = normalize_pattern(item.lstrip("!=~"))
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


def _glued_negated(folded: str, start: int, end: int) -> bool:
    """Whether a negator of an unspaced script is glued to the match ``[start, end)``.

    Such a negator counts right before the match, possibly with a helper verb
    ("ไม่ต้องเสีย" + "ค่าสมัคร"), or, for Burmese, right after it ("ပွဲခ" + "မယူပါ").
    """
    glued = _lang_data()
    window = folded[max(0, start - _GLUED_WINDOW) : start]
    if not glued["unspaced"].match(folded, start):
        window = window.removesuffix(" ")  # an English word after a glued negator
    if glued["glued_before"] is not None and glued["glued_before"].search(window):
        return True
    after = glued["glued_after"]
    return after is not None and after.match(folded, end, end + 12) is not None


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
        if end == start or (
            rule.options.get("negatable", True)
            and (
                _negated(text.folded, start)
                or bool(text.scripts and _glued_negated(text.folded, start, end))
            )
        ):
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


def resolve(ruleset: RuleSet, found: Mapping[str, RuleHit]) -> list[RuleHit]:
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
    return resolve(ruleset, _raw_hits(ruleset, text))


@functools.cache
def _salary_rx() -> dict[str, re.Pattern[str]]:
    cfg = load_ruleset("job_red_flags").config["salary"]
    return {"amount": re.compile(normalize_pattern(cfg["amount"]))} | {
        k: re.compile(normalize_pattern(v)) for k, v in cfg["context"].items()
    }


@functools.cache
def _salary_words() -> dict[str, dict[str, Any]]:
    """The salary section's word tables, keyed as the words appear in folded text."""
    cfg = load_ruleset("job_red_flags").config["salary"]
    return {
        name: {normalize_pattern(str(key)): value for key, value in cfg[name].items()}
        for name in ("currency_of", "magnitudes", "implied_currency")
    }


def _number(text: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", text):
        return float(re.sub(r"[.,]", "", text))
    return float(text.replace(",", "."))


def _last_end(pattern: re.Pattern[str] | None, text: str) -> int:
    """End of the last match of ``pattern`` in ``text``; -1 when none (or no pattern)."""
    ends = [m.end() for m in pattern.finditer(text)] if pattern is not None else []
    return ends[-1] if ends else -1


@dataclass(frozen=True)
class PayReading:
    """Pay a text states: a month's worth in its own currency and in USD, and the words read."""

    monthly: float  # in ``currency``, a month (a day's pay x 26, a year's / 12)
    currency: str  # lower-case code of the salary section, e.g. "idr"
    usd: float
    snippet: str
    period: str  # "month", "day", "hour" or "year", as written


def read_pay_and_fee(text: PreparedText) -> tuple[PayReading | None, PayReading | None]:
    """The highest pay a text states as salary and the highest fee it asks for (compared
    in USD), in one pass; None for either when the text states none.

    An amount counts as pay when a salary word stands before it or a period word after it
    ("/month"); Thai, Lao, Khmer and Burmese also put the period first ("เดือนละ",
    "วันละ" = a month, a day). An amount right after a price or fee word ("ค่าสมัคร",
    "harga", "biaya … 15 juta", "placement fee: ₱160,000") that is nearer than any salary
    word is a fee (its ``monthly`` is the amount itself).
    """
    best: dict[bool, PayReading] = {}
    for reading, price in _amounts(text):
        if price not in best or reading.usd > best[price].usd:
            best[price] = reading
    return best.get(False), best.get(True)


def read_pay(text: PreparedText) -> PayReading | None:
    """The highest pay a text states as salary (``read_pay_and_fee``)."""
    return read_pay_and_fee(text)[0]


def _amounts(text: PreparedText) -> Iterator[tuple[PayReading, bool]]:
    """Every amount with a currency that is pay or a price: (reading, is a price)."""
    cfg, rx, words = load_ruleset("job_red_flags").config["salary"], _salary_rx(), _salary_words()
    month_before, day_before = rx.get("month_words_before"), rx.get("day_words_before")
    for m in rx["amount"].finditer(text.folded):
        # "18k-25k", "5jt-7jt": the first number's magnitude is the range's when the last one
        # has none of its own.
        groups = m.groupdict()
        magnitude = m["mag"] or groups.get("mag1") or groups.get("premag") or ""
        currency = words["currency_of"].get(m["pre"] or m["post"] or "")
        currency = currency or words["implied_currency"].get(magnitude)
        before, after = text.folded[max(0, m.start() - 40) : m.start()], text.folded[m.end() :][:20]
        if not currency:
            continue
        salary_at = _last_end(rx["salary_words"], before)
        per_day = bool(day_before and day_before.search(before)) or bool(
            rx["day_words"].search(after)
        )
        period_first = per_day or bool(month_before and month_before.search(before))
        per_hour = not per_day and bool(rx.get("hour_words") and rx["hour_words"].search(after))
        price = _last_end(rx.get("price_words"), before) > salary_at
        said = salary_at >= 0 or rx["month_words"].search(after) or period_first or per_hour
        if not price and not said:
            continue
        amount = max(_number(m["num"]), _number(m["num2"] or "0"))
        amount *= words["magnitudes"].get(magnitude, 1)
        period = "day" if per_day else "hour" if per_hour else "month"
        period = "year" if period == "month" and rx["year_words"].search(after) else period
        if not price:
            amount *= {"hour": 8 * 26, "day": 26, "year": 1 / 12, "month": 1}[period]
        usd = amount * float(cfg["usd_per_unit"][currency])
        yield PayReading(amount, str(currency), usd, m.group(0).strip(), period), price


def salary_usd_per_month(text: PreparedText) -> tuple[float, str] | None:
    """Highest monthly pay (in USD) that a text states as salary, with its snippet; None if none."""
    pay = read_pay(text)
    return (pay.usd, pay.snippet) if pay else None


def raw_job_offer_hits(text: PreparedText) -> dict[str, RuleHit]:
    """Every job-offer rule that matched, by id, before ``unless``/``requires`` are applied."""
    return _raw_hits(load_ruleset("job_red_flags"), text)
