"""Class maps: a coverage grid becomes strong / weak / none / unsurveyed, honestly.

A cell's class follows its predicted value and the thresholds of its technology. The
probability that the class is right is computed from the cell's uncertainty (normal error);
below ``min_confidence`` the cell is *doubtful* instead of silently getting a class.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from analysis.classes import DEFAULT_THRESHOLDS, Thresholds
from analysis.coverage import Coverage

__all__ = ["CLASS_CODES", "CLASS_COLOURS", "ClassMap", "classify_coverage"]

CLASS_CODES = {"unsurveyed": 0, "strong": 1, "weak": 2, "none": 3, "doubtful": 4}
"""Codes of the class raster (0 is nodata)."""

CLASS_COLOURS = {
    "unsurveyed": (255, 255, 255, 0),
    "strong": (26, 150, 65, 255),
    "weak": (253, 174, 97, 255),
    "none": (215, 25, 28, 255),
    "doubtful": (150, 150, 150, 255),
}
"""RGBA per class: green / orange / red (colour-blind safe enough with the legend's words)."""


@dataclass(slots=True)
class ClassMap:
    """Class codes (uint8) and the probability that each surveyed cell's class is right."""

    codes: np.ndarray
    confidence: np.ndarray
    tech: str

    def share(self) -> dict[str, float]:
        """Share of the surveyed cells in each class."""
        surveyed = self.codes > 0
        total = max(int(surveyed.sum()), 1)
        return {
            name: float((self.codes == code).sum()) / total
            for name, code in CLASS_CODES.items()
            if code
        }


def classify_coverage(
    coverage: Coverage,
    tech: str,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    min_confidence: float = 0.6,
) -> ClassMap:
    """Classes of every cell; doubtful where the class is right with less than
    ``min_confidence`` probability given the cell's uncertainty."""
    limit = thresholds.by_tech[tech]
    value = coverage.value.astype(np.float64)
    sigma = np.maximum(np.nan_to_num(coverage.uncertainty.astype(np.float64), nan=0.0), 1e-6)
    codes = np.zeros(value.shape, dtype=np.uint8)
    surveyed = np.isfinite(value)
    codes[surveyed & (value >= limit.strong)] = CLASS_CODES["strong"]
    codes[surveyed & (value < limit.strong) & (value >= limit.weak)] = CLASS_CODES["weak"]
    codes[surveyed & (value < limit.weak)] = CLASS_CODES["none"]
    upper = np.select([codes == 1, codes == 2], [np.inf, limit.strong], limit.weak)
    lower = np.select([codes == 1, codes == 2], [limit.strong, limit.weak], -np.inf)
    with np.errstate(invalid="ignore"):
        confidence = ndtr((upper - value) / sigma) - ndtr((lower - value) / sigma)
    confidence = np.where(surveyed, confidence, np.nan).astype(np.float32)
    codes[surveyed & (confidence < min_confidence)] = CLASS_CODES["doubtful"]
    return ClassMap(codes, confidence, tech)
