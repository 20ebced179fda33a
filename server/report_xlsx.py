"""The village report as an XLSX workbook (openpyxl).

Sheets: *Ringkasan* (villages per kabupaten/kota x operator x category), one sheet per
kabupaten/kota with every village, and *Sumber* (the releases and limits behind it). Every
sheet has a bold header row, frozen panes, an auto-filter and column widths that fit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from server.reports import VillageReport

__all__ = ["SOURCES_SHEET", "SUMMARY_SHEET", "write_xlsx"]

SUMMARY_SHEET = "Ringkasan"
SOURCES_SHEET = "Sumber"
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_MIN_WIDTH, _MAX_WIDTH = 8, 42


def write_xlsx(report: VillageReport, path: Path, generated_at: datetime | None = None) -> Path:
    """Write the workbook to ``path``."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = SUMMARY_SHEET
    _fill(summary, report.summary_header(), report.summary(), freeze="B2")
    taken = {SUMMARY_SHEET.lower(), SOURCES_SHEET.lower()}
    header = report.header()
    for name, rows in report.by_kabkota():
        sheet = book.create_sheet(_title(name, taken))
        _fill(sheet, header, [report.values(row) for row in rows], freeze="C2")
    sources = book.create_sheet(SOURCES_SHEET)
    _fill(sources, *_sources_table(report, generated_at or datetime.now(UTC)), freeze="A2")
    book.save(path)
    return path


def _fill(sheet: Worksheet, header: list[str], rows: Sequence[Sequence[Any]], freeze: str) -> None:
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = freeze
    sheet.auto_filter.ref = sheet.dimensions
    for index, title in enumerate(header, start=1):
        longest = max([len(_shown(r[index - 1])) for r in rows] or [0])
        # a wrapped header may take two lines; values are never cut
        wanted = max(longest, (len(title) + 1) // 2, len(max(title.split(), key=len)))
        width = min(max(wanted + 2, _MIN_WIDTH), _MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(index)].width = width


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return "yyyy-mm-dd hh:mm"
    if isinstance(value, date):
        return "yyyy-mm-dd"
    return str(value)


def _title(name: str, taken: set[str]) -> str:
    """A valid, unique sheet title (at most 31 characters, none of ``[]:*?/\\``)."""
    base = _BAD_TITLE.sub(" ", name).strip().strip("'")[:31] or "Wilayah"
    title, number = base, 2
    while title.lower() in taken:
        suffix = f" ({number})"
        title, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(title.lower())
    return title


def _sources_table(report: VillageReport, generated_at: datetime) -> tuple[list[str], list[list]]:
    header = [
        "Operator",
        "Teknologi",
        "Rilis",
        "Judul rilis",
        "Diterbitkan (UTC)",
        "Periode dari",
        "Periode sampai",
        "Batas sinyal kuat dBm",
        "Batas sinyal sangat kuat dBm",
        "Wilayah",
        "Dibuat (UTC)",
    ]
    rows = [
        [
            s.operator,
            s.tech,
            s.release_id,
            s.release_title,
            s.published_at.astimezone(UTC).replace(tzinfo=None),
            s.period_from,
            s.period_to,
            report.thresholds.by_tech[s.tech].strong,
            report.thresholds.very_strong_limit(s.tech),
            report.area.label,
            generated_at.astimezone(UTC).replace(tzinfo=None),
        ]
        for s in report.sources
    ]
    return header, rows
