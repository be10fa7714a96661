"""Synthetic record-shaped tables of the demo: ITS course cohorts, hiring plans shaped
like Excelsior, wages shaped like SES, hires shaped like COB (all **synthetic demo data**).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from skills.demo._params import (
    _EDU_BY_MAJOR,
    _FOUNDATIONS,
    _MAJOR,
    _OTHER_SITES,
    _WAGE_2014,
    DEMO_LABEL,
    PROVINCES,
)

#: Courses a foundation starts in 2013, before the growth below (the aerospace and
#: mechatronics foundation is the largest, as in Piedmont).
_COURSES_2013 = {"DEMO-AERO": 2.0}
_COURSES_2013_OTHER = 1.2
#: Yearly growth of courses started (ITS graduates roughly doubled in 2018-2023).
_COURSE_GROWTH = 0.16


def _its_courses(rng: np.random.Generator) -> pl.DataFrame:
    """ITS course cohorts, calibrated to INDIRE's national monitoring (see docs/demo.md).

    About 15 courses end in 2018 (about 300 graduates, as Piedmont's 305 that year) and
    about 25 a year by 2024; dropout about 24 % (INDIRE: graduates 72-78 % of enrolled);
    87 % of graduates employed at 12 months, 93 % of them in a coherent job.
    """
    rows: list[dict[str, object]] = []
    for start in range(2013, 2025):
        growth = 1 + _COURSE_GROWTH * (start - 2013)
        for fid, fname, home, areas in _FOUNDATIONS:
            base = _COURSES_2013.get(fid, _COURSES_2013_OTHER)
            n_courses = max(1, round(growth * base + float(rng.uniform(-0.5, 0.5))))
            for k in range(n_courses):
                area = areas[k % len(areas)]
                site = home if k % 3 != 2 else _OTHER_SITES[(k + start) % len(_OTHER_SITES)]
                years = 3 if (fid in {"DEMO-AERO", "DEMO-ICT"} and k % 4 == 3) else 2
                end = start + years
                enrolled = int(rng.integers(20, 31))
                dropout = float(np.clip(rng.normal(0.24, 0.07), 0.03, 0.5))
                graduates = round(enrolled * (1 - dropout)) if end <= 2025 else None
                employed = coherent = None
                if graduates is not None and end <= 2024:
                    employed = int(rng.binomial(graduates, 0.87))
                    coherent = int(rng.binomial(employed, 0.93))
                rows.append(
                    {
                        "foundation_id": fid,
                        "foundation_name": fname,
                        "course_id": f"{fid}-{area[:4].upper()}-{start}-{k + 1}",
                        "course_title": f"Demo course in {area.replace('_', ' ')} ({start}-{end})",
                        "its_area": area,
                        "geo_nuts3": site,
                        "start_year": start,
                        "end_year": end,
                        "enrolled_n": enrolled,
                        "graduates_n": graduates,
                        "employed_12m_n": employed,
                        "employed_coherent_12m_n": coherent,
                    }
                )
    return pl.DataFrame(
        rows,
        schema_overrides={
            "graduates_n": pl.Int64,
            "employed_12m_n": pl.Int64,
            "employed_coherent_12m_n": pl.Int64,
        },
    )


def _minor_groups() -> dict[str, list[str]]:
    """ISCO-08 minor (3-digit) groups of each sub-major (2-digit) group."""
    from skills import classifications as cls

    minor = cls.isco08_groups().filter(pl.col("level") == 3)["isco08"].sort().to_list()
    out: dict[str, list[str]] = {}
    for code in minor:
        out.setdefault(code[:2], []).append(code)
    return out


def _round_tens(value: float, rng: np.random.Generator) -> int:
    """Round to tens as Excelsior publishes, stochastically so totals stay unbiased."""
    return int(10 * np.floor(value / 10 + float(rng.uniform())))


def _hiring_plans(rng: np.random.Generator, occupations: pl.DataFrame) -> pl.DataFrame:
    """Planned entries by province, year, ISCO-08 minor (3-digit) group and education level.

    Calibrated to Excelsior (see docs/demo.md): about 4,300 planned entries a year asking
    for an ITS Academy diploma in Piedmont in 2022, hard to fill for about half of them.
    Each sub-major group's entries are split among its minor groups with fixed random
    weights, then rounded to tens (stochastically).
    """
    piedmont = occupations.filter(pl.col("geo") == "ITC1", pl.col("isco08").str.len_chars() == 4)
    minors = _minor_groups()
    split = {
        sub: dict(zip(codes, rng.dirichlet(np.full(len(codes), 2.0)).tolist(), strict=True))
        for sub, codes in sorted(minors.items())
    }
    rows: list[dict[str, object]] = []
    for year in range(2017, 2026):
        emp = dict(piedmont.filter(pl.col("year") == year).select("isco08", "value").iter_rows())
        cycle = {2020: 0.72, 2021: 0.95, 2022: 1.1, 2023: 1.12, 2024: 1.08, 2025: 1.05}.get(
            year, 1.0
        )
        for prov, share in PROVINCES.items():
            for code, emp_ths in sorted(emp.items()):
                isco = code[2:]
                if isco.startswith("0"):
                    continue
                turnover = (
                    0.16 + (0.10 if isco[0] in "59" else 0.0) + (0.04 if isco[0] == "3" else 0.0)
                )
                hires = emp_ths * 1000 * share * turnover * cycle * float(rng.uniform(0.8, 1.2))
                hard = min(
                    85.0,
                    28
                    + 3.2 * (year - 2017)
                    + (12 if isco[0] in "237" else 0)
                    + float(rng.normal(0, 4)),
                )
                for minor, weight in split[isco].items():
                    for level, s in _EDU_BY_MAJOR[isco[0]].items():
                        n = _round_tens(hires * weight * s, rng)
                        if n == 0:
                            continue
                        rows.append(
                            {
                                "geo_nuts3": prov,
                                "period": str(year),
                                "isco08": minor,
                                "education_level": level,
                                "planned_hires_n": n,
                                "hard_to_fill_pct": round(max(0.0, hard), 1),
                            }
                        )
    return pl.DataFrame(rows)


def _wages(rng: np.random.Generator) -> pl.DataFrame:
    """Mean hourly wages by ISCO-08 sub-major group in 2014 (the ranking) and 2022."""
    codes = list(_WAGE_2014)
    w2014 = list(_WAGE_2014.values())
    # nominal growth 2014-2022 of about 14%, faster where employment grows (demand)
    growth = [1.14 + 0.04 * _MAJOR[c[0]][1] / 0.02 + float(rng.normal(0, 0.02)) for c in codes]
    w2022 = [round(w * g, 2) for w, g in zip(w2014, growth, strict=True)]
    note = f"{DEMO_LABEL}, shaped like SES mean hourly earnings"
    return pl.DataFrame(
        {
            "isco08": codes * 2,
            "geo": ["IT"] * (2 * len(codes)),
            "year": [2014] * len(codes) + [2022] * len(codes),
            "mean_hourly_wage_eur": w2014 + w2022,
            "source_note": [note] * (2 * len(codes)),
        }
    )


def _hires(rng: np.random.Generator, labour: pl.DataFrame, plans: pl.DataFrame) -> pl.DataFrame:
    """Hires by province and year from a Cobb-Douglas matching function (alpha 0.5, beta 0.4).

    H_rt = A U_{r,t-1}^0.5 V_{r,t-1}^0.4 exp(e), with U the unemployed (persons) and V the
    planned hires of the province in the previous year; A is set so that hires are about
    1.3 times planned hires.
    """
    u = labour.filter(
        pl.col("geo").str.len_chars() == 5, pl.col("sex") == "T", pl.col("age") == "Y15-74"
    ).select("geo", "year", (pl.col("unemp") * 1000).alias("u"))
    v = plans.group_by(
        pl.col("geo_nuts3").alias("geo"), pl.col("period").cast(pl.Int64).alias("year")
    ).agg(pl.col("planned_hires_n").sum().cast(pl.Float64).alias("v"))
    lagged = u.join(v, on=["geo", "year"], how="inner").with_columns(
        (pl.col("year") + 1).alias("year")
    )
    core = lagged.with_columns((pl.col("u") ** 0.5 * pl.col("v") ** 0.4).alias("core")).sort(
        "geo", "year"
    )
    scale = 1.3 * float(core["v"].mean()) / float(core["core"].mean())  # type: ignore[arg-type]
    hires = [round(scale * c * float(np.exp(rng.normal(0, 0.03)))) for c in core["core"].to_list()]
    return pl.DataFrame(
        {
            "geo": core["geo"],
            "period": core["year"].cast(pl.String),
            "hires_n": hires,
            "source_note": f"{DEMO_LABEL}, shaped like COB activations",
        }
    )
