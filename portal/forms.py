"""The form kit every page's forms share: readable text, forgiving choice fields, one-line
text, choices from pairs, countries in the reader's language.
LINE_MAX and TEXT_MAX live in portal.sanitize, next to the cleaning that enforces them.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from portal.sanitize import LINE_MAX, has_unreadable_characters

FORM_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")  # a form's one-time token

# Where reporters are, or where the thing happens: Southeast Asia first.
COUNTRIES = ("ID", "VN", "PH", "MY", "TH", "KH", "LA", "MM", "SG", "BN", "TL")


def readable(form: FlaskForm, field: Any) -> None:
    """Refuse text with NUL bytes or bytes that were not valid UTF-8."""
    if isinstance(field.data, str) and has_unreadable_characters(field.data):
        raise ValidationError(_l("Some characters could not be read. Please type the text again."))


class ChoiceField(SelectField):
    """A select where no answer is fine and a made-up answer gets a message in our words."""

    def pre_validate(self, form: Any) -> None:
        if self.data in (None, ""):  # type: ignore[has-type]
            self.data = ""
            return
        if self.data not in {choice.value for choice in self.choices or []}:
            raise ValidationError(_l("Please choose an answer from the list."))


class ChoiceRadioField(RadioField):
    """Radio buttons with the same forgiving validation as ChoiceField."""

    def pre_validate(self, form: Any) -> None:
        ChoiceField.pre_validate(self, form)


def text_line(label: Any, description: Any = "", max_length: int = LINE_MAX) -> StringField:
    return StringField(
        label,
        description=description,
        validators=[
            Optional(),
            readable,
            Length(max=max_length, message=_l("Please use at most %(max)d characters.")),
        ],
    )


def options(*pairs: tuple[str, Any]) -> list[SelectChoice]:
    """Choices for a select or radio field from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def country_choices(first: Any) -> list[SelectChoice]:
    """Country names in the reader's language, after a first 'choose' entry."""
    names = get_locale().territories
    return options(
        ("", str(first)),
        *[(code, names.get(code, code)) for code in COUNTRIES],
        ("ZZ", str(_l("Another country"))),
    )


def with_ids(form: FlaskForm, prefix: str) -> FlaskForm:
    """Give every field of `form` an id starting with `prefix`, keeping the field names.

    Several small forms on one page (a note, a reply, a relayed question) each have a
    `body`: without this they would share the id "body", and the second one's label would
    point at the first field, leaving it with no name for a screen reader."""
    for field in form:
        field.id = f"{prefix}-{field.name}"
        field.label.field_id = field.id
    return form
