"""Tests for the support directory data file and its pure loader."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from portal.directory import entries as d
from portal.directory.entries import Channel, Service
from tests.helpers import shared_file

PROJECT_FILE = d.DEFAULT_PATH
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _dump(data: dict, path: Path) -> None:
    path.write_text(yaml.dump(data, Dumper=_DUMPER, allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="module")
def services() -> list[Service]:
    return d.load_services()


@pytest.fixture
def raw() -> dict:
    return yaml.load(PROJECT_FILE.read_text(encoding="utf-8"), Loader=_LOADER)


def _by_id(services: list[Service], sid: str) -> Service:
    return next(s for s in services if s.id == sid)


def _no_low_before_non_low(result: list[Service]) -> bool:
    flags = [s.confidence == "low" for s in result]
    return flags == sorted(flags)


# --------------------------------------------------------------- data file


def test_project_file_loads_and_validates(services: list[Service]) -> None:
    assert len(services) >= 50
    assert len({s.id for s in services}) == len(services)
    assert {"ID", "VN", "PH", "TH", "MY", "KH", "MM", "LA", "INTL"} <= {s.country for s in services}


def test_project_file_header_and_metadata(raw: dict) -> None:
    text = PROJECT_FILE.read_text(encoding="utf-8")
    assert raw["compiled"] == "2026-11"
    assert "support_services.yaml" in raw["origin"]
    assert "MUST NEVER be shown as a primary call to" in text
    for field in ("confidence", "source_date", "located_in", "serves_nationals_abroad"):
        assert f"#   {field}" in text


def test_every_entry_has_source_and_confidence(services: list[Service]) -> None:
    for s in services:
        assert s.source and all(src.strip() for src in s.source), s.id
        assert s.confidence in {"high", "medium", "low"}, s.id
        assert s.notes, s.id
        assert s.source_date is None or s.source_date <= "2026-11", s.id
        if s.confidence != "low":
            assert all(src.startswith(("http://", "https://")) for src in s.source), s.id


def test_shapes(services: list[Service]) -> None:
    for s in services:
        assert s.country == "INTL" or s.country in d.ISO_ALPHA2, s.id
        assert s.needs and set(s.needs) <= set(d.NEEDS), s.id
        assert all(c.type in d.CHANNEL_TYPES for c in s.channels), s.id
        assert all(c.cost in (None, "free", "standard") for c in s.channels), s.id
        assert "en" in s.name, s.id


def test_project_file_matches_reference(services: list[Service]) -> None:
    """Nothing was lost or changed when deriving the project file from the reference."""
    assert d.load_services(shared_file("reference/support_services.yaml")) == services


def test_located_in_for_embassies(services: list[Service], raw: dict) -> None:
    assert _by_id(services, "id-kbri-phnompenh-phone").located_in == "KH"
    assert _by_id(services, "vn-embassy-myanmar-phone").located_in == "MM"
    explicit = {e["id"]: e.get("located_in") for e in raw["services"]}
    for s in services:
        # the YAML field and the "Located in ..." note agree
        assert explicit[s.id] == d.located_in_from_notes(s.notes) == s.located_in, s.id
        if s.located_in:
            assert s.serves_nationals_abroad and s.located_in != s.country


def test_default_load_is_cached_but_returns_fresh_lists() -> None:
    first = d.load_services()
    first.clear()
    assert d.load_services()
    assert d.load_services()[0] is d.load_services()[0]


# ---------------------------------------------------------------- queries


@pytest.mark.parametrize("country", ["ID", "VN", "PH", "id"])
def test_emergency_contacts_main_countries(country: str, services: list[Service]) -> None:
    result = d.emergency_contacts(country)
    assert result
    assert result[0].confidence != "low"
    assert all(s.country == country.upper() for s in result)
    assert any("emergency" in s.needs for s in result)
    assert all(s.located_in is None for s in result)  # no embassies abroad


def test_emergency_contacts_content() -> None:
    assert [s.id for s in d.emergency_contacts("VN")][:2] == ["vn-tongdai-111", "vn-police-113"]
    assert "id-polri-110" in [s.id for s in d.emergency_contacts("ID")]
    assert "ph-e911" in [s.id for s in d.emergency_contacts("PH")]
    # consular, job-check and abroad-only services are not for danger at home
    for country, sid in [
        ("PH", "ph-dmw-airtip"),
        ("PH", "ph-dmw-1348"),
        ("ID", "id-kp2mi-contactcentre"),
        ("ID", "id-kemlu-pwni-hotline"),
        ("TH", "th-msdhs-1300-intl"),
        ("ID", "id-kbri-phnompenh-phone"),
    ]:
        assert sid not in [s.id for s in d.emergency_contacts(country)], sid
    assert d.emergency_contacts(None) == []
    assert d.emergency_contacts("ZZ") == []


def test_emergency_contacts_orders_low_last() -> None:
    def svc(sid: str, confidence: str, needs: tuple[str, ...]) -> Service:
        return Service(
            sid,
            "XX",
            {"en": sid},
            "org",
            needs,
            (Channel("phone", "1"),),
            (),
            False,
            None,
            ("https://x",),
            None,
            confidence,
            "",
        )

    pool = [
        svc("xx-a", "low", ("emergency",)),
        svc("xx-b", "medium", ("trafficking",)),
        svc("xx-c", "high", ("emergency",)),
        svc("xx-d", "medium", ("emergency",)),
    ]
    assert [s.id for s in d.emergency_contacts("XX", services=pool)] == [
        "xx-c",
        "xx-d",
        "xx-b",
        "xx-a",
    ]


def test_low_confidence_never_first_anywhere(services: list[Service]) -> None:
    countries = sorted({s.country for s in services})
    all_low = []
    for country in countries:
        results = {"emergency": d.emergency_contacts(country)}
        for need in (None, *d.NEEDS):
            results[need] = d.for_country(country, need=need)
        for key, result in results.items():
            assert _no_low_before_non_low(result), (country, key, [s.id for s in result])
            if result and result[0].confidence == "low":
                all_low.append((country, key))
            primary = d.primary_contact(result)
            assert primary is None or primary.confidence != "low"
    # Where only low entries exist there is no primary call to action at all.
    for country, key in all_low:
        result = (
            d.emergency_contacts(country) if key == "emergency" else d.for_country(country, key)
        )
        assert d.primary_contact(result) is None


def test_low_confidence_never_first_abroad(services: list[Service]) -> None:
    countries = sorted({s.country for s in services} - {"INTL"})
    for nationality in countries:
        for country in countries:
            result = d.for_country(country, nationality=nationality)
            assert _no_low_before_non_low(result), (nationality, country)


def test_indonesian_in_cambodia(services: list[Service]) -> None:
    result = d.for_country("KH", nationality="ID")
    ids = [s.id for s in result]
    assert ids[0] == "id-kbri-phnompenh-phone"
    assert "kh-police-117" in ids  # local emergency number is included
    assert "id-kbri-bangkok-phone" not in ids  # embassies elsewhere are left out
    assert all(s.serves_nationals_abroad for s in result if s.country == "ID")
    assert all(s.country in {"ID", "KH"} for s in result)


def test_vietnamese_in_myanmar_and_low_embassy_not_first() -> None:
    assert [s.id for s in d.for_country("MM", nationality="VN")][0] == "vn-embassy-myanmar-phone"
    # KBRI Yangon is low confidence, so it must not lead for Indonesians in Myanmar.
    result = d.for_country("MM", nationality="ID")
    assert result[0].confidence != "low"
    assert "id-kbri-yangon-phone" in [s.id for s in result]


def test_for_country_filters() -> None:
    result = d.for_country("ID", need="drugs")
    assert result and all("drugs" in s.needs and s.country == "ID" for s in result)
    assert [s.confidence for s in result] == sorted(
        (s.confidence for s in result), key=d.CONFIDENCE_RANK.__getitem__
    )
    assert d.for_country("ID", nationality="ID") == d.for_country("ID")
    english = d.for_country("TH", language="en")
    assert "th-touristpolice-1155" in [s.id for s in english]
    assert "th-police-191" in [s.id for s in english]  # emergency survives the language filter
    assert "th-dmh-1323" not in [s.id for s in english]
    assert d.for_country("PH", language="tl") == d.for_country("PH", language="fil")
    assert d.for_country(None) == []
    with pytest.raises(ValueError, match="unknown need"):
        d.for_country("ID", need="weapons")


# -------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        (Channel("phone", "110"), "tel:110"),
        (Channel("phone", "+62 21 123"), "tel:+6221123"),
        (Channel("phone", "0800-1000"), "tel:08001000"),
        (Channel("phone", "1-800-22-2235"), "tel:1800222235"),
        (Channel("whatsapp", "+62 811 1129 129"), "tel:+628111129129"),
        (Channel("web", "https://tongdai111.vn"), None),
        (Channel("email", "consular@kbriyangon.org"), None),
        (Channel("app", "1343 Actionline App"), None),
    ],
)
def test_tel_href(channel: Channel, expected: str | None) -> None:
    assert d.tel_href(channel) == expected


def test_tel_href_on_all_data(services: list[Service]) -> None:
    for s in services:
        for c in s.channels:
            href = d.tel_href(c)
            if c.type in ("phone", "whatsapp"):
                assert href and href[4:].lstrip("+").isdigit(), (s.id, c.value)


def test_display_name(services: list[Service]) -> None:
    bnn = _by_id(services, "id-bnn-184")
    assert d.display_name(bnn, "id") == "Call Center BNN 184"
    assert d.display_name(bnn, "id-ID") == "Call Center BNN 184"
    assert d.display_name(bnn, "vi") == bnn.name["en"]
    assert d.display_name(bnn, None) == bnn.name["en"]


# ------------------------------------------------------------- bad data


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda e: e.update(country="XX"), "country 'XX'"),
        (lambda e: e.update(country="IDN"), "country 'IDN'"),
        (lambda e: e.update(needs=["drugs", "weapons"]), "needs"),
        (lambda e: e["channels"][0].update(type="fax"), "type 'fax'"),
        (lambda e: e["channels"][0].update(value="call us"), "malformed"),
        (lambda e: e.update(confidence="certain"), "confidence"),
        (lambda e: e.update(source_date="Feb 2026"), "source_date"),
        (lambda e: e.pop("source"), "source"),
        (lambda e: e.update(source=["word of mouth"]), "not a URL"),
        (lambda e: e.update(confidense="high"), "unknown keys"),
        (lambda e: e.update(serves_nationals_abroad="yes"), "serves_nationals_abroad"),
        (lambda e: e.update(name={"id": "Tanpa nama Inggris"}), "'en'"),
        (lambda e: e.update(located_in="TH"), "located_in"),
    ],
)
def test_bad_entry_raises_value_error_naming_id(
    tmp_path: Path, raw: dict, mutate, message: str
) -> None:
    data = copy.deepcopy(raw)
    entry = next(e for e in data["services"] if e["id"] == "id-bnn-184")
    mutate(entry)
    bad = tmp_path / "bad.yaml"
    _dump(data, bad)
    with pytest.raises(ValueError, match="id-bnn-184") as info:
        d.load_services(bad)
    assert message in str(info.value)


def test_located_in_must_agree_with_notes(tmp_path: Path, raw: dict) -> None:
    data = copy.deepcopy(raw)
    entry = next(e for e in data["services"] if e["id"] == "id-kbri-phnompenh-phone")
    entry["located_in"] = "TH"
    bad = tmp_path / "bad.yaml"
    _dump(data, bad)
    with pytest.raises(ValueError, match="id-kbri-phnompenh-phone.*disagrees"):
        d.load_services(bad)


def test_duplicate_id_and_broken_file(tmp_path: Path, raw: dict) -> None:
    data = copy.deepcopy(raw)
    data["services"].append(copy.deepcopy(data["services"][0]))
    dup = tmp_path / "dup.yaml"
    _dump(data, dup)
    with pytest.raises(ValueError, match=f"{data['services'][0]['id']}.*duplicate"):
        d.load_services(dup)
    broken = tmp_path / "broken.yaml"
    broken.write_text("services: [\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid YAML"):
        d.load_services(broken)
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="'services' list"):
        d.load_services(tmp_path / "empty.yaml")
