"""Where to survey next: every village of a region ranked by what a survey would add.

A region is a tuple of Kemendagri code prefixes (``13`` the province, ``13.06`` Kabupaten
Agam), as in :class:`server.reports.Area`, so an office's region plugs in as it is. The
villages come from the configured boundaries; for each operator-and-technology product that
has a published release (or those asked for), the village's latest published verdict (the
register's) is judged:

- **unsurveyed**: no verdict in any published release, or *unsurveyed* / *insufficient data*;
- **doubtful**: a verdict on fewer than ``DOUBTFUL_READINGS`` readings or ``DOUBTFUL_FIXES``
  distinct fixes, or a *no signal* verdict with fewer no-service readings than a blankspot
  needs (``analysis.blankspots.EvidenceRule``);
- **uncertain**: the product's cross-validation error above ``UNCERTAIN_RMSE_DB`` or less than
  ``UNCERTAIN_SHARE`` of the village's area surveyed;
- **old**: its newest reading older than ``max_age_days`` (config ``SURVEY_MAX_AGE_DAYS``);

and its open operator responses add: an accepted dispute or resolved claim awaiting its
verification in the field, or a dispute or claim still waiting for a decision.

A product reason weighs ``WEIGHTS[kind]`` times the share of the products it concerns; a
response reason weighs its whole weight once. The score is their sum; the order is by score
(highest first), then by code, so equal villages always come in the same order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from analysis.blankspots import EvidenceRule
from server.db import session_scope
from server.models import OperatorResponse, Release, ReleaseProduct
from server.regions import current_regions
from server.register import _full_rows, _latest

__all__ = [
    "DOUBTFUL_FIXES",
    "DOUBTFUL_READINGS",
    "LEVELS",
    "REASONS",
    "UNCERTAIN_RMSE_DB",
    "UNCERTAIN_SHARE",
    "WEIGHTS",
    "Priority",
    "Reason",
    "in_region",
    "level_of",
    "rank_villages",
]

DOUBTFUL_READINGS = 30  # a village verdict resting on fewer readings is doubtful
DOUBTFUL_FIXES = 10  # ... or on fewer distinct positions (~10 m apart)
BLANKSPOT_READINGS = EvidenceRule().min_samples  # no-service readings a "none" verdict needs
UNCERTAIN_RMSE_DB = 10.0  # the product's blocked-CV error above this: the map is uncertain
UNCERTAIN_SHARE = 0.5  # less than half of the village's area surveyed: uncertain
MAX_AGE_DAYS = 365  # default of SURVEY_MAX_AGE_DAYS

WEIGHTS = {
    "unsurveyed": 100.0,
    "verification": 60.0,
    "doubtful": 40.0,
    "uncertain": 30.0,
    "pending": 25.0,
    "old": 20.0,
}
REASONS = tuple(WEIGHTS)  # in order of weight
PRODUCT_REASONS = ("unsurveyed", "doubtful", "uncertain", "old")
LEVELS = ("high", "medium", "low", "none")  # high >= 60, medium >= 25, low > 0, none = 0
_CHUNK = 500  # verdict ids per query


@dataclass(frozen=True)
class Reason:
    """Why a survey of the village would add something: the ``kind`` (one of ``REASONS``),
    its share of the score, the products (MCC-MNC-TECH) it concerns and the figures that
    say it in words (fewest readings and fixes, lowest surveyed share, highest CV error,
    oldest day, number of responses)."""

    kind: str
    weight: float
    products: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Priority:
    """One village of the region, its score and reasons; ``verdicts`` holds each product's
    latest published verdict (``None``: none) and ``last_day`` the newest reading day."""

    code: str
    name: str
    kecamatan: str
    kabkota: str
    score: float
    reasons: tuple[Reason, ...]
    verdicts: dict[str, str | None]
    last_day: date | None

    @property
    def level(self) -> str:
        return level_of(self.score)


def level_of(score: float) -> str:
    """The priority level of a score: high, medium, low or none (nothing to add)."""
    if score >= 60:
        return "high"
    if score >= 25:
        return "medium"
    return "low" if score > 0 else "none"


def in_region(code: str, prefixes: Sequence[str]) -> bool:
    """Whether village ``code`` lies in the region of ``prefixes`` (empty: everywhere)."""
    return not prefixes or any(code == p or code.startswith(f"{p}.") for p in prefixes)


def _products(operators: Iterable[str] | None, tech: str | None) -> list[tuple[str, str]]:
    """(operator, tech) of every product with a published release, filtered."""
    wanted = set(operators) if operators else None
    with session_scope() as session:
        rows = session.execute(
            select(ReleaseProduct.operator, ReleaseProduct.tech)
            .join(Release, Release.id == ReleaseProduct.release_id)
            .where(Release.state == "published")
            .distinct()
        ).all()
    return sorted(
        (o, t) for o, t in rows if (wanted is None or o in wanted) and (tech is None or t == tech)
    )


def _verdicts(
    products: list[tuple[str, str]], prefixes: Sequence[str]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Village code -> product -> its latest published verdict with evidence (register)."""
    wanted = set(products)
    ids = [
        row.id
        for code, op, te, row in _latest(None, None, None)
        if (op, te) in wanted and in_region(code, prefixes)
    ]
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for start in range(0, len(ids), _CHUNK):
        for row in _full_rows(ids[start : start + _CHUNK]):
            out[row["village_code"]][row["product"]] = row
    return out


def _responses(
    products: list[tuple[str, str]], prefixes: Sequence[str]
) -> dict[str, dict[str, list[str]]]:
    """Village code -> ``verification`` / ``pending`` -> products of its open responses."""
    wanted = set(products)
    with session_scope() as session:
        rows = session.execute(
            select(
                OperatorResponse.village_code,
                OperatorResponse.operator,
                OperatorResponse.tech,
                OperatorResponse.kind,
                OperatorResponse.decision,
            ).where(
                OperatorResponse.closed_at.is_(None),
                OperatorResponse.kind.in_(("disputed", "resolved")),
                OperatorResponse.decision.in_(("accepted", "pending")),
            )
        ).all()
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for code, op, te, _kind, decision in rows:
        if (op, te) in wanted and in_region(code, prefixes):
            kind = "verification" if decision == "accepted" else "pending"
            out[code][kind].append(f"{op}-{te}")
    return out


def _judge(verdict: dict[str, Any] | None, oldest: date) -> list[str]:
    """The product reasons of one latest verdict (``None``: no verdict)."""
    if verdict is None or verdict["verdict"] in ("unsurveyed", "insufficient data"):
        return ["unsurveyed"]
    found = []
    if (
        verdict["readings"] < DOUBTFUL_READINGS
        or verdict["fixes"] < DOUBTFUL_FIXES
        or (verdict["verdict"] == "none" and verdict["no_service"] < BLANKSPOT_READINGS)
    ):
        found.append("doubtful")
    rmse = verdict["rmse_db"]
    if (rmse is not None and rmse > UNCERTAIN_RMSE_DB) or verdict[
        "surveyed_share"
    ] < UNCERTAIN_SHARE:
        found.append("uncertain")
    if _day(verdict) < oldest:
        found.append("old")
    return found


def _day(verdict: dict[str, Any]) -> date:
    """The newest reading day of a verdict (the release's period end when not kept)."""
    return verdict["last_day"] or verdict["period_to"]


def _detail(kind: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures that say a product reason in words."""
    if kind == "doubtful":
        return {
            "readings": min(r["readings"] for r in rows),
            "fixes": min(r["fixes"] for r in rows),
        }
    if kind == "uncertain":
        errors = [r["rmse_db"] for r in rows if r["rmse_db"] is not None]
        return {
            "share": min(r["surveyed_share"] for r in rows),
            "rmse_db": max(errors) if errors else None,
        }
    if kind == "old":
        return {"day": min(_day(r) for r in rows)}
    return {}


def _score(
    products: list[str],
    verdicts: dict[str, dict[str, Any]],
    responses: dict[str, list[str]],
    oldest: date,
) -> tuple[float, tuple[Reason, ...]]:
    """A village's score and its reasons, heaviest first."""
    affected: dict[str, list[str]] = defaultdict(list)
    for product in products:
        for kind in _judge(verdicts.get(product), oldest):
            affected[kind].append(product)
    reasons = []
    for kind in PRODUCT_REASONS:
        if kind == "unsurveyed" and not products:
            reasons.append(Reason(kind, WEIGHTS[kind]))  # nothing published at all
        elif affected[kind]:
            share = len(affected[kind]) / len(products)
            rows = [verdicts[p] for p in affected[kind] if p in verdicts]
            reasons.append(
                Reason(
                    kind,
                    round(WEIGHTS[kind] * share, 1),
                    tuple(affected[kind]),
                    _detail(kind, rows) if rows else {},
                )
            )
    for kind in ("verification", "pending"):
        if responses.get(kind):
            found = responses[kind]
            reasons.append(
                Reason(kind, WEIGHTS[kind], tuple(sorted(set(found))), {"responses": len(found)})
            )
    reasons.sort(key=lambda r: (-r.weight, REASONS.index(r.kind)))
    return round(sum(r.weight for r in reasons), 1), tuple(reasons)


def rank_villages(
    prefixes: Sequence[str],
    operators: Iterable[str] | None = None,
    tech: str | None = None,
    *,
    max_age_days: int | None = None,
    today: date | None = None,
) -> list[Priority]:
    """Every village of the region ``prefixes`` (from the configured boundaries; none when
    no boundaries are configured), highest priority first, then by code. ``operators`` and
    ``tech`` limit the products judged; ``max_age_days`` defaults to the app's
    ``SURVEY_MAX_AGE_DAYS`` (365). Needs an app context."""
    regions = current_regions()
    if regions is None:
        return []
    if max_age_days is None:
        max_age_days = int(current_app.config.get("SURVEY_MAX_AGE_DAYS", MAX_AGE_DAYS))
    oldest = (today or date.today()) - timedelta(days=max_age_days)
    prefixes = tuple(prefixes)
    pairs = _products(operators, tech)
    products = [f"{o}-{t}" for o, t in pairs]
    verdicts = _verdicts(pairs, prefixes) if pairs else {}
    responses = _responses(pairs, prefixes) if pairs else {}
    out = []
    for region in regions.regions:
        if not in_region(region.code, prefixes):
            continue
        found = verdicts.get(region.code, {})
        score, reasons = _score(products, found, responses.get(region.code, {}), oldest)
        days = [_day(v) for v in found.values()]
        out.append(
            Priority(
                code=region.code,
                name=region.name,
                kecamatan=region.kec_name,
                kabkota=region.kab_name,
                score=score,
                reasons=reasons,
                verdicts={p: (found[p]["verdict"] if p in found else None) for p in products},
                last_day=max(days) if days else None,
            )
        )
    out.sort(key=lambda p: (-p.score, p.code))
    return out
