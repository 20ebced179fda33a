"""Gridders with one contract: ``fit(coordinates, values)``, ``predict``, ``grid``."""

from analysis.gridders.base import BaseGridder
from analysis.gridders.kriging import OrdinaryKriging
from analysis.gridders.rbf import RBF
from analysis.gridders.simple import IDW, Linear, Nearest
from analysis.gridders.variogram import Variogram, fit_variogram

__all__ = [
    "IDW",
    "RBF",
    "BaseGridder",
    "Linear",
    "Nearest",
    "OrdinaryKriging",
    "Variogram",
    "fit_variogram",
]
