"""Routing suggestions (portal.triage.routing): which agency in which country can act on a tip."""

from __future__ import annotations

import copy
import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from portal.categories import CATEGORIES
from portal.directory.entries import load_services
from portal.triage.routing import (
    DEFAULT_PATH,
    PLATFORMS,
    REASONS,
    Route,
    load_routing,
    suggest_routes,
)
from tests.helpers import shared_file

SERVICES = Path(__file__).resolve().parents[2] / "portal" / "directory" / "services.yaml"
REQUIRED_COUNTRIES = ("ID", "VN", "PH", "MY", "TH", "KH", "LA", "MM", "SG")


def ids(routes: list[Route]) -> list[str]:
    return [route.agency_id for route in routes]


def by_id(routes: list[Route], agency_id: str) -> Route:
    return next(route for route in routes if route.agency_id == agency_id)


def minimal_table() -> dict[str, Any]:
    agency = {
        "id": "id-test",
        "name": "Test agency",
        "country": "ID",
        "kind": "ministry",
        "why": "Acts on test tips.",
        "contact": None,
        "source": "https://example.org/source",
        "confidence": "medium",
    }
    return {
        "countries": {"ID": {"name": "Indonesia", "demonym": "Indonesian"}},
        "agencies": [agency],
        "routes": {category: {"ID": ["id-test"], "default": []} for category in CATEGORIES},
    }


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "routing.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# ── drugs ────────────────────────────────────────────────────────────────


def test_drugs_in_indonesia_go_to_bnn_first_then_police_cyber_unit_and_komdigi() -> None:
    routes = suggest_routes("drugs", "ID")
    assert ids(routes)[0] == "id-bnn"
    assert {"id-polri-siber", "id-komdigi-aduankonten", "id-polri-110"} <= set(ids(routes))
    assert all(route.reason == "country" for route in routes)
    assert all(route.reason_params == {"country": "ID"} for route in routes)
    bnn = routes[0]
    assert bnn.kind == "law-enforcement" and bnn.contact == "184" and bnn.confidence == "medium"
    assert "narcotics" in bnn.why.lower()


def test_country_code_is_case_and_space_insensitive() -> None:
    assert ids(suggest_routes("drugs", " id ")) == ids(suggest_routes("drugs", "ID"))


# ── job offers ───────────────────────────────────────────────────────────


def test_indonesian_lured_to_cambodia_gets_kemenp2mi_polri_and_kbri_phnom_penh() -> None:
    routes = suggest_routes("job-offer", "ID", destination="KH")
    found = ids(routes)
    assert {"id-kp2mi", "id-polri-110", "id-kbri-phnompenh"} <= set(found)
    kbri = by_id(routes, "id-kbri-phnompenh")
    assert kbri.kind == "embassy" and kbri.country == "ID"
    assert kbri.reason == "embassy_destination"
    assert kbri.reason_params == {"nationality": "ID", "destination": "KH"}
    # the destination's anti-trafficking line follows the embassy
    assert found.index("kh-police-117") > found.index("id-kbri-phnompenh")
    hotline = by_id(routes, "kh-police-117")
    assert (hotline.reason, hotline.reason_params) == ("anti_trafficking", {"destination": "KH"})


def test_vietnamese_lured_to_cambodia_gets_dolab_and_cambodian_hotline_not_indonesian_help() -> (
    None
):
    routes = suggest_routes("job-offer", "VN", destination="KH")
    found = ids(routes)
    assert "vn-dolab" in found and "vn-tongdai-111" in found
    assert by_id(routes, "kh-police-117").reason_params == {"destination": "KH"}
    assert not [agency for agency in found if agency.startswith("id-")]


def test_philippines_job_offer_goes_to_dmw() -> None:
    found = ids(suggest_routes("job-offer", "PH"))
    assert found[0] == "ph-dmw"
    assert {"ph-dmw-airtip", "ph-iacat-1343"} <= set(found)


def test_nationality_other_than_country_adds_own_embassy_and_services_abroad() -> None:
    routes = suggest_routes("job-offer", "TH", nationality="ID")
    found = ids(routes)
    assert found[0].startswith("th-")  # the country of the tip comes first
    assert {"id-kbri-bangkok", "id-kp2mi", "id-kemlu-peduliwni"} <= set(found)
    kbri = by_id(routes, "id-kbri-bangkok")
    assert kbri.reason == "embassy_here"
    assert kbri.reason_params == {"nationality": "ID", "country": "TH"}
    assert by_id(routes, "id-kp2mi").reason == "abroad_agency"


def test_myanmar_destination_prefers_better_sourced_embassy_and_names_the_cover() -> None:
    routes = suggest_routes("job-offer", "ID", destination="MM")
    found = ids(routes)
    assert found.index("id-kbri-bangkok") < found.index("id-kbri-yangon")
    assert by_id(routes, "id-kbri-yangon").confidence == "low"
    kbri = by_id(routes, "id-kbri-bangkok")
    assert kbri.reason == "embassy_covers"
    assert kbri.reason_params == {"nationality": "ID", "destination": "MM", "located_in": "TH"}


def test_destination_equal_to_country_adds_no_embassy() -> None:
    kinds = {route.kind for route in suggest_routes("job-offer", "ID", destination="ID")}
    assert "embassy" not in kinds


def test_embassy_missing_from_table_comes_from_support_directory(tmp_path: Path) -> None:
    table = load_routing(write(tmp_path, minimal_table()))
    routes = suggest_routes("job-offer", "ID", destination="KH", table=table)
    embassy = by_id(routes, "id-kbri-phnompenh-phone")
    assert embassy.kind == "embassy" and embassy.contact == "+855 12 813 282"
    assert embassy.reason == "embassy_destination"
    assert embassy.reason_params == {"nationality": "ID", "destination": "KH"}


# ── platforms, urgency, defaults, duplicates ─────────────────────────────


def test_platform_reports_only_for_matching_indicator_kinds() -> None:
    plain = suggest_routes("drugs", "ID", indicator_kinds=["phone", "domain", "url"])
    assert not [route for route in plain if route.kind == "platform-report"]
    routes = suggest_routes("drugs", "ID", indicator_kinds=["telegram", "phone"])
    platform = [route for route in routes if route.kind == "platform-report"]
    assert [route.agency_id for route in platform] == ["intl-platform-telegram"]
    assert (platform[0].reason, platform[0].reason_params) == ("platform", {"platform": "Telegram"})
    assert ids(routes)[-1] == "intl-platform-telegram"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_platform_indicator_has_exactly_one_report_channel(platform: str) -> None:
    routes = suggest_routes("extremism", "VN", indicator_kinds=[platform.upper()])
    platform_routes = [route for route in routes if route.kind == "platform-report"]
    assert len(platform_routes) == 1
    assert platform_routes[0].contact and platform_routes[0].contact.startswith("https://")


def test_urgent_puts_emergency_lines_then_law_enforcement_first() -> None:
    calm = suggest_routes("drugs", "ID")
    urgent = suggest_routes("drugs", "ID", urgent=True)
    assert sorted(ids(calm)) == sorted(ids(urgent))
    assert ids(calm)[0] == "id-bnn" and ids(urgent)[0] == "id-polri-110"
    kinds = [route.kind for route in urgent]
    last_police = max(i for i, kind in enumerate(kinds) if kind == "law-enforcement")
    assert all(kind == "law-enforcement" for kind in kinds[: last_police + 1])


def test_urgent_victim_abroad_gets_embassy_in_destination_first() -> None:
    urgent = suggest_routes("job-offer", "ID", destination="KH", urgent=True)
    assert ids(urgent)[:2] == ["id-kbri-phnompenh", "id-polri-110"]
    assert ids(suggest_routes("job-offer", "ID", destination="KH"))[0] == "id-kp2mi"


@pytest.mark.parametrize("country", [None, "", "XX", "BN"])
def test_unknown_or_missing_country_uses_default_entries(country: str | None) -> None:
    routes = suggest_routes("job-offer", country)
    assert ids(routes) == ["intl-iom"]
    assert routes[0].kind == "international"
    if country and country.strip():
        assert routes[0].reason == "no_entries"
        assert routes[0].reason_params == {"country": country}
    else:
        assert (routes[0].reason, routes[0].reason_params) == ("no_country", {})


def test_unknown_category_argument_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown category 'scam'"):
        suggest_routes("scam", "ID")


def test_no_duplicate_agencies_and_same_answer_every_time() -> None:
    countries = (*REQUIRED_COUNTRIES, None, "XX")
    for category, country, destination, nationality in itertools.product(
        CATEGORIES, countries, ("KH", "MM", "TH", None), ("ID", "VN", None)
    ):
        kwargs: dict[str, Any] = {
            "destination": destination,
            "nationality": nationality,
            "indicator_kinds": PLATFORMS,
        }
        for urgent in (False, True):
            found = ids(suggest_routes(category, country, urgent=urgent, **kwargs))
            assert len(found) == len(set(found)), (category, country, destination, nationality)
            assert found == ids(suggest_routes(category, country, urgent=urgent, **kwargs))


# ── the data file ────────────────────────────────────────────────────────


def test_default_table_is_loaded_once() -> None:
    assert load_routing() is load_routing()


def test_every_category_covers_the_region_and_has_a_default() -> None:
    routes = load_routing().routes
    for category in CATEGORIES:
        assert set(REQUIRED_COUNTRIES) | {"default"} <= set(routes[category]), category
        for country in REQUIRED_COUNTRIES:
            assert routes[category][country], (category, country)


def test_every_yaml_entry_has_source_confidence_and_why() -> None:
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert raw["agencies"]
    for entry in raw["agencies"]:
        for key in ("why", "source", "confidence", "name", "kind", "country"):
            assert isinstance(entry.get(key), str) and entry[key].strip(), (entry["id"], key)
        assert entry["confidence"] in ("high", "medium", "low")
        assert "contact" in entry, entry["id"]
        if not entry["source"].startswith(("https://", "http://")):
            assert entry["confidence"] == "low", entry["id"]
        if entry["contact"] is None:
            assert entry["confidence"] == "low", entry["id"]


def test_directory_backed_entries_copy_the_directory() -> None:
    services = {service.id: service for service in load_services()}
    for agency in load_routing().agencies.values():
        if agency.directory_id is None:
            continue
        service = services[agency.directory_id]
        assert agency.confidence == service.confidence, agency.id
        assert agency.contact in [channel.value for channel in service.channels], agency.id
        if agency.source.startswith("http"):
            assert agency.source in service.source, agency.id
        if agency.kind == "embassy":
            assert agency.located_in == service.located_in, agency.id


def test_contacts_and_sources_appear_in_the_reference() -> None:
    texts = [SERVICES, *sorted(shared_file("reference").glob("*"))]
    corpus = "\n".join(path.read_text(encoding="utf-8") for path in texts)

    def known(value: str) -> bool:
        return re.sub(r"^https?://", "", value) in corpus

    for agency in load_routing().agencies.values():
        if agency.kind == "platform-report":
            continue  # the platforms' own help pages; not part of the reference
        assert agency.contact is None or known(agency.contact), agency.id
        assert not agency.source.startswith("http") or known(agency.source), agency.id


# ── validation ───────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["agencies"][0].update(kind="police"),
            r"agency 'id-test'.*unknown kind 'police'",
        ),
        (
            lambda d: d["agencies"][0].update(confidence="sure"),
            r"agency 'id-test'.*unknown confidence",
        ),
        (lambda d: d["agencies"][0].pop("why"), r"agency 'id-test'.*missing fields \['why'\]"),
        (lambda d: d["agencies"][0].pop("contact"), r"agency 'id-test'.*missing fields"),
        (lambda d: d["agencies"][0].update(source="a blog"), r"agency 'id-test'.*source must be"),
        (lambda d: d["agencies"][0].update(kind="embassy"), r"agency 'id-test'.*located_in"),
        (lambda d: d["agencies"][0].update(kind="platform-report"), r"'id-test'.*platform"),
        (lambda d: d["routes"].update(scams={"default": []}), r"routes: categories must be"),
        (lambda d: d["routes"].pop("extremism"), r"routes: categories must be"),
        (lambda d: d["routes"]["drugs"].update(XX=[]), r"routes\.drugs\.XX: unknown country"),
        (lambda d: d["routes"]["drugs"]["ID"].append("id-nope"), r"routes\.drugs\.ID.*id-nope"),
        (lambda d: d["routes"]["drugs"]["ID"].append("id-test"), r"routes\.drugs\.ID.*duplicate"),
        (lambda d: d["routes"]["other"].pop("default"), r"routes\.other: needs a 'default'"),
    ],
)
def test_invalid_table_is_refused_naming_the_entry(
    tmp_path: Path, change: Any, message: str
) -> None:
    data = copy.deepcopy(minimal_table())
    change(data)
    with pytest.raises(ValueError, match=message):
        load_routing(write(tmp_path, data))


def test_minimal_table_is_valid_and_route_override_replaces_why(tmp_path: Path) -> None:
    data = minimal_table()
    data["routes"]["drugs"]["ID"] = [{"id": "id-test", "why": "Special drug power."}]
    table = load_routing(write(tmp_path, data))
    assert suggest_routes("drugs", "ID", table=table)[0].why == "Special drug power."
    assert suggest_routes("other", "ID", table=table)[0].why == "Acts on test tips."


def test_every_reason_is_a_code_with_its_parameters() -> None:
    seen = set()
    for category in CATEGORIES:
        for country in (None, "ID", "VN", "PH", "TH", "XX"):
            for destination in (None, "KH", "MM", "TH"):
                for nationality in (None, "ID", "VN"):
                    for route in suggest_routes(
                        category, country, destination=destination, nationality=nationality,
                        indicator_kinds=PLATFORMS, payment_countries=("ID", "VN"),
                    ):
                        assert route.reason in REASONS
                        assert set(route.reason_params) == set(REASONS[route.reason])
                        seen.add(route.reason)
    assert seen == set(REASONS)


def test_embassies_come_from_the_directory_given_not_the_packaged_file(tmp_path: Path) -> None:
    table = load_routing(write(tmp_path, minimal_table()))
    packaged = suggest_routes("job-offer", "ID", destination="KH", table=table)
    assert "id-kbri-phnompenh-phone" in ids(packaged)
    routes = suggest_routes("job-offer", "ID", destination="KH", table=table, services=[])
    assert "id-kbri-phnompenh-phone" not in ids(routes)
