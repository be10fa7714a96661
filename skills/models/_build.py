"""Assemble the tidy table from estimates, a covariance and (optionally) a bootstrap.

:func:`build_result` is the public results builder: estimates, their covariance matrix
and the degrees of freedom of a fit made with any library become a
:class:`~skills.models.ModelResult` (``tidy()``, ``glance()``, ``summary()``,
``to_rows()``, ``linear_test()``), as the package's own fits do.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

from skills.models._bootstrap import BootstrapOutcome
from skills.models._stats import critical_value, two_sided_p
from skills.models.conventions import CONFIDENCE_LEVEL
from skills.models.cov import Cov
from skills.models.results import ModelResult, tidy_frame

__all__ = ["build_result", "build_table", "vcov_tuple"]

FloatArray = npt.NDArray[np.float64]


def build_table(
    terms: Sequence[str],
    *,
    params: FloatArray,
    vcov: FloatArray,
    df: int | None,
    level: float,
    boot: BootstrapOutcome | None = None,
    boot_columns: Sequence[int] = (),
) -> pl.DataFrame:
    r"""Tidy rows: :math:`t = \hat\beta/\operatorname{se}`, p from :math:`t_{df}` (normal
    when ``df`` is None), :math:`\hat\beta \pm q\operatorname{se}`; for the columns in
    ``boot_columns`` (positions in ``terms``), p-value (an upper bound :math:`1/(B+1)`
    where no draw was as extreme) and interval from ``boot``."""
    se = np.sqrt(np.clip(np.diag(vcov), 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = params / se
    p = two_sided_p(stat, df)
    q = critical_value(level, df)
    low = params - q * se
    high = params + q * se
    bound = [False] * len(terms)
    if boot is not None:
        for col in boot_columns:
            p[col] = boot.p_value[col]
            bound[col] = boot.upper_bound[col]
            low[col], high[col] = boot.conf_int[col]
    return tidy_frame(
        terms,
        estimate=params,
        std_error=se,
        statistic=stat,
        p_value=p,
        conf_low=low,
        conf_high=high,
        p_value_upper_bound=bound,
    )


def vcov_tuple(vcov: FloatArray) -> tuple[tuple[float, ...], ...]:
    """A covariance matrix as nested tuples (for a frozen result)."""
    return tuple(tuple(float(v) for v in row) for row in np.asarray(vcov))


def build_result(
    terms: Sequence[str],
    params: npt.ArrayLike,
    vcov: npt.ArrayLike,
    *,
    model_id: str,
    nobs: int,
    cov: Cov,
    df: int | None,
    estimator: str = "OLS",
    formula: str = "",
    r2: float | None = None,
    clusters: int | None = None,
    extras: Mapping[str, float] | None = None,
    notes: Sequence[str] = (),
    level: float = CONFIDENCE_LEVEL,
) -> ModelResult:
    r"""A :class:`~skills.models.ModelResult` from estimates and their covariance matrix.

    The results builder for a model fitted with any library (statsmodels, linearmodels,
    scipy, plain numpy): the tidy table is computed the way the package's own fits compute
    it, so ``tidy()``, ``glance()``, ``summary()``, ``conf_int()``, ``linear_test()`` and
    ``to_rows()`` (the rows of ``models.parquet``) behave the same.

    .. math::

        \operatorname{se}_j = \sqrt{\hat V_{jj}}, \qquad
        t_j = \hat\beta_j / \operatorname{se}_j, \qquad
        p_j = 2\,P(T > |t_j|), \qquad
        \hat\beta_j \pm q_{1-\alpha/2}\operatorname{se}_j

    with :math:`T \sim t_{df}` (the normal distribution when ``df`` is None) and
    :math:`q` its quantile at ``level``.

    Parameters
    ----------
    terms
        The coefficient names, in the order of ``params`` and of ``vcov``'s rows.
    params
        The estimates :math:`\hat\beta` (a sequence, numpy array or pandas Series).
    vcov
        Their covariance matrix :math:`\hat V`, K x K (a numpy array or pandas frame):
        finite, symmetric, with a non-negative diagonal.
    model_id
        The model's id: the key of its rows in ``models.parquet`` (unique in a
        publication).
    nobs
        Observations used (at least 1).
    cov
        How ``vcov`` was computed, in the package's vocabulary (:class:`Cov`:
        ``Cov.iid()``, ``Cov.robust("HC1")``, ``Cov.cluster("geo")``); it is published in
        the ``cov`` column. A wild bootstrap is not a covariance and is refused.
    df
        Degrees of freedom of the reference t distribution (``N - K`` for iid and
        robust covariances, ``G - 1`` for a clustered CR1 one: the package's
        conventions, ``docs/models.md``), or None for the normal distribution.
    estimator
        The estimator's name (``"OLS"``, ``"WLS"``, ``"PanelOLS"``, ``"Logit"``, ...).
    formula
        The estimated equation, as text.
    r2
        :math:`R^2`, when the model has one.
    clusters
        Number of clusters of a clustered covariance.
    extras
        Model-specific scalars for ``glance()`` (``{"elasticity_sum": 0.93}``).
    notes
        What was dropped, which choices were made; shown by ``summary()``.
    level
        Confidence level of ``conf_low`` / ``conf_high``.

    Returns
    -------
    ModelResult
        Frozen; ``vcov`` and ``df_inference`` are kept, so ``conf_int(level)`` and
        ``linear_test()`` work.

    Raises
    ------
    ValueError
        When the terms are empty or repeated, the shapes disagree, a value is not finite,
        ``vcov`` is not symmetric or has a negative variance, ``nobs`` or ``df`` is below
        1, or ``cov`` is a wild bootstrap; the message names ``model_id``.

    Examples
    --------
    >>> import numpy as np
    >>> from skills.models import Cov, build_result
    >>> x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    >>> y = np.array([1.1, 1.9, 3.2, 3.9, 5.1])
    >>> X = np.column_stack([np.ones_like(x), x])
    >>> beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    >>> u = y - X @ beta
    >>> V = (u @ u / (5 - 2)) * np.linalg.inv(X.T @ X)
    >>> res = build_result(["intercept", "x"], beta, V, model_id="toy", nobs=5,
    ...                    cov=Cov.iid(), df=3)
    >>> round(res.params["x"], 3), res.tidy().columns[:3]
    (1.0, ['term', 'estimate', 'std_error'])
    """
    where = f"build_result({model_id!r})"
    if not isinstance(model_id, str) or not model_id.strip():
        raise ValueError("build_result: model_id must be a non-empty string")
    names = [str(t) for t in terms]
    if not names:
        raise ValueError(f"{where}: no terms")
    repeated = sorted({t for t in names if names.count(t) > 1})
    if repeated:
        raise ValueError(f"{where}: terms must be unique, {repeated} repeated")
    k = len(names)
    beta = np.asarray(params, dtype=np.float64).reshape(-1)
    if beta.shape != (k,):
        raise ValueError(f"{where}: {beta.size} estimates for {k} terms")
    v = np.asarray(vcov, dtype=np.float64)
    if v.shape != (k, k):
        raise ValueError(f"{where}: vcov is {v.shape}, expected {k} x {k} (one row per term)")
    if not np.all(np.isfinite(beta)):
        bad = [t for t, b in zip(names, beta, strict=True) if not math.isfinite(b)]
        raise ValueError(f"{where}: estimates are not finite for {bad}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{where}: vcov has values that are not finite")
    scale = max(1.0, float(np.abs(v).max()))
    if not np.allclose(v, v.T, rtol=1e-8, atol=1e-12 * scale):
        raise ValueError(f"{where}: vcov is not symmetric")
    negative = [t for t, d in zip(names, np.diag(v), strict=True) if d < 0]
    if negative:
        raise ValueError(f"{where}: negative variances for {negative}")
    if isinstance(nobs, bool) or int(nobs) != nobs or nobs < 1:
        raise ValueError(f"{where}: nobs must be a whole number >= 1, got {nobs!r}")
    if df is not None and (isinstance(df, bool) or int(df) != df or df < 1):
        raise ValueError(f"{where}: df must be a whole number >= 1 or None, got {df!r}")
    if cov.is_bootstrap:
        raise ValueError(
            f"{where}: cov={cov.name} is not a covariance; give the analytic one behind vcov "
            "(Cov.iid(), Cov.robust(...), Cov.cluster(...))"
        )
    df_int = None if df is None else int(df)
    table = build_table(names, params=beta, vcov=v, df=df_int, level=level)
    return ModelResult(
        model_id=model_id,
        formula=formula,
        estimator=estimator,
        cov=cov,
        table=table,
        nobs=int(nobs),
        r2=None if r2 is None else float(r2),
        clusters=None if clusters is None else int(clusters),
        extras={str(key): float(val) for key, val in (extras or {}).items()},
        notes=tuple(str(n) for n in notes),
        vcov=vcov_tuple(v),
        df_inference=df_int,
        level=level,
    )
