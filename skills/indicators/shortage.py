r"""Occupational shortage indicator (OECD Skills for Jobs method) and its weight sensitivity.

Pure Polars functions; a DataFrame in gives a DataFrame out, a LazyFrame in gives a
LazyFrame out (see :mod:`skills.indicators.mismatch` for the validation contract).

The OECD Skills for Jobs database (OECD 2017, 2018) reads shortage and surplus in an
occupation from five signals, each compared with the economy-wide average: wage growth,
employment growth, growth of hours worked, the unemployment rate (a low rate signals a
shortage) and growth of under-qualification (employers hiring less-qualified workers
signals a shortage). :func:`shortage_index` computes that composite for any set of
signals; :func:`shortage_sensitivity` shows how much the ranking of occupations depends
on the weights, which the OECD sets in its report's annex and which are an analyst's
choice here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Final, Literal

import polars as pl

from skills.indicators._checks import (
    FrameT,
    _check_columns,
    _check_numeric,
    _distinct,
    _drop_dummy,
    _finish,
    _guard,
    _guard_unique,
    _guard_values,
    _keys,
    _label,
    _names,
    _nan_to_null,
    _start,
)

__all__ = [
    "DEFAULT_COMPONENTS",
    "growth_components",
    "shortage_index",
    "shortage_sensitivity",
]

#: Sub-indicators of the OECD Skills for Jobs shortage index and the sign with which each
#: signals a shortage (+1: a value above the average means shortage).
DEFAULT_COMPONENTS: Final[Mapping[str, Literal[1, -1]]] = MappingProxyType(
    {
        "wage_growth": 1,
        "employment_growth": 1,
        "hours_growth": 1,
        "unemployment_rate": -1,
        "underqualification_growth": 1,
    }
)
_DEFAULT_SET: Final = "default"
#: ``status`` of :func:`shortage_sensitivity` rows whose ranking comparison is meaningful.
SENSITIVITY_OK: Final = "ok"


def _check_components(components: object, fname: str) -> dict[str, int]:
    if not isinstance(components, Mapping) or not components:
        msg = f"{fname}: components must be a non-empty mapping of column name to +1 or -1"
        raise ValueError(msg)
    out: dict[str, int] = {}
    for name, sign in components.items():
        if not isinstance(name, str) or not name:
            msg = f"{fname}: component names must be column names, got {name!r}"
            raise ValueError(msg)
        if isinstance(sign, bool) or sign not in (1, -1):
            msg = f"{fname}: the sign of component {name!r} must be +1 or -1, got {sign!r}"
            raise ValueError(msg)
        out[name] = int(sign)
    return out


def _check_weights(weights: object, components: Mapping[str, int], fname: str) -> dict[str, float]:
    """Weights for every component (None: equal), finite, >= 0, with a positive sum."""
    if weights is None:
        return dict.fromkeys(components, 1.0)
    if not isinstance(weights, Mapping):
        msg = f"{fname}: weights must be a mapping of component to weight, got {weights!r}"
        raise ValueError(msg)
    unknown = sorted(set(weights) - set(components))
    missing = sorted(set(components) - set(weights))
    if unknown or missing:
        msg = (
            f"{fname}: weights must name exactly the components {list(components)}; "
            f"unknown {unknown}, missing {missing} (give 0 to leave a component out)"
        )
        raise ValueError(msg)
    out: dict[str, float] = {}
    for name in components:
        w = weights[name]
        if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w) or w < 0:
            msg = f"{fname}: the weight of {name!r} must be a finite number >= 0, got {w!r}"
            raise ValueError(msg)
        out[name] = float(w)
    if sum(out.values()) <= 0:
        msg = f"{fname}: weights must not all be zero"
        raise ValueError(msg)
    return out


def _prepare(
    frame: object,
    fname: str,
    *,
    occupation: str,
    by: str | Sequence[str],
    components: object,
    employment: str | None,
    weights: object,
) -> tuple[pl.LazyFrame, tuple[str, ...], dict[str, int], str | None, dict[str, float]]:
    """The checked input of :func:`shortage_index` and :func:`shortage_sensitivity`: rows
    (with lazy guards), ``by`` names, components, the employment column (None: plain
    means) and the reference weights."""
    lf = _start(frame, fname)
    by_ = _names(by, "by", fname)
    comps = _check_components(components, fname)
    schema = lf.collect_schema()
    emp = employment
    if employment == "employment" and "employment" not in schema:
        emp = None  # the default is optional: plain means when there is no such column
    _distinct(fname, by=by_, occupation=occupation, components=list(comps), employment=emp)
    extra = [] if emp is None else [emp]
    schema = _check_columns(lf, [*by_, occupation, *comps, *extra], fname)
    _check_numeric(schema, [*comps, *extra], fname)
    lf = lf.with_columns(_nan_to_null([*comps, *extra], schema))
    keys = [*by_, occupation]
    for c in comps:
        lf = _guard(
            lf,
            pl.col(c).cast(pl.Float64).is_infinite(),
            _label(keys),
            f"{fname}: component {c!r} has infinite values",
        )
    if emp is not None:
        lf = _guard_values(lf, [emp], keys, fname)
        lf = _guard(
            lf,
            pl.col(emp).is_null(),
            _label(keys),
            f"{fname}: column {emp!r} has missing values; the weighted average needs them "
            "all (pass employment=None for plain averages)",
        )
    lf = _guard_unique(lf, keys, fname)
    return lf, by_, comps, emp, _check_weights(weights, comps, fname)


def _index(
    lf: pl.LazyFrame,
    keys: list[str],
    *,
    occupation: str,
    comps: Mapping[str, int],
    weights: Mapping[str, float],
    emp: str | None,
) -> pl.LazyFrame:
    """Sub-indices, composite and rank on a validated frame (``keys``: grouping keys)."""
    devs: list[pl.Expr] = []
    norms: list[pl.Expr] = []
    for c, sign in comps.items():
        x = pl.col(c).cast(pl.Float64)
        if emp is None:
            centre = x.mean().over(keys)
        else:
            e = pl.col(emp).cast(pl.Float64)
            weight = e.filter(x.is_not_null()).sum().over(keys)
            centre = pl.when(weight > 0).then((x * e).sum().over(keys) / weight)
        devs.append((x - centre).alias(f"_dev_{c}"))
        # deviations are materialised first, so the row that sets the scale gets exactly
        # +-1; the clip only guards against rounding
        dev = pl.col(f"_dev_{c}")
        scale = dev.abs().max().over(keys)
        norm = pl.when(scale > 0).then(dev / scale).when(dev.is_not_null()).then(0.0)
        norms.append((sign * norm.clip(-1.0, 1.0)).alias(f"{c}_norm"))
    lf = lf.with_columns(devs).with_columns(norms).drop(f"_dev_{c}" for c in comps)
    num: pl.Expr = pl.lit(0.0)
    den: pl.Expr = pl.lit(0.0)
    entered: pl.Expr = pl.lit(0, pl.UInt32)
    for c in comps:
        n = pl.col(f"{c}_norm")
        w = weights[c]
        num = num + w * n.fill_null(0.0)
        den = den + w * n.is_not_null().cast(pl.Float64)
        if w > 0:
            entered = entered + n.is_not_null().cast(pl.UInt32)
    index = pl.col("shortage_index")
    return (
        lf.with_columns(
            pl.when(den > 0).then(num / den).alias("shortage_index"),
            entered.alias("components_n"),
        )
        # Floating-point sums depend on row order in the last bits: rank on the index
        # rounded to 12 decimals, so that equal indices tie and the code breaks the tie.
        .with_columns(index.round(12).alias("_rank_key"))
        .sort(
            [*keys, "_rank_key", occupation],
            descending=[False] * len(keys) + [True, False],
            nulls_last=True,
        )
        .drop("_rank_key")
        .with_columns(
            pl.when(index.is_not_null())
            .then(pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over(keys))
            .alias("rank")
        )
    )


def _set_status(
    lf: pl.LazyFrame,
    keys: Sequence[str],
    comps: Mapping[str, int],
    base: Mapping[str, float],
    sets: Mapping[str, Mapping[str, float]],
) -> pl.LazyFrame:
    """Per group and weight set: the components that entered (observed for some
    occupation of the group, with positive weight in some set), whether the set can
    change the ranking (``status``) and ``_degenerate`` (fewer than two entered)."""
    keys = list(keys)
    groups = lf.group_by(keys).agg(pl.col(c).is_not_null().any().alias(f"_has_{c}") for c in comps)
    # a component matters if some set (the reference included) gives it positive weight
    live = [c for c in comps if any(ws[c] > 0 for ws in sets.values())]
    has = {c: pl.col(f"_has_{c}") for c in comps}
    entered_n = pl.sum_horizontal([has[c].cast(pl.UInt32) for c in live]) if live else pl.lit(0)
    entered = pl.concat_str(
        [pl.when(has[c]).then(pl.lit(c)) for c in live], separator=", ", ignore_nulls=True
    )

    def total(ws: Mapping[str, float]) -> pl.Expr:
        return pl.sum_horizontal(
            [pl.when(has[c]).then(pl.lit(ws[c])).otherwise(0.0) for c in comps]
        )

    degenerate = entered_n < 2
    rows = []
    for name, ws in sets.items():
        s_base, s_set = total(base), total(ws)
        # the set changes the ranking only if its weights over the components that
        # entered are not proportional to the reference weights
        differs = pl.any_horizontal(
            [
                has[c] & ((ws[c] * s_base - base[c] * s_set).abs() > 1e-12 * s_base * s_set)
                for c in comps
            ]
        )
        state = (
            pl.when(degenerate)
            .then(
                pl.when(entered_n == 0)
                .then(pl.lit("degenerate: no component entered"))
                .otherwise(
                    pl.format(
                        "degenerate: only one component entered ({}); weights cannot "
                        "change the ranking",
                        entered,
                    )
                )
            )
            .when(pl.lit(name == _DEFAULT_SET))
            .then(pl.lit(SENSITIVITY_OK))
            .when(s_set <= 0)
            .then(pl.lit("empty: the set gives weight 0 to every component that entered"))
            .when(~differs)
            .then(pl.lit("no effect: the set reweights only components that did not enter"))
            .otherwise(pl.lit(SENSITIVITY_OK))
        )
        rows.append(
            groups.select(
                *keys,
                pl.lit(name).alias("weight_set"),
                entered.alias("components_entered"),
                state.alias("status"),
                degenerate.alias("_degenerate"),
            )
        )
    return pl.concat(rows, how="vertical")


def shortage_index(
    frame: FrameT,
    *,
    occupation: str = "isco08",
    by: str | Sequence[str] = ("geo", "period"),
    components: Mapping[str, Literal[1, -1]] = DEFAULT_COMPONENTS,
    weights: Mapping[str, float] | None = None,
    employment: str | None = "employment",
) -> FrameT:
    r"""One row per ``by`` group and occupation: the composite shortage index and its parts.

    For occupation :math:`o` in a group (e.g. a region and period) and component
    :math:`c` with sign :math:`s_c \in \{+1, -1\}`:

    .. math::

        d_{oc} = x_{oc} - \bar x_c, \qquad
        \bar x_c = \frac{\sum_o e_o x_{oc}}{\sum_o e_o} \ \text{(or the plain mean)}

    .. math::

        n_{oc} = s_c \, \frac{d_{oc}}{\max_{o'} |d_{o'c}|} \in [-1, 1], \qquad
        S_o = \frac{\sum_{c \in C_o} w_c\, n_{oc}}{\sum_{c \in C_o} w_c} \in [-1, 1]

    where :math:`C_o` is the set of components observed for :math:`o`. :math:`S_o > 0`
    signals a shortage, :math:`S_o < 0` a surplus. Each sub-index is centred on the
    economy-wide average of its group - the employment-weighted mean of the occupations
    when the frame has an ``employment`` column (close to the all-occupation aggregate
    the OECD compares with), else the plain mean - and divided by the largest absolute
    deviation in the group, so the most extreme occupation gets :math:`\pm 1`. The sign
    is applied to the sub-index, so every ``<component>_norm`` reads the same way
    (> 0: shortage signal; for the unemployment rate, a below-average rate).

    Parameters
    ----------
    frame
        One row per ``by`` group and occupation, with one column per component
        (growth rates in % or log points, the unemployment rate in %; nulls allowed:
        that component is left out for that occupation) and optionally employment.
    occupation
        Occupation code column (the tie-breaker of ranks: compared as it sorts).
    by
        Grouping columns: averages, scales and ranks are computed within each group.
    components
        Column name -> sign. Default: the OECD's five (wage, employment and hours growth
        +1; unemployment rate -1; under-qualification growth +1).
    weights
        Column name -> weight >= 0 for every component; normalised to sum to 1 over the
        components observed for each occupation. None (default): **equal weights**. The
        OECD's official weights are in the annex of OECD (2017) and are not shipped:
        pass them here if you use them, and report :func:`shortage_sensitivity`.
    employment
        Employment column for the weighted averages. The default ``"employment"`` is used
        when the frame has it and plain means otherwise; any other name must exist; None
        forces plain means. Values must be non-negative and present.

    Returns
    -------
    Same kind as ``frame``: ``by`` columns, ``occupation``, ``<component>_norm`` for each
    component, ``shortage_index`` (null when no component with positive weight is
    observed), ``components_n`` (components with positive weight that entered) and
    ``rank`` (UInt32, 1 = strongest shortage; ties broken by the occupation code, so
    ranks never depend on row order; null where the index is null), sorted by ``by``
    and ``rank``.

    Raises
    ------
    ValueError
        Bad components or weights; missing or non-numeric columns; infinite values;
        negative or missing employment; two rows for the same occupation in a group.

    Notes
    -----
    A sub-index is 0 for every occupation when all deviations are 0. The normalisation
    is relative to the most extreme occupation of the group, so values are comparable
    within a group, not across groups or periods; compare ranks. The OECD computes the
    growth components over several years and uses long-run averages; pass the growth
    rates you computed that way.

    References
    ----------
    OECD (2017), *Getting Skills Right: Skills for Jobs Indicators*, OECD Publishing,
    Paris, ch. 2 and Annex A, https://doi.org/10.1787/9789264277878-en; OECD (2018),
    *Skills for Jobs* database methodology.
    """
    fname = "shortage_index"
    lf, by_, comps, emp, w = _prepare(
        frame,
        fname,
        occupation=occupation,
        by=by,
        components=components,
        employment=employment,
        weights=weights,
    )
    keys: list[str]
    lf, keys = _keys(lf, by_)
    out = _index(lf, keys, occupation=occupation, comps=comps, weights=w, emp=emp).select(
        *keys,
        occupation,
        *(f"{c}_norm" for c in comps),
        "shortage_index",
        "components_n",
        "rank",
    )
    return _finish(_drop_dummy(out), frame)


def shortage_sensitivity(
    frame: FrameT,
    weight_sets: Mapping[str, Mapping[str, float]] | None = None,
    *,
    occupation: str = "isco08",
    by: str | Sequence[str] = ("geo", "period"),
    components: Mapping[str, Literal[1, -1]] = DEFAULT_COMPONENTS,
    weights: Mapping[str, float] | None = None,
    employment: str | None = "employment",
) -> FrameT:
    r"""One row per ``by`` group, occupation and weight set: rank under alternative weights.

    Recomputes :func:`shortage_index` under each weight set and compares the ranking with
    the one under the reference weights (``weights``, equal by default; its set is named
    ``default``):

    .. math::

        \rho_k = \operatorname{corr}\big(\operatorname{rank}_k(S),
                 \operatorname{rank}_{\text{default}}(S)\big)
        \qquad \text{(Spearman, over occupations ranked under both)}

    Parameters
    ----------
    frame
        As in :func:`shortage_index`.
    weight_sets
        Name -> weights (as ``weights`` in :func:`shortage_index`). None: for each
        component :math:`c`, ``drop_<c>`` (its weight set to 0) and ``double_<c>`` (its
        weight doubled), starting from the reference weights.
    occupation, by, components, weights, employment
        As in :func:`shortage_index`.

    A ranking can only depend on the weights of components that entered. In a group
    where fewer than two components entered (observed for some occupation, with positive
    weight in some set) no weight set can change the ranking: such a **degenerate**
    group keeps only its ``default`` rows, with a null ``spearman_vs_default`` and a
    ``status`` that says so, rather than a Spearman of 1 that would read as robustness.
    A set that only reweights components absent from a group (its weights over the
    components that entered are proportional to the reference) has ``status``
    ``no effect: ...`` and a null correlation in that group.

    Returns
    -------
    Same kind as ``frame``: ``by`` columns, ``occupation``, ``weight_set`` (``default``
    first, then the sets in the order given), ``shortage_index``, ``rank``, ``rank_min``
    and ``rank_max`` (over all sets, ``default`` included), ``spearman_vs_default``
    (per group and set; 1 for ``default`` itself; null with fewer than two occupations
    ranked under both, when a ranking is constant, and unless ``status`` is ``ok``),
    ``components_entered`` (comma-separated, per group) and ``status`` (``ok``;
    ``degenerate: ...``; ``no effect: ...``; ``empty: ...`` for a set that gives weight
    0 to every component that entered). One row per group x occupation x set (x
    ``default`` only, for a degenerate group).

    Raises
    ------
    ValueError
        As :func:`shortage_index`; a weight set named ``default``, or with bad weights.

    References
    ----------
    OECD (2017), *Getting Skills Right: Skills for Jobs Indicators*, Annex A; OECD/JRC
    (2008), *Handbook on Constructing Composite Indicators*, section 7 (uncertainty and
    sensitivity analysis).
    """
    fname = "shortage_sensitivity"
    lf, by_, comps, emp, base = _prepare(
        frame,
        fname,
        occupation=occupation,
        by=by,
        components=components,
        employment=employment,
        weights=weights,
    )
    if weight_sets is None:
        sets: dict[str, dict[str, float]] = {}
        for c in comps:
            sets[f"drop_{c}"] = {**base, c: 0.0}
            sets[f"double_{c}"] = {**base, c: 2.0 * base[c]}
        # a component that is alone with positive weight cannot be dropped
        sets = {k: v for k, v in sets.items() if sum(v.values()) > 0}
    else:
        if not isinstance(weight_sets, Mapping):
            msg = f"{fname}: weight_sets must be a mapping of name to weights"
            raise ValueError(msg)
        sets = {}
        for name, ws in weight_sets.items():
            if not isinstance(name, str) or not name or name == _DEFAULT_SET:
                msg = f"{fname}: weight set names must be non-empty and not 'default', got {name!r}"
                raise ValueError(msg)
            sets[name] = _check_weights(ws, comps, f"{fname} (set {name!r})")
    all_sets = {_DEFAULT_SET: base, **sets}
    keys: list[str]
    lf, keys = _keys(lf, by_)
    status = _set_status(lf, keys, comps, base, all_sets)
    parts = [
        _index(lf, keys, occupation=occupation, comps=comps, weights=ws, emp=emp).select(
            *keys,
            occupation,
            pl.lit(name).alias("weight_set"),
            pl.lit(i, pl.UInt32).alias("_set_order"),
            "shortage_index",
            "rank",
        )
        for i, (name, ws) in enumerate(all_sets.items())
    ]
    stacked = (
        pl.concat(parts, how="vertical")
        .join(status, on=[*keys, "weight_set"], how="left", nulls_equal=True)
        # a degenerate group keeps only its default ranking: no set can change it
        .filter(~pl.col("_degenerate") | (pl.col("weight_set") == _DEFAULT_SET))
    )
    reference = stacked.filter(pl.col("weight_set") == _DEFAULT_SET).select(
        *keys, occupation, pl.col("rank").alias("_rank_default")
    )
    both = pl.col("rank").is_not_null() & pl.col("_rank_default").is_not_null()
    rho = pl.corr(
        pl.col("rank").filter(both).cast(pl.Float64),
        pl.col("_rank_default").filter(both).cast(pl.Float64),
        method="spearman",
    )
    out = (
        stacked.join(reference, on=[*keys, occupation], how="left", nulls_equal=True)
        .with_columns(
            pl.col("rank").min().over([*keys, occupation]).alias("rank_min"),
            pl.col("rank").max().over([*keys, occupation]).alias("rank_max"),
            pl.when(
                (pl.col("status") == SENSITIVITY_OK) & (both.sum().over([*keys, "weight_set"]) >= 2)
            )
            .then(rho.over([*keys, "weight_set"]))
            .fill_nan(None)
            .alias("spearman_vs_default"),
        )
        .sort([*keys, "_set_order", "rank", occupation], nulls_last=True)
        .select(
            *keys,
            occupation,
            "weight_set",
            "shortage_index",
            "rank",
            "rank_min",
            "rank_max",
            "spearman_vs_default",
            "components_entered",
            "status",
        )
    )
    return _finish(_drop_dummy(out), frame)


# ------------------------------------------------------------------ growth components
def _annualised_growth(x0: pl.Expr, x1: pl.Expr, years: int) -> pl.Expr:
    """100 * ((x1 / x0) ** (1 / years) - 1); null unless both ends are positive."""
    ok = (x0 > 0) & (x1 > 0)
    return pl.when(ok).then(100 * ((x1 / x0) ** (1.0 / years) - 1))


def growth_components(
    employment: pl.DataFrame,
    spans: pl.DataFrame,
    wages: pl.DataFrame | None = None,
    *,
    occupation: str = "isco08",
    value: str = "value",
    wage_col: str = "mean_hourly_wage_eur",
    min_occupations: int = 5,
) -> pl.DataFrame:
    r"""One row per geo and occupation: growth components over one window common to all.

    The shortage index compares components that must describe the same years. For each
    geo, with clean employment span :math:`[s, e]` (no series break inside; e.g. the
    ``is_longest`` span of :func:`skills.indicators.polarisation.clean_spans`) and wage
    years :math:`Y_w`, the **common window** is

    .. math::

        [t_0, t_1] = \begin{cases}
            [\min I, \max I] & |I| \ge 2,\quad I = Y_w \cap P_{[s, e]} \\
            [s, e] & \text{otherwise (wage growth does not enter for the geo)}
        \end{cases}

    where :math:`P_{[s, e]}` are the periods of the employment data inside the span. Every
    component that enters is annualised over the same years:

    .. math::

        g_o = 100 \left[\left(\frac{x_{o,t_1}}{x_{o,t_0}}\right)^{1/(t_1 - t_0)} - 1\right]

    for employment :math:`x = E` (``employment_growth``) and, where the window came from
    the wage years, the mean hourly wage :math:`x = w` (``wage_growth``). A cell that is
    missing, zero or negative at either end gives no growth rate (an occupation without
    employment growth is left out; one without wage growth has a null ``wage_growth``).

    Parameters
    ----------
    employment
        ``geo``, ``period`` (annual, ``"YYYY"``), ``occupation`` and ``value``: employment
        by occupation at one level of detail (e.g. ISCO-08 sub-major groups).
    spans
        One row per geo: ``geo``, ``start``, ``end`` (periods), the clean span to use.
    wages
        Optional ``geo``, ``year`` (integer), ``occupation`` and ``wage_col``; codes are
        compared after :func:`skills.classifications.normalise_isco08`.
    occupation, value, wage_col
        Column names.
    min_occupations
        A geo with fewer occupations with an employment growth rate is left out.

    Returns
    -------
    ``geo``, ``period`` (the common window ``"t0-t1"``), ``occupation``, ``employment``
    (at :math:`t_1`, the weight of the economy-wide average), ``employment_growth``,
    ``wage_growth`` (% a year; null where it did not enter), ``components`` (the
    components that entered for the geo, comma-separated) and ``note`` (why wage growth
    did not enter, where it did not), sorted by geo and occupation.

    Raises
    ------
    ValueError
        Missing columns, a non-annual period, two wages for one geo, year and occupation.

    References
    ----------
    OECD (2017), *Getting Skills Right: Skills for Jobs Indicators*, ch. 2 (the growth
    components are compared over the same years).
    """
    from skills.classifications import normalise_isco08

    fname = "growth_components"
    for name, frame, cols in (
        ("employment", employment, ["geo", "period", occupation, value]),
        ("spans", spans, ["geo", "start", "end"]),
        *(() if wages is None else (("wages", wages, ["geo", "year", occupation, wage_col]),)),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            msg = f"{fname}: {name} lacks column(s) {missing} (has {frame.columns})"
            raise ValueError(msg)
    if not employment["period"].cast(pl.String).str.contains(r"^\d{4}$").all():
        msg = f"{fname}: employment periods must be annual ('YYYY')"
        raise ValueError(msg)
    w_all: pl.DataFrame | None = None
    if wages is not None:
        w_all = wages.select(
            "geo",
            pl.col("year").cast(pl.Int64),
            normalise_isco08(pl.col(occupation)).alias("_occ"),
            pl.col(wage_col).cast(pl.Float64).alias("_w"),
        ).filter(pl.col("_occ").is_not_null())
        dup = w_all.filter(pl.struct("geo", "year", "_occ").is_duplicated())
        if dup.height:
            msg = f"{fname}: more than one wage per geo, year and occupation, e.g. {dup.row(0)}"
            raise ValueError(msg)
    emp = employment.select(
        "geo", pl.col("period").cast(pl.String), occupation, pl.col(value).cast(pl.Float64)
    )
    schema: dict[str, pl.DataType] = {
        "geo": pl.String(),
        "period": pl.String(),
        occupation: pl.String(),
        "employment": pl.Float64(),
        "employment_growth": pl.Float64(),
        "wage_growth": pl.Float64(),
        "components": pl.String(),
        "note": pl.String(),
    }
    frames: list[pl.DataFrame] = []
    for geo, start, end in spans.select("geo", "start", "end").sort("geo").iter_rows():
        sub = emp.filter(pl.col("geo") == geo)
        periods = sorted(p for p in set(sub["period"].to_list()) if str(start) <= p <= str(end))
        if len(periods) < 2:
            continue
        t0, t1 = periods[0], periods[-1]
        note: str | None = "wage growth left out: no wage table"
        w = None if w_all is None else w_all.filter(pl.col("geo") == geo)
        if w is not None:
            wage_years = sorted(set(w["year"].to_list()))
            inside = [p for p in periods if int(p) in wage_years]
            if len(inside) >= 2:
                t0, t1, note = inside[0], inside[-1], None
            elif not wage_years:
                note = "wage growth left out: no wages for this geo"
            else:
                shown = ", ".join(str(y) for y in wage_years)
                note = (
                    f"wage growth left out: wages for {shown}, not two years inside "
                    f"the clean span {start}-{end}"
                )
        years = int(t1) - int(t0)
        e0 = sub.filter(pl.col("period") == t0).select(occupation, pl.col(value).alias("_e0"))
        e1 = sub.filter(pl.col("period") == t1).select(occupation, pl.col(value).alias("_e1"))
        comp = (
            e0.join(e1, on=occupation, how="inner")
            .with_columns(_annualised_growth(pl.col("_e0"), pl.col("_e1"), years).alias("_g"))
            .filter(pl.col("_g").is_not_null())
            .select(
                pl.lit(geo, pl.String).alias("geo"),
                pl.lit(f"{t0}-{t1}").alias("period"),
                occupation,
                pl.col("_e1").alias("employment"),
                pl.col("_g").alias("employment_growth"),
            )
        )
        if comp.height < min_occupations:
            continue
        growth = pl.lit(None, pl.Float64)
        if w is not None and note is None:
            w0 = w.filter(pl.col("year") == int(t0)).select("_occ", pl.col("_w").alias("_w0"))
            w1 = w.filter(pl.col("year") == int(t1)).select("_occ", pl.col("_w").alias("_w1"))
            wg = w0.join(w1, on="_occ").select(
                pl.col("_occ").alias(occupation),
                _annualised_growth(pl.col("_w0"), pl.col("_w1"), years).alias("wage_growth"),
            )
            comp = comp.join(wg, on=occupation, how="left", validate="1:1")
            if comp["wage_growth"].is_null().all():
                note = f"wage growth left out: no occupation has wages in both {t0} and {t1}"
                comp = comp.drop("wage_growth")
        if "wage_growth" not in comp.columns:
            comp = comp.with_columns(growth.alias("wage_growth"))
        entered = "employment_growth" if note is not None else "employment_growth, wage_growth"
        frames.append(
            comp.with_columns(
                pl.lit(entered).alias("components"), pl.lit(note, pl.String).alias("note")
            )
        )
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat([f.select(list(schema)).cast(pl.Schema(schema)) for f in frames]).sort(
        "geo", occupation
    )
