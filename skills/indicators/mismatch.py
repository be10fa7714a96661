r"""Unemployment-vacancy mismatch: Jackman-Roper, Şahin et al., tightness, Beveridge curve.

Pure Polars functions (no I/O, no printing). Each takes a tidy frame, either a
:class:`polars.DataFrame` or a :class:`polars.LazyFrame`, and **returns the same kind**:
a DataFrame in, a DataFrame out (computed at once); a LazyFrame in, a LazyFrame out
(nothing runs until it is collected). Column names are parameters.

Validation
----------
Every function raises :class:`ValueError` with the function's name and the problem:
missing or non-numeric columns and bad parameters at call time; negative, infinite or
duplicated values as soon as data are evaluated - at call time for a DataFrame, at
``collect()`` for a LazyFrame (the checks are part of the query plan, so a lazy
pipeline is never run twice to validate it). ``NaN`` in a count is read as missing.

Measures
--------
* :func:`jackman_roper` - structural imbalance index (Jackman and Roper 1987);
* :func:`sahin_index`, :func:`sahin_index_grid` - the mismatch index of Şahin, Song, Topa
  and Violante (2014), with optional heterogeneous matching efficiencies, over a grid of
  vacancy elasticities;
* :func:`counterfactual_job_finding` - the job-finding rate without misallocation;
* :func:`tightness` - vacancies per unemployed person;
* :func:`beveridge_curve` - tidy Beveridge-curve points, split into segments at series
  breaks.

See ``docs/mismatch.md`` for formulas, interpretation and traps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import overload

import polars as pl

__all__ = [
    "SAHIN_ALPHAS",
    "beveridge_curve",
    "counterfactual_job_finding",
    "jackman_roper",
    "sahin_index",
    "sahin_index_grid",
    "tightness",
]

#: A Polars frame; functions return the kind they were given.
from skills.indicators._checks import (
    FrameT,
    _agg,
    _check_columns,
    _check_fraction,
    _check_numeric,
    _distinct,
    _drop_dummy,
    _finish,
    _guard_unique,
    _guard_values,
    _keys,
    _names,
    _nan_to_null,
    _start,
    _unit_frame,
)

#: The published grid of matching elasticities :math:`\alpha` of the Sahin et al. index
#: (around the 0.5 of Petrongolo and Pissarides 2001; Sahin et al. 2014 use 0.5 with
#: robustness over this range).
SAHIN_ALPHAS: tuple[float, ...] = (0.3, 0.4, 0.5, 0.6, 0.7)


def jackman_roper(
    frame: FrameT,
    *,
    unemployed: str = "unemployed",
    vacancies: str = "vacancies",
    unit: str = "isco08",
    by: str | Sequence[str] = ("geo", "period"),
) -> FrameT:
    r"""One row per ``by`` group: the Jackman-Roper structural imbalance index over units.

    .. math::

        SI = \tfrac12 \sum_i \left| \frac{U_i}{U} - \frac{V_i}{V} \right|,
        \qquad U = \sum_i U_i,\; V = \sum_i V_i

    where :math:`i` runs over the units (occupations, provinces, sectors) of a group,
    :math:`U_i` the unemployed and :math:`V_i` the vacancies in unit :math:`i`.

    Interpretation: :math:`SI \in [0, 1]` is the share of the unemployed (equivalently,
    of vacancies) that would have to change unit for the two distributions to coincide;
    0 when every unit has the same share of both, 1 when they sit in disjoint units. It
    compares *distributions*, so it is unchanged when all :math:`U_i` (or all
    :math:`V_i`) are multiplied by the same positive constant: it says nothing about the
    level of tightness (see :func:`tightness`).

    Parameters
    ----------
    frame
        One row per ``by`` group and unit, with counts ``unemployed`` and ``vacancies``
        (non-negative; planned hires or online job ads can stand in for vacancies).
    unemployed, vacancies, unit
        Column names.
    by
        Grouping columns (empty for one index over the whole frame).

    Returns
    -------
    Same kind as ``frame``: ``by`` columns, ``jackman_roper_index`` (Float64),
    ``units_n`` (units that entered) and ``units_dropped_n`` (units left out because
    ``unemployed`` or ``vacancies`` is missing), sorted by ``by``. The index is null when
    the group has no unemployed or no vacancies in the units that entered. Rounding is
    clipped to [0, 1].

    Raises
    ------
    ValueError
        Missing or non-numeric columns; negative or infinite counts; two rows for the
        same unit in a group.

    Notes
    -----
    Units with a missing count are dropped (and counted) rather than read as zero: a
    suppressed cell is not an empty one. The index depends on the units chosen (finer
    units give larger values) and is comparable only across groups with the same units.

    References
    ----------
    Jackman, R. and Roper, S. (1987), "Structural unemployment", *Oxford Bulletin of
    Economics and Statistics* 49(1), 9-36.
    """
    fname = "jackman_roper"
    lf, by_ = _unit_frame(
        frame, fname, unemployed=unemployed, vacancies=vacancies, unit=unit, by=by
    )
    kept = pl.col(unemployed).is_not_null() & pl.col(vacancies).is_not_null()
    u = pl.col(unemployed).filter(kept).cast(pl.Float64)
    v = pl.col(vacancies).filter(kept).cast(pl.Float64)
    index = (0.5 * (u / u.sum() - v / v.sum()).abs().sum()).clip(0.0, 1.0)
    out = _agg(
        lf,
        by_,
        [
            pl.when((u.sum() > 0) & (v.sum() > 0))
            .then(index)
            .otherwise(None)
            .alias("jackman_roper_index"),
            kept.sum().cast(pl.UInt32).alias("units_n"),
            (~kept).sum().cast(pl.UInt32).alias("units_dropped_n"),
        ],
    )
    return _finish(out, frame)


def _sahin_expr(
    unemployed: str, vacancies: str, efficiency: str | None, alpha: float
) -> tuple[pl.Expr, pl.Expr]:
    """(index, kept) expressions of the Şahin et al. index for one group."""
    kept = pl.col(unemployed).is_not_null() & pl.col(vacancies).is_not_null()
    if efficiency is not None:
        kept = kept & pl.col(efficiency).is_not_null()
    u = pl.col(unemployed).filter(kept).cast(pl.Float64)
    v = pl.col(vacancies).filter(kept).cast(pl.Float64)
    su, sv = u / u.sum(), v / v.sum()
    terms = sv.pow(alpha) * su.pow(1.0 - alpha)
    if efficiency is not None:
        phi = pl.col(efficiency).filter(kept).cast(pl.Float64)
        phi_bar = (phi.pow(1.0 / alpha) * sv).sum().pow(alpha)
        terms = (phi / phi_bar) * terms
    index = (1.0 - terms.sum()).clip(0.0, 1.0)
    return pl.when((u.sum() > 0) & (v.sum() > 0)).then(index).otherwise(None), kept


def sahin_index(
    frame: FrameT,
    *,
    alpha: float = 0.5,
    efficiency: str | None = None,
    unemployed: str = "unemployed",
    vacancies: str = "vacancies",
    unit: str = "isco08",
    by: str | Sequence[str] = ("geo", "period"),
) -> FrameT:
    r"""One row per ``by`` group: the Şahin-Song-Topa-Violante mismatch index for one α.

    With a Cobb-Douglas matching function :math:`h_i = \Phi\,\phi_i v_i^{\alpha}
    u_i^{1-\alpha}` in each unit, the index is the fraction of hires lost because
    unemployed people are not where a planner, free to move them across units, would
    put them:

    .. math::

        M = 1 - \sum_i \frac{\phi_i}{\bar\phi}
            \left(\frac{v_i}{v}\right)^{\alpha} \left(\frac{u_i}{u}\right)^{1-\alpha},
        \qquad
        \bar\phi = \left[\sum_i \phi_i^{1/\alpha}\, \frac{v_i}{v}\right]^{\alpha}

    and, with homogeneous efficiency (``efficiency=None``, all :math:`\phi_i` equal),
    :math:`M = 1 - \sum_i (v_i/v)^{\alpha} (u_i/u)^{1-\alpha}`.

    :math:`M = 1 - h/h^*`, where :math:`h^* = \Phi \bar\phi\, v^{\alpha} u^{1-\alpha}`
    is the planner's maximum of :math:`\sum_i \Phi \phi_i v_i^{\alpha}
    u_i^{*\,1-\alpha}` subject to :math:`\sum_i u_i^* = u` (first-order condition:
    :math:`u_i^* \propto \phi_i^{1/\alpha} v_i`, the "generalised Jackman-Roper
    condition"). Hence :math:`M \in [0, 1]`: by Hölder's inequality with exponents
    :math:`1/\alpha` and :math:`1/(1-\alpha)`, :math:`\sum_i \phi_i (v_i/v)^{\alpha}
    (u_i/u)^{1-\alpha} \le \bar\phi`, so :math:`M \ge 0`, with equality exactly when
    :math:`u_i/u = \phi_i^{1/\alpha} v_i / \sum_j \phi_j^{1/\alpha} v_j`; and every term
    is non-negative, so :math:`M \le 1`, with equality when no unit has both unemployed
    and vacancies. Like :func:`jackman_roper` it is invariant to scaling all
    :math:`u_i` or all :math:`v_i`.

    Parameters
    ----------
    frame
        One row per ``by`` group and unit with counts ``unemployed`` and ``vacancies``
        and, if ``efficiency`` is given, that column of matching efficiencies.
    alpha
        Vacancy elasticity of the matching function, strictly between 0 and 1 (Şahin et
        al. use 0.5; estimates range about 0.3-0.7). Report a grid
        (:func:`sahin_index_grid`): the level of :math:`M` depends on it.
    efficiency
        Column of unit matching efficiencies :math:`\phi_i` (> 0), e.g. estimated unit
        fixed effects of a matching function; only relative values matter (the index is
        invariant to multiplying all :math:`\phi_i` by a constant). None: homogeneous.
    unemployed, vacancies, unit, by
        Column names, as in :func:`jackman_roper`.

    Returns
    -------
    Same kind as ``frame``: ``by`` columns, ``sahin_mismatch_index`` (Float64, null when
    a group has no unemployed or no vacancies), ``alpha``, ``units_n`` and
    ``units_dropped_n`` (units with a missing count or efficiency), sorted by ``by``.

    Raises
    ------
    ValueError
        Bad ``alpha``; missing or non-numeric columns; negative or infinite counts;
        non-positive efficiencies; two rows for the same unit in a group.

    References
    ----------
    Şahin, A., Song, J., Topa, G. and Violante, G. L. (2014), "Mismatch Unemployment",
    *American Economic Review* 104(11), 3529-3564 (section I: the mismatch index with
    heterogeneous matching efficiency).
    """
    fname = "sahin_index"
    a = _check_fraction(alpha, "alpha", fname)
    extra = () if efficiency is None else (efficiency,)
    lf, by_ = _unit_frame(
        frame,
        fname,
        unemployed=unemployed,
        vacancies=vacancies,
        unit=unit,
        by=by,
        extra=extra,
    )
    index, kept = _sahin_expr(unemployed, vacancies, efficiency, a)
    out = _agg(
        lf,
        by_,
        [
            index.alias("sahin_mismatch_index"),
            pl.lit(a, pl.Float64).alias("alpha"),
            kept.sum().cast(pl.UInt32).alias("units_n"),
            (~kept).sum().cast(pl.UInt32).alias("units_dropped_n"),
        ],
    )
    return _finish(out, frame)


def sahin_index_grid(
    frame: FrameT,
    alphas: Sequence[float] = SAHIN_ALPHAS,
    *,
    efficiency: str | None = None,
    unemployed: str = "unemployed",
    vacancies: str = "vacancies",
    unit: str = "isco08",
    by: str | Sequence[str] = ("geo", "period"),
) -> FrameT:
    r"""One row per ``by`` group and α: :func:`sahin_index` over a grid of elasticities.

    .. math:: M(\alpha) = 1 - \sum_i \frac{\phi_i}{\bar\phi(\alpha)}
              (v_i/v)^{\alpha} (u_i/u)^{1-\alpha}, \quad \alpha \in \text{alphas}

    Parameters
    ----------
    frame
        As in :func:`sahin_index`.
    alphas
        Distinct values strictly between 0 and 1 (default :data:`SAHIN_ALPHAS`, 0.3 to 0.7
        by 0.1).
    efficiency, unemployed, vacancies, unit, by
        As in :func:`sahin_index`.

    Returns
    -------
    Same kind as ``frame``: the :func:`sahin_index` columns stacked, sorted by ``by`` and
    ``alpha``.

    References
    ----------
    Şahin, A., Song, J., Topa, G. and Violante, G. L. (2014), *American Economic Review*
    104(11), 3529-3564.
    """
    fname = "sahin_index_grid"
    if isinstance(alphas, str | bytes) or not isinstance(alphas, Sequence) or not alphas:
        msg = f"{fname}: alphas must be a non-empty sequence of numbers, got {alphas!r}"
        raise ValueError(msg)
    grid = [_check_fraction(a, "every alpha", fname) for a in alphas]
    if len(set(grid)) != len(grid):
        msg = f"{fname}: alphas repeats a value: {list(alphas)}"
        raise ValueError(msg)
    lf = _start(frame, fname)
    parts = [
        sahin_index(
            lf,
            alpha=a,
            efficiency=efficiency,
            unemployed=unemployed,
            vacancies=vacancies,
            unit=unit,
            by=by,
        )
        for a in grid
    ]
    by_: tuple[str, ...] = _names(by, "by", fname)
    out = pl.concat(parts, how="vertical").sort([*by_, "alpha"], nulls_last=False)
    return _finish(out, frame)


@overload
def counterfactual_job_finding(job_finding: float, mismatch: float) -> float: ...
@overload
def counterfactual_job_finding(
    job_finding: pl.Expr | str, mismatch: pl.Expr | str | float
) -> pl.Expr: ...
@overload
def counterfactual_job_finding(job_finding: float, mismatch: pl.Expr | str) -> pl.Expr: ...
def counterfactual_job_finding(
    job_finding: float | pl.Expr | str, mismatch: float | pl.Expr | str
) -> float | pl.Expr:
    r"""The aggregate job-finding rate with no misallocation, same stock of unemployed.

    .. math:: f^* = \frac{f}{1 - M}

    Why: :math:`M = 1 - h/h^*` (:func:`sahin_index`), so for the same vacancies and the
    same unemployed :math:`u`, the planner's hires are :math:`h^* = h/(1-M)` and the
    job-finding rate :math:`f^* = h^*/u = f/(1-M)`.

    This is the *static* counterfactual. Şahin et al. (2014) go on to a dynamic one, in
    which the counterfactual unemployment :math:`u^*_t` evolves with :math:`f^*_t`, so
    their :math:`f^*_t = f_t/(1-M_t)\cdot(u_t/u^*_t)^{\alpha}`; mismatch unemployment
    :math:`u_t - u^*_t` needs the whole path of separations and is not computed here.
    :math:`f^*` is a rate of hires per unemployed person and may exceed 1 for a
    quarterly or annual period.

    Parameters
    ----------
    job_finding
        Observed job-finding rate :math:`f \ge 0` (number, column name or expression).
    mismatch
        Mismatch index :math:`M \in [0, 1)` (number, column name or expression).

    Returns
    -------
    A float when both arguments are numbers; otherwise a Polars expression (null where
    :math:`f < 0`, :math:`M < 0` or :math:`M \ge 1`, or either is null).

    Raises
    ------
    ValueError
        Numbers out of range (:math:`f < 0`, :math:`M \notin [0, 1)`) or not finite.

    References
    ----------
    Şahin, A., Song, J., Topa, G. and Violante, G. L. (2014), *American Economic Review*
    104(11), 3529-3564.
    """
    fname = "counterfactual_job_finding"

    def number(x: object, name: str) -> float | None:
        if isinstance(x, pl.Expr | str):
            return None
        if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
            msg = f"{fname}: {name} must be a finite number, a column name or an expression"
            raise ValueError(msg)
        return float(x)

    f, m = number(job_finding, "job_finding"), number(mismatch, "mismatch")
    if f is not None and f < 0:
        msg = f"{fname}: job_finding must be >= 0, got {f}"
        raise ValueError(msg)
    if m is not None and not 0 <= m < 1:
        msg = f"{fname}: mismatch must lie in [0, 1), got {m}"
        raise ValueError(msg)
    if f is not None and m is not None:
        return f / (1.0 - m)

    def expr(x: float | pl.Expr | str) -> pl.Expr:
        if isinstance(x, str):
            return pl.col(x)
        if isinstance(x, pl.Expr):
            return x
        return pl.lit(float(x))

    fe, me = expr(job_finding).cast(pl.Float64), expr(mismatch).cast(pl.Float64)
    ok = (fe >= 0) & (me >= 0) & (me < 1)
    return pl.when(ok).then(fe / (1.0 - me)).otherwise(None)


def tightness(
    frame: FrameT,
    *,
    unemployed: str = "unemployed",
    vacancies: str = "vacancies",
    by: str | Sequence[str] = ("geo", "period"),
) -> FrameT:
    r"""One row per ``by`` group: labour-market tightness, vacancies per unemployed person.

    .. math:: \theta = \frac{V}{U} = \frac{\sum_i V_i}{\sum_i U_i}

    summed over the rows of a group (pass ``by`` = the frame's key for a row-wise ratio).
    Tightness is the level the distribution measures (:func:`jackman_roper`,
    :func:`sahin_index`) ignore; read the two together.

    Parameters
    ----------
    frame
        Counts ``unemployed`` and ``vacancies`` (non-negative) and the ``by`` columns.
    unemployed, vacancies
        Column names. Vacancies and unemployed must count the same population and period
        (e.g. job vacancies from the JVS and ILO unemployed from the LFS, same quarter).
    by
        Grouping columns; empty for one overall ratio.

    Returns
    -------
    Same kind as ``frame``: ``by`` columns, ``unemployed`` and ``vacancies`` (group sums,
    named as the inputs) and ``vacancy_unemployment_ratio`` (Float64), sorted by ``by``.
    A group with a missing count has null sums and ratio (a total with a hole in it would
    overstate or understate tightness); the ratio is null when there are no unemployed.

    Raises
    ------
    ValueError
        Missing or non-numeric columns; negative or infinite counts.

    References
    ----------
    Pissarides, C. A. (2000), *Equilibrium Unemployment Theory*, 2nd ed., MIT Press.
    """
    fname = "tightness"
    lf = _start(frame, fname)
    by_: tuple[str, ...] = _names(by, "by", fname)
    _distinct(fname, by=by_, unemployed=unemployed, vacancies=vacancies)
    schema = _check_columns(lf, [*by_, unemployed, vacancies], fname)
    _check_numeric(schema, [unemployed, vacancies], fname)
    lf = lf.with_columns(_nan_to_null([unemployed, vacancies], schema))
    lf = _guard_values(lf, [unemployed, vacancies], by_, fname)
    holes = pl.col(unemployed).is_null().any() | pl.col(vacancies).is_null().any()
    u = pl.when(~holes).then(pl.col(unemployed).cast(pl.Float64).sum())
    v = pl.when(~holes).then(pl.col(vacancies).cast(pl.Float64).sum())
    out = _agg(lf, by_, [u.alias(unemployed), v.alias(vacancies)]).with_columns(
        pl.when(pl.col(unemployed) > 0)
        .then(pl.col(vacancies) / pl.col(unemployed))
        .otherwise(None)
        .alias("vacancy_unemployment_ratio")
    )
    return _finish(out, frame)


def beveridge_curve(
    frame: FrameT,
    *,
    vacancy_rate: str = "job_vacancy_rate_pct",
    unemployment_rate: str = "unemployment_rate",
    by: str | Sequence[str] = ("geo",),
    time: str = "period",
    flags: Sequence[str] | None = None,
) -> FrameT:
    r"""One row per ``by`` group and period: a Beveridge-curve point and its segment.

    .. math:: (u_t, v_t), \quad t = 1, \dots, T, \qquad
              \text{segment}_t = 1 + \#\{s \le t : \text{break at } s\}

    The Beveridge curve plots the vacancy rate against the unemployment rate over time;
    movements along it are cyclical, shifts of it suggest a change in matching
    efficiency (or mismatch). A series break (Eurostat flag ``b``: a new survey design,
    classification or definition) makes the points before and after incomparable, so a
    chart must not join them: ``segment`` starts at 1 for each group and increases by 1
    at every period whose flag contains ``b``. Draw one line per ``by`` group *and*
    segment.

    Parameters
    ----------
    frame
        One row per ``by`` group and ``time``, with the two rates (percent, non-negative).
        The JVS job vacancy rate is vacancies over (occupied posts + vacancies); the LFS
        unemployment rate is unemployed over the labour force.
    vacancy_rate, unemployment_rate, time
        Column names. ``time`` must sort chronologically as it is (``2021``,
        ``2021-Q3``, ``2021Q3`` each do, but do not mix formats).
    by
        Grouping columns (a curve per group).
    flags
        Columns whose ``b`` marks a break (e.g. the flags of both series after a join).
        None: ``flag`` if the frame has it, else no breaks. A break on a row whose rate
        is missing still starts a new segment.

    Returns
    -------
    Same kind as ``frame``: ``by``, ``time``, ``unemployment_rate`` and ``vacancy_rate``
    (named as the inputs), the ``flags`` columns, and ``segment`` (UInt32, 1, 2, ...
    within each group), sorted by ``by`` and ``time``. Rows where either rate is missing
    are left out (a gap in time is not treated as a break).

    Raises
    ------
    ValueError
        Missing or non-numeric columns; negative or infinite rates; two rows for the same
        group and period; a flag column that is not a string.

    References
    ----------
    Beveridge, W. H. (1944), *Full Employment in a Free Society*; Blanchard, O. J. and
    Diamond, P. (1989), "The Beveridge Curve", *Brookings Papers on Economic Activity*
    1989(1), 1-76; Eurostat, *Code list of observation flags* (``b`` = break in series).
    """
    fname = "beveridge_curve"
    lf = _start(frame, fname)
    by_: tuple[str, ...] = _names(by, "by", fname)
    schema = lf.collect_schema()
    if flags is None:
        flag_cols: tuple[str, ...] = ("flag",) if "flag" in schema else ()
    else:
        flag_cols = _names(flags, "flags", fname)
    _distinct(fname, by=by_, time=time, rates=[vacancy_rate, unemployment_rate], flags=flag_cols)
    rates: list[str] = [unemployment_rate, vacancy_rate]
    schema = _check_columns(lf, [*by_, time, *rates, *flag_cols], fname)
    _check_numeric(schema, rates, fname)
    bad_flags = {c: str(schema[c]) for c in flag_cols if schema[c] not in (pl.String, pl.Null)}
    if bad_flags:
        msg = f"{fname}: flag column(s) must be String, got {bad_flags}"
        raise ValueError(msg)
    lf = lf.with_columns(pl.col(c).cast(pl.String) for c in flag_cols)
    lf = lf.with_columns(_nan_to_null(rates, schema))
    lf = _guard_values(lf, rates, [*by_, time], fname)
    lf = _guard_unique(lf, [*by_, time], fname)
    keys: list[str]
    lf, keys = _keys(lf, by_)
    brk: pl.Expr = pl.lit(False)
    for c in flag_cols:
        brk = brk | pl.col(c).str.contains("b", literal=True).fill_null(False)
    first = pl.int_range(pl.len()).over(keys) == 0
    out = (
        lf.select(*keys, time, *rates, *flag_cols)
        .sort([*keys, time], nulls_last=True)
        .with_columns((brk & ~first).cast(pl.UInt32).cum_sum().over(keys).alias("segment"))
        .filter(pl.col(unemployment_rate).is_not_null() & pl.col(vacancy_rate).is_not_null())
        .with_columns(pl.col("segment").rank("dense").over(keys).cast(pl.UInt32))
    )
    return _finish(_drop_dummy(out), frame)
