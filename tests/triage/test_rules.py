"""Rule files and the matching engine (portal.triage.rules): data, normalisation, matching."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from portal.job_offers.explanations import LAW_RULES
from portal.triage import rules
from portal.triage.job_offer import match_job_red_flags
from portal.triage.rules import (
    DATA_DIR,
    RuleSet,
    fold,
    load_ruleset,
    match_rules,
    prepare,
    salary_usd_per_month,
    strip_diacritics,
)
from tests.helpers import BLNS, shared_file
from tests.triage.helpers import brute_force_hits

RULE_FILES = ("drug_lexicon", "job_red_flags", "urgency", "extremism")


def hit_ids(ruleset: str, text: str, lang: str | None = None) -> set[str]:
    return {hit.rule_id for hit in match_rules(load_ruleset(ruleset), prepare(text, lang))}


def reference_ids(name: str, section: str) -> set[str]:
    text = shared_file(f"reference/{name}").read_text(encoding="utf-8")
    start = text.index(section)
    body = text[start : text.index("\n### ", start + len(section))]
    return set(re.findall(r"^\| `([a-z_]+)` \|", body, flags=re.MULTILINE))


@pytest.mark.parametrize("name", [*RULE_FILES, "languages", "scoring"])
def test_every_data_file_starts_with_a_dated_source_header(name: str) -> None:
    head = (DATA_DIR / f"{name}.yaml").read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert head.startswith("# Source:")
    assert "2026-11" in head


def test_drug_lexicon_says_it_is_backend_only() -> None:
    head = (DATA_DIR / "drug_lexicon.yaml").read_text(encoding="utf-8")[:3000]
    assert "README" in head and "BACKEND-ONLY" in head and "never be served" in head
    assert "drug_sales_indicators.md" in head


def test_job_flag_ids_are_exactly_the_reference_ids() -> None:
    expected = reference_ids("job_offer_red_flags.md", "### 1a.")
    assert len(expected) == 17
    flags = {rule.id for rule in load_ruleset("job_red_flags").rules if rule.group == "flag"}
    # The law of the sending countries adds the candidate rules of the law reference.
    # pay_personal_account comes from an indicator, fee_above_cap from the amounts read.
    law = set(LAW_RULES) - {"pay_personal_account", "fee_above_cap"}
    assert flags - {"hotspot_transit"} == expected | law


def test_every_reference_sale_pattern_is_a_drug_rule() -> None:
    expected = reference_ids("drug_sales_indicators.md", "### 1b.")
    assert {"price_list", "dead_drop", "reported_seller"} <= expected
    assert expected <= {rule.id for rule in load_ruleset("drug_lexicon").rules}


@pytest.mark.parametrize("name", RULE_FILES)
def test_rules_have_weights_explanations_and_compile(name: str) -> None:
    ruleset = load_ruleset(name)
    assert ruleset.rules
    for rule in ruleset.rules:
        assert rule.explanation and len(rule.explanation) < 200
        assert any(variant.scans for variant in rule.variants) or rule.id == "unrealistic_salary"
        if rule.group in ("benign", "damper"):
            assert rule.weight <= 0, rule.id
        else:
            assert rule.weight >= 0, rule.id


def test_rule_ids_do_not_collide_across_files() -> None:
    seen: dict[str, str] = {}
    for name in RULE_FILES:
        ruleset = load_ruleset(name)
        synthetic = set(ruleset.config.get("explanations", {}))
        for rule_id in {rule.id for rule in ruleset.rules} | synthetic:
            assert rule_id not in seen, f"{rule_id} in {name} and {seen[rule_id]}"
            seen[rule_id] = name


def test_rule_sets_are_compiled_once() -> None:
    assert load_ruleset("urgency") is load_ruleset("urgency")
    assert isinstance(load_ruleset("urgency"), RuleSet)


def test_data_file_names_cannot_escape_the_data_folder() -> None:
    with pytest.raises(ValueError):
        rules.load_yaml("../../etc/passwd")


def test_fold_normalises_width_case_and_invisible_characters() -> None:
    assert fold("ＳＡＢＵ") == "sabu"
    assert fold("sa\u200bbu") == "sabu"
    assert fold("Don\u2019t") == "don't"
    assert fold("x" * 50_000, max_chars=100) == "x" * 100


def test_strip_diacritics_keeps_offsets() -> None:
    text = fold("Việc nhẹ lương cao ở Mộc Bài, Đà Nẵng")
    assert strip_diacritics(text) == "viec nhe luong cao o moc bai, da nang"
    assert len(strip_diacritics(text)) == len(text)


@pytest.mark.parametrize(
    "text,lang",
    [
        ("Tôi bị giữ hộ chiếu và không được về nhà", "vi"),
        ("toi khong duoc ve nha, ho giu ho chieu cua toi", "vi"),
        ("Saya tidak bisa pulang karena paspor ditahan bos", "id"),
        ("We cannot leave the compound and they took our passports", "en"),
        ("Hindi kami makauwi dahil kinuha ang passport namin", "tl"),
    ],
)
def test_detect_languages_recognises_the_text_language(text: str, lang: str) -> None:
    folded = fold(text)
    assert lang in rules.detect_languages(folded, strip_diacritics(folded))


@pytest.mark.parametrize(
    "text,rule_id",
    [
        ("Kode promo untuk code editor", "cod_delivery"),
        ("Liburan ke Danau Toba bersama keluarga", "payment_channel"),
        ("Amanda sedang belajar untuk ujian", "stealth_safety_claims"),
        ("The office is closed on Sunday", "substance_ambiguous"),
        ("Kirim dokumen ke Jakarta besok pagi", "substance_ambiguous"),
    ],
)
def test_short_terms_only_match_whole_words_in_their_language(text: str, rule_id: str) -> None:
    assert rule_id not in hit_ids("drug_lexicon", text)


def test_short_terms_still_match_where_they_are_words() -> None:
    assert "cod_delivery" in hit_ids("drug_lexicon", "Bisa COD ya kak")
    assert "payment_channel" in hit_ids("drug_lexicon", "Bayar via DANA dulu", "id")
    assert "substance_ambiguous" in hit_ids("drug_lexicon", "Bán ke giá rẻ, ship nhanh", "vi")
    assert "substance_ambiguous" in hit_ids("drug_lexicon", "got ice and weed tonight", "en")


def test_vietnamese_patterns_match_without_diacritics() -> None:
    accented = hit_ids("job_red_flags", "Việc nhẹ lương cao, đi theo dạng du lịch, qua Mộc Bài")
    plain = hit_ids("job_red_flags", "Viec nhe luong cao, di theo dang du lich, qua Moc Bai")
    expected = {"unrealistic_salary", "tourist_visa_entry"}
    assert expected <= accented and expected <= plain


@pytest.mark.parametrize(
    "place",
    [
        "Sihanoukville",
        "Campuchia",
        "Kamboja",
        "Myawaddy",
        "KK Park",
        "Shwe Kokko",
        "Poipet",
        "Miến Điện",
        "Mien Dien",
    ],
)
def test_hotspot_gazetteer_matches_any_spelling(place: str) -> None:
    flags = match_job_red_flags(f"Kerja admin di {place}, gaji besar")
    hotspot = [flag for flag in flags if flag.rule_id == "hotspot_destination"]
    assert hotspot and hotspot[0].weight >= 2


def test_named_myanmar_compounds_weigh_more_than_cambodia() -> None:
    def weight(text: str) -> float:
        return next(
            f.weight for f in match_job_red_flags(text) if f.rule_id == "hotspot_destination"
        )

    assert weight("kerja di KK Park") == 3 > weight("kerja di Poipet") == 2


def test_transit_point_counts_only_with_another_flag() -> None:
    assert "hotspot_transit" not in {f.rule_id for f in match_job_red_flags("Liburan ke Mae Sot")}
    flags = {f.rule_id for f in match_job_red_flags("Ke Mae Sot pakai visa turis, gaji tinggi")}
    assert {"hotspot_transit", "tourist_visa_entry"} <= flags


def test_negation_drops_a_red_flag() -> None:
    assert "tourist_visa_entry" in hit_ids("job_red_flags", "Berangkat pakai visa kunjungan")
    assert "tourist_visa_entry" not in hit_ids("job_red_flags", "Tidak pakai visa kunjungan")
    assert "tourist_visa_entry" not in hit_ids("job_red_flags", "We do not use a tourist visa.")


def test_negation_stays_inside_its_clause() -> None:
    assert "tourist_visa_entry" in hit_ids("job_red_flags", "No experience, tourist visa, go now")


def test_no_as_number_abbreviation_is_not_a_negation() -> None:
    assert "contact_to_buy" in hit_ids("drug_lexicon", "Ready, no wa 081234567890", "id")


def test_job_red_flags_return_reference_ids_with_snippets() -> None:
    flags = match_job_red_flags(
        "Urgent! Customer service in Sihanoukville, tourist visa, salary 2000 USD", lang="en"
    )
    by_id = {flag.rule_id: flag for flag in flags}
    assert {
        "hotspot_destination",
        "tourist_visa_entry",
        "urgency_pressure",
        "vague_job_title",
        "unrealistic_salary",
    } <= set(by_id)
    assert by_id["hotspot_destination"].snippet == "sihanoukville"
    assert by_id["tourist_visa_entry"].weight == 3
    assert all(flag.group == "flag" and flag.explanation for flag in flags)


def test_licensed_recruiter_cancels_informal_channel_flag() -> None:
    text = "Apply via WhatsApp. Licensed agency, DMW License No. 1234."
    ids = {flag.rule_id for flag in match_job_red_flags(text, lang="en")}
    assert "informal_channel_only" not in ids


def test_passport_held_for_visa_processing_is_not_a_flag() -> None:
    assert "passport_handover" in hit_ids("job_red_flags", "Paspor nanti dipegang bos biar aman")
    text = "Paspor diserahkan ke agen untuk proses visa, dikembalikan dalam 3 hari"
    assert "passport_handover" not in {f.rule_id for f in match_job_red_flags(text)}


@pytest.mark.parametrize(
    "text,low,high",
    [
        ("gaji 15 juta/bulan", 900, 960),
        ("lương 30 triệu/tháng", 1150, 1220),
        ("salary $2,000 per month", 1999, 2001),
        ("gaji Rp 5.200.000 per bulan", 320, 330),
        ("salary PHP 22,000 monthly", 370, 390),
        ("gaji 500rb/hari", 800, 830),
        ("Gaji 15–25 jt/bln", 1550, 1570),
    ],
)
def test_salary_amounts_are_read_as_usd_per_month(text: str, low: float, high: float) -> None:
    found = salary_usd_per_month(prepare(text))
    assert found is not None and low <= found[0] <= high


def test_amounts_that_are_not_pay_are_ignored() -> None:
    assert salary_usd_per_month(prepare("biaya admin 2 juta, tiket 3 juta")) is None
    assert salary_usd_per_month(prepare("call 0812 3456 7890")) is None


def test_salary_flag_depends_on_the_reporters_home_minimum() -> None:
    # At home an ordinary job's pay is never too good to be true; a bait role's is from 2.5x
    # the highest minimum known there (Jakarta's Rp5.73 million ~ US$358: from ~US$895).
    def flagged(job: str, amount: int, country: str) -> bool:
        hits = match_job_red_flags(f"{job}, salary {amount} USD per month", country=country)
        return "unrealistic_salary" in {f.rule_id for f in hits}

    assert not flagged("Packing job", 600, "ID") and not flagged("Packing job", 5000, "ID")
    assert not flagged("Admin job", 800, "ID") and flagged("Admin job", 1000, "ID")
    assert not flagged("Admin job", 900, "MY") and flagged("Admin job", 1100, "MY")


@pytest.mark.parametrize(
    "pattern,keys",
    [
        ("sabu(-sabu)?", {"sab"}),
        ("(kami|saya|aku) (jual|sedia)", {"kam", "say", "aku"}),
        ("prices?", {"pri"}),
        ("dm (me|us)", {"dm"}),
        ("(ke|kepada) anak", {"ke", "kep"}),
        (r"\d+ ?(k|rb)", None),
        ("(ini |itu )?jual", None),
        ("(ke|kepada)x", None),
        ("k-? ?pods?", None),
    ],
)
def test_start_keys_are_certain_word_beginnings(pattern: str, keys: set[str] | None) -> None:
    found = rules._start_keys(pattern)
    assert (found if found is None else set(found)) == keys


def test_word_key_index_finds_exactly_what_running_every_regex_finds() -> None:
    spec = importlib.util.spec_from_file_location(
        "corpus", Path(__file__).with_name("test_scoring.py")
    )
    assert spec and spec.loader
    corpus = importlib.util.module_from_spec(spec)  # the realistic tips of the scoring tests
    spec.loader.exec_module(corpus)
    texts = [
        value for name, value in vars(corpus).items() if name.isupper() and isinstance(value, str)
    ]
    texts += [case[1] for case in corpus.URGENT_CASES]
    texts += BLNS.read_text(encoding="utf-8").splitlines()[::7]
    assert len(texts) > 100
    for name in RULE_FILES:
        ruleset = load_ruleset(name)
        for text in texts:
            prepared = prepare(text)
            assert set(rules._raw_hits(ruleset, prepared)) == set(
                brute_force_hits(ruleset, prepared)
            ), text


def test_a_space_inside_a_character_class_stays_a_space() -> None:
    """'good[- ]looking' once compiled to 'good[-[\\s\\-_]+]looking', which needs a literal ']'
    and never matched; inside a class a space is one whitespace character."""
    from portal.triage.rules import separators

    assert separators("good[- ]looking") == r"good[-\s]looking"
    assert separators("a ?b c") == r"a[\s\-_]*b[\s\-_]+c"
    assert separators(r"\[ x") == r"\[[\s\-_]+x"
    flagged = {f.rule_id for f in match_job_red_flags("Good-looking girls wanted for Dubai", "en")}
    assert "age_gender_targeting" in flagged
