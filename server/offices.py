"""Offices: who sees what. The provincial office sees everything; a kabupaten/kota office
sees its own officers (and their devices and uploads), its campaigns and jobs, and the
readings and villages of its region.

Views ask ``current_scope()`` for the logged-in user's office and filter with the helpers
here, so a rule lives in one place. Another office's object answers 404, as if it did not
exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import Session

from server.models import Office, User
from server.office_names import kabupaten_office_name, province_office_name
from server.regions import RegionIndex

__all__ = [
    "Scope",
    "code_in_region",
    "current_scope",
    "in_region",
    "list_offices",
    "office_for_code",
    "office_users",
    "offices_covering",
    "owns",
    "province_office",
    "scope_of",
    "survey_office",
]

OFFICE_CODE = re.compile(r"^\d{2}(\.\d{2})?$")


@dataclass(frozen=True)
class Scope:
    """An office as seen by the access rules."""

    office_id: int | None
    code: str
    name: str = ""

    @property
    def province(self) -> bool:
        """The provincial office (sees every office's work)."""
        return "." not in self.code

    @property
    def prefix(self) -> str | None:
        """The Kemendagri code the office's region starts with; ``None`` for the province."""
        return None if self.province else self.code


PROVINCE_WIDE = Scope(None, "")


def scope_of(user: Any) -> Scope:
    """The scope of a logged-in user (``WebUser``). Providers belong to no office: regions
    do not limit them (their operators do, and no office page is open to them)."""
    if getattr(user, "role", None) not in ("admin", "officer"):
        return PROVINCE_WIDE
    return Scope(user.office_id, user.office_code or "", user.office_name or "")


def current_scope() -> Scope:
    """The scope of this request's user: the API token's user, else the logged-in one."""
    if has_request_context() and getattr(g, "api_user", None) is not None:
        return scope_of(g.api_user)
    return scope_of(current_user)


def in_region(column: Any, scope: Scope) -> ColumnElement[bool]:
    """SQL: the village code in ``column`` lies in the scope's region."""
    if scope.prefix is None:
        return true()
    prefix = scope.prefix
    return or_(column == prefix, column.startswith(f"{prefix}.", autoescape=True))


def code_in_region(code: str | None, scope: Scope) -> bool:
    """The village (or kabupaten) ``code`` lies in the scope's region."""
    if scope.prefix is None:
        return True
    return bool(code) and (code == scope.prefix or str(code).startswith(f"{scope.prefix}."))


def office_users(scope: Scope, column: Any = User.office_id) -> ColumnElement[bool]:
    """SQL: the row (a user, campaign or job by its ``office_id``) belongs to the scope."""
    if scope.province:
        return true()
    if scope.office_id is None:
        return false()
    return column == scope.office_id


def owns(item: Any, scope: Scope) -> bool:
    """The scope may see ``item`` (a user, campaign or job with an ``office_id``)."""
    return scope.province or (
        scope.office_id is not None and getattr(item, "office_id", None) == scope.office_id
    )


def province_office(db: Session) -> Office:
    """The provincial office (made by the migration; made here if it was removed)."""
    office = db.scalars(
        select(Office).where(Office.code.not_like("%.%")).order_by(Office.id)
    ).first()
    if office is None:
        office = Office(code="13", name=province_office_name("13"))
        db.add(office)
        db.flush()
    return office


def office_for_code(db: Session, code: str, regions: RegionIndex | None) -> Office:
    """The office of region ``code`` ("13" the province, "13.06" a kabupaten/kota), made
    when it does not exist yet; a code that is no province or known kabupaten/kota is a
    ``ValueError``."""
    code = (code or "").strip()
    office = db.scalars(select(Office).where(Office.code == code)).first()
    if office is not None:
        return office
    kabupaten = dict(regions.kabupaten()) if regions else {}
    if code in kabupaten:
        name = kabupaten_office_name(kabupaten[code])
    elif not OFFICE_CODE.match(code):
        raise ValueError(
            f"office {code!r}: give a Kemendagri region code, 13 for the province or "
            "13.06 for a kabupaten/kota"
        )
    elif "." not in code:
        province = province_office(db)
        if province.code != code:
            raise ValueError(
                f"office {code!r}: this server is the office of province {province.code}"
            )
        return province
    elif kabupaten:
        raise ValueError(f"office {code!r}: no kabupaten/kota with this code in the boundaries")
    else:
        name = f"Diskominfo {code}"
    office = Office(code=code, name=name)
    db.add(office)
    db.flush()
    return office


def list_offices(db: Session) -> list[tuple[Office, int, int]]:
    """Every office with its number of admins and officers, province first."""
    counts = {
        (office_id, role): n
        for office_id, role, n in db.execute(
            select(User.office_id, User.role, func.count(User.id)).group_by(
                User.office_id, User.role
            )
        )
    }
    offices = db.scalars(select(Office).order_by(func.length(Office.code), Office.code)).all()
    return [(o, counts.get((o.id, "admin"), 0), counts.get((o.id, "officer"), 0)) for o in offices]


def offices_covering(db: Session, village_code: str | None) -> list[int]:
    """Ids of the offices whose region holds ``village_code``: the province's and, when
    there is one, the kabupaten/kota office's (the most local first)."""
    offices = db.execute(select(Office.id, Office.code)).all()
    covering = [
        (len(code), office_id)
        for office_id, code in offices
        if "." not in code or code_in_region(village_code, Scope(office_id, code))
    ]
    return [office_id for _n, office_id in sorted(covering, reverse=True)]


def survey_office(job_id: int) -> str:
    """Who surveyed, as the maps of a job say it: its kabupaten/kota office, else the
    configured organisation (``METADATA_ORGANISATION``, the province)."""
    from flask import current_app

    from server.db import session_scope
    from server.models import Job

    with session_scope() as db:
        office = db.scalar(
            select(Office).join(Job, Job.office_id == Office.id).where(Job.id == job_id)
        )
        if office is not None and "." in office.code:
            return office.name
    return str(current_app.config["METADATA_ORGANISATION"])
