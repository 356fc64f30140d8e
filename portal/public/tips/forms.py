"""Report and follow-up forms: one short questionnaire per category."""

from __future__ import annotations

import secrets
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional, ValidationError

from portal.forms import (
    FORM_TOKEN,
    ChoiceField,
    ChoiceRadioField,
    country_choices,
    options,
    readable,
    text_line,
)
from portal.sanitize import LINE_MAX, TEXT_MAX, clean_line, clean_text


class ReportForm(FlaskForm):
    """Fields every category shares. Everything is optional but a description or a link."""

    description = TextAreaField(
        _l("What did you see?"),
        description=_l(
            "Say it in your own words. Anything helps: what you saw, who posted it, when."
        ),
        validators=[
            Optional(),
            readable,
            Length(max=TEXT_MAX, message=_l("Please use at most %(max)d characters.")),
        ],
    )
    link = text_line(
        _l("Link, account name or phone number"),
        _l("For example a web address, @name or a number."),
    )
    country = ChoiceField(_l("Which country is this about?"))
    contact = text_line(
        _l("How can we reach you? (optional)"),
        _l(
            "Not needed. Leave this empty to stay fully anonymous: you can always read our "
            "answers with your receipt code."
        ),
    )
    images = MultipleFileField(_l("Photos or screenshots (optional, up to 5)"))
    # A field people never see and bots fill in.
    website = StringField(_l("Leave this empty"), validators=[Optional()])
    form_token = HiddenField()

    #: answer fields stored in Tip.answers, in the order shown to staff
    answer_fields: tuple[str, ...] = ()
    #: the order fields appear on the page
    layout: tuple[str, ...] = ("description", "link", "country", "contact", "images")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices(_l("Choose a country"))
        if not self.form_token.data:
            self.form_token.data = secrets.token_urlsafe(24)

    def validate_website(self, field: Any) -> None:
        if field.data:
            raise ValidationError(_l("Please leave the field “Leave this empty” empty."))

    def validate_form_token(self, field: Any) -> None:
        if not isinstance(field.data, str) or not FORM_TOKEN.match(field.data):
            raise ValidationError(_l("This form is out of date. Please open it again."))

    def validate_images(self, field: Any) -> None:
        if len(self.uploads()) > 5:
            raise ValidationError(_l("Please send at most 5 images."))
        if any(not isinstance(item, FileStorage | str | None) for item in field.data or []):
            raise ValidationError(_l("Please choose image files."))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not clean_text(self.description.data or "", TEXT_MAX) and not clean_line(
            self.link.data or "", LINE_MAX
        ):
            self.description.errors = [
                *self.description.errors,
                _l("Please describe what you saw, or give a link or an account name."),
            ]
            valid = False
        return valid

    def uploads(self) -> list[FileStorage]:
        """The files actually chosen (browsers send an empty part when none is)."""
        return [
            item
            for item in self.images.data or []
            if isinstance(item, FileStorage) and item.filename
        ]

    def in_danger(self) -> bool:
        return False


class DangerMixin:
    danger_now = BooleanField(_l("Someone is in danger right now"))

    def in_danger(self) -> bool:
        return bool(self.danger_now.data)  # type: ignore[attr-defined]


PLATFORMS = options(
    ("", _l("Choose one")),
    ("instagram", "Instagram"),
    ("tiktok", "TikTok"),
    ("facebook", "Facebook"),
    ("whatsapp", "WhatsApp"),
    ("telegram", "Telegram"),
    ("x", "X / Twitter"),
    ("line", "LINE"),
    ("zalo", "Zalo"),
    ("marketplace", _l("Online shop or marketplace")),
    ("website", _l("Website")),
    ("other", _l("Somewhere else")),
)


class DrugsReportForm(DangerMixin, ReportForm):
    platform = ChoiceField(_l("Where did you see it?"), choices=PLATFORMS)
    what_sold = text_line(_l("What is being sold?"), _l("If you know. Slang names are fine."))
    link = text_line(
        _l("Account, link or phone number of the seller"),
        _l("For example @name, a web address or a WhatsApp number."),
    )
    answer_fields = ("platform", "what_sold")
    layout = (
        "description",
        "platform",
        "link",
        "what_sold",
        "country",
        "danger_now",
        "contact",
        "images",
    )


class JobOfferReportForm(ReportForm):
    where_seen = ChoiceField(
        _l("Where did you see the offer?"),
        choices=options(
            ("", _l("Choose one")),
            ("facebook", "Facebook"),
            ("tiktok", "TikTok"),
            ("telegram", "Telegram"),
            ("whatsapp", "WhatsApp"),
            ("instagram", "Instagram"),
            ("job_site", _l("A job website")),
            ("friend", _l("From a friend or relative")),
            ("agent", _l("An agent in person")),
            ("other", _l("Somewhere else")),
        ),
    )
    link = text_line(
        _l("Recruiter's contact"), _l("Phone number, link, Telegram name or company name.")
    )
    destination = ChoiceField(_l("Which country is the job in?"))
    salary = text_line(_l("Promised salary"), _l("For example: 1,000 USD a month."), 200)
    situation = ChoiceRadioField(
        _l("What is the situation now?"),
        default="not_left",
        choices=options(
            ("not_left", _l("Nobody has left yet")),
            ("left", _l("Someone has already left for this job")),
            ("danger", _l("Someone is in danger now or cannot come home")),
        ),
    )
    answer_fields = ("where_seen", "destination", "salary", "situation")
    country = ChoiceField(
        _l("Which country are you in now?"),
        description=_l("So we can show you the right emergency numbers."),
    )
    layout = (
        "situation",
        "description",
        "where_seen",
        "link",
        "destination",
        "salary",
        "country",
        "contact",
        "images",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.destination.choices = country_choices(_l("Choose a country"))

    def in_danger(self) -> bool:
        return self.situation.data == "danger"


class ExtremismReportForm(DangerMixin, ReportForm):
    platform = ChoiceField(_l("Where did you see it?"), choices=PLATFORMS)
    content_kind = ChoiceField(
        _l("What kind of content is it?"),
        choices=options(
            ("", _l("Choose one")),
            ("violence", _l("A call to hurt or kill people")),
            ("recruitment", _l("Asking people to join a violent group")),
            ("funding", _l("Asking for money for a violent group")),
            ("propaganda", _l("Propaganda or hate against a group")),
            ("other", _l("Other content")),
        ),
    )
    danger_now = BooleanField(_l("It names a person or place that could be attacked soon"))
    answer_fields = ("platform", "content_kind")
    layout = (
        "description",
        "platform",
        "link",
        "content_kind",
        "danger_now",
        "country",
        "contact",
        "images",
    )


class OtherReportForm(DangerMixin, ReportForm):
    topic = text_line(_l("What is it about?"), _l("A few words are enough."), 200)
    answer_fields = ("topic",)
    layout = ("topic", "description", "link", "country", "danger_now", "contact", "images")


FORMS: dict[str, type[ReportForm]] = {
    "drugs": DrugsReportForm,
    "job-offer": JobOfferReportForm,
    "extremism": ExtremismReportForm,
    "other": OtherReportForm,
}


class ReceiptForm(FlaskForm):
    code = StringField(
        _l("Your receipt code"),
        description=_l("16 digits, for example 1234 5678 9012 3456."),
        validators=[readable, Length(max=64)],
    )


class ReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Your message or new information"),
        validators=[Optional(), readable, Length(max=TEXT_MAX)],
    )
    images = MultipleFileField(_l("Photos or screenshots (optional, up to 5)"))

    def uploads(self) -> list[FileStorage]:
        return ReportForm.uploads(self)  # type: ignore[arg-type]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if len(self.uploads()) > 5:
            self.images.errors = [*self.images.errors, _l("Please send at most 5 images.")]
            valid = False
        if not (self.body.data or "").strip() and not self.uploads():
            self.body.errors = [*self.body.errors, _l("Please write a message or add a photo.")]
            valid = False
        return valid


def describe_answers(category: str, answers: dict[str, Any]) -> list[tuple[str, str]]:
    """A tip's questionnaire answers as (question, answer) in the reader's language,
    in the order the form asks them; values the form no longer knows are shown as stored."""
    form_class = FORMS.get(category)
    if form_class is None:
        return [(str(name), str(value)) for name, value in answers.items()]
    form = form_class(formdata=None, meta={"csrf": False})
    described = []
    for name in [*form.answer_fields, *(n for n in answers if n not in form.answer_fields)]:
        if name not in answers:
            continue
        value, field = answers[name], form._fields.get(name)
        if field is None:
            described.append((str(name), str(value)))
            continue
        choices = field.iter_choices() if hasattr(field, "iter_choices") else []
        labels = {str(choice[0]): str(choice[1]) for choice in choices}
        described.append((str(field.label.text), labels.get(str(value), str(value))))
    return described
