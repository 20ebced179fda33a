"""The blankspot village report the province sends upward, from published releases.

One row per village (Kemendagri code, desa, kecamatan, kabupaten/kota, a point inside its
outline) and, per operator and technology, one category of the village census: *tidak ada
sinyal*, *sinyal lemah*, *sinyal kuat*, *sinyal sangat kuat* or *belum disurvei*, with its
evidence (readings, median, first and last day) and the state of the operator's responses.

*Sangat kuat* is a strong verdict whose village median (the release's job readings of that
operator, not excluded, no-service readings at the technology's floor) reaches the
very-strong limit of :mod:`analysis.classes`. Each product comes from the newest published
release having it, or every product from one chosen release.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from statistics import median
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from analysis.boundaries import Region, parent_codes
from analysis.classes import DEFAULT_THRESHOLDS, FLOOR_DBM, Thresholds
from analysis.schema import CLASS_METRIC
from server.db import session_scope
from server.models import (
    MAX_ID,
    Measurement,
    OperatorResponse,
    Release,
    ReleaseProduct,
    VillageVerdict,
)
from server.regions import current_regions

__all__ = [
    "CATEGORIES",
    "Area",
    "Cell",
    "ReportError",
    "Source",
    "VillageReport",
    "VillageRow",
    "build_report",
    "category",
    "release_medians",
    "write_csv",
]

UNSURVEYED = "belum disurvei"
CATEGORIES = (
    "tidak ada sinyal",
    "sinyal lemah",
    "sinyal kuat",
    "sinyal sangat kuat",
    UNSURVEYED,
)
_BY_VERDICT = {"none": "tidak ada sinyal", "weak": "sinyal lemah", "strong": "sinyal kuat"}
_KINDS = {
    "acknowledged": "diakui",
    "planned": "direncanakan",
    "disputed": "disanggah",
    "resolved": "dinyatakan teratasi",
}
_DECISIONS = {"pending": "menunggu keputusan", "accepted": "diterima", "rejected": "ditolak"}
_OUTCOMES = {"confirmed": "terkonfirmasi", "still_blankspot": "masih blankspot"}
_CODE = re.compile(r"[0-9A-Za-z]+(\.[0-9A-Za-z]+)*")
_CHUNK = 500  # upload ids per query: far below every backend's limit of bound values


class ReportError(ValueError):
    """The report cannot be made from what was asked (no such release, a withdrawn one)."""


def category(
    verdict: str | None, median_dbm: float | None, tech: str, thresholds: Thresholds
) -> str:
    """The census category of a village verdict (``None``: no verdict in the release)."""
    found = _BY_VERDICT.get(verdict or "", UNSURVEYED)
    if found == "sinyal kuat" and thresholds.is_very_strong(tech, median_dbm):
        return "sinyal sangat kuat"
    return found


@dataclass(frozen=True)
class Area:
    """Where a report reaches: villages whose Kemendagri code starts with one of
    ``prefixes`` (``13`` the province, ``13.06`` Kabupaten Agam); empty means everywhere.
    An office's region becomes one such prefix."""

    prefixes: tuple[str, ...] = ()

    @classmethod
    def of_code(cls, code: str | None) -> Area:
        """The area of one region code; ``ValueError`` for text that is no code."""
        if code is None or code == "":
            return cls()
        if len(code) > 32 or not _CODE.fullmatch(code):
            raise ValueError(f"{code!r} is not a region code (e.g. 13 or 13.06)")
        return cls((code,))

    def contains(self, code: str) -> bool:
        return not self.prefixes or any(
            code == p or code.startswith(f"{p}.") for p in self.prefixes
        )

    def clause(self, column: Any) -> Any:
        """The SQL condition of this area on a village-code column (``None``: everywhere)."""
        if not self.prefixes:
            return None
        return or_(*[(column == p) | column.like(f"{p}.%") for p in self.prefixes])

    @property
    def label(self) -> str:
        return ", ".join(self.prefixes) or "semua wilayah"


@dataclass(frozen=True)
class Source:
    """One operator-and-technology product of the report and the release it comes from."""

    product: str
    operator: str
    tech: str
    release_id: int
    release_title: str
    published_at: datetime
    period_from: date
    period_to: date

    @property
    def label(self) -> str:
        return f"{self.operator} {self.tech} (rilis {self.release_id})"


@dataclass(frozen=True)
class Cell:
    """One village's category for one product, with its evidence."""

    category: str
    readings: int = 0
    median_dbm: float | None = None
    first_day: date | None = None
    last_day: date | None = None
    response: str = "tidak ada"


@dataclass(frozen=True)
class VillageRow:
    code: str
    village: str
    kecamatan: str
    kabkota: str
    kab_code: str
    lat: float | None
    lon: float | None
    cells: dict[str, Cell] = field(default_factory=dict)


_FIXED = ["Kode Kemendagri", "Desa/Kelurahan", "Kecamatan", "Kabupaten/Kota", "Lintang", "Bujur"]
_PER_SOURCE = [
    "kategori",
    "bacaan",
    "median dBm",
    "tanggal pertama",
    "tanggal terakhir",
    "tanggapan operator",
]


@dataclass(frozen=True)
class VillageReport:
    """The report: its sources (column groups) and one row per village, by code."""

    area: Area
    sources: list[Source]
    rows: list[VillageRow]
    thresholds: Thresholds = DEFAULT_THRESHOLDS

    def header(self) -> list[str]:
        columns = list(_FIXED)
        for source in self.sources:
            columns += [f"{source.label}: {name}" for name in _PER_SOURCE]
        return columns

    def values(self, row: VillageRow) -> list[Any]:
        """One row's cells in header order (dates as dates, missing values as ``None``)."""
        out: list[Any] = [row.code, row.village, row.kecamatan, row.kabkota, row.lat, row.lon]
        for source in self.sources:
            cell = row.cells.get(source.product) or Cell(UNSURVEYED)
            out += [
                cell.category,
                cell.readings,
                cell.median_dbm,
                cell.first_day,
                cell.last_day,
                cell.response,
            ]
        return out

    def by_kabkota(self) -> list[tuple[str, list[VillageRow]]]:
        """Rows grouped per kabupaten/kota, ordered by its code."""
        groups: dict[tuple[str, str], list[VillageRow]] = defaultdict(list)
        for row in self.rows:
            groups[(row.kab_code, row.kabkota or row.kab_code)].append(row)
        return [(name, rows) for (_, name), rows in sorted(groups.items())]

    def summary(self) -> list[list[Any]]:
        """Counts per kabupaten/kota x product x category, then the whole area's."""
        out: list[list[Any]] = []
        groups = [*self.by_kabkota(), ("Seluruh wilayah", self.rows)]
        for name, rows in groups:
            for source in self.sources:
                counts = dict.fromkeys(CATEGORIES, 0)
                for row in rows:
                    counts[(row.cells.get(source.product) or Cell(UNSURVEYED)).category] += 1
                out.append(
                    [name, source.operator, source.tech, source.release_id]
                    + [counts[c] for c in CATEGORIES]
                    + [len(rows)]
                )
        return out

    @staticmethod
    def summary_header() -> list[str]:
        return ["Kabupaten/Kota", "Operator", "Teknologi", "Rilis", *CATEGORIES, "Jumlah desa"]


def build_report(
    release_id: int | None = None,
    area: Area | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> VillageReport:
    """The village report of ``release_id`` (default: per product the newest published
    release having it) for ``area``; needs an app context."""
    area = area or Area()
    with session_scope() as session:
        pairs = _sources(session, release_id)
        sources = sorted(
            (_source(release, product) for release, product in pairs),
            key=lambda s: (s.operator, s.tech),
        )
        verdicts = _verdicts(session, sources, area)
        responses = _responses(session, sources, area)
        per_release: dict[int, tuple[Release, list[ReleaseProduct]]] = {}
        for release, product in pairs:
            per_release.setdefault(release.id, (release, []))[1].append(product)
        medians = {
            (release.id, product): found
            for release, products in per_release.values()
            for product, found in release_medians(session, release, products, area).items()
        }
    regions = current_regions()
    by_code = {r.code: r for r in regions.regions} if regions else {}
    codes = {v.village_code for v in verdicts} | {c for c in by_code if area.contains(c)}
    grouped: dict[str, list[VillageVerdict]] = defaultdict(list)
    for verdict in verdicts:
        grouped[verdict.village_code].append(verdict)
    rows = [
        _row(
            code, grouped.get(code, []), by_code.get(code), sources, medians, responses, thresholds
        )
        for code in sorted(codes)
    ]
    return VillageReport(area, sources, rows, thresholds)


def write_csv(report: VillageReport, path: Path) -> Path:
    """The report as one CSV file (UTF-8, the same header and rows as every XLSX sheet)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(report.header())
        for row in report.rows:
            writer.writerow(["" if v is None else v for v in report.values(row)])
    return path


def release_medians(
    session: Session, release: Release, products: Sequence[ReleaseProduct], area: Area
) -> dict[str, dict[str, float]]:
    """Per product, the median class-metric value of each village: the readings of the
    release's job uploads, not excluded; no-service readings count at the floor."""
    wanted = {(p.operator, p.tech): p.product for p in products}
    values: dict[str, dict[str, list[float]]] = {p.product: defaultdict(list) for p in products}
    for village, mcc, mnc, tech, rsrp, rscp, rssi in _readings(session, release, area):
        metrics = {"rsrp_dbm": rsrp, "rscp_dbm": rscp, "rssi_dbm": rssi}
        for (operator, product_tech), product in wanted.items():
            if operator != f"{mcc}-{mnc}":
                continue
            if tech == "NONE":
                values[product][village].append(FLOOR_DBM[product_tech])
            elif tech == product_tech and metrics.get(CLASS_METRIC[tech]) is not None:
                values[product][village].append(float(metrics[CLASS_METRIC[tech]]))
    return {
        product: {code: float(median(found)) for code, found in villages.items()}
        for product, villages in values.items()
    }


def _readings(session: Session, release: Release, area: Area) -> Iterator[tuple[Any, ...]]:
    uploads = [str(u) for u in (release.inputs or {}).get("uploads") or []]
    for start in range(0, len(uploads), _CHUNK):
        query = select(
            Measurement.village_code,
            Measurement.mcc,
            Measurement.mnc,
            Measurement.tech,
            Measurement.rsrp_dbm,
            Measurement.rscp_dbm,
            Measurement.rssi_dbm,
        ).where(
            Measurement.upload_id.in_(uploads[start : start + _CHUNK]),
            Measurement.excluded.is_(False),
            Measurement.village_code.is_not(None),
        )
        clause = area.clause(Measurement.village_code)
        if clause is not None:
            query = query.where(clause)
        yield from session.execute(query.execution_options(yield_per=5_000))


def _sources(session: Session, release_id: int | None) -> list[tuple[Release, ReleaseProduct]]:
    if release_id is not None:
        release = session.get(Release, release_id) if 0 < release_id <= MAX_ID else None
        if release is None:
            raise ReportError(f"no release {release_id}")
        if release.state != "published":
            raise ReportError(f"release {release_id} was withdrawn; choose a published one")
        return [(release, product) for product in release.products]
    rows = session.execute(
        select(Release, ReleaseProduct)
        .join(ReleaseProduct, ReleaseProduct.release_id == Release.id)
        .where(Release.state == "published")
        .order_by(Release.published_at.desc(), Release.id.desc())
    ).all()
    chosen: dict[str, tuple[Release, ReleaseProduct]] = {}
    for release, product in rows:
        chosen.setdefault(product.product, (release, product))
    if not chosen:
        raise ReportError("no published release yet")
    return list(chosen.values())


def _source(release: Release, product: ReleaseProduct) -> Source:
    return Source(
        product.product,
        product.operator,
        product.tech,
        release.id,
        release.title,
        release.published_at,
        release.period_from,
        release.period_to,
    )


def _verdicts(session: Session, sources: Iterable[Source], area: Area) -> list[VillageVerdict]:
    wanted = {(s.release_id, s.operator, s.tech) for s in sources}
    query = select(VillageVerdict).where(VillageVerdict.release_id.in_({w[0] for w in wanted}))
    clause = area.clause(VillageVerdict.village_code)
    if clause is not None:
        query = query.where(clause)
    found = session.scalars(query).all()
    return [v for v in found if (v.release_id, v.operator, v.tech) in wanted]


def _responses(session: Session, sources: Iterable[Source], area: Area) -> dict[tuple, str]:
    """The operators' responses per (release, village, operator, tech), as one text."""
    wanted = {(s.release_id, s.operator, s.tech) for s in sources}
    query = (
        select(OperatorResponse)
        .where(OperatorResponse.release_id.in_({w[0] for w in wanted}))
        .order_by(OperatorResponse.created_at, OperatorResponse.id)
    )
    clause = area.clause(OperatorResponse.village_code)
    if clause is not None:
        query = query.where(clause)
    texts: dict[tuple, list[str]] = defaultdict(list)
    for response in session.scalars(query):
        if (response.release_id, response.operator, response.tech) in wanted:
            key = (response.release_id, response.village_code, response.operator, response.tech)
            texts[key].append(_response_text(response))
    return {key: "; ".join(found) for key, found in texts.items()}


def _response_text(response: OperatorResponse) -> str:
    text = f"{_KINDS.get(response.kind, response.kind)}, "
    text += _DECISIONS.get(response.decision, response.decision)
    if response.outcome:
        text += f", {_OUTCOMES.get(response.outcome, response.outcome)}"
    return text


def _row(
    code: str,
    verdicts: list[VillageVerdict],
    region: Region | None,
    sources: list[Source],
    medians: dict[tuple[int, str], dict[str, float]],
    responses: dict[tuple, str],
    thresholds: Thresholds,
) -> VillageRow:
    by_key = {(v.release_id, v.operator, v.tech): v for v in verdicts}
    cells: dict[str, Cell] = {}
    for source in sources:
        verdict = by_key.get((source.release_id, source.operator, source.tech))
        if verdict is None:
            continue
        value = medians.get((source.release_id, source.product), {}).get(code)
        cells[source.product] = Cell(
            category(verdict.verdict, value, source.tech, thresholds),
            verdict.readings,
            None if value is None else round(value, 1),
            verdict.first_day,
            verdict.last_day,
            responses.get((source.release_id, code, source.operator, source.tech), "tidak ada"),
        )
    named = verdicts[0] if verdicts else None
    lat = lon = None
    if region is not None and region.geometry is not None:
        point = region.geometry.point_on_surface()
        lat, lon = round(point.y, 6), round(point.x, 6)
    return VillageRow(
        code,
        (named.village if named else "") or (region.name if region else ""),
        (named.kecamatan if named else "") or (region.kec_name if region else ""),
        (named.kabkota if named else "") or (region.kab_name if region else ""),
        (region.kab_code if region and region.kab_code else parent_codes(code)[1]),
        lat,
        lon,
        cells,
    )
