"""Forms on the tip page. Choices are filled per tip and per person."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.forms import readable
from portal.sanitize import TEXT_MAX


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), validators=[DataRequired()])


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assigned to"))


class NoteForm(FlaskForm):
    body = TextAreaField(
        _l("Internal note (staff only)"), validators=[DataRequired(), readable, Length(max=TEXT_MAX)]
    )


class ReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Message to the reporter"),
        description=_l(
            "The reporter sees this on their follow-up page. Write in their language, plainly."
        ),
        validators=[DataRequired(), readable, Length(max=TEXT_MAX)],
    )
