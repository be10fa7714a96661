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
) -> tuple[pl.LazyFrame, tuple[str, ...], dict[str, int], str | None]:
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
    return lf, by_, comps, emp


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
    lf, by_, comps, emp = _prepare(
        frame,
        fname,
        occupation=occupation,
        by=by,
        components=components,
        employment=employment,
    )
    w = _check_weights(weights, comps, fname)
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

    Returns
    -------
    Same kind as ``frame``: ``by`` columns, ``occupation``, ``weight_set`` (``default``
    first, then the sets in the order given), ``shortage_index``, ``rank``, ``rank_min``
    and ``rank_max`` (over all sets, ``default`` included) and ``spearman_vs_default``
    (per group and set; 1 for ``default`` itself; null with fewer than two occupations
    ranked under both or when a ranking is constant). One row per group x occupation x
    set.

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
    lf, by_, comps, emp = _prepare(
        frame,
        fname,
        occupation=occupation,
        by=by,
        components=components,
        employment=employment,
    )
    base = _check_weights(weights, comps, fname)
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
    stacked = pl.concat(parts, how="vertical")
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
            pl.when(both.sum().over([*keys, "weight_set"]) >= 2)
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
        )
    )
    return _finish(_drop_dummy(out), frame)
