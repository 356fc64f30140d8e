"""The dispute form ("this is wrong / this is about me")."""

from __future__ import annotations

import secrets
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.forms import FORM_TOKEN, ChoiceRadioField, options, readable, text_line


class DisputeForm(FlaskForm):
    reason = ChoiceRadioField(
        _l("What is the problem?"),
        default="wrong",
        choices=options(
            ("wrong", _l("This warning is wrong")),
            ("about_me", _l("This is about me, and I am not doing this")),
        ),
    )
    details = TextAreaField(
        _l("Tell us what is wrong"), validators=[DataRequired(), readable, Length(max=5000)]
    )
    contact = text_line(
        _l("How can we reach you? (optional)"),
        _l("We can only answer if you give a way to reach you."),
    )
    website = StringField(_l("Leave this empty"))
    form_token = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.form_token.data:
            self.form_token.data = secrets.token_urlsafe(24)

    def validate_form_token(self, field: Any) -> None:
        if not isinstance(field.data, str) or not FORM_TOKEN.match(field.data):
            raise ValidationError(_l("This form is out of date. Please open it again."))

    def validate_website(self, field: Any) -> None:
        if field.data:
            raise ValidationError(_l("Please leave the field “Leave this empty” empty."))
