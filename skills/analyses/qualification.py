"""Qualification mismatch (``employment_by_occupation_education``).

``overqualification_rate_pct`` (Eurostat and ISCED-5-aware rules, ages 20-64 where
present), ``overqualified_ilo_pct`` and ``underqualified_ilo_pct`` (among classified
workers), ``unclassified_ilo_pct``, and the ``*_ilo_lower_bound_pct`` and
``*_ilo_upper_bound_pct`` shares of all employment (:mod:`skills.indicators.qualification`).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from skills.analyses._outputs import AnalysisOutputs
from skills.indicators._frame import as_indicator

__all__ = ["qualification"]


#: Eurostat publishes its over-qualification rate for ages 20-64; where a table lacks that
#: band, the first of these is used instead, and the row says so.
_OVERQUALIFICATION_AGES: tuple[str, ...] = ("Y20-64", "Y15-74", "Y_GE15", "Y15-64", "Y25-64")


def _headline_age(rows: pl.DataFrame, ages: tuple[str, ...]) -> pl.DataFrame:
    """The rows of one age band per geo, period and sex: the first of ``ages`` present
    (else the first band in sort order), with ``note`` saying so when it is not ``ages[0]``."""
    keys = ["geo", "period", "sex"]
    order = {a: i for i, a in enumerate(ages)}
    chosen = (
        rows.select(*keys, "age")
        .unique()
        .with_columns(pl.col("age").replace_strict(order, default=len(ages)).alias("_rank"))
        .sort([*keys, "_rank", "age"], nulls_last=True)
        .unique(keys, keep="first", maintain_order=True)
        .select(*keys, "age")
    )
    return rows.join(chosen, on=[*keys, "age"], how="semi", nulls_equal=True).with_columns(
        pl.when(pl.col("age").is_null())
        .then(pl.lit(f"age band not given; Eurostat's headline is {ages[0]}"))
        .when(pl.col("age") != ages[0])
        .then(pl.format(f"ages {{}}: no {ages[0]} (Eurostat's headline band) in the input", "age"))
        .alias("note")
    )


def qualification(panel: pl.DataFrame, labels: Mapping[str, str], out: AnalysisOutputs) -> None:
    """Over-qualification rates (Eurostat and ISCED-5-aware rules) and the ILO normative
    shares with their bounds."""
    from skills.indicators.qualification import (
        eurostat_overqualification_rate,
        ilo_normative_mismatch,
        its_aware_overqualification_rate,
    )

    rows = panel.filter(
        pl.col("measure") == "employment_ths",
        pl.col("role") == "employment_by_occupation_education",
        pl.col("isco08").is_not_null(),
        pl.col("isced11").is_not_null(),
    ).select("geo", "period", "sex", "age", "isco08", "isced11", "value")
    by = ("geo", "period", "sex", "age")
    source = labels["employment_by_occupation_education"]
    # the over-qualification rates: ages 20-64 like Eurostat's headline, where present
    headline = _headline_age(rows, _OVERQUALIFICATION_AGES)
    age_notes = headline.select(*by, "note").unique()
    oq_rows = headline.drop("note")
    eurostat = eurostat_overqualification_rate(oq_rows, by=by).with_columns(
        pl.lit("eurostat").alias("variant")
    )
    parts = [eurostat]
    rules = ["Eurostat"]
    try:
        its = its_aware_overqualification_rate(oq_rows, by=by).with_columns(
            pl.lit("its_aware").alias("variant")
        )
        parts.append(its)
        rules.append("ISCED-5-aware")
    except ValueError as exc:
        out.note("ISCED-5-aware over-qualification", "skipped", str(exc).splitlines()[0])
    rates = pl.concat([p.select(*by, "overqualification_rate_pct", "variant") for p in parts])
    out.indicators.append(
        as_indicator(
            rates.lazy()
            .join(age_notes.lazy(), on=list(by), how="left", nulls_equal=True)
            .select(*by, pl.col("overqualification_rate_pct").alias("value"), "variant", "note"),
            "overqualification_rate_pct",
            "%",
            source=source,
        )
    )
    # ILO normative rule: the headline is the rate among classified workers; the share
    # that cannot be classified is published, and the shares of all employment bound the
    # rate whatever the split of the aggregate ISCED codes
    ilo = ilo_normative_mismatch(rows, by=by)
    published = (
        ("over", "overqualified_ilo_pct", "share_classified_pct", _ILO_CLASSIFIED_NOTE),
        ("under", "underqualified_ilo_pct", "share_classified_pct", _ILO_CLASSIFIED_NOTE),
        ("unclassified", "unclassified_ilo_pct", "share_pct", None),
        ("over", "overqualified_ilo_lower_bound_pct", "share_pct", _ILO_LOWER_NOTE),
        ("under", "underqualified_ilo_lower_bound_pct", "share_pct", _ILO_LOWER_NOTE),
        ("over", "overqualified_ilo_upper_bound_pct", "share_upper_pct", _ILO_UPPER_NOTE),
        ("under", "underqualified_ilo_upper_bound_pct", "share_upper_pct", _ILO_UPPER_NOTE),
    )
    for status, ind, column, text in published:
        out.indicators.append(
            as_indicator(
                ilo.lazy()
                .filter(pl.col("qualification_status") == status)
                .select(
                    *by,
                    pl.col(column).alias("value"),
                    (pl.col("note") if text is None else pl.lit(text)).alias("note"),
                ),
                ind,
                "%",
                source=source,
            )
        )
    fallback = headline.filter(pl.col("note").is_not_null())["geo"].unique().sort().to_list()
    out.note(
        "qualification mismatch",
        "ran",
        f"rules: {', '.join(rules)} (ages {_OVERQUALIFICATION_AGES[0]} where present"
        + (f"; another band for {', '.join(fallback)}" if fallback else "")
        + "), ILO normative (among classified workers, with bounds)",
    )


_ILO_CLASSIFIED_NOTE = (
    "share of classified employment; unclassified_ilo_pct is the share left out, and the "
    "lower_bound / upper_bound ids bound the share of all employment"
)
_ILO_LOWER_NOTE = (
    "lower bound: share of all employment, counting no unclassified worker in this status"
)
_ILO_UPPER_NOTE = (
    "upper bound: share of all employment, counting in this status every unclassified "
    "worker whose ISCED aggregate allows it"
)
