"""Synthetic competing graduates for the Piedmont demo (``data/competing_graduates.csv``).

**Synthetic demo data**: degrees awarded at ISCED 5-6 other than ITS, by province where
the degree is awarded, year, ISCED-F 2013 narrow field and level, shaped like the
Ministry of University's counts of *laureati* by field and calibrated to orders of
magnitude only (about 15,000 bachelor's degrees a year in Piedmont, most of them in
Torino's two universities). No figure is a published statistic.

The generator draws from its own random stream (``numpy.random.default_rng(seed + 7)``),
so it never disturbs the random streams of the other demo files.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from skills.demo._formats import _rows_frame
from skills.demo._params import DEMO_LABEL, YEARS

__all__ = ["competing_graduates_demo"]

_BASE_YEAR = 2015

# Bachelor's (ED6) degrees a year in Piedmont by narrow field, around 2015, and the
# province split of the universities awarding them: ITC11 Torino (University and
# Polytechnic of Turin), ITC15 Novara and ITC18 Alessandria (University of Eastern
# Piedmont, with ITC12 Vercelli), ITC16 Cuneo (Turin's and Pollenzo's small campuses).
_ED6: dict[str, tuple[int, dict[str, float]]] = {
    "021": (700, {"ITC11": 0.95, "ITC16": 0.05}),
    "022": (700, {"ITC11": 0.88, "ITC12": 0.12}),
    "023": (800, {"ITC11": 0.87, "ITC12": 0.08, "ITC15": 0.05}),
    "031": (1800, {"ITC11": 0.80, "ITC15": 0.10, "ITC18": 0.07, "ITC16": 0.03}),
    "032": (350, {"ITC11": 1.0}),
    "041": (2000, {"ITC11": 0.76, "ITC15": 0.14, "ITC16": 0.05, "ITC18": 0.05}),
    "051": (600, {"ITC11": 0.78, "ITC18": 0.12, "ITC15": 0.10}),
    "052": (150, {"ITC11": 0.80, "ITC18": 0.20}),
    "053": (350, {"ITC11": 0.78, "ITC18": 0.22}),
    "054": (250, {"ITC11": 0.85, "ITC18": 0.15}),
    "061": (650, {"ITC11": 0.86, "ITC18": 0.14}),
    "071": (2800, {"ITC11": 0.95, "ITC18": 0.05}),
    "072": (250, {"ITC11": 0.80, "ITC16": 0.20}),
    "073": (900, {"ITC11": 1.0}),
    "078": (100, {"ITC11": 1.0}),
    "081": (450, {"ITC11": 0.72, "ITC16": 0.28}),
    "082": (60, {"ITC11": 1.0}),
    "088": (90, {"ITC16": 1.0}),
    "091": (1700, {"ITC11": 0.75, "ITC15": 0.17, "ITC18": 0.08}),
    "101": (450, {"ITC11": 0.90, "ITC16": 0.10}),
    "104": (40, {"ITC11": 1.0}),
}
# Short-cycle tertiary other than ITS (ED5) is rare in Italy: a little in arts and services.
_ED5: dict[str, tuple[int, dict[str, float]]] = {
    "021": (30, {"ITC11": 1.0}),
    "101": (25, {"ITC11": 1.0}),
}
# Yearly growth of degrees by broad field (ICT and engineering grow faster).
_GROWTH = {"06": 0.035, "07": 0.02, "05": 0.015}
_DEFAULT_GROWTH = 0.01
_MIN_CELL = 10  # cells smaller than this are left out, as a publisher would suppress them


def competing_graduates_demo(seed: int) -> pl.DataFrame:
    """Synthetic ISCED 5-6 graduates other than ITS for Piedmont, 2015-2025 (deterministic).

    One row per province, year, ISCED-F 2013 narrow field and ISCED level (``geo``,
    ``year``, ``iscedf13``, ``isced11``, ``graduates_n``, ``source_note``), for provinces
    where universities award degrees and fields the ISCED-F -> ITS area map covers; the
    same ``seed`` gives the same frame. Every value is synthetic.
    """
    rng = np.random.default_rng(seed + 7)
    rows: list[tuple[str, int, str, str, int, str]] = []
    for level, table in (("ED6", _ED6), ("ED5", _ED5)):
        for field, (total, split) in table.items():
            growth = _GROWTH.get(field[:2], _DEFAULT_GROWTH)
            for geo, share in split.items():
                expected = total * share
                if expected < _MIN_CELL:
                    continue
                for year in YEARS:
                    trend = (1 + growth) ** (year - _BASE_YEAR)
                    noise = float(np.exp(rng.normal(0.0, 0.05)))
                    n = round(expected * trend * noise)
                    rows.append(
                        (geo, year, field, level, n, f"{DEMO_LABEL}, shaped like MUR laureati")
                    )
    return _rows_frame(
        rows,
        {
            "geo": pl.String,
            "year": pl.Int64,
            "iscedf13": pl.String,
            "isced11": pl.String,
            "graduates_n": pl.Int64,
            "source_note": pl.String,
        },
        ["geo", "year", "iscedf13", "isced11"],
    )
