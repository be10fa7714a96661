r"""Frozen, typed results of the model fits.

The tidy table (one row per term: ``term, estimate, std_error, statistic, p_value,
conf_low, conf_high, p_value_upper_bound``) is the truth; every other view
(:meth:`ModelResult.glance`, :meth:`ModelResult.summary`, :attr:`ModelResult.params`,
:meth:`ModelResult.to_rows`) derives from it. Results are frozen dataclasses: assigning an
attribute raises :class:`dataclasses.FrozenInstanceError`, and :meth:`ModelResult.tidy`
returns a copy.

Why one module of about 570 lines: the result types are one contract (every view derives
from the same tidy table, and :func:`compare` lines them up); a model family's result
subclass adds only its own views, and keeping them together keeps that contract in one
place.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import numpy as np
import polars as pl

from skills.models._stats import critical_value, wald_test
from skills.models.conventions import CONFIDENCE_LEVEL
from skills.models.cov import Cov

__all__ = [
    "MODEL_ROWS_SCHEMA",
    "TIDY_SCHEMA",
    "MatchingResult",
    "ModelResult",
    "PolarisationResult",
    "UTest",
    "compare",
]

Estimator = Literal["WLS", "OLS", "PanelOLS"]

#: Columns and types of :meth:`ModelResult.tidy`.
TIDY_SCHEMA: dict[str, pl.DataType] = {
    "term": pl.String(),
    "estimate": pl.Float64(),
    "std_error": pl.Float64(),
    "statistic": pl.Float64(),
    "p_value": pl.Float64(),
    "conf_low": pl.Float64(),
    "conf_high": pl.Float64(),
    "p_value_upper_bound": pl.Boolean(),
}

#: Columns and types of :meth:`ModelResult.to_rows` (the rows of ``models.parquet``).
MODEL_ROWS_SCHEMA: dict[str, pl.DataType] = {
    "model_id": pl.String(),
    **TIDY_SCHEMA,
    "cov": pl.String(),
    "nobs": pl.Int64(),
    "r2": pl.Float64(),
    "clusters": pl.Int64(),
}


def tidy_frame(
    terms: Sequence[str],
    *,
    estimate: Iterable[float],
    std_error: Iterable[float],
    statistic: Iterable[float],
    p_value: Iterable[float],
    conf_low: Iterable[float],
    conf_high: Iterable[float],
    p_value_upper_bound: Iterable[bool] | None = None,
) -> pl.DataFrame:
    """Build a tidy table with the exact :data:`TIDY_SCHEMA` (used by the fit functions).

    ``p_value_upper_bound`` marks the p-values that are upper bounds (a bootstrap with no
    draw as extreme as the data publishes :math:`1/(B+1)`); all False when omitted.
    """
    names = list(terms)
    bounds = [False] * len(names) if p_value_upper_bound is None else list(p_value_upper_bound)
    data = {
        "term": names,
        "estimate": [float(v) for v in estimate],
        "std_error": [float(v) for v in std_error],
        "statistic": [float(v) for v in statistic],
        "p_value": [float(v) for v in p_value],
        "conf_low": [float(v) for v in conf_low],
        "conf_high": [float(v) for v in conf_high],
        "p_value_upper_bound": [bool(v) for v in bounds],
    }
    return pl.DataFrame(data, schema=TIDY_SCHEMA)


@dataclass(frozen=True, eq=False)
class ModelResult:
    r"""The result of one fit.

    Attributes
    ----------
    model_id : str
        Stable id of the model (the key of its rows in ``models.parquet``).
    formula : str
        The estimated equation, as text.
    estimator : str
        ``"WLS"``, ``"OLS"`` or ``"PanelOLS"`` for the package's fits; any name for a
        result built with :func:`skills.models.build_result`.
    cov : Cov
        The covariance behind ``std_error`` (and behind ``statistic``).
    table : polars.DataFrame
        The tidy table, :data:`TIDY_SCHEMA`; read it with :meth:`tidy`.
    nobs : int
        Observations used.
    r2 : float or None
        :math:`R^2` (weighted for WLS; of the effects-transformed regression for PanelOLS).
    clusters : int or None
        Number of clusters, for a cluster covariance or a cluster bootstrap.
    extras : Mapping[str, float]
        Model-specific scalars (turning point, data range, bootstrap replications, ...).
    notes : tuple of str
        What was dropped, which covariance and inference were used, warnings.
    vcov : tuple of tuple of float
        The covariance matrix of the estimates, in the order of the table's terms.
    df_inference : int or None
        Degrees of freedom of the t distribution behind analytic p-values and intervals
        (None: normal).
    bootstrap : Cov or None
        When set, ``p_value``, ``conf_low`` and ``conf_high`` come from this wild
        bootstrap (restricted p-values, intervals by inverting the restricted test) for the
        terms listed in the notes; ``std_error`` and ``statistic`` stay analytic.
    level : float
        Confidence level of ``conf_low`` / ``conf_high``.
    """

    model_id: str
    formula: str
    estimator: Estimator | str
    cov: Cov
    table: pl.DataFrame
    nobs: int
    r2: float | None = None
    clusters: int | None = None
    extras: Mapping[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    vcov: tuple[tuple[float, ...], ...] = ()
    df_inference: int | None = None
    bootstrap: Cov | None = None
    level: float = CONFIDENCE_LEVEL

    def __post_init__(self) -> None:
        schema = dict(self.table.schema)
        if schema != TIDY_SCHEMA:
            raise ValueError(f"tidy table must have columns {TIDY_SCHEMA}, got {schema}")
        if self.table["term"].n_unique() != self.table.height:
            raise ValueError("tidy table terms must be unique")
        k = self.table.height
        if self.vcov and (len(self.vcov) != k or any(len(row) != k for row in self.vcov)):
            raise ValueError(f"vcov must be {k} x {k}, in the order of the terms")
        object.__setattr__(self, "table", self.table.clone())
        object.__setattr__(self, "extras", MappingProxyType(dict(self.extras)))
        object.__setattr__(self, "notes", tuple(self.notes))

    # -- the truth and its views -----------------------------------------------------------
    def tidy(self) -> pl.DataFrame:
        """The tidy table (a copy): term, estimate, std_error, statistic, p_value,
        conf_low, conf_high, p_value_upper_bound."""
        return self.table.clone()

    @property
    def terms(self) -> tuple[str, ...]:
        """The terms, in table order."""
        return tuple(self.table["term"].to_list())

    def _column(self, name: str) -> dict[str, float]:
        return dict(zip(self.table["term"].to_list(), self.table[name].to_list(), strict=True))

    @property
    def params(self) -> dict[str, float]:
        """Estimates by term."""
        return self._column("estimate")

    @property
    def std_errors(self) -> dict[str, float]:
        """Standard errors by term (from :attr:`cov`)."""
        return self._column("std_error")

    @property
    def pvalues(self) -> dict[str, float]:
        """p-values by term (bootstrap p-values where :attr:`bootstrap` says so)."""
        return self._column("p_value")

    @property
    def cov_label(self) -> str:
        """The inference used, as one label: ``robust-HC1`` or
        ``robust-HC1 + wild-bootstrap(webb, 999)``."""
        if self.bootstrap is None:
            return self.cov.name
        return f"{self.cov.name} + {self.bootstrap.name}"

    def conf_int(self, level: float | None = None) -> pl.DataFrame:
        r"""Confidence intervals: term, conf_low, conf_high.

        At the fit's own level, the table's intervals (bootstrap ones where a bootstrap
        was run). At another level, analytic intervals
        :math:`\hat\beta \pm q_{t_{df}}\operatorname{se}`; not available for
        bootstrapped terms, whose draws are not kept (refit with another level).
        """
        if level is None or math.isclose(level, self.level):
            return self.table.select("term", "conf_low", "conf_high")
        if self.bootstrap is not None:
            raise ValueError(
                f"{self.model_id}: bootstrap intervals were computed at level {self.level}; "
                "refit with the level you need"
            )
        q = critical_value(level, self.df_inference)
        return self.table.select(
            "term",
            (pl.col("estimate") - q * pl.col("std_error")).alias("conf_low"),
            (pl.col("estimate") + q * pl.col("std_error")).alias("conf_high"),
        )

    def cov_params(self) -> np.ndarray:
        """The covariance matrix of the estimates (a new numpy array, table order)."""
        if not self.vcov:
            raise ValueError(f"{self.model_id}: no covariance matrix was recorded")
        return np.array(self.vcov, dtype=np.float64)

    def linear_test(self, weights: Mapping[str, float], value: float = 0.0) -> tuple[float, float]:
        r"""Wald test of :math:`H_0: \sum_j w_j \beta_j = c` with the fit's covariance.

        .. math:: W = \frac{(w'\hat\beta - c)^2}{w'\hat V w}

        p-value from :math:`F_{1,df}` with the fit's inference degrees of freedom
        (:math:`\chi^2_1` when they are None). For example, whether the high-skill share
        trend differs from the middle-skill one:
        ``result.linear_test({"trend:high": 1, "trend:middle": -1})``.

        Returns
        -------
        (float, float)
            The Wald statistic and its p-value.
        """
        unknown = set(weights) - set(self.terms)
        if unknown:
            raise ValueError(f"{self.model_id}: unknown terms {sorted(unknown)}")
        r = [float(weights.get(t, 0.0)) for t in self.terms]
        est = np.array(self.table["estimate"].to_list(), dtype=np.float64)
        return wald_test(est, self.cov_params(), r, value, self.df_inference)

    def glance(self) -> pl.DataFrame:
        """One row: model_id, estimator, nobs, r2, cov, clusters, then the extras."""
        row: dict[str, object] = {
            "model_id": self.model_id,
            "estimator": self.estimator,
            "nobs": self.nobs,
            "r2": self.r2,
            "cov": self.cov_label,
            "clusters": self.clusters,
        }
        schema: dict[str, pl.DataType] = {
            "model_id": pl.String(),
            "estimator": pl.String(),
            "nobs": pl.Int64(),
            "r2": pl.Float64(),
            "cov": pl.String(),
            "clusters": pl.Int64(),
        }
        for key, val in self.extras.items():
            row[key] = float(val)
            schema[key] = pl.Float64()
        return pl.DataFrame([row], schema=schema)

    def to_rows(self) -> pl.DataFrame:
        """Rows for ``models.parquet``: one per term, :data:`MODEL_ROWS_SCHEMA`."""
        return self.table.select(
            pl.lit(self.model_id, pl.String).alias("model_id"),
            *TIDY_SCHEMA,
            pl.lit(self.cov_label, pl.String).alias("cov"),
            pl.lit(self.nobs, pl.Int64).alias("nobs"),
            pl.lit(self.r2, pl.Float64).alias("r2"),
            pl.lit(self.clusters, pl.Int64).alias("clusters"),
        )

    def summary(self) -> str:
        """A plain-text table for a terminal."""
        head = [
            f"Model: {self.model_id}    Estimator: {self.estimator}",
            f"Formula: {self.formula}",
            f"Covariance: {self.cov_label}    Observations: {self.nobs}"
            + (f"    Clusters: {self.clusters}" if self.clusters is not None else "")
            + (f"    R2: {self.r2:.4f}" if self.r2 is not None else ""),
        ]
        ci = f"{round(self.level * 100)}%"
        cols = ["term", "estimate", "std_error", "statistic", "p_value", f"{ci} low", f"{ci} high"]
        body = [
            [
                str(r["term"]),
                *(_fmt(r[c]) for c in ("estimate", "std_error", "statistic")),
                ("<" if r["p_value_upper_bound"] else "") + _fmt(r["p_value"]),
                _fmt(r["conf_low"]),
                _fmt(r["conf_high"]),
            ]
            for r in self.table.iter_rows(named=True)
        ]
        widths = [max(len(cols[i]), *(len(b[i]) for b in body)) for i in range(len(cols))]
        fmt_row = "  ".join(
            "{:<" + str(w) + "}" if i == 0 else "{:>" + str(w) + "}" for i, w in enumerate(widths)
        )
        rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
        lines = [*head, rule, fmt_row.format(*cols), rule]
        lines += [fmt_row.format(*b) for b in body]
        lines.append(rule)
        if self.extras:
            lines.append("  ".join(f"{k}={_fmt(v)}" for k, v in self.extras.items()))
        if any(self.table["p_value_upper_bound"].to_list()):
            lines.append(
                "Note: <p: no bootstrap draw was as extreme as the data; the p-value is below "
                "1/(B+1)"
            )
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _fmt(value: object) -> str:
    if value is None:
        return ""
    v = float(value)  # type: ignore[arg-type]
    if math.isnan(v):
        return "nan"
    if v != 0.0 and (abs(v) < 1e-3 or abs(v) >= 1e6):
        return f"{v:.4e}"
    return f"{v:.4f}"


@dataclass(frozen=True, eq=False)
class PolarisationResult(ModelResult):
    r"""The U-shape test :math:`\Delta s_p = \beta_0 + \beta_1 p + \beta_2 p^2 + \varepsilon_p`.

    Extra attributes: ``x_term`` (the name of the linear term; the square is
    ``f"{x_term}^2"``), ``x_range`` (min and max of the data's :math:`p`) and
    ``turning_point_draws`` (the wild bootstrap draws of :math:`p^*`, empty without a
    bootstrap).
    """

    x_term: str = "skill_pct"
    x_range: tuple[float, float] = (0.0, 100.0)
    turning_point_draws: tuple[float, ...] = ()

    def _betas(self) -> tuple[float, float]:
        sq = f"{self.x_term}^2"
        if sq not in self.terms or any(t.endswith("^3") for t in self.terms):
            raise ValueError(f"{self.model_id}: the turning point needs a quadratic (degree=2)")
        p = self.params
        return p[self.x_term], p[sq]

    def turning_point(self) -> float:
        r"""The turning point of the fitted parabola.

        .. math:: p^* = -\frac{\hat\beta_1}{2\hat\beta_2}
        """
        b1, b2 = self._betas()
        if b2 == 0.0:
            return math.nan
        return -b1 / (2.0 * b2)

    def turning_point_ci(
        self,
        level: float = CONFIDENCE_LEVEL,
        method: Literal["fieller", "delta", "bootstrap"] = "fieller",
    ) -> tuple[float, float]:
        r"""A confidence interval for :math:`p^*`.

        ``"fieller"`` (default; Fieller 1954, as in Lind and Mehlum 2010): the set of
        :math:`x` at which the slope :math:`\hat\beta_1 + 2\hat\beta_2 x` is not
        significantly different from zero,

        .. math::

            \{x : (\hat\beta_1 + 2\hat\beta_2 x)^2 \le q^2
                (\hat V_{11} + 4x\hat V_{12} + 4x^2\hat V_{22})\},

        :math:`q` the two-sided :math:`t_{df}` critical value. It is exact under normality
        and asymmetric around :math:`p^*` as a ratio's interval should be; when
        :math:`\hat\beta_2` is not significant at ``level`` the set is unbounded and
        ``(-inf, inf)`` is returned. ``"delta"``: the delta method,

        .. math::

            \operatorname{se}(p^*)^2 = g'\hat V g, \qquad
            g = \Bigl(-\frac{1}{2\hat\beta_2},\; \frac{\hat\beta_1}{2\hat\beta_2^2}\Bigr)'

        and :math:`p^* \pm q\operatorname{se}(p^*)` (symmetric, poor when
        :math:`\hat\beta_2` is near zero). ``"bootstrap"``: the equal-tailed percentile
        interval of the unrestricted wild bootstrap draws
        :math:`p^*_b = -\hat\beta^*_{1b}/(2\hat\beta^*_{2b})` (non-finite draws ignored;
        needs a fit with ``bootstrap=``).
        """
        alpha = 1.0 - level
        b1, b2 = self._betas()
        idx = [self.terms.index(self.x_term), self.terms.index(f"{self.x_term}^2")]
        v = self.cov_params()[np.ix_(idx, idx)]
        q = critical_value(level, self.df_inference)
        if method == "bootstrap":
            draws = np.array(self.turning_point_draws, dtype=np.float64)
            draws = draws[np.isfinite(draws)]
            if not draws.size:
                raise ValueError(f"{self.model_id}: no bootstrap draws (fit with bootstrap=)")
            lo, hi = np.quantile(draws, [alpha / 2.0, 1.0 - alpha / 2.0])
            return float(lo), float(hi)
        if method == "delta":
            g = np.array([-1.0 / (2.0 * b2), b1 / (2.0 * b2 * b2)])
            se = math.sqrt(float(g @ v @ g))
            p_star = self.turning_point()
            return p_star - q * se, p_star + q * se
        if method != "fieller":
            raise ValueError(f"method must be 'fieller', 'delta' or 'bootstrap', not {method!r}")
        q2 = q * q
        a = 4.0 * (b2 * b2 - q2 * v[1, 1])
        b = 4.0 * (b1 * b2 - q2 * v[0, 1])
        c = b1 * b1 - q2 * v[0, 0]
        disc = b * b - 4.0 * a * c
        if a <= 0.0 or disc < 0.0:
            return -math.inf, math.inf
        root = math.sqrt(disc)
        return (-b - root) / (2.0 * a), (-b + root) / (2.0 * a)

    def u_test(self, interval: tuple[float, float] | None = None) -> UTest:
        r"""The Lind and Mehlum (2010) test of a U shape on an interval :math:`[x_l, x_h]`.

        A U on the interval means the slope is negative at its low end and positive at its
        high end. With :math:`S(x) = \hat\beta_1 + 2\hat\beta_2 x` and
        :math:`\operatorname{se}(S(x))^2 = \hat V_{11} + 4x\hat V_{12} + 4x^2\hat V_{22}`,

        .. math::

            H_0: S(x_l) \ge 0 \ \text{or}\ S(x_h) \le 0 \quad\text{vs}\quad
            H_1: S(x_l) < 0 < S(x_h),

        an intersection-union test: :math:`t = \min\bigl(-S(x_l)/\operatorname{se}_l,\;
        S(x_h)/\operatorname{se}_h\bigr)` with the one-sided p-value
        :math:`P(T_{df} > t)` (normal when df is None), using the fit's covariance (HC1 by
        default; the bootstrap does not enter). The interval defaults to the data's range
        of :math:`p` (``x_range``).

        References
        ----------
        Lind, J. T. and Mehlum, H. (2010), "With or without U? The appropriate test for a
        U-shaped relationship", Oxford Bulletin of Economics and Statistics 72(1), 109-118.
        """
        from scipy import stats

        b1, b2 = self._betas()
        idx = [self.terms.index(self.x_term), self.terms.index(f"{self.x_term}^2")]
        v = self.cov_params()[np.ix_(idx, idx)]
        lo, hi = interval if interval is not None else self.x_range

        def slope(x: float) -> tuple[float, float]:
            s = b1 + 2.0 * b2 * x
            se = math.sqrt(float(v[0, 0] + 4.0 * x * v[0, 1] + 4.0 * x * x * v[1, 1]))
            return s, s / se

        s_lo, t_lo = slope(lo)
        s_hi, t_hi = slope(hi)
        t = min(-t_lo, t_hi)
        df = self.df_inference
        p = float(stats.norm.sf(t) if df is None else stats.t.sf(t, df))
        return UTest(
            statistic=t,
            p_value=p,
            x_low=lo,
            x_high=hi,
            slope_low=s_lo,
            slope_high=s_hi,
            t_low=t_lo,
            t_high=t_hi,
            df=df,
        )

    def is_u_shaped(self, alpha: float | None = 0.05) -> bool:
        r"""True when the Lind and Mehlum (2010) test finds a U on the data's range.

        With ``alpha`` (0.05 by default), :meth:`u_test` must reject "no U" at that level:
        the slope is significantly negative at the lowest :math:`p` and significantly
        positive at the highest, which implies :math:`\hat\beta_2 > 0` and
        :math:`p^*` inside the range. Two separate tests of :math:`\beta_1` and
        :math:`\beta_2` are not such a test (a significant convex curve can be monotone
        on the data). With ``alpha=None``, the point estimates only:
        :math:`S(x_l) < 0 < S(x_h)`.
        """
        test = self.u_test()
        if alpha is None:
            return test.slope_low < 0.0 < test.slope_high
        return test.p_value < alpha


@dataclass(frozen=True)
class UTest:
    """The Lind-Mehlum U test (:meth:`PolarisationResult.u_test`).

    ``statistic`` is the smaller of the two one-sided t statistics (:math:`-t_l`,
    :math:`t_h`), ``p_value`` its one-sided p-value; ``slope_low``/``slope_high`` and
    ``t_low``/``t_high`` the slope and its t at ``x_low`` and ``x_high``.
    """

    statistic: float
    p_value: float
    x_low: float
    x_high: float
    slope_low: float
    slope_high: float
    t_low: float
    t_high: float
    df: int | None


@dataclass(frozen=True, eq=False)
class MatchingResult(ModelResult):
    r"""The matching function
    :math:`\ln H_{rt} = \ln A + \alpha \ln U_{r,t-\ell} + \beta \ln V_{r,t-\ell} + \mu_r +
    \tau_t + \varepsilon_{rt}`.

    ``alpha_term`` and ``beta_term`` name the unemployment and vacancy elasticities.
    """

    alpha_term: str = "ln_unemployed_lag1"
    beta_term: str = "ln_vacancies_lag1"

    def returns_to_scale(self) -> float:
        r"""Returns to scale, :math:`\hat\alpha + \hat\beta`."""
        p = self.params
        return p[self.alpha_term] + p[self.beta_term]

    def crs_test(self) -> tuple[float, float]:
        r"""Wald test of constant returns to scale, :math:`H_0: \alpha + \beta = 1`.

        .. math::

            W = \frac{(\hat\alpha + \hat\beta - 1)^2}
                     {\hat V_{\alpha\alpha} + \hat V_{\beta\beta} + 2\hat V_{\alpha\beta}}

        using the fit's covariance; p-value from :math:`F_{1,df}` (:math:`\chi^2_1` for
        normal inference). Returns the statistic and the p-value.
        """
        return self.linear_test({self.alpha_term: 1.0, self.beta_term: 1.0}, 1.0)


def compare(results: Sequence[ModelResult]) -> pl.DataFrame:
    """Side-by-side table of several results.

    One row per term (in order of first appearance), then the rows ``nobs`` and ``r2``;
    for each model, the columns ``<model_id>:estimate`` and ``<model_id>:std_error``
    (null where a model has no such term).
    """
    if not results:
        raise ValueError("compare() needs at least one result")
    ids = [r.model_id for r in results]
    if len(set(ids)) != len(ids):
        raise ValueError(f"compare() needs distinct model ids, got {ids}")
    terms: list[str] = []
    for r in results:
        terms += [t for t in r.terms if t not in terms]
    data: dict[str, list[float | None] | list[str]] = {"term": [*terms, "nobs", "r2"]}
    schema: dict[str, pl.DataType] = {"term": pl.String()}
    for r in results:
        est, se = r.params, r.std_errors
        data[f"{r.model_id}:estimate"] = [
            *(est.get(t) for t in terms),
            float(r.nobs),
            r.r2,
        ]
        data[f"{r.model_id}:std_error"] = [*(se.get(t) for t in terms), None, None]
        schema[f"{r.model_id}:estimate"] = pl.Float64()
        schema[f"{r.model_id}:std_error"] = pl.Float64()
    return pl.DataFrame(data, schema=schema)
