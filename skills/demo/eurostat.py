"""Synthetic Eurostat-shaped tables of the demo: labour market, occupations, education,
job vacancies, occupations by education (all **synthetic demo data**).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from skills.demo._params import (
    _BENCHMARKS,
    _COUNTRIES,
    _EDU_SHARES_2015,
    _EDU_TREND,
    _ITALY,
    _MAJOR,
    _WAGE_2014,
    PROVINCES,
    YEARS,
)


def _all_geos() -> dict[str, tuple[float, float, float]]:
    return {**_COUNTRIES, **_ITALY, **_BENCHMARKS}


def _labour_market(rng: np.random.Generator) -> pl.DataFrame:
    """Employment and unemployment by geo, year, sex and age (unrounded)."""
    rows: list[dict[str, object]] = []
    geos = _all_geos()
    piedmont = geos["ITC1"]
    for code, share in PROVINCES.items():
        noise = float(rng.normal(0, 0.6))
        geos[code] = (piedmont[0] * share, piedmont[1] + noise, piedmont[2])
    for geo, (emp0, rate0, slope) in geos.items():
        for year in YEARS:
            covid = 0.012 if year == 2020 else 0.0
            rate = max(
                2.0,
                rate0 + slope * (year - YEARS[0]) + 100 * covid * 0.3 + float(rng.normal(0, 0.25)),
            )
            emp = (
                emp0
                * (1 + 0.006) ** (year - YEARS[0])
                * (1 - covid)
                * (1 + float(rng.normal(0, 0.004)))
            )
            unemp = emp * rate / (100 - rate)
            youth_rate = min(60.0, rate * (2.6 + float(rng.normal(0, 0.1))))
            youth_emp = emp * 0.055
            youth_unemp = youth_emp * youth_rate / (100 - youth_rate)
            female_share_e, female_share_u = 0.43, 0.47
            for sex, fe, fu in (
                ("M", 1 - female_share_e, 1 - female_share_u),
                ("F", female_share_e, female_share_u),
            ):
                rows.append(
                    {
                        "geo": geo,
                        "year": year,
                        "sex": sex,
                        "age": "Y15-24",
                        "emp": youth_emp * fe,
                        "unemp": youth_unemp * fu,
                    }
                )
                rows.append(
                    {
                        "geo": geo,
                        "year": year,
                        "sex": sex,
                        "age": "Y25-74",
                        "emp": (emp - youth_emp) * fe,
                        "unemp": (unemp - youth_unemp) * fu,
                    }
                )
    base = pl.DataFrame(rows)
    totals_age = base.group_by("geo", "year", "sex").agg(
        pl.lit("Y15-74").alias("age"), pl.col("emp").sum(), pl.col("unemp").sum()
    )
    with_age = pl.concat([base, totals_age.select(base.columns)])
    totals_sex = with_age.group_by("geo", "year", "age").agg(
        pl.lit("T").alias("sex"), pl.col("emp").sum(), pl.col("unemp").sum()
    )
    return pl.concat([with_age, totals_sex.select(base.columns)]).sort("geo", "year", "sex", "age")


def _occupations(rng: np.random.Generator, labour: pl.DataFrame) -> pl.DataFrame:
    """Employment (thousands) by geo, year and ISCO-08 sub-major group."""
    from skills import classifications as cls

    sub = cls.isco08_groups().filter(pl.col("level") == 2)["isco08"].to_list()
    totals = labour.filter((pl.col("sex") == "T") & (pl.col("age") == "Y15-74"))
    weights = {code: float(rng.uniform(0.5, 1.5)) for code in sub}
    mean_wage = sum(_WAGE_2014.values()) / len(_WAGE_2014)
    rows: list[dict[str, object]] = []
    for geo, year, emp in totals.select("geo", "year", "emp").iter_rows():
        if len(geo) == 5:  # provinces: no occupation table
            continue
        shares: dict[str, float] = {}
        for major, (share0, growth) in _MAJOR.items():
            members = [c for c in sub if c[0] == major]
            wsum = sum(weights[c] for c in members)
            for code in members:
                # within a major group, better-paid sub-groups grow faster: a U overall
                tilt = 0.004 * (_WAGE_2014[code] - mean_wage) / mean_wage
                g = growth + tilt
                shares[code] = share0 * weights[code] / wsum * (1 + g) ** (year - YEARS[0])
        total_share = sum(shares.values())
        for code, s in shares.items():
            noise = 1 + float(rng.normal(0, 0.01))
            rows.append(
                {
                    "geo": geo,
                    "year": year,
                    "isco08": f"OC{code}",
                    "value": emp * s / total_share * noise,
                }
            )
    two = pl.DataFrame(rows)
    one = two.group_by("geo", "year", pl.col("isco08").str.slice(0, 3)).agg(pl.col("value").sum())
    total = two.group_by("geo", "year").agg(pl.lit("TOTAL").alias("isco08"), pl.col("value").sum())
    return pl.concat([two, one.select(two.columns), total.select(two.columns)])


def _education(rng: np.random.Generator, labour: pl.DataFrame) -> pl.DataFrame:
    """Active population (thousands) by geo, year, sex, ISCED 2011 group, ages 25-64."""
    act = labour.filter(pl.col("age") == "Y25-74", pl.col("geo").str.len_chars() != 5)
    rows: list[dict[str, object]] = []
    for geo, year, sex, emp, unemp in act.select("geo", "year", "sex", "emp", "unemp").iter_rows():
        active = (emp + unemp) * 0.93  # ages 25-64 of 25-74
        shift = {"ITC1": -0.01, "ITC4": 0.01, "DE21": 0.08, "NL41": 0.10, "FRK2": 0.12}.get(
            geo, 0.0
        )
        shares = {
            k: max(0.02, v + _EDU_TREND[k] * (year - YEARS[0])) for k, v in _EDU_SHARES_2015.items()
        }
        shares["ED5-8"] += shift
        shares["ED0-2"] -= shift
        if sex == "F":
            shares["ED5-8"] += 0.04
            shares["ED0-2"] -= 0.04
        total = sum(shares.values())
        for code, s in shares.items():
            rows.append(
                {
                    "geo": geo,
                    "year": year,
                    "sex": sex,
                    "isced11": code,
                    "value": active * s / total * (1 + float(rng.normal(0, 0.005))),
                }
            )
    frame = pl.DataFrame(rows)
    tot = frame.group_by("geo", "year", "sex").agg(
        pl.lit("TOTAL").alias("isced11"), pl.col("value").sum()
    )
    return pl.concat([frame, tot.select(frame.columns)])


def _vacancies(rng: np.random.Generator) -> pl.DataFrame:
    rows: list[dict[str, object]] = []
    for geo, (rate0, slope) in {
        "IT": (0.8, 0.14),
        "DE": (2.3, 0.18),
        "EU27_2020": (1.6, 0.10),
    }.items():
        posts = {"IT": 12_500_000, "DE": 33_000_000, "EU27_2020": 150_000_000}[geo]
        for year in YEARS:
            dip = -0.4 if year == 2020 else 0.0
            rate = max(0.3, rate0 + slope * (year - YEARS[0]) + dip + float(rng.normal(0, 0.05)))
            occupied = posts * (1 + 0.006) ** (year - YEARS[0])
            vac = occupied * rate / (100 - rate)
            for indic, value in (("JOBRATE", rate), ("JOBVAC", vac), ("JOBOCC", occupied)):
                rows.append(
                    {
                        "nace_r2": "B-S",
                        "sizeclas": "TOTAL",
                        "isco08": "TOTAL",
                        "indic_em": indic,
                        "geo": geo,
                        "year": year,
                        "value": round(value, 1) if indic == "JOBRATE" else float(round(value)),
                    }
                )
    return pl.DataFrame(rows)


#: Attainment shares (ED0-2, ED3_4, ED5, ED6, ED7, ED8) by ISCO-08 major group, 2015.
_ATTAINMENT: dict[str, tuple[float, ...]] = {
    "0": (0.15, 0.60, 0.02, 0.13, 0.09, 0.01),
    "1": (0.12, 0.40, 0.02, 0.16, 0.27, 0.03),
    "2": (0.02, 0.13, 0.01, 0.20, 0.58, 0.06),
    "3": (0.10, 0.60, 0.04, 0.15, 0.10, 0.01),
    "4": (0.14, 0.63, 0.02, 0.12, 0.09, 0.00),
    "5": (0.40, 0.52, 0.01, 0.04, 0.03, 0.00),
    "6": (0.60, 0.35, 0.01, 0.02, 0.02, 0.00),
    "7": (0.45, 0.51, 0.02, 0.01, 0.01, 0.00),
    "8": (0.50, 0.46, 0.02, 0.01, 0.01, 0.00),
    "9": (0.65, 0.32, 0.00, 0.02, 0.01, 0.00),
}
_ISCED_DETAIL = ("ED0-2", "ED3_4", "ED5", "ED6", "ED7", "ED8")


def _occupation_education(rng: np.random.Generator, occupations: pl.DataFrame) -> pl.DataFrame:
    """Employment (thousands) by geo, year, ISCO-08 major group and ISCED level."""
    majors = occupations.filter(
        pl.col("isco08").str.len_chars() == 3, pl.col("geo").is_in(["IT", "ITC1", "EU27_2020"])
    ).sort("geo", "year", "isco08")  # random draws below follow this order: keep it fixed
    rows: list[dict[str, object]] = []
    for geo, year, code, value in majors.select("geo", "year", "isco08", "value").iter_rows():
        shares = list(_ATTAINMENT[code[2:]])
        # attainment rises over time: a tenth of a point a year moves from ED0-2 to ED5-8
        drift = 0.004 * (year - YEARS[0])
        shares[0] = max(0.0, shares[0] - drift)
        shares[1] += drift * 0.4
        shares[3] += drift * 0.4
        shares[2] += drift * 0.2
        total = sum(shares)
        for isced, share in zip(_ISCED_DETAIL, shares, strict=True):
            noise = 1 + float(rng.normal(0, 0.01))
            rows.append(
                {
                    "geo": geo,
                    "year": year,
                    "isco08": code,
                    "isced11": isced,
                    "value": value * share / total * noise,
                }
            )
    detail = pl.DataFrame(rows)
    agg = (
        detail.filter(pl.col("isced11").is_in(["ED5", "ED6", "ED7", "ED8"]))
        .group_by("geo", "year", "isco08")
        .agg(pl.lit("ED5-8").alias("isced11"), pl.col("value").sum())
    )
    totals = detail.group_by("geo", "year", "isco08").agg(
        pl.lit("TOTAL").alias("isced11"), pl.col("value").sum()
    )
    return pl.concat([detail, agg.select(detail.columns), totals.select(detail.columns)])
