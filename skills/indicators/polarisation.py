"""Job polarisation: skill-group shares, wage-ranked groups and changes by skill percentile.

Inputs are tidy employment by occupation: ``geo``, ``period``, ``isco08`` (Eurostat's
``OC1``/``OC11`` codes or plain digits; ``TOTAL``, ``NRP``, ``UNK`` are ignored),
``value`` (employment or hours) and optionally ``flag`` (Eurostat flags). Shares are
unweighted ratios of the published (already survey-weighted) totals.

Series breaks are never smoothed over: a ``b`` flag on period *t* means the series is
not comparable between *t-1* and *t*; every share carries its inputs' flags, and every
change across a break is flagged ``b`` with a note, so it is never reported as clean.

References
----------
OECD (2017), *OECD Employment Outlook 2017*, ch. 3 (high/middle/low skill groups).
Goos, M., Manning, A. and Salomons, A. (2014), "Explaining job polarization: routine-biased
technological change and offshoring", *American Economic Review* 104(8): 2509-2526.
Autor, D. H. and Dorn, D. (2013), "The growth of low-skill service jobs and the
polarization of the US labor market", *American Economic Review* 103(5): 1553-1597.

Why one module: it holds the skill-group and wage-ranked polarisation measures, which
share the share-change, clean-span and common-window steps. About 130 of its 610 lines
are the docstrings that give each measure's formula and references.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import polars as pl

from skills import classifications as cls
from skills.align import combine_flags
from skills.indicators._frame import as_indicator

__all__ = [
    "COMMON_WINDOW",
    "SKILL_GROUPS",
    "clean_spans",
    "common_window",
    "local_linear_smooth",
    "occupation_changes",
    "percentile_changes",
    "share_change",
    "skill_group_indicators",
    "skill_group_shares",
    "wage_group_shares",
]

#: The OECD (2017) grouping of ISCO-08 major groups; 0 and 6 are outside the denominator.
SKILL_GROUPS: dict[str, str] = {
    "1": "high",
    "2": "high",
    "3": "high",
    "4": "middle",
    "7": "middle",
    "8": "middle",
    "5": "low",
    "9": "low",
}
#: ``variant`` of the share changes published over the window common to the compared geos.
COMMON_WINDOW = "common_window"


def _occupation_rows(employment: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
    lf = employment.lazy()
    names = lf.collect_schema().names()
    for col in ("geo", "period", "isco08", "value"):
        if col not in names:
            raise ValueError(f"employment by occupation needs a {col!r} column (has {names})")
    flag = pl.col("flag") if "flag" in names else pl.lit(None, pl.String)
    return lf.select(
        "geo",
        "period",
        cls.normalise_isco08(pl.col("isco08")).alias("isco08"),
        pl.col("value").cast(pl.Float64),
        flag.alias("flag"),
    ).filter(pl.col("isco08").is_not_null())


def _major_group_rows(rows: pl.LazyFrame) -> pl.LazyFrame:
    """Employment by major group: published 1-digit rows where a geo-period has them all,
    else the sum of its 2-digit rows (unweighted sum of published totals)."""
    one = rows.filter(pl.col("isco08").str.len_chars() == 1)
    two = rows.filter(pl.col("isco08").str.len_chars() == 2)
    summed = (
        two.group_by("geo", "period", pl.col("isco08").str.slice(0, 1))
        .agg(
            pl.col("value").sum(),
            combine_flags(pl.col("flag").str.join("")).alias("flag"),
            pl.col("value").is_null().any().alias("_missing"),
        )
        .with_columns(
            pl.when(pl.col("_missing")).then(None).otherwise(pl.col("value")).alias("value")
        )
        .drop("_missing")
    )
    have_one = (
        one.group_by("geo", "period")
        .agg(
            pl.col("isco08")
            .filter(pl.col("isco08").is_in(list(SKILL_GROUPS)))
            .n_unique()
            .alias("_n")
        )
        .filter(pl.col("_n") == len(SKILL_GROUPS))
        .select("geo", "period")
    )
    use_one = one.join(have_one, on=["geo", "period"], how="semi")
    use_two = summed.join(have_one, on=["geo", "period"], how="anti")
    return pl.concat([use_one.select(summed.collect_schema().names()), use_two])


def skill_group_shares(employment: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
    r"""One row per geo, period and skill group: the group's share of employment.

    .. math::

        s_{g,t} = 100 \cdot \frac{E_{g,t}}{E_{high,t} + E_{middle,t} + E_{low,t}}

    with high = ISCO-08 major groups 1-3, middle = 4, 7, 8, low = 5, 9 (OECD 2017);
    groups 0 (armed forces) and 6 (skilled agriculture) and non-responses are outside
    the denominator, so the three shares sum to 100. Major groups come from the
    1-digit rows when a geo-period has all of them, else from summing 2-digit rows.
    A geo-period with any of the eight groups missing (suppressed) gives null shares.

    Returns columns ``geo``, ``period``, ``skill_group``, ``employment`` (the group's
    total, in the input's unit), ``share_pct`` and ``flag`` (union of the flags of every
    input row of the geo-period, so a break year is ``b`` for all three groups).
    """
    majors = _major_group_rows(_occupation_rows(employment)).filter(
        pl.col("isco08").is_in(list(SKILL_GROUPS))
    )
    groups = majors.with_columns(pl.col("isco08").replace_strict(SKILL_GROUPS).alias("skill_group"))
    per_period = groups.group_by("geo", "period").agg(
        pl.col("value").sum().alias("_den"),
        pl.col("value").is_null().any().alias("_missing"),
        pl.col("isco08").n_unique().alias("_n"),
        combine_flags(pl.col("flag").str.join("")).alias("_flag"),
    )
    out = (
        groups.group_by("geo", "period", "skill_group")
        .agg(pl.col("value").sum().alias("employment"))
        .join(per_period, on=["geo", "period"], how="left", validate="m:1")
        .with_columns(
            pl.when(pl.col("_missing") | (pl.col("_n") < len(SKILL_GROUPS)) | (pl.col("_den") <= 0))
            .then(None)
            .otherwise(100 * pl.col("employment") / pl.col("_den"))
            .alias("share_pct"),
            pl.col("_flag").alias("flag"),
        )
        .select("geo", "period", "skill_group", "employment", "share_pct", "flag")
        .sort("geo", "period", "skill_group")
    )
    return out


def share_change(
    shares: pl.LazyFrame | pl.DataFrame,
    *,
    base: str,
    end: str,
    group: str = "skill_group",
    value: str = "share_pct",
) -> pl.LazyFrame:
    r"""One row per geo and group: the change of a share between two periods, in points.

    .. math:: \Delta s_{g} = s_{g,end} - s_{g,base}

    ``crosses_break`` is true when any period after ``base`` up to ``end`` carries a
    ``b`` flag for that geo: the two ends are then not comparable, the row's ``flag``
    holds ``b`` and ``note`` names the break periods. Such a change is reported, never
    as clean.
    """
    lf = shares.lazy()
    between = (
        lf.filter((pl.col("period") > base) & (pl.col("period") <= end))
        .filter(pl.col("flag").fill_null("").str.contains("b"))
        .group_by("geo")
        .agg(pl.col("period").unique().sort().str.join(", ").alias("_breaks"))
    )
    start = lf.filter(pl.col("period") == base).select(
        "geo", group, pl.col(value).alias("_v0"), pl.col("flag").alias("_f0")
    )
    finish = lf.filter(pl.col("period") == end).select(
        "geo", group, pl.col(value).alias("_v1"), pl.col("flag").alias("_f1")
    )
    return (
        start.join(finish, on=["geo", group], how="inner", validate="1:1")
        .join(between, on="geo", how="left", validate="m:1")
        .with_columns(
            (pl.col("_v1") - pl.col("_v0")).alias("change_pp"),
            pl.col("_breaks").is_not_null().alias("crosses_break"),
        )
        .with_columns(
            # A 'b' on the base period is a break before the span; only breaks after
            # the base up to the end make the change incomparable.
            pl.when(pl.col("crosses_break"))
            .then(combine_flags(_without_b("_f0"), _without_b("_f1"), pl.lit("b")))
            .otherwise(combine_flags(_without_b("_f0"), _without_b("_f1")))
            .alias("flag"),
            pl.when(pl.col("crosses_break"))
            .then(pl.format("change across a series break (b in {})", pl.col("_breaks")))
            .alias("note"),
            pl.lit(f"{base}-{end}").alias("period"),
        )
        .select("geo", "period", group, "change_pp", "crosses_break", "flag", "note")
        .sort("geo", group)
    )


def _without_b(col: str) -> pl.Expr:
    return pl.col(col).str.replace_all("b", "")


def clean_spans(shares: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """One row per geo and comparable span: first and last period with no break inside.

    A span starts at the first period or at a period flagged ``b`` (the break is between
    it and the one before) and runs until the period before the next ``b``. The longest
    span per geo is marked ``is_longest`` (ties: the latest).
    """
    per = (
        shares.lazy()
        .group_by("geo", "period")
        .agg(pl.col("flag").fill_null("").str.contains("b").any().alias("is_break"))
        .sort("geo", "period")
        .with_columns(pl.col("is_break").cast(pl.Int32).cum_sum().over("geo").alias("_span"))
        .collect()
    )
    spans = (
        per.group_by("geo", "_span")
        .agg(
            pl.col("period").min().alias("start"),
            pl.col("period").max().alias("end"),
            pl.len().alias("periods_n"),
        )
        .sort("geo", "start")
    )
    longest = spans.sort("periods_n", "end", descending=True).group_by("geo").first()
    return (
        spans.join(longest.select("geo", pl.col("_span").alias("_best")), on="geo", how="left")
        .with_columns((pl.col("_span") == pl.col("_best")).alias("is_longest"))
        .select("geo", "start", "end", "periods_n", "is_longest")
        .sort("geo", "start")
    )


def common_window(
    shares: pl.LazyFrame | pl.DataFrame, geos: Sequence[str]
) -> tuple[str, str] | None:
    r"""The longest window that is clean for every geo in ``geos``: its first and last period.

    A window :math:`[t_0, t_1]` qualifies when every geo has a share for every skill
    group at both ends, and no geo has a series break after :math:`t_0` up to
    :math:`t_1`:

    .. math::

        t_0, t_1 \in \bigcap_g P_g, \qquad
        \Big(\bigcup_g B_g\Big) \cap (t_0, t_1] = \emptyset

    (:math:`P_g`: periods with all shares of geo :math:`g`; :math:`B_g`: its periods
    flagged ``b``). The longest such window is the one with the most common periods
    (ties: the latest). Geos of ``geos`` absent from ``shares`` are ignored; None when
    fewer than two are present or no window has two periods.
    """
    df = shares.lazy().collect()
    present = [g for g in dict.fromkeys(geos) if g in set(df["geo"].to_list())]
    if len(present) < 2:
        return None
    rows = df.filter(pl.col("geo").is_in(present))
    breaks = set(rows.filter(pl.col("flag").fill_null("").str.contains("b"))["period"].to_list())
    complete = (
        rows.group_by("geo", "period")
        .agg(pl.col("share_pct").is_not_null().all().alias("ok"), pl.len().alias("n"))
        .filter(pl.col("ok"), pl.col("n") == len(set(SKILL_GROUPS.values())))
    )
    per_geo = complete.group_by("geo").agg(pl.col("period"))
    if per_geo.height < len(present):
        return None
    common = set.intersection(*(set(p) for p in per_geo["period"].to_list()))
    segments: dict[int, list[str]] = {}
    for period in sorted(common):
        segments.setdefault(sum(b <= period for b in breaks), []).append(period)
    best = max(
        (seg for seg in segments.values() if len(seg) >= 2),
        key=lambda seg: (len(seg), seg[-1]),
        default=None,
    )
    return None if best is None else (best[0], best[-1])


def skill_group_indicators(
    employment: pl.LazyFrame | pl.DataFrame,
    *,
    source: str | None = None,
    compare: Sequence[str] = (),
) -> pl.LazyFrame:
    """Indicator rows ``employment_share_pct`` (per period) and ``employment_share_change_pp``.

    The change is published for each geo over its longest comparable span (no break
    inside) and over the full range (first to last period, flagged ``b`` with a note when
    it crosses a break). Geos' clean spans differ (Italy 2011-2017 next to the EU's
    2011-2020), so with two or more ``compare`` geos present the change is also published
    over their :func:`common_window`, with ``variant`` = ``common_window`` and a note
    naming them, for every geo that has both ends (flagged ``b`` where the window crosses
    that geo's own break).
    """
    shares = skill_group_shares(employment).collect()
    level = as_indicator(
        shares.lazy().select(
            "geo", "period", "skill_group", pl.col("share_pct").alias("value"), "flag"
        ),
        "employment_share_pct",
        "%",
        source=source,
    )
    changes: list[pl.LazyFrame] = []
    spans = clean_spans(shares)
    full = shares.group_by("geo").agg(
        pl.col("period").min().alias("start"), pl.col("period").max().alias("end")
    )
    windows = (
        pl.concat(
            [
                spans.filter(pl.col("is_longest")).select("geo", "start", "end"),
                full.select("geo", "start", "end"),
            ]
        )
        .unique()
        .filter(pl.col("start") < pl.col("end"))
    )
    for geo, start, end in windows.sort("geo", "start", "end").iter_rows():
        part = share_change(shares.filter(pl.col("geo") == geo), base=start, end=end)
        changes.append(
            part.select(
                "geo", "period", "skill_group", pl.col("change_pp").alias("value"), "flag", "note"
            )
        )
    window = common_window(shares, compare)
    if window is not None:
        present = [g for g in dict.fromkeys(compare) if g in set(shares["geo"].to_list())]
        why = (
            f"common window of {', '.join(present)}: the longest span with no series break "
            "in any of them"
        )
        part = share_change(shares, base=window[0], end=window[1])
        changes.append(
            part.select(
                "geo",
                "period",
                "skill_group",
                pl.col("change_pp").alias("value"),
                "flag",
                pl.concat_str(
                    [pl.lit(why), pl.col("note")], separator="; ", ignore_nulls=True
                ).alias("note"),
                pl.lit(COMMON_WINDOW).alias("variant"),
            )
        )
    if not changes:
        return level
    change_rows = as_indicator(
        pl.concat(changes, how="diagonal"),
        "employment_share_change_pp",
        "percentage points",
        source=source,
    )
    return pl.concat([level, change_rows], how="vertical")


# ------------------------------------------------------------------ wage-ranked measures


def _wage_ranked_occupations(
    employment: pl.LazyFrame | pl.DataFrame,
    wages: pl.DataFrame,
    *,
    base: str,
    digits: int,
    wage_col: str,
) -> pl.DataFrame:
    rows = _occupation_rows(employment).filter(pl.col("isco08").str.len_chars() == digits).collect()
    if wage_col not in wages.columns or "isco08" not in wages.columns:
        raise ValueError(f"the wage table needs 'isco08' and {wage_col!r} columns")
    w = wages.select(
        cls.normalise_isco08(pl.col("isco08")).alias("isco08"), pl.col(wage_col).cast(pl.Float64)
    )
    if w["isco08"].is_duplicated().any():
        raise ValueError(
            "the wage table has several wages for one occupation: pass one geo and year"
        )
    base_rows = rows.filter(pl.col("period") == base)
    if base_rows.height == 0:
        raise ValueError(f"no employment rows for the base period {base!r}")
    return rows.join(w, on="isco08", how="inner", validate="m:1")


def occupation_changes(
    employment: pl.LazyFrame | pl.DataFrame,
    wages: pl.DataFrame,
    *,
    base: str,
    end: str,
    digits: int = 2,
    wage_col: str = "mean_hourly_wage_eur",
    exclude: Sequence[str] = ("0",),
) -> pl.DataFrame:
    r"""One row per geo and occupation: base-year wage rank and the change of its share.

    Occupations (ISCO-08 at ``digits`` digits, armed forces excluded by default) are
    ranked by base-year mean wage; ``skill_pct`` is the midpoint of the occupation's slice
    of the base-year employment distribution ordered by wage (0-100), as in Autor and Dorn
    (2013). Shares are of the employment of the ranked occupations:

    .. math::

        \Delta s_o = 100\left(\frac{E_{o,end}}{\sum_k E_{k,end}} -
        \frac{E_{o,base}}{\sum_k E_{k,base}}\right)

    Ties in wage are broken by occupation code (deterministic). Columns: ``geo``,
    ``isco08``, ``wage``, ``skill_pct``, ``base_share_pct``, ``end_share_pct``,
    ``share_change_pp``, ``crosses_break`` (a ``b`` flag after ``base`` up to ``end``).
    """
    rows = _wage_ranked_occupations(employment, wages, base=base, digits=digits, wage_col=wage_col)
    rows = rows.filter(~pl.col("isco08").str.slice(0, 1).is_in(list(exclude)))
    breaks = (
        rows.filter((pl.col("period") > base) & (pl.col("period") <= end))
        .group_by("geo")
        .agg(pl.col("flag").fill_null("").str.contains("b").any().alias("crosses_break"))
    )

    def shares(period: str, name: str) -> pl.DataFrame:
        sel = rows.filter(pl.col("period") == period, pl.col("value").is_not_null())
        return sel.with_columns(
            (100 * pl.col("value") / pl.col("value").sum().over("geo")).alias(name)
        ).select("geo", "isco08", wage_col, name)

    b = shares(base, "base_share_pct")
    e = shares(end, "end_share_pct").drop(wage_col)
    both = b.join(e, on=["geo", "isco08"], how="inner", validate="1:1")
    both = both.sort("geo", wage_col, "isco08").with_columns(
        pl.col("base_share_pct").cum_sum().over("geo").alias("_cum")
    )
    both = both.with_columns(
        (
            100
            * (pl.col("_cum") - pl.col("base_share_pct") / 2)
            / pl.col("base_share_pct").sum().over("geo")
        ).alias("skill_pct"),
        (pl.col("end_share_pct") - pl.col("base_share_pct")).alias("share_change_pp"),
    )
    return (
        both.join(breaks, on="geo", how="left")
        .with_columns(pl.col("crosses_break").fill_null(False))
        .select(
            "geo",
            "isco08",
            pl.col(wage_col).alias("wage"),
            "skill_pct",
            "base_share_pct",
            "end_share_pct",
            "share_change_pp",
            "crosses_break",
        )
        .sort("geo", "skill_pct")
    )


def wage_group_shares(
    changes: pl.DataFrame,
    *,
    method: Literal["employment_terciles", "occupation_terciles"] = "employment_terciles",
) -> pl.DataFrame:
    r"""One row per geo and wage group: Goos-Manning-Salomons change in employment share.

    Occupations from :func:`occupation_changes` are cut into the lowest-paying, middling
    and highest-paying thirds, either by base-year employment (``employment_terciles``:
    an occupation belongs to the third its ``skill_pct`` midpoint falls in) or by number
    of occupations (``occupation_terciles``). The statistic is each group's change in
    share, :math:`\sum_{o \in g} \Delta s_o` (percentage points); the three sum to zero.
    """
    if method == "employment_terciles":
        grp = (
            pl.when(pl.col("skill_pct") < 100 / 3)
            .then(pl.lit("lowest_paying"))
            .when(pl.col("skill_pct") < 200 / 3)
            .then(pl.lit("middling"))
            .otherwise(pl.lit("highest_paying"))
        )
    else:
        rank = pl.col("skill_pct").rank("ordinal").over("geo")
        n = pl.len().over("geo")
        grp = (
            pl.when(rank <= n / 3)
            .then(pl.lit("lowest_paying"))
            .when(rank <= 2 * n / 3)
            .then(pl.lit("middling"))
            .otherwise(pl.lit("highest_paying"))
        )
    return (
        changes.with_columns(grp.alias("wage_group"))
        .group_by("geo", "wage_group")
        .agg(
            pl.col("base_share_pct").sum(),
            pl.col("end_share_pct").sum(),
            pl.col("share_change_pp").sum().alias("change_pp"),
            pl.len().alias("occupations_n"),
            pl.col("crosses_break").any(),
        )
        .sort("geo", "wage_group")
    )


def local_linear_smooth(x: np.ndarray, y: np.ndarray, *, frac: float = 0.8) -> np.ndarray:
    r"""Locally weighted linear regression (LOWESS without robustness iterations).

    For each point :math:`x_0`, fit :math:`y = a + b(x - x_0)` by weighted least squares
    over the :math:`\lceil \text{frac} \cdot n \rceil` nearest points with tricube weights
    :math:`w_i = (1 - (|x_i - x_0| / h)^3)^3`, :math:`h` the distance to the farthest of
    them, and return :math:`\hat a`. This is Cleveland's (1979) smoother with zero
    robustness iterations, which is what Autor and Dorn (2013) use with bandwidth 0.8.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = x.size
    if n < 3:
        raise ValueError("local_linear_smooth needs at least three points")
    k = max(2, int(np.ceil(frac * n)))
    out = np.empty(n)
    for i, x0 in enumerate(x):
        dist = np.abs(x - x0)
        h = np.partition(dist, k - 1)[k - 1]
        h = h if h > 0 else 1.0
        u = np.clip(dist / (h * (1 + 1e-12)), 0, 1)
        w = (1 - u**3) ** 3
        xs = x - x0
        sw, swx, swxx = w.sum(), (w * xs).sum(), (w * xs * xs).sum()
        swy, swxy = (w * y).sum(), (w * xs * y).sum()
        det = sw * swxx - swx * swx
        out[i] = swy / sw if abs(det) < 1e-14 else (swxx * swy - swx * swxy) / det
    return out


def percentile_changes(
    changes: pl.DataFrame, *, bins: int = 100, frac: float = 0.8
) -> pl.DataFrame:
    r"""One row per geo and skill percentile: change in employment share, raw and smoothed.

    Each occupation covers the slice of the base-year employment distribution (ordered by
    wage) given by its base share; percentile bin :math:`p` (1 % of base employment) gets
    from each occupation :math:`o` its overlap :math:`\omega_{p,o}` and

    .. math::

        \Delta s_p = \sum_o \omega_{p,o} \left(\frac{s_{o,end}}{s_{o,base}} - 1\right)

    in percentage points of total employment (the bins' changes sum to zero). The
    smoothed series is :func:`local_linear_smooth` with bandwidth ``frac`` (0.8, as in
    Autor and Dorn 2013, figure 1). ``isco08`` is the occupation whose slice holds the
    bin's midpoint (for clustering the bins of one occupation together).
    """
    out: list[pl.DataFrame] = []
    width = 100.0 / bins
    for (geo,), occ in changes.sort("geo", "skill_pct").group_by("geo", maintain_order=True):
        base = occ["base_share_pct"].to_numpy()
        ratio = occ["end_share_pct"].to_numpy() / base - 1
        total = base.sum()
        upper = np.cumsum(base) / total * 100
        lower = upper - base / total * 100
        lo_edges = np.arange(bins) * width
        overlap = np.clip(
            np.minimum(upper[None, :], lo_edges[:, None] + width)
            - np.maximum(lower[None, :], lo_edges[:, None]),
            0,
            None,
        )
        delta = overlap @ ratio
        mid = lo_edges + width / 2
        codes = occ["isco08"].to_list() if "isco08" in occ.columns else [None] * occ.height
        at_mid = np.minimum(np.searchsorted(upper, mid, side="left"), occ.height - 1)
        out.append(
            pl.DataFrame(
                {
                    "geo": [geo] * bins,
                    "skill_pct": mid,
                    "share_change_pp": delta,
                    "smoothed_pp": local_linear_smooth(mid, delta, frac=frac),
                    "base_share_pct": np.full(bins, width),
                    "isco08": [codes[i] for i in at_mid],
                },
                schema_overrides={"isco08": pl.String},
            )
        )
    if not out:
        return pl.DataFrame(
            schema={
                "geo": pl.String,
                "skill_pct": pl.Float64,
                "share_change_pp": pl.Float64,
                "smoothed_pp": pl.Float64,
                "base_share_pct": pl.Float64,
                "isco08": pl.String,
            }
        )
    return pl.concat(out)
