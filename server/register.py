"""The village register: for every village (Kemendagri code) x operator x technology, the
verdict in each release with its evidence, and the operators' open responses.

The store holds one verdict row per release x operator x technology x village (about 2.5
million rows for 1,000 releases of a province), so nothing here reads them all:

- a village's history reads its own rows through ``ix_village_verdicts_village``;
- the register (the latest *published* verdict of every village x operator x technology)
  finds the distinct keys with a skip scan over that index (one index seek per key), then
  walks the published releases newest first through the ``(release_id, operator, tech,
  village_code)`` unique index until every key has its latest verdict; keys left over when
  the walk stops paying (villages missing from the newest releases) are looked up one by one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row, func, select, text
from sqlalchemy.orm import Session

from server.db import session_scope
from server.models import (
    EvidenceReading,
    OperatorResponse,
    Release,
    ReleaseProduct,
    VillageVerdict,
)
from server.web.listing import Page

__all__ = [
    "EVIDENCE_LIMIT",
    "Scope",
    "evidence_points",
    "open_responses",
    "register_rows",
    "village_history",
]

Scope = tuple[str, ...] | None
Key = tuple[str, str, str]  # village code, operator, technology
EVIDENCE_LIMIT = 5_000  # evidence readings drawn on a village's map

_KEY_CACHE: dict[str, tuple[int, list[Key]]] = {}  # database -> (newest verdict id, keys)

# One index seek per distinct (village_code, operator, tech): a loose index scan, which
# neither SQLite nor PostgreSQL does on its own for SELECT DISTINCT. The next key is the next
# technology of the same village and operator, else the next operator of the village, else
# the next village: each an equality prefix plus one range on the index (a row-value
# comparison would scan every row of the village on SQLite).
_NEXT = """(SELECT n.id FROM village_verdicts n WHERE {where}
           ORDER BY n.village_code, n.operator, n.tech LIMIT 1)"""
_KEYS_SQL = text(
    f"""
    WITH RECURSIVE k(id) AS (
      SELECT (SELECT id FROM village_verdicts
              ORDER BY village_code, operator, tech LIMIT 1)
      UNION ALL
      SELECT COALESCE(
        {
        _NEXT.format(
            where="n.village_code = v.village_code AND n.operator = v.operator AND n.tech > v.tech"
        )
    },
        {_NEXT.format(where="n.village_code = v.village_code AND n.operator > v.operator")},
        {_NEXT.format(where="n.village_code > v.village_code")})
      FROM k JOIN village_verdicts v ON v.id = k.id
    )
    SELECT v.village_code, v.operator, v.tech
    FROM k JOIN village_verdicts v ON v.id = k.id
    ORDER BY v.village_code, v.operator, v.tech
    """
)

_EVIDENCE = (
    VillageVerdict.id,
    VillageVerdict.release_id,
    VillageVerdict.village_code,
    VillageVerdict.operator,
    VillageVerdict.tech,
    VillageVerdict.village,
    VillageVerdict.kecamatan,
    VillageVerdict.kabkota,
    VillageVerdict.verdict,
    VillageVerdict.reason,
    VillageVerdict.readings,
    VillageVerdict.no_service,
    VillageVerdict.fixes,
    VillageVerdict.officers,
    VillageVerdict.first_day,
    VillageVerdict.last_day,
    VillageVerdict.surveyed_share,
    VillageVerdict.strong_share,
    VillageVerdict.weak_share,
    VillageVerdict.none_share,
    VillageVerdict.rmse_db,
)
_RELEASE = (
    Release.title.label("release_title"),
    Release.published_at,
    Release.period_from,
    Release.period_to,
    Release.state.label("release_state"),
    Release.withdrawn_at,
    Release.withdraw_reason,
    Release.respond_by,
)


def _in_scope(operator: str, scope: Scope) -> bool:
    return scope is None or operator in scope


def _row(row: Any) -> dict[str, Any]:
    item = dict(row._mapping)
    item["product"] = f"{item['operator']}-{item['tech']}"
    return item


def _keys(session: Session) -> list[Key]:
    """Every distinct (village code, operator, technology) with a verdict in any release.

    Verdict rows are only ever added (releases are frozen; withdrawing one keeps its rows),
    so the newest row id tells whether the keys read before are still all of them."""
    newest = session.scalar(select(func.max(VillageVerdict.id))) or 0
    store = str(session.get_bind().engine.url)
    cached = _KEY_CACHE.get(store)
    if cached is not None and cached[0] == newest:
        return cached[1]
    keys = [(c, o, t) for c, o, t in session.execute(_KEYS_SQL).all() if c is not None]
    _KEY_CACHE[store] = (newest, keys)
    return keys


def _published(
    session: Session, products: set[tuple[str, str]]
) -> dict[tuple[str, str], list[int]]:
    """The published releases of each product (operator, tech), newest first."""
    rows = session.execute(
        select(ReleaseProduct.operator, ReleaseProduct.tech, Release.id)
        .join(Release, Release.id == ReleaseProduct.release_id)
        .where(Release.state == "published")
        .order_by(Release.published_at.desc(), Release.id.desc())
    ).all()
    out: dict[tuple[str, str], list[int]] = defaultdict(list)
    for operator, tech, release_id in rows:
        if (operator, tech) in products:
            out[(operator, tech)].append(release_id)
    return out


# What the register filters on, read for every key; the full evidence only for one page
_BRIEF = (
    VillageVerdict.id,
    VillageVerdict.release_id,
    VillageVerdict.village_code,
    VillageVerdict.verdict,
    VillageVerdict.village,
    VillageVerdict.kecamatan,
    VillageVerdict.kabkota,
)


def _latest_rows(
    session: Session, product: tuple[str, str], releases: list[int], codes: set[str]
) -> list[Row[Any]]:
    """For each village code of one product, its verdict (``_BRIEF``) in the newest of
    ``releases`` that judged it.

    Walks the releases newest first in growing chunks (their rows lie together); once the
    villages still missing, times the releases left, cost less than the next chunk, reads
    those villages' rows by code instead."""
    operator, tech = product
    rank = {release_id: n for n, release_id in enumerate(releases)}
    left, start, chunk = set(codes), 0, 1
    found: dict[str, Any] = {}
    of_product = (VillageVerdict.operator == operator, VillageVerdict.tech == tech)
    while left and start < len(releases):
        if len(left) * (len(releases) - start) <= chunk * len(codes):
            rows = session.execute(
                select(*_BRIEF).where(*of_product, VillageVerdict.village_code.in_(sorted(left)))
            ).all()
            for row in rows:
                n = rank.get(row.release_id)
                if n is None or n < start:
                    continue
                best = found.get(row.village_code)
                if best is None or n < rank[best.release_id]:
                    found[row.village_code] = row
            break
        batch = releases[start : start + chunk]
        rows = session.execute(
            select(*_BRIEF).where(VillageVerdict.release_id.in_(batch), *of_product)
        ).all()
        for row in sorted(rows, key=lambda r: rank[r.release_id]):
            if row.village_code in left:
                found[row.village_code] = row
                left.discard(row.village_code)
        start += chunk
        chunk = min(chunk * 4, 64)
    return list(found.values())


def _latest(
    scope: Scope, operator: str | None, tech: str | None
) -> list[tuple[str, str, str, Row[Any]]]:
    """(code, operator, tech, brief row) of the latest published verdict of every village x
    operator x technology in ``scope``, sorted."""
    with session_scope() as session:
        by_product: dict[tuple[str, str], set[str]] = defaultdict(set)
        for code, op, te in _keys(session):
            if _in_scope(op, scope) and operator in (None, op) and tech in (None, te):
                by_product[(op, te)].add(code)
        published = _published(session, set(by_product))
        out = [
            (row.village_code, *product, row)
            for product, codes in by_product.items()
            for row in _latest_rows(session, product, published.get(product, []), codes)
        ]
    out.sort(key=lambda item: item[:3])
    return out


def _matches(row: Row[Any], needle: str) -> bool:
    return any(
        needle in (text_ or "").casefold()
        for text_ in (row.village_code, row.village, row.kecamatan, row.kabkota)
    )


def _page(rows: list[dict[str, Any]], total: int, page: int, size: int) -> Page:
    pages = max(1, -(-total // size))
    return Page(rows, min(max(1, page), pages), pages, total)


def _full_rows(ids: list[int]) -> list[dict[str, Any]]:
    """Verdicts with their evidence and release, in the order of ``ids``."""
    with session_scope() as session:
        rows = session.execute(
            select(*_EVIDENCE, *_RELEASE)
            .join(Release, Release.id == VillageVerdict.release_id)
            .where(VillageVerdict.id.in_(ids))
        ).all()
    by_id = {r.id: _row(r) for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def register_rows(
    scope: Scope,
    release_id: int | None = None,
    operator: str | None = None,
    tech: str | None = None,
    verdict: str | None = None,
    query: str | None = None,
    page: int = 1,
    size: int = 50,
) -> Page:
    """One page of the register: for every village x operator x technology in ``scope`` the
    latest published verdict with its evidence and release, or with ``release_id`` the
    verdicts of that release; filtered by operator, technology, verdict and a search in the
    code or names. Each row also counts the open responses about it."""
    if release_id is not None:
        listing = _release_page(scope, release_id, operator, tech, verdict, query, page, size)
    else:
        latest = [item[3] for item in _latest(scope, operator, tech)]
        if verdict:
            latest = [r for r in latest if r.verdict == verdict]
        if query:
            needle = query.casefold()
            latest = [r for r in latest if _matches(r, needle)]
        number = _page([], len(latest), page, size).number
        chosen = [r.id for r in latest[(number - 1) * size : number * size]]
        listing = _page(_full_rows(chosen), len(latest), number, size)
    counts = _open_counts({r["village_code"] for r in listing.rows}, scope)
    for row in listing.rows:
        row["open_responses"] = counts.get((row["village_code"], row["operator"], row["tech"]), 0)
    return listing


def _release_page(
    scope: Scope,
    release_id: int,
    operator: str | None,
    tech: str | None,
    verdict: str | None,
    query: str | None,
    page: int,
    size: int,
) -> Page:
    """The verdicts of one release (none when ``scope`` may not see them), in the database."""
    where: list[Any] = [VillageVerdict.release_id == release_id]
    if scope is not None:
        where.append(VillageVerdict.operator.in_(scope))
    if operator:
        where.append(VillageVerdict.operator == operator)
    if tech:
        where.append(VillageVerdict.tech == tech)
    if verdict:
        where.append(VillageVerdict.verdict == verdict)
    if query:
        pattern = f"%{query.casefold()}%"
        where.append(
            func.lower(VillageVerdict.village_code).like(pattern)
            | func.lower(VillageVerdict.village).like(pattern)
            | func.lower(VillageVerdict.kecamatan).like(pattern)
            | func.lower(VillageVerdict.kabkota).like(pattern)
        )
    base = (
        select(*_EVIDENCE, *_RELEASE)
        .join(Release, Release.id == VillageVerdict.release_id)
        .where(*where)
    )
    with session_scope() as session:
        total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
        number = _page([], total, page, size).number
        rows = session.execute(
            base.order_by(VillageVerdict.village_code, VillageVerdict.operator, VillageVerdict.tech)
            .limit(size)
            .offset((number - 1) * size)
        ).all()
    return _page([_row(r) for r in rows], total, number, size)


def _open_counts(codes: Iterable[str], scope: Scope) -> dict[Key, int]:
    """Open responses per (village, operator, tech) for ``codes``."""
    codes = sorted(codes)
    if not codes:
        return {}
    query = (
        select(
            OperatorResponse.village_code,
            OperatorResponse.operator,
            OperatorResponse.tech,
            func.count(),
        )
        .where(OperatorResponse.village_code.in_(codes), OperatorResponse.closed_at.is_(None))
        .group_by(OperatorResponse.village_code, OperatorResponse.operator, OperatorResponse.tech)
    )
    if scope is not None:
        query = query.where(OperatorResponse.operator.in_(scope))
    with session_scope() as session:
        return {(c, o, t): n for c, o, t, n in session.execute(query).all()}


def open_responses(code: str, scope: Scope) -> list[dict[str, Any]]:
    """Responses about village ``code`` in ``scope`` that are not closed, newest first."""
    query = (
        select(
            OperatorResponse.id,
            OperatorResponse.release_id,
            OperatorResponse.operator,
            OperatorResponse.tech,
            OperatorResponse.kind,
            OperatorResponse.decision,
            OperatorResponse.decision_reason,
            OperatorResponse.site_name,
            OperatorResponse.expected_on,
            OperatorResponse.on_air_since,
            OperatorResponse.created_at,
            OperatorResponse.verification_campaign_id,
        )
        .where(OperatorResponse.village_code == code, OperatorResponse.closed_at.is_(None))
        .order_by(OperatorResponse.created_at.desc(), OperatorResponse.id.desc())
    )
    if scope is not None:
        query = query.where(OperatorResponse.operator.in_(scope))
    with session_scope() as session:
        return [dict(r._mapping) for r in session.execute(query).all()]


def village_history(
    code: str,
    scope: Scope,
    limit: int | None = None,
    offset: int = 0,
    product: str | None = None,
) -> list[dict[str, Any]]:
    """Per operator x technology in ``scope`` (sorted), the verdict on village ``code`` in
    every published or withdrawn release, newest first (at most ``limit`` of them after the
    first ``offset``; ``total`` counts all; ``product`` keeps only that MCC-MNC-TECH), with
    its evidence, the newest published release (``latest_release_id``,
    what a response answers) and the open responses.

    Each entry: release id, title, period, publish time, state (withdrawn ones with when
    and why), verdict, reason, readings, no-service readings, distinct fixes, first and
    last day, officers, CV error (``rmse_db``), surveyed and class shares."""
    ordered = select(
        *_EVIDENCE,
        *_RELEASE,
        func.row_number()
        .over(
            partition_by=(VillageVerdict.operator, VillageVerdict.tech),
            order_by=(Release.published_at.desc(), Release.id.desc()),
        )
        .label("n"),
    ).join(Release, Release.id == VillageVerdict.release_id)
    ordered = ordered.where(VillageVerdict.village_code == code)
    if scope is not None:
        ordered = ordered.where(VillageVerdict.operator.in_(scope))
    if product is not None:
        operator, _, tech = product.rpartition("-")
        ordered = ordered.where(VillageVerdict.operator == operator, VillageVerdict.tech == tech)
    inner = ordered.subquery()
    query = select(inner).where(inner.c.n > offset)
    if limit is not None:
        query = query.where(inner.c.n <= offset + limit)
    with session_scope() as session:
        rows = session.execute(query.order_by(inner.c.operator, inner.c.tech, inner.c.n)).all()
        totals = {
            (o, t): n
            for o, t, n in session.execute(
                select(VillageVerdict.operator, VillageVerdict.tech, func.count())
                .where(
                    VillageVerdict.village_code == code,
                    *([VillageVerdict.operator.in_(scope)] if scope is not None else []),
                )
                .group_by(VillageVerdict.operator, VillageVerdict.tech)
            ).all()
        }
    responses = open_responses(code, scope)
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        item = _row(row)
        group = groups.setdefault(
            (item["operator"], item["tech"]),
            {
                "operator": item["operator"],
                "tech": item["tech"],
                "product": item["product"],
                "entries": [],
            },
        )
        group["entries"].append(item)
    out = []
    for key, group in sorted(groups.items()):
        group["total"] = totals.get(key, len(group["entries"]))
        group["latest_release_id"] = _newest_published(group["entries"])
        group["responses"] = [r for r in responses if (r["operator"], r["tech"]) == key]
        out.append(group)
    return out


def _newest_published(entries: list[dict[str, Any]]) -> int | None:
    return next((e["release_id"] for e in entries if e["release_state"] == "published"), None)


def evidence_points(code: str, scope: Scope) -> list[dict[str, Any]]:
    """The operators' evidence readings of the open and closed responses about village
    ``code`` in ``scope`` (at most ``EVIDENCE_LIMIT``), for the village's map."""
    query = (
        select(
            EvidenceReading.lat,
            EvidenceReading.lon,
            EvidenceReading.tech,
            EvidenceReading.source,
            EvidenceReading.observed_at,
            EvidenceReading.rsrp_dbm,
            EvidenceReading.rscp_dbm,
            EvidenceReading.rssi_dbm,
            EvidenceReading.response_id,
        )
        .join(OperatorResponse, OperatorResponse.id == EvidenceReading.response_id)
        .where(OperatorResponse.village_code == code)
        .order_by(EvidenceReading.id)
        .limit(EVIDENCE_LIMIT)
    )
    if scope is not None:
        query = query.where(OperatorResponse.operator.in_(scope))
    with session_scope() as session:
        return [dict(r._mapping) for r in session.execute(query).all()]
