"""Synthetic employment by sector and occupation for the demo (``data/lfsa_eisn2.csv``).

**Synthetic demo data**: employment (thousands, ages 15-74, both sexes) by NACE Rev. 2
section (A-U), ISCO-08 major group (OC0-OC9) and country, 2015-2025, in the shape of
Eurostat's lfsa_eisn2 as SDMX-CSV, for the countries and the EU aggregate of the demo's
occupation table. No figure is a published statistic.

How it is built, per country and year:

1. a seed table: each section's share of employment (orders of magnitude of an Italian
   economy; manufacturing, agriculture, construction and public administration
   shrinking, ICT, professional, support, health and hospitality services growing; more
   manufacturing in Germany, less in the Netherlands, more households-as-employers in
   Italy and Spain) times the section's occupational profile, in which high-skill groups
   (1-3) gain and middle-skill groups (4, 7, 8) lose a little each year, with small
   multiplicative noise;
2. raked (iterative proportional fitting) so that each major group's total equals the
   demo's occupation table (``lfsa_egai2d.csv``, unrounded) and each section's total its
   designed share of employment: the two demo tables agree, as Eurostat's do;
3. rounded to 0.1 thousand; cells below 1 thousand are suppressed (empty value, flag
   ``u``) and cells below 4 thousand flagged ``u``, as Eurostat does for small cells;
   2021 carries ``b`` (the LFS redesign) and 2025 ``p``. Totals (``TOTAL``) are computed
   before rounding and suppression.

The generator draws from its own random stream (``numpy.random.default_rng(seed + 11)``),
so it never disturbs the random streams of the other demo files.
"""

from __future__ import annotations

import io

import numpy as np
import polars as pl

from skills.demo._formats import _flag_for, _rows_frame

__all__ = ["SECTIONS", "sector_occupation_csv", "sector_occupation_demo"]

#: NACE Rev. 2 sections: share of employment (%, 2015, Italian orders of magnitude) and
#: yearly growth of that share.
SECTIONS: dict[str, tuple[float, float]] = {
    "A": (3.9, -0.010),
    "B": (0.15, -0.020),
    "C": (18.5, -0.014),
    "D": (0.55, 0.000),
    "E": (1.0, 0.005),
    "F": (6.6, -0.012),
    "G": (13.8, -0.003),
    "H": (4.9, 0.008),
    "I": (6.2, 0.015),
    "J": (2.7, 0.025),
    "K": (2.6, -0.006),
    "L": (0.65, 0.010),
    "M": (5.6, 0.015),
    "N": (4.3, 0.018),
    "O": (5.5, -0.010),
    "P": (6.8, 0.002),
    "Q": (7.8, 0.012),
    "R": (1.3, 0.010),
    "S": (3.0, 0.000),
    "T": (3.3, -0.008),
    "U": (0.08, 0.000),
}
# Occupational profile of each section: weights of ISCO-08 major groups 0-9 (normalised
# per section). Armed forces (0) only in public administration and defence (O).
_PROFILE: dict[str, tuple[float, ...]] = {
    "A": (0, 0.03, 0.02, 0.04, 0.03, 0.01, 0.55, 0.05, 0.07, 0.20),
    "B": (0, 0.04, 0.08, 0.12, 0.08, 0.01, 0.002, 0.30, 0.30, 0.07),
    "C": (0, 0.04, 0.07, 0.13, 0.09, 0.02, 0.002, 0.30, 0.25, 0.09),
    "D": (0, 0.05, 0.20, 0.30, 0.15, 0.02, 0.002, 0.20, 0.05, 0.03),
    "E": (0, 0.03, 0.06, 0.12, 0.10, 0.03, 0.005, 0.20, 0.25, 0.21),
    "F": (0, 0.05, 0.04, 0.08, 0.05, 0.01, 0.002, 0.60, 0.09, 0.08),
    "G": (0, 0.06, 0.05, 0.15, 0.12, 0.40, 0.002, 0.08, 0.06, 0.08),
    "H": (0, 0.03, 0.03, 0.10, 0.25, 0.05, 0.001, 0.04, 0.40, 0.10),
    "I": (0, 0.06, 0.01, 0.03, 0.06, 0.65, 0.002, 0.02, 0.01, 0.16),
    "J": (0, 0.07, 0.45, 0.25, 0.12, 0.04, 0.001, 0.05, 0.01, 0.01),
    "K": (0, 0.06, 0.25, 0.40, 0.26, 0.01, 0.001, 0.005, 0.005, 0.02),
    "L": (0, 0.10, 0.15, 0.40, 0.20, 0.05, 0.002, 0.05, 0.01, 0.04),
    "M": (0, 0.05, 0.50, 0.25, 0.15, 0.02, 0.002, 0.01, 0.01, 0.01),
    "N": (0, 0.03, 0.05, 0.12, 0.20, 0.20, 0.01, 0.05, 0.05, 0.30),
    "O": (0.18, 0.05, 0.15, 0.25, 0.30, 0.08, 0.002, 0.02, 0.01, 0.02),
    "P": (0, 0.03, 0.70, 0.10, 0.07, 0.05, 0.001, 0.01, 0.002, 0.04),
    "Q": (0, 0.02, 0.30, 0.25, 0.06, 0.30, 0.001, 0.01, 0.01, 0.05),
    "R": (0, 0.04, 0.30, 0.25, 0.10, 0.20, 0.005, 0.04, 0.01, 0.06),
    "S": (0, 0.03, 0.08, 0.12, 0.10, 0.45, 0.002, 0.15, 0.02, 0.05),
    "T": (0, 0.001, 0.01, 0.01, 0.01, 0.35, 0.005, 0.01, 0.01, 0.60),
    "U": (0, 0.05, 0.40, 0.20, 0.30, 0.03, 0, 0.01, 0.001, 0.02),
}
# Yearly drift of each major group's weight within every section (routine-biased change:
# middle-skill jobs lose ground inside sectors, not only through sectors shrinking).
_WITHIN = (0.0, 0.012, 0.012, 0.012, -0.012, 0.004, 0.0, -0.012, -0.012, 0.004)
# Country tilts: multipliers of manufacturing (C) and households as employers (T).
_TILT: dict[str, tuple[float, float]] = {
    "IT": (1.0, 1.0),
    "DE": (1.15, 0.3),
    "FR": (0.65, 0.4),
    "ES": (0.65, 1.0),
    "AT": (0.95, 0.3),
    "NL": (0.5, 0.3),
    "EU27_2020": (0.85, 0.5),
}
_BASE_YEAR = 2015
_SUPPRESS_BELOW = 1.0  # thousand: published as empty with flag u
_UNRELIABLE_BELOW = 4.0  # thousand: published with flag u
_MAJORS = tuple(str(d) for d in range(10))


def _rake(seed: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Iterative proportional fitting of ``seed`` to row and column totals."""
    table = seed.copy()
    for _ in range(500):
        table *= (rows / table.sum(axis=1))[:, None]
        table *= (cols / table.sum(axis=0))[None, :]
        if np.max(np.abs(table.sum(axis=1) / rows - 1)) < 1e-12:
            break
    return table


def sector_occupation_demo(seed: int, occupations: pl.DataFrame) -> pl.DataFrame:
    """Synthetic employment by geo, year, NACE section and ISCO-08 major group (deterministic).

    ``occupations`` is the demo's occupation table before rounding (columns ``geo``,
    ``year``, ``isco08`` as ``OC1``/``OC11``/``TOTAL``, ``value``); its country and EU
    rows give the major-group totals. Returns ``geo``, ``year``, ``nace_r2`` (sections A-U
    and ``TOTAL``), ``isco08`` (``OC0``-``OC9`` and ``TOTAL``), ``value`` (thousands,
    rounded to 0.1; null when suppressed) and ``flag``. Every value is synthetic.
    """
    rng = np.random.default_rng(seed + 11)
    majors = occupations.filter(
        pl.col("geo").is_in(list(_TILT)), pl.col("isco08").str.len_chars() == 3
    ).sort("geo", "year", "isco08")
    sections = list(SECTIONS)
    profile = np.array([_PROFILE[s] for s in sections], dtype=float)
    rows: list[tuple[str, int, str, str, float | None, str | None]] = []
    for (geo, year), part in majors.group_by("geo", "year", maintain_order=True):
        assert isinstance(geo, str) and isinstance(year, int)
        by_major = dict(zip(part["isco08"].str.slice(2), part["value"], strict=True))
        cols = np.array([by_major[m] for m in _MAJORS], dtype=float)
        t = year - _BASE_YEAR
        tilt_c, tilt_t = _TILT[geo]
        share = np.array(
            [
                base * (1 + growth) ** t * (tilt_c if s == "C" else tilt_t if s == "T" else 1.0)
                for s, (base, growth) in SECTIONS.items()
            ]
        )
        share /= share.sum()
        weights = profile * (1 + np.array(_WITHIN))[None, :] ** t
        weights /= weights.sum(axis=1, keepdims=True)
        noise = np.exp(rng.normal(0.0, 0.04, size=weights.shape))
        total = cols.sum()
        table = _rake(total * share[:, None] * weights * noise, total * share, cols)
        flag_year = _flag_for(year)
        cells = [
            (s, f"OC{m}", float(table[i, k]))
            for i, s in enumerate(sections)
            for k, m in enumerate(_MAJORS)
        ]
        cells += [(s, "TOTAL", float(table[i].sum())) for i, s in enumerate(sections)]
        cells += [("TOTAL", f"OC{m}", float(table[:, k].sum())) for k, m in enumerate(_MAJORS)]
        cells.append(("TOTAL", "TOTAL", float(table.sum())))
        for nace, isco, value in cells:
            rounded = round(value, 1)
            flag = flag_year
            shown: float | None = rounded
            if value < _SUPPRESS_BELOW:
                shown, flag = None, flag_year + "u"
            elif value < _UNRELIABLE_BELOW:
                flag = flag_year + "u"
            rows.append((geo, year, nace, isco, shown, flag or None))
    return _rows_frame(
        rows,
        {
            "geo": pl.String,
            "year": pl.Int64,
            "nace_r2": pl.String,
            "isco08": pl.String,
            "value": pl.Float64,
            "flag": pl.String,
        },
        ["geo", "year", "nace_r2", "isco08"],
    )


def sector_occupation_csv(frame: pl.DataFrame, last_update: str) -> str:
    """Render :func:`sector_occupation_demo` as Eurostat SDMX-CSV (lfsa_eisn2 dimensions)."""
    out = io.StringIO()
    out.write(
        "DATAFLOW,LAST UPDATE,freq,nace_r2,isco08,age,sex,unit,geo,TIME_PERIOD,"
        "OBS_VALUE,OBS_FLAG,CONF_STATUS\n"
    )
    for geo, year, nace, isco, value, flag in frame.sort(
        "nace_r2", "isco08", "geo", "year"
    ).iter_rows():
        text = "" if value is None else f"{value:.1f}"
        out.write(
            f"ESTAT:LFSA_EISN2(1.0),{last_update},A,{nace},{isco},Y15-74,T,THS_PER,{geo},"
            f"{year},{text},{flag or ''},\n"
        )
    return out.getvalue()
