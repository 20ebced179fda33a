"""The provider portal: the newest published release of each of the provider's own
products with its village verdicts, and API tokens to fetch the same with a script."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from server.accounts import create_api_token, revoke_api_token
from server.db import session_scope
from server.models import ApiToken
from server.products import latest_products
from server.web.access import roles_required
from server.web.forms import ActionForm, TokenForm
from server.web.releases import village_verdicts, web_scope

__all__ = ["bp"]

bp = Blueprint("provider", __name__)


@bp.get("/provider")
@roles_required("provider", "admin")
def portal() -> str:
    """The newest published release of each of the provider's operators and technologies."""
    scope = web_scope()
    products: list[dict[str, Any]] = []
    for product in latest_products(scope):
        villages, rest = village_verdicts(
            product["release_id"], product["operator"], product["tech"], limit=50
        )
        products.append({**product, "village_list": villages, "village_rest": rest})
    return render_template("provider/portal.html", products=products, scope=scope)


def _tokens_page(form: TokenForm, new_token: str | None = None) -> str:
    with session_scope() as db:
        tokens = db.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == current_user.user_id)
            .order_by(ApiToken.id.desc())
        ).all()
        db.expunge_all()
    return render_template(
        "provider/tokens.html", tokens=tokens, form=form, new_token=new_token, action=ActionForm()
    )


@bp.get("/tokens")
@roles_required("provider", "admin")
def tokens() -> str:
    """The user's API tokens."""
    return _tokens_page(TokenForm())


@bp.post("/tokens")
@roles_required("provider", "admin")
def create_token() -> str:
    """Make a token; it is shown once."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _tokens_page(form)
    token = create_api_token(current_user.user_id, form.name.data, current_user.actor)
    return _tokens_page(TokenForm(formdata=None), token)


@bp.post("/tokens/<int:token_id>/revoke")
@roles_required("provider", "admin")
def revoke_token(token_id: int) -> Response:
    """Revoke a token at once."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        revoke_api_token(token_id, current_user.user_id, current_user.actor)
    except LookupError:
        abort(404)
    flash(_("Token revoked."), "ok")
    return redirect(url_for("provider.tokens"))
