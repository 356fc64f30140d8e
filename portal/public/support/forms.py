"""The help page's search: a GET form, so a search is a link that can be shared."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from babel import Locale
from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import ValidationError

from portal.directory.entries import INTL, Service
from portal.directory.help import GROUP_ORDER
from portal.forms import COUNTRIES
from portal.i18n import LOCALES

ANOTHER_COUNTRY = "ZZ"

NEED_LABELS: dict[str, Any] = {
    "emergency": _l("Danger now (emergency)"),
    "trafficking": _l("Trafficking or forced work"),
    "job-offer-verification": _l("Check a job offer"),
    "drugs": _l("Drugs: help and rehab"),
    "online-content": _l("Report something online"),
    "child-protection": _l("Help for children"),
    "mental-health": _l("Mental health"),
    "legal-aid": _l("Legal help"),
    "consular": _l("Help from your embassy"),
}


def country_name(code: str | None) -> str:
    """A country's name in the reader's language ('KH' -> 'Kamboja' on /id/)."""
    if not code:
        return ""
    return get_locale().territories.get(code, code)


def language_name(code: str) -> str:
    """A language's name in the reader's language ('km' -> 'Khmer' on /en/)."""
    try:
        return Locale.parse(code).get_display_name(get_locale()) or code
    except (ValueError, LookupError):
        return code


def language_names(codes: Iterable[str]) -> str:
    """Several language names as the reader's language lists them ('Thai, English and Khmer')."""
    names = [language_name(code) for code in codes]
    return format_list(names, locale=get_locale()) if names else ""


class ListField(SelectField):
    """A select where no answer is fine and anything not in the list gets a clear message."""

    def __init__(self, label: Any, message: Any, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.message = message

    def pre_validate(self, form: Any) -> None:
        if self.data in (None, ""):
            self.data = ""
            return
        if self.data not in {value for value, _label in self.choices or []}:
            raise ValidationError(self.message)


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class HelpForm(FlaskForm):
    """Where the reader is, where they are from, what they need and which language they speak."""

    class Meta:
        csrf = False  # a search changes nothing

    country = ListField(
        _l("Which country are you in now?"),
        _l("Please choose a country from the list."),
        filters=[_upper],
    )
    need = ListField(
        _l("What do you need help with?"),
        _l("Please choose a kind of help from the list."),
        filters=[_lower],
    )
    nationality = ListField(
        _l("Which country are you from?"),
        _l("Please choose a country from the list."),
        description=_l("If you are in another country, we show your embassy first."),
        filters=[_upper],
    )
    language = ListField(
        _l("Which language do you speak?"),
        _l("Please choose a language from the list."),
        filters=[_lower],
    )

    def __init__(self, services: Sequence[Service], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        in_data = sorted({s.country for s in services} - {INTL, *COUNTRIES}, key=country_name)
        countries = [(code, country_name(code)) for code in (*COUNTRIES, *in_data)]
        self.country.choices = [
            ("", str(_l("Choose a country"))),
            *countries,
            (ANOTHER_COUNTRY, str(_l("Another country"))),
        ]
        self.nationality.choices = [("", str(_l("Choose a country"))), *countries]
        self.need.choices = [("", str(_l("Any kind of help")))] + [
            (need, str(NEED_LABELS[need])) for need in GROUP_ORDER
        ]
        codes = set(LOCALES) | {code for s in services for code in s.languages}
        self.language.choices = [("", str(_l("Any language")))] + sorted(
            ((code, language_name(code)) for code in codes), key=lambda pair: pair[1].lower()
        )

    @property
    def searched(self) -> bool:
        """True once the reader has said where they are."""
        return bool(self.country.data)

    def query(self) -> dict[str, str | None]:
        """The search as plain values for services.find_help."""
        country = self.country.data or None
        return {
            "country": None if country == ANOTHER_COUNTRY else country,
            "need": self.need.data or None,
            "language": self.language.data or None,
            "nationality": self.nationality.data or None,
        }
