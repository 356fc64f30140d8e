"""Supported locales, locale selection and the /<lang>/ URL prefix."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import phonenumbers
from flask import Blueprint, abort, g, request

from portal.languages import LIKELY_COUNTRY, normalize_lang

# Order matters: it is the order of the language switcher.
LOCALES: tuple[str, ...] = ("id", "en", "vi", "ms", "tl", "th", "km", "lo", "my")
DEFAULT_LOCALE = "id"

# Babel knows Filipino as "fil" (CLDR) while people and URLs say "tl": the catalog lives in
# translations/fil and Babel formats dates and numbers with the fil locale data.
BABEL_LOCALE: dict[str, str] = {"tl": "fil"}

# Each language by its own name, so a reader finds theirs without reading ours.
LANGUAGE_NAMES: dict[str, str] = {
    "id": "Bahasa Indonesia",
    "en": "English",
    "vi": "Tiếng Việt",
    "ms": "Bahasa Melayu",
    "th": "ไทย",
    "km": "ភាសាខ្មែរ",
    "lo": "ລາວ",
    "my": "မြန်မာ",
    "tl": "Filipino",
}

# Languages we have no pages in, mapped to the locale their speakers are likely to read.
_NEAREST: dict[str, str] = {"jv": "id", "su": "id"}


@cache  # ~60 µs to build, and the same for every request in a language
def example_phone_number(lang: str) -> str:
    """A mobile number written the way people reading `lang` write one at home (libphonenumber's
    example for that country); English, with no such country, gets one in international form."""
    country = LIKELY_COUNTRY.get(lang)
    number = phonenumbers.example_number_for_type(
        country or "ID", phonenumbers.PhoneNumberType.MOBILE
    )
    style = phonenumbers.PhoneNumberFormat
    return phonenumbers.format_number(number, style.NATIONAL if country else style.INTERNATIONAL)


def best_locale() -> str:
    """Pick the locale for a request without a /<lang>/ prefix from Accept-Language."""
    match = request.accept_languages.best_match(LOCALES)
    if match:
        return match
    for tag, _quality in request.accept_languages:
        primary = normalize_lang(tag) or ""
        nearest = _NEAREST.get(primary, primary)
        if nearest in LOCALES:
            return nearest
    return DEFAULT_LOCALE


def catalog_dir(code: str) -> str:
    """The translations/ folder of a locale (Filipino's is 'fil')."""
    return BABEL_LOCALE.get(code, code)


def stale_catalogs(folder: Path) -> list[str]:
    """Each locale whose compiled catalog is missing, or older than the .po beside it (a checkout
    where someone edited a translation and did not compile it), with the reason."""
    problems = []
    for code in LOCALES:
        messages = folder / catalog_dir(code) / "LC_MESSAGES"
        mo, po = messages / "messages.mo", messages / "messages.po"
        if not mo.is_file():
            problems.append(f"{code} (no {mo})")
        elif po.is_file() and po.stat().st_mtime > mo.stat().st_mtime:
            problems.append(f"{code} ({mo} is older than its .po)")
    return problems


def babel_locale() -> str:
    """The locale Flask-Babel translates and formats with."""
    return catalog_dir(current_locale())


def current_locale() -> str:
    """The locale of this request: from the URL when it has one, else negotiated."""
    lang = g.get("lang")
    if lang:
        return lang
    first = request.path.strip("/").split("/", 1)[0]
    return first if first in LOCALES else best_locale()


def localized_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A blueprint whose URLs all start with /<lang>/ and which sets g.lang from it."""
    bp = Blueprint(
        name, import_name, url_prefix=f"/<lang>{url_prefix}", template_folder="templates"
    )

    @bp.url_value_preprocessor
    def _pull_lang(endpoint: str | None, values: dict | None) -> None:
        lang = (values or {}).pop("lang", None)
        if lang not in LOCALES:
            abort(404)
        g.lang = lang

    @bp.url_defaults
    def _add_lang(endpoint: str, values: dict) -> None:
        if "lang" not in values:
            values["lang"] = g.get("lang") or current_locale()

    return bp


def language_links() -> list[tuple[str, str]]:
    """For each locale, this same page in that language (home if the page has no locale)."""
    from flask import url_for

    endpoint = None if g.get("error_page") else request.endpoint
    args = dict(request.view_args or {})
    if request.method == "GET":
        args.update(request.args.to_dict())
    links = []
    for code in LOCALES:
        try:
            href = url_for(endpoint, **{**args, "lang": code}) if endpoint else None
        except Exception:  # noqa: BLE001 - an endpoint without a lang slot: fall back to home
            href = None
        if href is None or not href.startswith(f"/{code}/"):
            href = url_for("home.index", lang=code)
        links.append((code, href))
    return links


def month_year(value: str | None) -> str:
    """'2025-03' as the reader's language writes a month and year ('Maret 2025')."""
    from datetime import date

    from babel.dates import format_skeleton
    from flask_babel import get_locale

    try:
        year, month = (int(part) for part in (value or "").split("-")[:2])
        return format_skeleton("yMMMM", date(year, month, 1), locale=get_locale())
    except ValueError:
        return value or ""


def init_app(app: object) -> None:
    """Make the locale helpers available to every template."""
    from flask_babel import format_date, format_datetime

    from portal.directory.entries import display_name, tel_href

    app.jinja_env.globals.update(  # type: ignore[attr-defined]
        month_year=month_year,
        format_date=format_date,
        format_datetime=format_datetime,
        tel_href=tel_href,
        service_name=lambda service: display_name(service, current_locale()),
        current_locale_code=current_locale,
        language_links=language_links,
        has_endpoint=lambda name: name in app.view_functions,
    )  # type: ignore[attr-defined]
