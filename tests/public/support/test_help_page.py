"""`/<lang>/help`: the support directory page and the link to it from the receipt page."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from portal.directory import entries as d
from portal.directory.help import find_help
from portal.forms import COUNTRIES
from portal.public.support.forms import ANOTHER_COUNTRY
from tests.helpers import submit_report

SERVICES = d.load_services()
LOW = [s for s in SERVICES if s.is_low_confidence]
MAIN_CONTACT = re.compile(r'<section class="main-contact" id="main-contact".*?</section>', re.S)


def _name(sid: str) -> str:
    return str(escape(next(s for s in SERVICES if s.id == sid).name["en"]))


def _main_contact(html: str) -> str:
    found = MAIN_CONTACT.search(html)
    return found.group(0) if found else ""


@pytest.mark.parametrize("lang", ["id", "en", "vi"])
def test_help_page_opens_in_every_language_and_may_be_cached(client, lang):
    page = client.get(f"/{lang}/help")
    assert page.status_code == 200
    assert f'<html lang="{lang}"' in page.text
    assert page.headers["Cache-Control"] == "public, max-age=300"
    searched = client.get(f"/{lang}/help?country=ID&need=trafficking")
    assert searched.status_code == 200
    assert searched.headers["Cache-Control"] == "public, max-age=300"


def test_search_is_a_get_form_that_works_without_javascript(client):
    html = client.get("/en/help").text
    form = re.search(r'<form class="help-search"[^>]*>', html).group(0)
    assert 'method="get"' in form and 'action="/en/help"' in form
    for name in ("country", "need", "nationality", "language"):
        assert re.search(rf'<select [^>]*name="{name}"', html), name
    assert '<button type="submit"' in html
    assert "csrf_token" not in html


def test_a_shared_search_keeps_its_choices_and_its_language_links(client):
    html = client.get("/en/help?country=ID&need=trafficking&nationality=ID&language=id").text
    assert '<option selected value="ID">Indonesia</option>' in html
    assert '<option selected value="trafficking">' in html
    assert '<option selected value="id">Indonesian</option>' in html
    assert 'href="/id/help?country=ID&amp;need=trafficking' in html  # language switcher


def test_filters_by_country(client):
    html = client.get("/en/help?country=VN").text
    assert _name("vn-tongdai-111") in html and _name("vn-police-113") in html
    assert _name("id-polri-110") not in html and _name("th-police-191") not in html
    assert "Contacts in Vietnam." in html


def test_filters_by_need(client):
    html = client.get("/en/help?country=ID&need=drugs").text
    assert _name("id-bnn-184") in html
    assert _name("id-kemenkes-healing119") not in html
    assert _name("id-ojk-iasc") not in html
    assert "Help with: Drugs: help and rehab" in html


def test_filters_by_language_but_never_hides_emergency_lines(client):
    html = client.get("/en/help?country=TH&language=en").text
    assert _name("th-touristpolice-1155") in html  # answers in English
    assert _name("th-oncb-1386") not in html  # Thai only
    assert _name("th-police-191") in html  # emergency: always shown


def test_nationals_abroad_see_their_embassy_first(client):
    html = client.get("/en/help?country=KH&nationality=ID").text
    embassy = _name("id-kbri-phnompenh-phone")
    assert embassy in _main_contact(html)
    assert "Contacts for people from Indonesia who are in Cambodia." in html
    first = html.index(embassy)
    for service in SERVICES:
        name = str(escape(service.name["en"]))
        if service.id != "id-kbri-phnompenh-phone" and "emergency" not in service.needs:
            assert name not in html or html.index(name) > first, service.id
    # Embassies in other countries are not offered to someone in Cambodia.
    assert _name("id-kbri-bangkok-phone") not in html
    assert 'href="tel:+85512813282"' in html


def test_someone_from_a_country_we_do_not_list_gets_their_home_agencies(client):
    html = client.get(f"/en/help?country={ANOTHER_COUNTRY}&nationality=ID").text
    assert _name("id-kp2mi-contactcentre") in _main_contact(html)
    assert _name("id-kbri-phnompenh-phone") not in html


def test_main_contact_has_a_big_tap_to_call_button(client):
    html = client.get("/en/help?country=ID&need=trafficking").text
    main = _main_contact(html)
    assert _name("id-polri-110") in main
    assert '<a class="button button-call" href="tel:110">Call 110</a>' in main
    assert "Last verified: January 2026" in main
    assert "Open 24 hours, every day" in main and "Free" in main
    assert "Languages: Indonesian" in main
    assert "embassy can usually help more than the local police" in main
    assert 'href="tel:129"' in html and 'href="tel:+628111129129"' in html  # WhatsApp too


def test_a_main_contact_without_a_number_gets_a_big_website_button(client):
    main = _main_contact(client.get("/en/help?country=ID&need=mental-health").text)
    assert (
        'class="button web-button" href="https://healing119.id" rel="noopener noreferrer"' in main
    )


@pytest.mark.parametrize("nationality", [None, "ID", "VN", "TH", "PH"])
def test_low_confidence_entries_are_never_the_main_contact(client, nationality):
    countries = [*COUNTRIES, ANOTHER_COUNTRY]
    needs = [None, *d.NEEDS]
    for country in countries:
        for need in needs:
            query = {"country": country, "need": need, "nationality": nationality}
            url = "/en/help?" + "&".join(f"{k}={v}" for k, v in query.items() if v)
            page = client.get(url)
            assert page.status_code == 200, url
            main = _main_contact(page.text)
            for service in LOW:
                assert str(escape(service.name["en"])) not in main, (url, service.id)


def test_low_confidence_entries_are_listed_apart_and_cannot_be_tapped(client):
    html = client.get("/en/help?country=MM").text
    assert 'id="main-contact"' not in html
    assert "We do not have a checked contact for this yet." in html
    unverified = html.split("Other contacts — being verified", 1)[1]
    assert _name("mm-police-199") in unverified and "Being verified" in unverified
    assert 'href="tel:199"' not in html
    assert "Phone: 199" in unverified


def test_find_help_never_puts_a_low_entry_first_in_any_search():
    codes = sorted({s.country for s in SERVICES} - {d.INTL}) + [None]
    for country in codes:
        for nationality in codes:
            for need in [None, *d.NEEDS]:
                result = find_help(SERVICES, country, need, nationality=nationality)
                assert result.main is None or not result.main.is_low_confidence
                for _need, group in result.groups:
                    assert not any(s.is_low_confidence for s in group)
                assert all(s.is_low_confidence for s in result.unverified)


def test_a_country_without_contacts_for_a_need_says_so_and_offers_the_rest(client):
    html = client.get("/en/help?country=VN&need=drugs&language=en").text
    assert "We have no contacts for this search yet." in html
    assert 'href="/en/help?country=VN"' in html
    assert 'href="tel:113"' in html  # the emergency line is still there


@pytest.mark.parametrize(
    "query, message",
    [
        ("country=XX", "Please choose a country from the list."),
        ("country=ID&need=shopping", "Please choose a kind of help from the list."),
        ("country=ID&nationality=Atlantis", "Please choose a country from the list."),
        ("country=ID&language=klingon", "Please choose a language from the list."),
        ("country=%3Cscript%3E", "Please choose a country from the list."),
    ],
)
def test_unknown_choices_get_a_400_with_a_clear_message(client, query, message):
    page = client.get(f"/en/help?{query}")
    assert page.status_code == 400
    assert message in page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    assert "<script>" not in page.text


def test_lower_case_codes_in_a_link_are_understood(client):
    page = client.get("/en/help?country=id&need=DRUGS")
    assert page.status_code == 200
    assert _name("id-bnn-184") in page.text


@pytest.mark.parametrize(
    "url",
    ["/en/help", "/id/help?country=ID&need=trafficking", "/vi/help?country=KH&nationality=VN"],
)
def test_no_inline_script_or_style_and_nothing_loaded_from_other_hosts(client, url):
    html = client.get(url).text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert "<style" not in html and " style=" not in html
    for attribute in re.findall(r'(?:src|action)="([^"]+)"', html):
        assert not attribute.startswith(("http://", "https://", "//")), attribute
    for tag in re.findall(r"<(?:link|img|iframe|object|embed)\b[^>]*>", html):
        assert "http" not in tag, tag
    for link in re.findall(r'<a [^>]*href="(?:https?:)?//[^"]*"[^>]*>', html):
        # Websites people may choose to open; the quick exit is the layout's own.
        assert 'rel="noopener noreferrer"' in link or "data-quick-exit" in link, link


@pytest.mark.parametrize(
    "category, fields, expected",
    [
        ("drugs", {}, "/en/help?country=ID&amp;need=drugs"),
        ("job-offer", {"situation": "not_left"}, "/en/help?country=ID&amp;need=trafficking"),
        ("extremism", {}, "/en/help?country=ID&amp;need=online-content"),
        ("other", {"danger_now": "y"}, "/en/help?country=ID&amp;need=emergency"),
        ("other", {}, '/en/help?country=ID"'),
    ],
)
def test_receipt_page_links_to_matching_help(client, category, fields, expected):
    response = submit_report(client, category, description="test", country="ID", **fields)
    assert response.status_code == 303
    html = client.get("/en/report/done").text
    assert "Find more help near you" in html
    assert expected in html
    assert client.get(expected.replace("&amp;", "&").rstrip('"')).status_code == 200


@pytest.mark.parametrize(
    ("lang", "country"),
    [("ms", "MY"), ("tl", "PH"), ("th", "TH"), ("km", "KH"), ("lo", "LA"), ("my", "MM")],
)
def test_help_page_in_each_new_language_leads_with_that_countrys_services(
    client, lang, country
):
    html = client.get(f"/{lang}/help").text
    result = find_help(SERVICES, country, None)
    assert result.found, f"the directory has no entry for {country}"
    assert re.search(rf'<option selected value="{country}"|<option value="{country}" selected', html)
    first = result.main or next(s for _need, group in result.groups for s in group)
    assert all(s.country == country or s.country == "INTL" for s in [first])
    with client.application.test_request_context(f"/{lang}/help"):
        client.application.preprocess_request()
        name = str(escape(d.display_name(first, lang)))
    assert name in html
    if result.main:
        assert name in _main_contact(html)


def test_english_help_page_asks_for_the_country_first(client):
    html = client.get("/en/help").text
    assert _main_contact(html) == ""
