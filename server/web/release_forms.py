"""The forms of releases: publishing a finished job, withdrawing a release."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from server.models import Job
from server.release_evidence import Shortfall, default_period, shortfalls
from server.releases import release_of_job

__all__ = ["PublishForm", "WithdrawForm", "publishing", "shortfall_text"]


class PublishForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])
    period_from = DateField(_l("Period from"), validators=[DataRequired()])
    period_to = DateField(_l("Period to"), validators=[DataRequired()])
    respond_days = IntegerField(
        _l("Days for the operators' responses"), validators=[NumberRange(min=1, max=3650)]
    )
    override = BooleanField(_l("Publish despite too little evidence"))
    override_reason = TextAreaField(
        _l("Why publish anyway (kept in the audit log)"), validators=[Length(max=2000)]
    )


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


def shortfall_text(item: Shortfall) -> str:
    """A shortfall as a sentence in the user's language."""
    if item.what == "surveyed_share":
        return _(
            "%(product)s: %(value)s %% of the map area surveyed, the minimum is %(needed)s %%.",
            product=item.product,
            value=f"{item.value * 100:.1f}",
            needed=f"{item.needed * 100:.1f}",
        )
    if item.what == "fixes":
        return _(
            "%(product)s: %(value)s distinct fixes, the minimum is %(needed)s.",
            product=item.product,
            value=f"{item.value:.0f}",
            needed=f"{item.needed:.0f}",
        )
    return _(
        "%(product)s: %(value)s readings, the minimum is %(needed)s.",
        product=item.product,
        value=f"{item.value:.0f}",
        needed=f"{item.needed:.0f}",
    )


def publishing(job: Job, form: PublishForm | None = None) -> dict[str, Any]:
    """What the job page needs to publish ``job``: its release if it is published, else (for
    a finished job) the form with its defaults and the evidence shortfalls."""
    if job.state != "done":
        return {"release_id": None, "publish_form": None, "shortfalls": []}
    release_id = release_of_job(job.id)
    if release_id is not None:
        return {"release_id": release_id, "publish_form": None, "shortfalls": []}
    if form is None:
        first, last = default_period(job)
        form = PublishForm(
            formdata=None,
            period_from=first,
            period_to=last,
            respond_days=int(current_app.config["RESPONSE_DAYS"]),
        )
    return {
        "release_id": None,
        "publish_form": form,
        "shortfalls": [shortfall_text(s) for s in shortfalls(job)],
    }
