"""The Points list without Kivy: readings newest first, a page at a time, under "today" /
"earlier" titles, each with its state in words (pending, sent, flagged with the reviewer's
comment and date, rejected with the reason). Rows are dicts for a Kivy RecycleView."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from analysis.classes import classify
from mobile.petasinyal_app.outbox import Outbox

__all__ = ["CLASS_WORDS", "WIB", "PointList", "dbm", "signal_value", "wib"]

WIB = timezone(timedelta(hours=7), "WIB")
CLASS_WORDS = {"strong": "Sinyal kuat", "weak": "Sinyal lemah", "none": "Sinyal sangat lemah"}
_STATES = {
    "pending": "Belum terkirim",
    "synced": "Terkirim",
    "rejected": "Ditolak",
    "flagged": "Ditandai",
}
_FLAGS = {
    "poor_accuracy": "akurasi GPS buruk",
    "mock_location": "lokasi palsu",
    "impossible_jump": "posisi melompat",
    "duplicate_fix": "titik ganda",
    "outside_region": "di luar wilayah",
    "outside_campaign": "di luar area kampanye",
    "clock_ahead": "jam ponsel terlalu cepat",
    "stale": "data terlalu lama",
    "edge_value": "nilai di batas rentang",
}
# Why the server rejected a reading, by the kind of problem (``analysis.schema.Problem.code``):
# the server's own reason is English, so the phone says it in the officer's language.
_REASONS = {
    "range": "{field} di luar rentang",
    "future": "{field} di masa depan: periksa jam ponsel",
    "required": "{field} kosong",
    "unknown": "kolom {field} tidak dikenal server",
    "position": "posisi GPS kosong",
    "tech": "{field} tidak cocok dengan teknologi",
    "type": "format {field} salah",
    "invalid": "{field} tidak valid",
}
_REASON_CODES = (  # the server's reason text -> its kind, for servers that send no code
    ("in the future", "future"),
    ("missing GPS fix", "position"),
    ("is required", "required"),
    ("unknown field", "unknown"),
    ("reading does not carry", "tech"),
    ("reading must carry", "tech"),
    ("is outside", "range"),
    ("out of range", "range"),
    ("longer than", "range"),
    ("not a", "type"),
    ("not one of", "type"),
    ("expected", "type"),
    ("must be", "type"),
)
_FIELD_WORDS = {
    "lat": "posisi",
    "lon": "posisi",
    "accuracy_m": "akurasi GPS",
    "observed_at": "waktu",
    "tech": "teknologi",
    "cell_id": "ID sel",
    "mode": "mode survei",
    "note": "catatan",
    "record": "titik",
}


def wib(iso: str | None, now: float | None = None) -> str:
    """A stored UTC time as the officer reads it: ``14:05 WIB``, with the date unless it is
    today (in WIB)."""
    if not iso:
        return ""
    when = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(WIB)
    today = datetime.fromtimestamp(now, WIB).date() if now is not None else None
    return when.strftime("%H:%M WIB" if when.date() == today else "%d-%m-%Y %H:%M WIB")


def signal_value(cell: dict[str, Any]) -> float | None:
    """The class metric's value: RSRP (LTE, NR), RSCP (WCDMA) or RSSI (GSM)."""
    for key in ("rsrp_dbm", "rscp_dbm", "rssi_dbm"):
        if cell.get(key) is not None:
            return float(cell[key])
    return None


def dbm(value: float | None) -> str:
    """``-97 dBm`` written with a true minus sign (U+2212, clearer than a hyphen)."""
    return "" if value is None else f"{value:.0f} dBm".replace("-", "\u2212")


class PointList:
    """The Points list, newest first, loaded a page at a time: rows for a RecycleView
    (``viewclass`` PointHeader for the "today" / "earlier" titles, PointRow for readings).

    New readings are prepended from :meth:`Outbox.since` (they are pending and unflagged);
    the rows already shown are read again only when a sync or review changed states.
    Formatted rows are kept per reading, so a refresh formats only what is new.
    """

    def __init__(self, outbox: Outbox, page: int = 100):
        self.outbox = outbox
        self.page = page
        self.loaded: list[dict[str, Any]] = []
        self.rows: list[dict[str, Any]] = []
        self.exhausted = False
        self._made: dict[int, dict[str, Any]] = {}
        self._reviews: dict[str, dict[str, Any]] = {}
        self._key: Any = None

    def reload(self, tr: Callable[..., str], now: float, key: Any = None) -> list[dict[str, Any]]:
        """The rows now. With the same ``key`` (states, language, day unchanged) only the
        readings stored since are read; else the rows shown so far are read again."""
        if key is not None and key == self._key and self.loaded:
            newest = max(p["_rowid"] for p in self.loaded[:5])
            fresh = self.outbox.since(newest, 1_000)
            if not fresh:
                return self.rows
            self.loaded[:0] = [_pending(rowid, reading) for rowid, reading in reversed(fresh)]
            return self._build(tr, now)
        self._key = key
        self._made.clear()
        self._reviews = {u["upload_id"]: u for u in self.outbox.uploads()}
        size = min(max(self.page, len(self.loaded)), 5 * self.page)  # a sync answered: the
        self.loaded = self.outbox.page(0, size)  # rows near the top again, not all 20,000
        self.exhausted = len(self.loaded) < size
        return self._build(tr, now)

    def more(self, tr: Callable[..., str], now: float) -> list[dict[str, Any]]:
        """The next page below the last one shown."""
        if not self.exhausted:
            extra = self.outbox.page(len(self.loaded), self.page)
            self.exhausted = len(extra) < self.page
            self.loaded += extra
        return self._build(tr, now)

    def _build(self, tr: Callable[..., str], now: float) -> list[dict[str, Any]]:
        today = datetime.fromtimestamp(now, WIB).date()
        rows: list[dict[str, Any]] = []
        section = None
        for point in self.loaded:
            row = self._made.get(point["_rowid"])
            if row is None:
                when = datetime.fromisoformat(point["observed_at"].replace("Z", "+00:00"))
                when = when.astimezone(WIB)
                review = self._reviews.get(point.get("_batch") or "")
                row = _point_row(point, when, today, review, tr)
                row["_today"] = when.date() == today
                self._made[point["_rowid"]] = row
            this = "today" if row["_today"] else "earlier"
            if this != section:
                section = this
                title = tr("Hari ini") if this == "today" else tr("Sebelumnya")
                rows.append({"viewclass": "PointHeader", "text": title, "height": 36})
            rows.append(row)
        self.rows = rows
        return rows


def _pending(rowid: int, reading: dict[str, Any]) -> dict[str, Any]:
    """A reading just stored: pending, in no upload, no flags."""
    return {**reading, "_rowid": rowid, "_state": "pending", "_batch": None, "_flags": ""}


def _point_row(
    point: dict[str, Any],
    when: datetime,
    today: Any,
    review: dict[str, Any] | None,
    tr: Callable[..., str],
) -> dict[str, Any]:
    """One reading in the list: time, network, value and class, its state and why."""
    cls = classify(point)
    state = point["_state"]
    details = []
    if point["tech"] == "NONE":
        signal = tr("Tidak ada layanan")
    else:
        signal = f"{point['tech']} {dbm(signal_value(point))}  {tr(CLASS_WORDS.get(cls or '', ''))}"
    if state == "rejected":
        problems = point.get("_problems") or []
        reasons = "; ".join(dict.fromkeys(_reason(p, tr) for p in problems))
        details.append(tr("Alasan: {reasons}", reasons=reasons or "-"))
    elif point.get("_flags") or (review and review["state"] in ("has_issues", "rejected")):
        state = "flagged"
        flags = [tr(_FLAGS.get(f, f)) for f in point.get("_flags", "").split(",") if f]
        if flags:
            details.append(", ".join(flags))
        if review and review.get("comment"):
            details.append(
                tr(
                    "Peninjau ({date}): {comment}",
                    date=wib(review.get("reviewed_at")) or "-",
                    comment=review["comment"],
                )
            )
    if point.get("note"):
        details.append(tr("Catatan: {note}", note=point["note"]))
    shown = when.strftime("%H:%M:%S" if when.date() == today else "%d-%m %H:%M")
    operator = point.get("operator") or (
        f"{point['mcc']}-{point.get('mnc') or ''}" if point.get("mcc") else ""
    )
    return {
        "viewclass": "PointRow",
        "when": shown,
        "title": f"{operator}  {signal}".strip(),
        "state": state,
        "state_text": tr(_STATES[state]),
        "detail": "\n".join(details),
        "cls": cls or "unknown",  # NONE readings are class "none": the red square
        "height": 60 + 20 * sum(d.count("\n") + 1 for d in details),
    }


def _reason(problem: Any, tr: Callable[..., str]) -> str:
    """One problem the server found, in the officer's language: "RSRP di luar rentang"."""
    if not isinstance(problem, dict):
        return str(problem)
    field = str(problem.get("field") or "")
    reason = str(problem.get("reason") or "")
    code = problem.get("code")
    if code not in _REASONS:
        code = next((c for text, c in _REASON_CODES if text in reason), "invalid")
    if field in _FIELD_WORDS:
        word = tr(_FIELD_WORDS[field])
    else:  # rsrp_dbm -> RSRP: the radio's own names, the same in every language
        word = field.split("_")[0].upper() if field.endswith(("_dbm", "_db")) else field
    return tr(_REASONS[code], field=word)
