"""Forms of retention: the policy table, and a legal hold on a tip."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from portal.categories import CATEGORIES
from portal.forms import readable
from portal.retention.holds import CASE_MAX, REASON_MAX
from portal.retention.policy import DEFAULT_DAYS, MAX_DAYS, MIN_DAYS

MAX_REVIEW_YEARS = 5


def field_name(category: str, status: str) -> str:
    return f"days_{category.replace('-', '_')}_{status}"


def policy_form(days: dict[tuple[str, str], int]) -> FlaskForm:
    """One number field per category and closing status, filled with the current days."""

    class PolicyForm(FlaskForm):
        pass

    for category in CATEGORIES:
        for status in DEFAULT_DAYS:
            setattr(
                PolicyForm,
                field_name(category, status),
                IntegerField(
                    _l("Days"),
                    default=days[category, status],
                    validators=[InputRequired(), NumberRange(MIN_DAYS, MAX_DAYS)],
                ),
            )
    return PolicyForm()


def _in_the_future(form: FlaskForm, field: DateField) -> None:
    today = date.today()
    if field.data is not None and not today < field.data <= today + timedelta(
        days=366 * MAX_REVIEW_YEARS
    ):
        raise ValidationError(_l("Choose a date after today and within five years."))


class HoldForm(FlaskForm):
    reason = TextAreaField(
        _l("Why the tip must be kept"),
        description=_l("For example: evidence in a police investigation."),
        validators=[DataRequired(), readable, Length(max=REASON_MAX)],
    )
    case_reference = StringField(
        _l("Case reference"),
        description=_l("The case or report number of the authority that asked."),
        validators=[DataRequired(), readable, Length(max=CASE_MAX)],
    )
    review_on = DateField(
        _l("Check again on"),
        description=_l("On this date the hold is shown to your supervisors to decide again."),
        validators=[DataRequired(), _in_the_future],
    )
