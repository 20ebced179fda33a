"""The demo's offices: Kabupaten Agam and Kota Bukittinggi beside the province, each with an
admin and an officer who surveys their own region (``server.demo``)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from server.regions import RegionIndex

__all__ = [
    "OFFICE_PEOPLE",
    "admin_of",
    "demo_office_codes",
    "officer_campaigns",
    "officer_of_readings",
]

# office (a kabupaten/kota by name) -> (its admin, its officer)
OFFICE_PEOPLE: dict[str, tuple[str, str]] = {
    "Agam": ("agam", "petugas-agam"),
    "Bukittinggi": ("bukittinggi", "petugas-bukittinggi"),
}
PROVINCE_PEOPLE = ("admin", "petugas")


def demo_office_codes(regions: RegionIndex) -> dict[str, str]:
    """The Kemendagri code of each demo office's kabupaten/kota in ``regions`` (13.06 and
    13.75 in the real boundaries, SIMULASI.06 and SIMULASI.75 in the simulated ones)."""
    codes: dict[str, str] = {}
    for code, name in regions.kabupaten():
        for office in OFFICE_PEOPLE:
            if name.split()[-1].lower() == office.lower():
                codes.setdefault(office, code)
    missing = set(OFFICE_PEOPLE) - set(codes)
    if missing:
        raise ValueError(f"the boundaries have no kabupaten/kota {', '.join(sorted(missing))}")
    return codes


def officer_of_readings(villages: Sequence[str | None], codes: dict[str, str]) -> pd.Series:
    """Who recorded each reading: the officer of the office whose region holds its village,
    else the provincial officer."""
    officers = []
    for village in villages:
        officer = PROVINCE_PEOPLE[1]
        for office, code in codes.items():
            if village and village.startswith(f"{code}."):
                officer = OFFICE_PEOPLE[office][1]
        officers.append(officer)
    return pd.Series(officers)


def admin_of(officer: str) -> str:
    """The admin of ``officer``'s office (who reviews their uploads)."""
    for admin, own in (*OFFICE_PEOPLE.values(), PROVINCE_PEOPLE):
        if own == officer:
            return admin
    return PROVINCE_PEOPLE[0]


def officer_campaigns(
    villages: Sequence[str | None], officers: Sequence[str]
) -> list[tuple[str, str, list[str]]]:
    """(officer, campaign name, villages they reached) of each officer, named after the
    office's region."""
    names = {own: f"Survei {office} 2026" for office, (_admin, own) in OFFICE_PEOPLE.items()}
    out = []
    for officer in sorted(set(officers)):
        reached = {v for v, o in zip(villages, officers, strict=True) if v and o == officer}
        name = names.get(officer, "Survei Sumatera Barat 2026")
        out.append((officer, name, sorted(reached)))
    return out
