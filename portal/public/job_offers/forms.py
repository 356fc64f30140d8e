"""The checker's form: the offer text, the recruiter's contact and where the reader lives."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from portal.forms import (
    ChoiceField,
    country_choices,
    readable,
    text_line,
)
from portal.sanitize import TEXT_MAX, clean_line, clean_text

ANOTHER_COUNTRY = "ZZ"


class CheckForm(FlaskForm):
    """CSRF-protected like every form; nothing typed here is stored."""

    offer = TextAreaField(
        _l("The job offer"),
        description=_l("Paste the whole message or advert, in any language."),
        validators=[
            Optional(),
            readable,
            Length(max=TEXT_MAX, message=_l("Please use at most %(max)d characters.")),
        ],
    )
    contact = text_line(
        _l("Recruiter's contact (optional)"),
        _l("Phone number, link, Telegram name or company name."),
    )
    screenshot = FileField(
        _l("Or a picture of the offer (optional)"),
        description=_l(
            "A screenshot or photo of the advert or the chat. We read the text in it for you. "
            "The picture is not kept."
        ),
        validators=[
            Optional(),
            FileAllowed(
                ["jpg", "jpeg", "png", "webp"],
                _l("We can only read photos and screenshots (JPEG, PNG or WebP)."),
            ),
            FileSize(10 * 1024 * 1024, message=_l("The picture is larger than 10 MB.")),
        ],
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    country = ChoiceField(
        _l("Which country do you live in?"),
        description=_l("So we can show you how to check a recruiter there."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices(_l("Choose a country"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.text() and not self.has_picture():
            self.offer.errors = [
                *self.offer.errors,
                _l("Please paste the job offer, or give the recruiter's contact."),
            ]
            valid = False
        return valid

    def has_picture(self) -> bool:
        """Whether a picture was sent with the form."""
        upload = self.screenshot.data
        return bool(upload and getattr(upload, "filename", ""))

    def text(self) -> str:
        """The offer and the contact as one plain text, markup removed, for the checker."""
        offer = clean_text(self.offer.data or "", TEXT_MAX)
        contact = clean_line(self.contact.data or "", 500)
        return "\n".join(part for part in (offer, contact) if part)

    def home_country(self) -> str | None:
        """The chosen country as an ISO code, or None for none or "another country"."""
        code = self.country.data or None
        return None if code == ANOTHER_COUNTRY else code
