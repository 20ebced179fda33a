"""The evidence gate of publishing: what each product of a job was built from (readings,
distinct fixes, surveyed share) against the configured minimums, and the period it covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from flask import current_app

from server.jobs import job_folder
from server.models import Job

__all__ = [
    "FIX_DECIMALS",
    "Shortfall",
    "default_period",
    "evidence_of",
    "evidence_shortfalls",
    "product_fixes",
    "products_of",
    "shortfalls",
    "shortfalls_of",
]

WIB = ZoneInfo("Asia/Jakarta")
FIX_DECIMALS = 4  # positions rounded to 1e-4 degree (about 11 m) count as one fix


@dataclass(frozen=True)
class Shortfall:
    """One product's evidence below a configured minimum."""

    product: str
    what: str  # "readings", "fixes" or "surveyed_share"
    value: float
    needed: float

    def sentence(self) -> str:
        """The shortfall in plain English (the pages translate it themselves)."""
        if self.what == "surveyed_share":
            return (
                f"{self.product}: {self.value * 100:.1f} % of the map area surveyed, "
                f"the minimum is {self.needed * 100:.1f} %."
            )
        word = "readings" if self.what == "readings" else "distinct fixes"
        return f"{self.product}: {self.value:.0f} {word}, the minimum is {self.needed:.0f}."


def products_of(job: Job) -> list[dict[str, Any]]:
    """The job's results that are products (an operator without readings has none)."""
    return [r for r in job.results or [] if "product" in r]


def product_fixes(job_id: int, product: str) -> int:
    """Distinct positions (about 10 m apart) among the readings a product was built from."""
    path = job_folder(job_id, product) / "measurements.csv"
    if not path.is_file():
        return 0
    frame = pd.read_csv(path, usecols=["lat", "lon"])
    return int(frame.round(FIX_DECIMALS).drop_duplicates().shape[0])


def evidence_of(job: Job) -> dict[str, dict[str, Any]]:
    """What each product was built from: readings, distinct fixes, surveyed share."""
    return {
        r["product"]: {
            "readings": int(r.get("readings") or 0),
            "fixes": product_fixes(job.id, r["product"]),
            "surveyed_share": float(r.get("surveyed_share") or 0.0),
        }
        for r in products_of(job)
    }


def shortfalls_of(evidence: dict[str, dict[str, Any]]) -> list[Shortfall]:
    config = current_app.config
    minimum = {
        "readings": float(config["RELEASE_MIN_READINGS"]),
        "fixes": float(config["RELEASE_MIN_FIXES"]),
        "surveyed_share": float(config["RELEASE_MIN_SURVEYED_SHARE"]),
    }
    return [
        Shortfall(product, what, float(found[what]), needed)
        for product, found in sorted(evidence.items())
        for what, needed in minimum.items()
        if float(found[what]) < needed
    ]


def shortfalls(job: Job) -> list[Shortfall]:
    """Each product's evidence below ``RELEASE_MIN_READINGS``, ``RELEASE_MIN_FIXES`` or
    ``RELEASE_MIN_SURVEYED_SHARE``."""
    return shortfalls_of(evidence_of(job))


def evidence_shortfalls(job: Job) -> list[str]:
    """Plain sentences, one per product and measure below its configured minimum."""
    return [s.sentence() for s in shortfalls(job)]


def default_period(job: Job) -> tuple[date | None, date | None]:
    """The first and last day (WIB) of the readings a job used."""
    inputs = job.inputs or {}

    def day(text: str | None) -> date | None:
        if not text:
            return None
        stamp = pd.Timestamp(text)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
        return stamp.tz_convert(WIB).date()

    return day(inputs.get("first_observed")), day(inputs.get("last_observed"))
