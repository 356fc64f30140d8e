import re

import pytest

from portal.i18n import LANGUAGE_NAMES, LOCALES


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("vi-VN,vi;q=0.9,en;q=0.5", "/vi/"),
        ("en-US,en;q=0.9", "/en/"),
        ("id", "/id/"),
        ("ms-MY", "/ms/"),
        ("fil-PH,fil;q=0.9", "/tl/"),  # Filipino's CLDR tag
        ("tl", "/tl/"),
        ("th-TH,th;q=0.9,en;q=0.8", "/th/"),
        ("km-KH", "/km/"),
        ("lo", "/lo/"),
        ("my-MM,my;q=0.9", "/my/"),
        ("jv-ID", "/id/"),  # closest language we serve
        ("fr-FR", "/id/"),  # default
        ("", "/id/"),
    ],
)
def test_root_redirects_by_accept_language(client, accept, expected):
    response = client.get("/", headers={"Accept-Language": accept})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(expected)
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize("lang", LOCALES)
def test_html_lang_matches_the_url(client, lang):
    assert f'<html lang="{lang}"' in client.get(f"/{lang}/").text


def test_language_switcher_keeps_the_current_page_without_javascript(client):
    html = client.get("/en/report/job-offer").text
    links = dict(re.findall(r'<a href="([^"]+)" lang="([a-z]+)"', html))
    assert {v: k for k, v in links.items()} == {
        code: f"/{code}/report/job-offer" for code in LOCALES
    }
    for code in LOCALES:
        assert LANGUAGE_NAMES[code] in html


def test_each_language_is_named_in_its_own_script():
    assert [LANGUAGE_NAMES[code] for code in ("km", "lo", "my", "th")] == [
        "ភាសាខ្មែរ",
        "ລາວ",
        "မြန်မာ",
        "ไทย",
    ]


@pytest.mark.parametrize(
    ("lang", "words"),
    [("ms", "Laporkan"), ("th", "แจ้ง"), ("km", "រាយការណ៍"), ("lo", "ແຈ້ງ"), ("my", "တိုင်ကြား"),
     ("tl", "report")],
)
def test_new_locales_are_served_translated_with_dates_in_their_own_format(client, lang, words):
    page = client.get(f"/{lang}/report/").text
    assert words.lower() in page.lower()
    assert "Report something" not in page


def test_filipino_dates_use_the_fil_locale_data(app):
    from datetime import date

    from flask_babel import format_date

    with app.test_request_context("/tl/"):
        app.preprocess_request()
        assert format_date(date(2026, 11, 23), "long") == "Nobyembre 23, 2026"


def test_switcher_on_an_error_page_leads_home(client):
    html = client.get("/en/report/unknown").text
    assert 'href="/vi/"' in html


def test_pages_are_translated(client):
    assert (
        "Laporkan" in client.get("/id/report/").text
        or "laporkan" in client.get("/id/report/").text.lower()
    )
    assert "What do you want to report?" not in client.get("/vi/report/").text
