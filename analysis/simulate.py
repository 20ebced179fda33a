"""A seeded, realistic survey for demos and tests (no downloaded data).

Towers of several operators with three sectors each, log-distance path loss with spatially
correlated shadowing (terrain shared by all operators plus an operator-specific part), roads
between real towns of Agam and Bukittinggi (West Sumatra) driven by car, walks and stationary
points in villages, and genuine no-service readings where the signal falls below sensitivity.
Every position is measured once per operator, as by one phone per SIM in the survey car.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter, map_coordinates

from analysis.frame import canonical_frame

__all__ = ["OPERATORS", "TOWNS", "Operator", "SurveyConfig", "simulate_survey", "simulate_villages"]

_NAMESPACE = uuid.UUID("0c6bc4a2-5a4e-4d0e-9a51-4b7e2f2b1d11")
_M_PER_DEG = 111_320.0


@dataclass(frozen=True, slots=True)
class Operator:
    """An operator in the simulation: its PLMN, name and how many LTE sites it has."""

    mcc: str
    mnc: str
    name: str
    sites: int
    has_gsm: bool


OPERATORS = (
    Operator("510", "10", "Telkomsel", 34, True),
    Operator("510", "01", "Indosat Ooredoo Hutchison", 20, False),
    Operator("510", "11", "XL Axiata", 16, False),
)
"""Indonesian PLMN codes (ITU-T E.212 list for Indonesia)."""

TOWNS = {
    "Bukittinggi": (-0.3056, 100.3692),
    "Padang Panjang": (-0.4633, 100.4000),
    "Lubuk Basung": (-0.3275, 100.0640),
    "Maninjau": (-0.3100, 100.1980),
    "Matur": (-0.2860, 100.2870),
    "Palembayan": (-0.1930, 100.2450),
    "Baso": (-0.2870, 100.5070),
    "Palupuh": (-0.1450, 100.3680),
    "Tilatang Kamang": (-0.2470, 100.4000),
    "Sungai Puar": (-0.3400, 100.4230),
}
"""Approximate centres of towns in Agam and Bukittinggi (WGS84)."""

_ROADS = (
    ("Bukittinggi", "Padang Panjang"),
    ("Bukittinggi", "Matur"),
    ("Matur", "Maninjau"),
    ("Maninjau", "Lubuk Basung"),
    ("Bukittinggi", "Baso"),
    ("Bukittinggi", "Tilatang Kamang"),
    ("Tilatang Kamang", "Palupuh"),
    ("Matur", "Palembayan"),
    ("Bukittinggi", "Sungai Puar"),
)


@dataclass(frozen=True, slots=True)
class SurveyConfig:
    """Parameters of a simulated survey."""

    points: int = 20_000
    seed: int = 7
    start: str = "2026-10-05T01:00:00Z"
    days: int = 5
    devices: tuple[str, ...] = ("sim-officer-1", "sim-officer-2", "sim-officer-3")
    operators: tuple[Operator, ...] = field(default=OPERATORS)
    path_loss_exponent: float = 3.6
    shadow_sigma_db: float = 7.0
    shadow_corr_m: float = 600.0
    lte_sensitivity_dbm: float = -124.0
    gsm_sensitivity_dbm: float = -108.0


def simulate_survey(config: SurveyConfig | None = None) -> pd.DataFrame:
    """A canonical measurement frame of about ``config.points`` readings."""
    cfg = config or SurveyConfig()
    rng = np.random.default_rng(cfg.seed)
    lat0, lon0 = TOWNS["Bukittinggi"]
    positions = _positions(cfg, rng, max(1, cfg.points // len(cfg.operators)))
    east, north = _to_local(positions["lat"].to_numpy(), positions["lon"].to_numpy(), lat0, lon0)
    terrain = _Field(rng, cfg.shadow_corr_m * 3)
    frames = []
    for index, op in enumerate(cfg.operators):
        own = _Field(rng, cfg.shadow_corr_m)
        shadow = cfg.shadow_sigma_db * (
            0.6 * terrain.sample(east, north) + 0.8 * own.sample(east, north)
        )
        sites = _sites(rng, op.sites, lat0, lon0)
        radio = _serving(cfg, sites, east, north, shadow, index)
        frames.append(_readings(cfg, rng, op, positions, radio))
    frame = pd.concat(frames, ignore_index=True).sort_values("observed_at", kind="stable")
    return canonical_frame(frame.reset_index(drop=True))


class _Field:
    """Gaussian random field with unit variance and a given correlation length, on a grid."""

    _CELL_M = 100.0
    _HALF_M = 45_000.0

    def __init__(self, rng: np.random.Generator, corr_m: float):
        size = int(2 * self._HALF_M / self._CELL_M)
        noise = rng.standard_normal((size, size))
        smooth = gaussian_filter(noise, sigma=corr_m / self._CELL_M / 2, mode="wrap")
        self._grid = smooth / smooth.std()

    def sample(self, east: np.ndarray, north: np.ndarray) -> np.ndarray:
        rows = (north + self._HALF_M) / self._CELL_M
        cols = (east + self._HALF_M) / self._CELL_M
        return map_coordinates(self._grid, [rows, cols], order=1, mode="nearest")


def _to_local(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> tuple:
    east = (lon - lon0) * _M_PER_DEG * np.cos(np.radians(lat0))
    north = (lat - lat0) * _M_PER_DEG
    return east, north


def _sites(rng: np.random.Generator, count: int, lat0: float, lon0: float) -> np.ndarray:
    """Site positions (east, north, azimuth offset): most near towns, a few along the roads."""
    towns = np.array(list(TOWNS.values()))
    weights = np.array([4.0 if name == "Bukittinggi" else 1.0 for name in TOWNS])
    picks = rng.choice(len(towns), size=count, p=weights / weights.sum())
    spread = rng.normal(0.0, 0.018, size=(count, 2))  # about 2 km
    lat_lon = towns[picks] + spread
    east, north = _to_local(lat_lon[:, 0], lat_lon[:, 1], lat0, lon0)
    return np.column_stack([east, north, rng.uniform(0, 120, count)])


def _serving(
    cfg: SurveyConfig,
    sites: np.ndarray,
    east: np.ndarray,
    north: np.ndarray,
    shadow: np.ndarray,
    op_index: int,
) -> dict[str, np.ndarray]:
    """Best-server RSRP, its cell identity, and the GSM RSSI at every position."""
    dx = east[:, None] - sites[None, :, 0]
    dy = north[:, None] - sites[None, :, 1]
    dist_km = np.maximum(np.hypot(dx, dy), 30.0) / 1000.0
    bearing = np.degrees(np.arctan2(dx, dy)) % 360.0
    sector = ((bearing - sites[None, :, 2]) % 360.0 // 120.0).astype(int)
    boresight = sites[None, :, 2] + 60.0 + 120.0 * sector
    off = (bearing - boresight + 180.0) % 360.0 - 180.0
    gain = -np.minimum(12.0 * (off / 65.0) ** 2, 20.0)  # 3GPP TR 36.942 sector pattern
    path_loss = 121.0 + 10.0 * cfg.path_loss_exponent * np.log10(dist_km)
    rsrp = 32.0 + gain - path_loss
    best = rsrp.argmax(axis=1)
    rows = np.arange(len(east))
    best_rsrp = rsrp[rows, best] - shadow
    enb = 10_000 * (op_index + 1) + best
    return {
        "rsrp": best_rsrp,
        "cell_id": enb * 256 + sector[rows, best] + 1,
        "tac": 3000 + 100 * op_index + best // 8,
        "pci": (best * 3 + sector[rows, best]) % 504,
        "gsm_rssi": best_rsrp + 27.0 + 9.0,  # 900 MHz carries farther than 1800 MHz
        "lac": 1000 + best // 8,
        "gsm_cell": 20_000 + best * 3 + sector[rows, best],
    }


def _positions(cfg: SurveyConfig, rng: np.random.Generator, count: int) -> pd.DataFrame:
    """Where and when readings are taken: drives along roads, walks and stops in villages."""
    n_drive = int(count * 0.7)
    n_walk = int(count * 0.2)
    n_stop = count - n_drive - n_walk
    drive = _drive(rng, n_drive)
    walk = _walks(rng, n_walk)
    stop = _stops(rng, n_stop)
    pos = _schedule(cfg, pd.concat([drive, walk, stop], ignore_index=True))
    pos["accuracy_m"] = np.round(rng.gamma(2.0, 3.0, len(pos)) + 2.0, 1)
    jitter = rng.normal(0.0, 1.0, (len(pos), 2)) * pos["accuracy_m"].to_numpy()[:, None] / 3
    pos["lat"] = np.round(pos["lat"] + jitter[:, 0] / _M_PER_DEG, 6)
    pos["lon"] = np.round(pos["lon"] + jitter[:, 1] / _M_PER_DEG, 6)
    pos["altitude_m"] = np.round(900.0 + 150.0 * np.sin(pos["lat"] * 40.0), 1)
    return pos


def _schedule(cfg: SurveyConfig, pos: pd.DataFrame) -> pd.DataFrame:
    """Give each track (a road, a town's walk, a stop) to one phone and one day, one track
    after another, with time to travel between them at 40 km/h: each phone's trace is then
    one a real officer could have made (no jumps, no two places at once)."""
    start = pd.Timestamp(cfg.start)
    observed = np.empty(len(pos), dtype="datetime64[ns]")
    device = np.empty(len(pos), dtype=object)
    clocks: dict[tuple[int, int], tuple[float, float, float]] = {}
    for number, (_track, rows) in enumerate(pos.groupby("track", sort=True)):
        phone, day = number % len(cfg.devices), (number // len(cfg.devices)) % cfg.days
        t = rows["t"].to_numpy() - rows["t"].min()
        first_lat, first_lon = rows["lat"].iloc[0], rows["lon"].iloc[0]
        clock, lat, lon = clocks.get((phone, day), (0.0, first_lat, first_lon))
        north, east = (first_lat - lat) * _M_PER_DEG, (first_lon - lon) * _M_PER_DEG
        begin = clock + (np.hypot(north, east) / 11.0 + 60.0 if (phone, day) in clocks else 0.0)
        index = rows.index.to_numpy()
        offset = pd.Timedelta(days=day) + pd.to_timedelta(begin + t, "s")
        observed[index] = (start + offset).tz_convert(None).to_numpy()
        device[index] = cfg.devices[phone]
        clocks[(phone, day)] = (begin + t[-1], rows["lat"].iloc[-1], rows["lon"].iloc[-1])
    pos["observed_at"] = pd.DatetimeIndex(observed).tz_localize("UTC")
    pos["device_id"] = device
    return pos.drop(columns="track")


def _drive(rng: np.random.Generator, count: int) -> pd.DataFrame:
    """Points along winding roads between towns, driven at 30-60 km/h."""
    per_road = np.diff(np.linspace(0, count, len(_ROADS) + 1).astype(int))
    parts: list[pd.DataFrame] = []
    clock = 0.0
    for (a, b), n in zip(_ROADS, per_road, strict=True):
        lat_a, lon_a = TOWNS[a]
        lat_b, lon_b = TOWNS[b]
        s = np.sort(rng.uniform(0, 1, n))
        bend = np.cumsum(rng.normal(0, 1, n)) / max(np.sqrt(n), 1.0)
        bend -= s * bend[-1] if n else 0.0  # the road ends where it should
        normal = np.array([-(lon_b - lon_a), lat_b - lat_a])
        normal /= np.linalg.norm(normal) or 1.0
        wiggle = 0.006 * bend
        lat = lat_a + s * (lat_b - lat_a) + wiggle * normal[1]
        lon = lon_a + s * (lon_b - lon_a) + wiggle * normal[0]
        speed = rng.uniform(30, 60, n) / 3.6
        # time follows the distance driven, so the car never jumps between readings
        metres = np.hypot(np.diff(lat), np.diff(lon) * np.cos(np.radians(lat[1:]))) * _M_PER_DEG
        steps = np.cumsum(np.maximum(metres / speed[1:], 1.0))
        t = clock + np.concatenate([[0.0], steps])[:n]
        parts.append(
            pd.DataFrame(
                {
                    "lat": lat,
                    "lon": lon,
                    "speed_mps": speed,
                    "mode": "vehicle",
                    "t": t,
                    "track": f"road-{len(parts):02d}",
                }
            )
        )
        clock = (t[-1] if n else clock) + 600.0
    return pd.concat(parts, ignore_index=True)


def _walks(rng: np.random.Generator, count: int) -> pd.DataFrame:
    """Random walks of a few hundred metres around each town centre."""
    towns = np.array(list(TOWNS.values()))
    home = rng.integers(0, len(towns), count)
    steps = rng.normal(0, 0.00015, (count, 2))
    order = np.argsort(home, kind="stable")
    walk = np.zeros((count, 2))
    walk[order] = np.cumsum(steps[order], axis=0)
    for town in range(len(towns)):  # each walk starts at its town centre
        mask = home == town
        if mask.any():
            walk[mask] -= walk[mask].mean(axis=0)
    return pd.DataFrame(
        {
            "lat": towns[home, 0] + walk[:, 0],
            "lon": towns[home, 1] + walk[:, 1],
            "speed_mps": rng.uniform(0.8, 1.6, count),
            "mode": "walking",
            "t": 30_000.0 + 5.0 * np.arange(count),
            "track": [f"walk-{h:02d}" for h in home],
        }
    )


def _stops(rng: np.random.Generator, count: int) -> pd.DataFrame:
    """Stationary readings at village points scattered over the whole area, a few per point."""
    places = max(1, -(-count // 4))
    lat = rng.uniform(-0.50, -0.12, places)
    lon = rng.uniform(100.05, 100.55, places)
    which = np.repeat(np.arange(places), 4)[:count]
    return pd.DataFrame(
        {
            "lat": lat[which],
            "lon": lon[which],
            "speed_mps": 0.0,
            "mode": "stationary",
            "t": 20_000.0 + 10.0 * np.arange(count),
            "track": [f"stop-{w:05d}" for w in which],
        }
    )


def _readings(
    cfg: SurveyConfig,
    rng: np.random.Generator,
    op: Operator,
    pos: pd.DataFrame,
    radio: dict[str, np.ndarray],
) -> pd.DataFrame:
    """One reading per position for one operator: LTE, else GSM, else no service."""
    n = len(pos)
    rsrp = np.round(radio["rsrp"] + rng.normal(0, 1.5, n))
    gsm = np.round(radio["gsm_rssi"] + rng.normal(0, 2.0, n))
    is_lte = rsrp >= cfg.lte_sensitivity_dbm
    is_gsm = ~is_lte & op.has_gsm & (gsm >= cfg.gsm_sensitivity_dbm)
    tech = np.where(is_lte, "LTE", np.where(is_gsm, "GSM", "NONE"))
    sinr = np.clip(np.round((rsrp + 112.0) * 0.55 + rng.normal(0, 3, n), 1), -20, 30)
    rsrq = np.clip(np.round(-10.5 + (rsrp + 100.0) * 0.05 + rng.normal(0, 2, n)), -20, -3)
    out = pos[
        ["observed_at", "lat", "lon", "accuracy_m", "altitude_m", "speed_mps", "device_id", "mode"]
    ].copy()
    out["device_id"] = out["device_id"] + f"-{op.mnc}"
    out["session_id"] = out["device_id"] + "-" + out["observed_at"].dt.strftime("%Y%m%d")
    out["tech"] = tech
    out["mcc"], out["mnc"], out["operator"] = op.mcc, op.mnc, op.name
    out["cell_id"] = np.where(is_lte, radio["cell_id"], np.where(is_gsm, radio["gsm_cell"], -1))
    out["tac_lac"] = np.where(is_lte, radio["tac"], np.where(is_gsm, radio["lac"], -1))
    out["pci_psc"] = np.where(is_lte, radio["pci"], -1)
    out["arfcn"] = np.where(is_lte, 1850, np.where(is_gsm, 62, -1))
    for name in ("cell_id", "tac_lac", "pci_psc", "arfcn"):
        out[name] = out[name].where(out[name] >= 0).astype("Int64")
    out["rsrp_dbm"] = np.where(is_lte, np.clip(rsrp, -140, -44), np.nan)
    out["rsrq_db"] = np.where(is_lte, rsrq, np.nan)
    out["sinr_db"] = np.where(is_lte, sinr, np.nan)
    out["rscp_dbm"] = np.nan
    out["rssi_dbm"] = np.where(is_gsm, np.clip(gsm, -113, -51), np.nan)
    out["speed_mps"] = np.round(out["speed_mps"], 2)
    out["mock_location"] = False
    out["note"] = None
    keys = out["device_id"] + out["observed_at"].astype(str) + out.index.astype(str)
    out["id"] = [str(uuid.uuid5(_NAMESPACE, f"{cfg.seed}:{key}")) for key in keys]
    return out


def simulate_villages(count: int = 160, seed: int = 7, two_regions: bool = False) -> list:
    """Voronoi "villages" over the simulated survey area, for demos without real boundaries.

    Codes are ``SIMULASI.nnn`` and names ``Desa Simulasi nnn``, so that nobody mistakes them
    for Kemendagri codes. With ``two_regions`` the villages near Bukittinggi form "Kota
    Simulasi Bukittinggi" (``SIMULASI.75.nnn``) and the rest "Kabupaten Simulasi Agam"
    (``SIMULASI.06.nnn``), so that the demo can show two kabupaten/kota offices.
    """
    import shapely

    from analysis.boundaries import Region

    rng = np.random.default_rng(seed)
    box = shapely.box(100.02, -0.53, 100.58, -0.10)
    centres = shapely.points(rng.uniform(100.02, 100.58, count), rng.uniform(-0.53, -0.10, count))
    cells = shapely.voronoi_polygons(shapely.multipoints(centres), extend_to=box)
    kota = shapely.Point(100.37, -0.30).buffer(0.08)  # Bukittinggi and its edge
    regions = []
    for n, cell in enumerate(
        sorted(cells.geoms, key=lambda g: (g.centroid.x, g.centroid.y)), start=1
    ):
        kec = (n - 1) // 20 + 1
        kab, kab_name = "SIMULASI", "Kabupaten Simulasi"
        if two_regions and kota.contains(cell.centroid):
            kab, kab_name = "SIMULASI.75", "Kota Simulasi Bukittinggi"
        elif two_regions:
            kab, kab_name = "SIMULASI.06", "Kabupaten Simulasi Agam"
        regions.append(
            Region(
                f"{kab}.{n:03d}",
                f"Desa Simulasi {n:03d}",
                cell.intersection(box),
                f"{kab}.K{kec:02d}",
                f"Kecamatan Simulasi {kec:02d}",
                kab,
                kab_name,
            )
        )
    return regions
