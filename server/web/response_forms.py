"""Forms of the responses pages: a new response, evidence files, an admin's decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

__all__ = ["DecisionForm", "EvidenceForm", "ResponseForm"]


class ResponseForm(FlaskForm):
    """A provider's answer about one village; which fields count depends on the kind
    (``server.responses`` checks them)."""

    release = HiddenField(validators=[DataRequired()])
    village = HiddenField(validators=[DataRequired(), Length(max=32)])
    product = HiddenField(validators=[DataRequired(), Length(max=32)])
    kind = RadioField(
        _l("Answer"),
        choices=[
            SelectChoice("acknowledged", _l("Acknowledged: we know of this blankspot")),
            SelectChoice("planned", _l("Planned: a site is planned")),
            SelectChoice("disputed", _l("Disputed: our own drive test shows signal")),
            SelectChoice("resolved", _l("Resolved: a site is on air")),
        ],
        validators=[DataRequired()],
    )
    site_name = StringField(_l("Site name"), validators=[Optional(), Length(max=120)])
    expected_on = DateField(_l("Expected on air"), validators=[Optional()])
    on_air_since = DateField(_l("On air since"), validators=[Optional()])
    message = TextAreaField(_l("Message"), validators=[Optional(), Length(max=4000)])
    evidence = FileField(_l("Drive-test file (disputes)"))


class EvidenceForm(FlaskForm):
    """Another evidence file for a pending response."""

    evidence = FileField(_l("Drive-test file"), validators=[DataRequired()])


class DecisionForm(FlaskForm):
    """An admin's decision on a response."""

    decision = RadioField(
        _l("Decision"),
        choices=[SelectChoice("accepted", _l("Accept")), SelectChoice("rejected", _l("Reject"))],
        validators=[DataRequired()],
    )
    reason = TextAreaField(
        _l("Reason (needed to reject)"), validators=[Optional(), Length(max=2000)]
    )
