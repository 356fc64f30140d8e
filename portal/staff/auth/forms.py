"""Sign-in and account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.forms import options, readable
from portal.i18n import LANGUAGE_NAMES, LOCALES


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), readable, Length(max=40)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[DataRequired(), Length(max=10)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ReauthForm(LoginForm, CodeForm):
    """Password and a fresh code, before an admin action."""


class SetupForm(CodeForm):
    password = PasswordField(
        _l("New password (at least 12 characters)"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Type the password again"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class PasswordChangeForm(SetupForm):
    """The current password and a fresh code, then the new password twice."""

    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class LanguageForm(FlaskForm):
    language = SelectField(
        _l("Language"), choices=options(*[(code, LANGUAGE_NAMES[code]) for code in LOCALES])
    )
