"""The officer's campaign villages, nearest first: read from the device view the last sync
kept in the outbox (so the list works for days without signal), measured from the last GPS
fix with the haversine distance. Standard library only; no Kivy."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from mobile.petasinyal_app.screens.points_list import wib

__all__ = [
    "STATE_ORDER",
    "STATE_WORDS",
    "VillageList",
    "VillageRow",
    "haversine_km",
    "stored_campaigns",
    "village_rows",
]

# Indonesian source strings (the catalogue has the English)
STATE_WORDS = {
    "not_surveyed": "Belum disurvei",
    "surveyed": "Sudah disurvei",
    "needs_resurvey": "Perlu survei ulang",
    "verification": "Verifikasi tanggapan operator",
}
# without a position: what needs a visit first
STATE_ORDER = ("verification", "needs_resurvey", "not_surveyed", "surveyed")
_EARTH_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(math.sqrt(min(1.0, a)))


@dataclass(frozen=True, slots=True)
class VillageRow:
    """One village of one campaign, with its distance (None without a position or a point)."""

    code: str
    name: str
    kecamatan: str
    campaign: str
    state: str
    readings: int
    km: float | None


def stored_campaigns(text: str | None) -> list[dict[str, Any]]:
    """The campaigns the last sync kept (the outbox's ``campaigns`` entry); [] if unreadable."""
    try:
        data = json.loads(text or "[]")
    except ValueError:
        return []
    return [c for c in data if isinstance(c, dict)] if isinstance(data, list) else []


def _ended(campaign: dict[str, Any], today: date) -> bool:
    last = campaign.get("last_day")
    try:
        return bool(last) and date.fromisoformat(str(last)) < today
    except ValueError:
        return False


def village_rows(
    campaigns: list[dict[str, Any]], here: tuple[float, float] | None, today: date
) -> list[VillageRow]:
    """The villages of the campaigns not yet over on ``today``: nearest first from ``here``
    (villages without a point last), or without a position those needing a visit first."""
    rows = []
    for campaign in campaigns:
        if _ended(campaign, today):
            continue
        for village in campaign.get("villages") or []:
            if not isinstance(village, dict) or not village.get("code"):
                continue
            lat, lon = village.get("lat"), village.get("lon")
            km = None
            if here is not None and isinstance(lat, int | float) and isinstance(lon, int | float):
                km = haversine_km(here[0], here[1], float(lat), float(lon))
            state = str(village.get("state") or "not_surveyed")
            rows.append(
                VillageRow(
                    code=str(village["code"]),
                    name=str(village.get("name") or village["code"]),
                    kecamatan=str(village.get("kecamatan") or ""),
                    campaign=str(campaign.get("name") or ""),
                    state=state if state in STATE_WORDS else "not_surveyed",
                    readings=int(village.get("readings") or 0),
                    km=km,
                )
            )
    if here is not None:
        return sorted(rows, key=lambda r: (r.km is None, r.km or 0.0, r.name))
    return sorted(rows, key=lambda r: (STATE_ORDER.index(r.state), r.name))


Translate = Callable[..., str]


class VillageList:
    """The Villages screen's view, made again only when the stored campaigns, the day, the
    language or the position (by more than about 50 m) change."""

    def __init__(self) -> None:
        self._made: tuple[Any, dict[str, Any]] | None = None

    def view(
        self,
        stored: str | None,
        stored_at: str | None,
        here: tuple[float, float, str] | None,
        today: date,
        tr: Translate,
        now: float,
        language: str = "id",
    ) -> dict[str, Any]:
        """Rows for a RecycleView (``VillageRow``: state, name, word, distance, place,
        detail), the title, a summary, where the distance is from, the empty-list text and
        the Survey screen's line (``bar``, empty without campaign villages)."""
        spot = None if here is None else (round(here[0] / 0.0005), round(here[1] / 0.0005))
        key = (stored, stored_at, spot, today, language)
        if self._made is not None and self._made[0] == key:
            return self._made[1]
        rows = village_rows(stored_campaigns(stored), here and (here[0], here[1]), today)
        comma = language == "id"  # Indonesian writes 2,4 km
        data = [_row(row, tr, comma) for row in rows]
        if here is None:
            origin = tr("Belum ada posisi GPS: jarak belum dapat dihitung")
        else:
            origin = tr("Jarak dari posisi {time}", time=wib(here[2], now) or "GPS")
        if stored_at:
            origin += "\n" + tr("Status desa dari server: {time}", time=wib(stored_at, now))
        todo = sum(1 for r in rows if r.state != "surveyed")
        view = {
            "title": tr("Desa kampanye"),
            "summary": tr("{todo} dari {total} desa perlu dikunjungi", todo=todo, total=len(rows)),
            "origin": origin,
            "rows": data,
            "empty": ""
            if rows
            else tr("Belum ada desa kampanye: kirim data saat ada sinyal untuk mengambilnya"),
            "bar": _bar(rows, data, tr),
        }
        self._made = (key, view)
        return view


def _km(km: float, comma: bool) -> str:
    text = f"{km:.1f}" if km < 100 else f"{km:.0f}"
    return (text.replace(".", ",") if comma else text) + " km"


def _row(row: VillageRow, tr: Translate, comma: bool) -> dict[str, Any]:
    return {
        "viewclass": "VillageRow",
        "state": row.state,
        "name": row.name,
        "word": tr(STATE_WORDS[row.state]),
        "distance": "" if row.km is None else _km(row.km, comma),
        "place": " · ".join(p for p in (row.kecamatan, row.campaign) if p),
        "detail": tr("{code} · {readings} bacaan", code=row.code, readings=row.readings),
    }


def _bar(rows: list[VillageRow], data: list[dict[str, Any]], tr: Translate) -> str:
    if not rows:
        return ""
    todo = [(r, d) for r, d in zip(rows, data, strict=True) if r.state != "surveyed"]
    if not todo:
        return tr("Desa kampanye: semua sudah disurvei")
    row, shown = todo[0]
    if row.km is None:
        return tr("Desa kampanye: {n} perlu dikunjungi", n=len(todo))
    return tr(
        "Desa kampanye: {n} perlu dikunjungi\nterdekat: {name}, {km}",
        n=len(todo),
        name=row.name,
        km=shown["distance"],
    )
