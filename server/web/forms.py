"""The forms of the web pages (Flask-WTF: each carries and checks a CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FloatField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from analysis.methods import METHODS
from server.accounts import check_email

__all__ = [
    "AccountForm",
    "ActionForm",
    "CampaignForm",
    "EmailForm",
    "JobForm",
    "LoginForm",
    "PasswordForm",
    "ResetPasswordForm",
    "ReviewForm",
    "TokenForm",
    "UserForm",
    "options",
]

_MCC_MNC = r"^\d{3}-\d{2,3}(\s*,\s*\d{3}-\d{2,3})*$"


def options(pairs: list[tuple[Any, Any]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def _plain_email(_form: FlaskForm, field: StringField) -> None:
    """An address goes into mail headers: only a plain one (``server.accounts.check_email``)."""
    try:
        field.data = check_email(field.data)
    except ValueError:
        raise ValidationError(_l("Write a plain e-mail address such as ani@example.org.")) from None


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=200)])
    repeat = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords differ."))],
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=8, max=200)]
    )


class AccountForm(FlaskForm):
    language = SelectField(
        _l("Language"), choices=options([("id", "Bahasa Indonesia"), ("en", "English")])
    )
    timezone = SelectField(
        _l("Time zone"),
        choices=options(
            [
                ("Asia/Jakarta", "WIB (Asia/Jakarta)"),
                ("Asia/Makassar", "WITA (Asia/Makassar)"),
                ("Asia/Jayapura", "WIT (Asia/Jayapura)"),
                ("UTC", "UTC"),
            ]
        ),
    )


class ReviewForm(FlaskForm):
    state = SelectField(
        _l("Decision"),
        choices=options(
            [
                ("approved", _l("Approve")),
                ("has_issues", _l("Has issues")),
                ("rejected", _l("Reject")),
            ]
        ),
    )
    comment = TextAreaField(_l("Comment for the officer"), validators=[Length(max=1000)])

    def validate_comment(self, field: TextAreaField) -> None:
        if self.state.data != "approved" and not (field.data or "").strip():
            raise ValidationError(_l("Say what is wrong: the officer sees this on the phone."))


class UserForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(min=3, max=64), Regexp(r"^[A-Za-z0-9_.-]+$")],
    )
    role = SelectField(
        _l("Role"),
        choices=options(
            [("officer", _l("Officer")), ("provider", _l("Provider")), ("admin", _l("Admin"))]
        ),
    )
    operators = StringField(
        _l("Operators (MCC-MNC, providers only)"),
        validators=[Optional(), Regexp(_MCC_MNC, message=_l("Write e.g. 510-10, 510-11"))],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=200)])
    email = StringField(
        _l("E-mail for notifications (optional)"), validators=[Length(max=254), _plain_email]
    )


class EmailForm(FlaskForm):
    email = StringField(_l("E-mail for notifications"), validators=[Length(max=254), _plain_email])


class CampaignForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    village_codes = TextAreaField(
        _l("Village codes (Kemendagri), one per line or comma-separated"),
        validators=[Optional(), Length(max=200_000)],
    )
    area = TextAreaField(
        _l("Or an area drawn on the map (GeoJSON polygon)"),
        validators=[Optional(), Length(max=2_000_000)],
    )
    officers = SelectMultipleField(_l("Officers"), coerce=int, validate_choice=True)
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])


class JobForm(FlaskForm):
    operators = SelectMultipleField(_l("Operators"), validators=[DataRequired()])
    tech = SelectField(
        _l("Technology"),
        choices=options(
            [("LTE", "4G LTE"), ("NR", "5G NR"), ("WCDMA", "3G WCDMA"), ("GSM", "2G GSM")]
        ),
    )
    area = SelectField(_l("Area"))
    method = SelectField(
        _l("Method"),
        choices=options(
            [("auto", _l("auto (best by cross-validation)"))] + [(m, m) for m in METHODS]
        ),
    )
    spacing = FloatField(
        _l("Cell size (m)"), default=50.0, validators=[NumberRange(min=10, max=1000)]
    )


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=64)])
