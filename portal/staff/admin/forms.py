"""Forms of the admin pages. Each action is its own small form, so each has its own CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from portal.directory.admin import FILE_MAX_BYTES
from portal.forms import options, readable
from portal.i18n import LANGUAGE_NAMES, LOCALES
from portal.job_offers.registry import FILE_MAX_BYTES as REGISTRY_MAX_BYTES
from portal.models.staff import ROLE_ORDER, Role

ROLE_LABELS = {
    Role.ANALYST: _l("Analyst"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.ADMIN: _l("Administrator"),
}


def _role_choices() -> list[SelectChoice]:
    return options(*[(role.value, ROLE_LABELS[role]) for role in ROLE_ORDER])


class CreateAccountForm(FlaskForm):
    username = StringField(
        _l("Username"),
        description=_l("3 to 40 letters, digits, dots, hyphens or underscores."),
        validators=[DataRequired(), readable, Length(min=3, max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )
    role = SelectField(_l("Role"), choices=_role_choices(), default=Role.ANALYST.value)
    organisation = SelectField(_l("Organisation"), validators=[DataRequired()])
    language = SelectField(
        _l("Language of the console"),
        choices=options(*[(code, LANGUAGE_NAMES[code]) for code in LOCALES]),
        default="en",
    )


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=_role_choices(), validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """A button and its CSRF token: reset, deactivate, reactivate."""


class SupportUploadForm(FlaskForm):
    file = FileField(
        _l("Support directory file (YAML)"),
        description=_l(
            "The whole directory, in the same format as the download below. "
            "Entries missing from the file are removed. Up to 2 MB."
        ),
        validators=[
            FileRequired(_l("Please choose a file.")),
            FileAllowed(["yaml", "yml"], _l("Please choose a .yaml or .yml file.")),
            FileSize(FILE_MAX_BYTES, message=_l("The file is larger than 2 MB.")),
        ],
    )


class RegistryUploadForm(FlaskForm):
    file = FileField(
        _l("List of licensed recruiters (CSV)"),
        description=_l(
            "Columns: name, licence_number, country, source_url, date_retrieved (YYYY-MM-DD). "
            "The list of each country in the file replaces the one loaded before. Up to 10 MB."
        ),
        validators=[
            FileRequired(_l("Please choose a file.")),
            FileAllowed(["csv"], _l("Please choose a .csv file.")),
            FileSize(REGISTRY_MAX_BYTES, message=_l("The file is larger than 10 MB.")),
        ],
    )
