"""Beveridge curve (``unemployment_rate`` and ``job_vacancies``): ``job_vacancy_rate_pct``,
``vacancy_unemployment_ratio`` (JVS vacancies per unemployed person,
:func:`skills.indicators.mismatch.tightness`) and the ``beveridge`` table
(:func:`skills.indicators.mismatch.beveridge_curve`)."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from skills.analyses._outputs import AnalysisOutputs
from skills.indicators._frame import as_indicator
from skills.indicators.labour import TOTAL_AGES, total_breakdown, unemployed_persons

__all__ = ["beveridge"]

_JVS_NOTE = "job vacancies (JVS, a stock of open posts) per unemployed person"


def beveridge(panel: pl.DataFrame, out: AnalysisOutputs, *, regions: Sequence[str] = ()) -> None:
    """Beveridge-curve points: unemployment rate against job vacancy rate, per geo.

    JVS has no NUTS 2 rows for most countries (none for Italy): a NUTS 2 region of
    ``regions`` (the spec's region and benchmarks) without a vacancy rate of its own is
    paired with its country's rate; ``vacancy_rate_geo`` in the table and the run log
    say so.
    """
    from skills.indicators.mismatch import beveridge_curve, tightness

    rate = panel.filter(
        pl.col("measure") == "job_vacancy_rate_pct",
        pl.col("nace_r2").is_null() | pl.col("nace_r2").is_in(["B-S", "A-S"]),
    )
    if "isco08" in rate.columns:  # all occupations, never one occupation's rate
        rate = rate.filter(pl.col("isco08").is_null())
    if rate.height == 0:
        out.note("Beveridge curve", "skipped", "no job_vacancies source with JOBRATE")
        return
    rate = rate.sort("nace_r2", nulls_last=False).unique(["geo", "period"], keep="first")
    out.indicators.append(
        as_indicator(
            rate.lazy().select(
                "geo", "period", "value", "flag", "source", *(["note"] if "note" in rate else [])
            ),
            "job_vacancy_rate_pct",
            "%",
        )
    )
    u = total_breakdown(
        panel.filter(
            pl.col("measure") == "unemployment_rate_pct", pl.col("role") == "unemployment_rate"
        ),
        TOTAL_AGES,
    )
    own = set(rate["geo"].to_list())
    national = sorted(
        g for g in set(u["geo"].to_list()) if g in regions and len(g) == 4 and g not in own
    )
    u = u.with_columns(
        pl.when(pl.col("geo").is_in(national))
        .then(pl.col("geo").str.slice(0, 2))
        .otherwise(pl.col("geo"))
        .alias("vacancy_rate_geo")
    )
    points = u.select(
        "geo",
        "period",
        "vacancy_rate_geo",
        pl.col("value").alias("unemployment_rate"),
        pl.col("flag").alias("flag_u"),
    ).join(
        rate.select(
            pl.col("geo").alias("vacancy_rate_geo"),
            "period",
            pl.col("value").alias("job_vacancy_rate_pct"),
            pl.col("flag").alias("flag_v"),
        ),
        on=["vacancy_rate_geo", "period"],
        how="inner",
        validate="m:1",
    )
    if points.height == 0:
        out.note("Beveridge curve", "skipped", "no geo has both an unemployment and a vacancy rate")
        return
    table = beveridge_curve(points.drop("vacancy_rate_geo"), flags=["flag_u", "flag_v"])
    out.tables["beveridge"] = table.join(
        points.select("geo", "vacancy_rate_geo").unique(), on="geo", how="left", validate="m:1"
    )
    # national tightness from JVS counts where both exist
    vac = (
        panel.filter(pl.col("measure") == "job_vacancies_n")
        .sort("nace_r2", nulls_last=False)
        .unique(["geo", "period"], keep="first")
    )
    unemp = unemployed_persons(panel)
    counts = vac.select(
        "geo",
        "period",
        pl.col("value").alias("vacancies"),
        pl.col("source").alias("sv"),
    ).join(unemp, on=["geo", "period"], how="inner", validate="1:1")
    if counts.height:
        theta = tightness(counts.select("geo", "period", "unemployed", "vacancies"))
        out.indicators.append(
            as_indicator(
                theta.lazy()
                .join(counts.lazy().select("geo", "period", "sv", "source"), on=["geo", "period"])
                .select(
                    "geo",
                    "period",
                    pl.col("vacancy_unemployment_ratio").alias("value"),
                    pl.concat_str([pl.col("sv"), pl.col("source")], separator=" + ").alias(
                        "source"
                    ),
                    pl.lit(_JVS_NOTE).alias("note"),
                ),
                "vacancy_unemployment_ratio",
                "vacancies per unemployed person",
            )
        )
    borrowed = sorted(set(national) & set(points["geo"].to_list()))
    detail = f"{points['geo'].n_unique()} geos"
    if borrowed:
        detail += (
            "; national job vacancy rates for regions (JVS has no regional vacancy data): "
            + ", ".join(f"{g} with {g[:2]}" for g in borrowed)
        )
    out.note("Beveridge curve", "ran", detail)
