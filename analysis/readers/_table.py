"""Split a delimited text file into a header and rows, keeping each row's line number."""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.schema import Problem

__all__ = ["Table", "decode", "parse_table"]


@dataclass(slots=True)
class Table:
    """Raw text cells of a file: one column per header name, plus line numbers."""

    header: list[str]
    cells: pd.DataFrame
    lines: np.ndarray
    bad_lines: list[tuple[int, Problem]]


def decode(content: bytes) -> str:
    """Text of a file: UTF-8 (with or without BOM), else Latin-1, which never fails."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("latin-1")


def sniff_delimiter(first_line: str) -> str:
    """Tab, semicolon or comma, whichever splits the header line into the most names."""
    return max(("\t", ";", ","), key=first_line.count)


def parse_table(text: str) -> Table:
    """Parse ``text``; rows with the wrong number of cells become bad lines, not exceptions."""
    first = text.split("\n", 1)[0]
    reader = csv.reader(text.splitlines(keepends=True), delimiter=sniff_delimiter(first))
    header = [name.strip() for name in next(reader, [])]
    width = len(header)
    rows: list[list[str]] = []
    lines: list[int] = []
    bad: list[tuple[int, Problem]] = []
    try:
        for row in reader:
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != width:
                reason = f"expected {width} cells, found {len(row)}"
                bad.append((reader.line_num, Problem("row", reason, "format")))
                continue
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        bad.append((reader.line_num, Problem("row", f"unreadable: {exc}", "format")))
    cells = pd.DataFrame(rows, columns=header, dtype=object)
    return Table(header, cells, np.asarray(lines, dtype=np.int64), bad)
