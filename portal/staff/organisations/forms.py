"""Forms for organisations, referrals, relayed questions and requests for access."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from portal.categories import CATEGORIES
from portal.forms import ChoiceRadioField, options, readable
from portal.i18n import LANGUAGE_NAMES, LOCALES
from portal.models import OrgKind, ReferralMode, Tlp
from portal.organisations.referrals import REASON_MAX
from portal.sanitize import TEXT_MAX

KIND_LABELS = {
    OrgKind.COORDINATOR: _l("Coordinator (runs the portal)"),
    OrgKind.LAW_ENFORCEMENT: _l("Police or drug agency"),
    OrgKind.MIGRANT_PROTECTION: _l("Migrant worker protection"),
    OrgKind.COUNTER_TERRORISM: _l("Counter-terrorism"),
    OrgKind.EMBASSY: _l("Embassy or consulate"),
    OrgKind.NGO: _l("NGO or hotline"),
    OrgKind.PLATFORM: _l("Platform trust and safety team"),
}
TLP_LABELS = {
    Tlp.CLEAR: _l("TLP:CLEAR: may be shared with anyone"),
    Tlp.GREEN: _l("TLP:GREEN: may be shared within their community"),
    Tlp.AMBER: _l("TLP:AMBER: only within their organisation and its clients"),
    Tlp.AMBER_STRICT: _l("TLP:AMBER+STRICT: only within their organisation"),
    Tlp.RED: _l("TLP:RED: only the people who receive it"),
}
MODE_LABELS = {
    ReferralMode.SHARE: _l("Share: we keep the tip too"),
    ReferralMode.TRANSFER: _l("Transfer: the tip is theirs, and we no longer see it"),
}
CATEGORY_CHOICES = {
    "drugs": _l("Drugs"),
    "job-offer": _l("Job offer"),
    "extremism": _l("Extremism"),
    "other": _l("Other"),
}
COUNTRY_CODE = Regexp(r"^[A-Za-z]{2}$", message=_l("Use a two-letter country code, like ID or VN."))


def _reason(label: object, required: bool = True) -> TextAreaField:
    checks = [DataRequired()] if required else [Optional()]
    return TextAreaField(label, validators=[*checks, readable, Length(max=REASON_MAX)])


class ReferForm(FlaskForm):
    to_org = SelectField(_l("Refer to"), validators=[DataRequired()])
    reason = _reason(_l("Why this organisation (they will read this)"))
    tlp = ChoiceRadioField(
        _l("How far they may share it"),
        choices=options(*TLP_LABELS.items()),
        default=Tlp.AMBER.value,
        validators=[DataRequired()],
    )
    mode = ChoiceRadioField(
        _l("Share or transfer"),
        choices=options(*MODE_LABELS.items()),
        default=ReferralMode.SHARE.value,
        validators=[DataRequired()],
    )
    photos = BooleanField(_l("Send the photos too"))
    messages = BooleanField(_l("Send the messages with the reporter too"))
    contact = BooleanField(_l("Send the reporter's contact details too"))


class AnswerForm(FlaskForm):
    decision = HiddenField(validators=[AnyOf(["accept", "decline"])])
    reason = _reason(_l("Reason (needed to decline)"), required=False)


class RelayForm(FlaskForm):
    body = TextAreaField(
        _l("Question for the reporter"),
        description=_l("The organisation that talks with the reporter reads it first, then sends it."),
        validators=[DataRequired(), readable, Length(max=TEXT_MAX)],
    )


class DecisionForm(FlaskForm):
    """Two buttons, one token: send or refuse, grant or refuse, withdraw."""

    decision = HiddenField(validators=[AnyOf(["yes", "no"])])


class AccessRequestForm(FlaskForm):
    indicator = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,10}$")])
    reason = _reason(_l("Why you need these tips"))


class OrgForm(FlaskForm):
    slug = StringField(
        _l("Short name for links and commands"),
        description=_l("3 to 40 letters a to z, digits and hyphens, like bnn-jakarta."),
        validators=[DataRequired(), readable, Length(min=3, max=40)],
    )
    name = StringField(
        _l("Name in its own language"), validators=[DataRequired(), readable, Length(max=200)]
    )
    name_en = StringField(_l("Name in English"), validators=[Optional(), readable, Length(max=200)])
    kind = SelectField(_l("Kind"), choices=options(*list(KIND_LABELS.items())[1:]))
    country = StringField(_l("Country (two letters)"), validators=[DataRequired(), COUNTRY_CODE])
    categories = SelectMultipleField(
        _l("Categories it takes (none chosen: all)"),
        choices=options(*[(c, CATEGORY_CHOICES[c]) for c in CATEGORIES]),
    )
    countries = StringField(
        _l("Countries it takes (two-letter codes, commas; empty: all)"),
        validators=[Optional(), readable, Length(max=200)],
    )
    languages = SelectMultipleField(
        _l("Languages its staff read"),
        choices=options(*[(code, LANGUAGE_NAMES[code]) for code in LOCALES]),
    )
    name_public = BooleanField(_l("Reporters may see its name"))


class RuleForm(FlaskForm):
    name = StringField(
        _l("Name of the rule"), validators=[DataRequired(), readable, Length(max=120)]
    )
    category = SelectField(
        _l("Category"),
        choices=options(("", _l("Any")), *[(c, CATEGORY_CHOICES[c]) for c in CATEGORIES]),
    )
    country = StringField(
        _l("Country (two letters; empty: any)"), validators=[Optional(), COUNTRY_CODE]
    )
    min_score = IntegerField(
        _l("Lowest score"), default=60, validators=[InputRequired(), NumberRange(0, 100)]
    )
    to_org = SelectField(_l("Refer to"), validators=[DataRequired()])
    tlp = SelectField(
        _l("Marking"), choices=options(*TLP_LABELS.items()), default=Tlp.AMBER.value
    )
