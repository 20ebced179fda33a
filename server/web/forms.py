"""The forms of the web pages (Flask-WTF: each carries and checks a CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (
    DateField,
    IntegerField,
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
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget, html_params

from analysis.methods import METHODS
from server.accounts import check_email
from server.operators import known_operators, operator_label
from server.web.labels import METHOD_WORDS

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
    "chosen",
    "officer_boxes",
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


def chosen(message: Any) -> Any:
    """A validator: at least one option ticked (without the browser-side ``required``)."""

    def check(_form: FlaskForm, field: Any) -> None:
        if not field.data:
            raise StopValidation(message)

    return check


def officer_boxes() -> SelectMultipleField:
    """Officers as checkboxes (no Ctrl-click), at least one; the view sets the choices (its
    office's officers)."""
    return SelectMultipleField(
        _l("Officers"),
        coerce=int,
        validate_choice=True,
        # not DataRequired: its "required" flag would make the browser demand every box
        validators=[chosen(_l("Choose at least one officer."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


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


def _operator_codes_widget(field: Any, **kwargs: Any) -> Markup:
    """A checkbox per known operator and a text box for other codes, all named like the field."""
    chosen = [code.strip() for code in (field.data or "").split(",") if code.strip()]
    known = known_operators()
    boxes = "".join(
        f'<li><label style="font-weight:normal;margin:.3rem 0"><input '
        f"{html_params(type='checkbox', name=field.name, value=code, checked=code in chosen)}> "
        f"{escape(operator_label(code))}</label></li>"
        for code in known
    )
    kwargs.setdefault("id", field.id)
    other = ", ".join(code for code in chosen if code not in known)
    text = html_params(name=field.name, value=other, type="text", **kwargs)
    return Markup(
        f'<ul class="checks" style="list-style:none;padding:0;margin:.2rem 0;columns:15rem 2">'
        f"{boxes}</ul>"
        f"<label>{escape(_l('Other codes (MCC-MNC, comma-separated)'))} <input {text}></label>"
    )


class OperatorCodesField(StringField):
    """A provider's operators: ticked among the known ones and typed for others; ``data`` is
    the comma-separated text ("510-10, 510-99") the validators check."""

    widget = staticmethod(_operator_codes_widget)

    def process_formdata(self, valuelist: list[Any]) -> None:
        codes = [code.strip() for value in valuelist for code in str(value).split(",")]
        self.data = ", ".join(dict.fromkeys(code for code in codes if code))


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
    operators = OperatorCodesField(
        _l("Operators (MCC-MNC, providers only)"),
        validators=[Optional(), Regexp(_MCC_MNC, message=_l("Write e.g. 510-10, 510-11"))],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=200)])
    email = StringField(
        _l("E-mail for notifications (optional)"), validators=[Length(max=254), _plain_email]
    )
    office = SelectField(_l("Office (admins, officers)"), choices=[])


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
    # checkboxes (no Ctrl-click); only the office's officers are choices
    officers = officer_boxes()
    starts_on = DateField(
        _l("First day"), validators=[DataRequired(message=_l("Give the first day."))]
    )
    ends_on = DateField(
        _l("Last day (inclusive)"), validators=[DataRequired(message=_l("Give the last day."))]
    )

    def validate_ends_on(self, field: DateField) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day is before the first."))


class _CheckboxList(ListWidget):
    """A list of checkboxes, each inside its label (the whole line is clickable); a ``size``
    meant for a multi-select is dropped."""

    def __call__(self, field: Any, **kwargs: Any) -> Any:
        kwargs.pop("size", None)
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("class", "checks")
        kwargs.setdefault("style", "list-style:none;padding:0;margin:.2rem 0")
        items = (
            f'<li><label style="font-weight:normal;margin:.3rem 0">{box()} {escape(box.label.text)}'
            "</label></li>"
            for box in field
        )
        return Markup(f"<ul {html_params(**kwargs)}>{''.join(items)}</ul>")


class OperatorsField(SelectMultipleField):
    """Operators as checkboxes (no Ctrl-click); a choice labelled with its own code shows
    the operator's name beside it: "Telkomsel (510-10)"."""

    widget = _CheckboxList(prefix_label=False)
    option_widget = CheckboxInput()

    def iter_choices(self) -> list[Any]:
        return [
            c._replace(label=operator_label(c.value)) if c.label == c.value else c
            for c in super().iter_choices()
        ]

    def __iter__(self) -> Any:
        for box in super().__iter__():
            box.flags.required = False  # one ticked box is enough, not every one
            yield box


class JobForm(FlaskForm):
    operators = OperatorsField(_l("Operators"), validators=[DataRequired()])
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
            [("auto", _l("auto (best by cross-validation)"))]
            + [(m, METHOD_WORDS[m]) for m in METHODS]
        ),
    )
    spacing = IntegerField(  # whole metres: the field shows "50", not "50.0"
        _l("Cell size (m)"), default=50, validators=[NumberRange(min=10, max=1000)]
    )


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=64)])
