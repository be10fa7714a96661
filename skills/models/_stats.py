r"""Shared inference arithmetic: t/normal p-values, confidence intervals, Wald tests.

scipy is imported inside the functions, so that importing :mod:`skills.models` stays light.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from skills.models.conventions import FEW_CLUSTERS

__all__ = ["FEW_CLUSTERS", "critical_value", "inference_df", "two_sided_p", "wald_test"]


FloatArray = npt.NDArray[np.float64]


def critical_value(level: float, df: int | None) -> float:
    r"""The two-sided critical value :math:`q_{1-(1-\text{level})/2}` of :math:`t_{df}`
    (normal when ``df`` is None)."""
    from scipy import stats

    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    q = 1.0 - (1.0 - level) / 2.0
    return float(stats.norm.ppf(q) if df is None else stats.t.ppf(q, df))


def two_sided_p(statistic: FloatArray, df: int | None) -> FloatArray:
    r""":math:`2\,P(T > |t|)` with :math:`T \sim t_{df}` (normal when ``df`` is None)."""
    from scipy import stats

    a = np.abs(np.asarray(statistic, dtype=np.float64))
    out = 2.0 * (stats.norm.sf(a) if df is None else stats.t.sf(a, df))
    return np.asarray(out, dtype=np.float64)


def inference_df(kind: str, small_sample: bool, df_resid: int, clusters: int | None) -> int | None:
    """Degrees of freedom of the reference distribution for a covariance.

    iid and robust: :math:`t_{N-K}` (``df_resid``); cluster with the small-sample
    correction: :math:`t_{G-1}`; cluster without it: normal (None).
    """
    if kind == "cluster":
        if not small_sample:
            return None
        assert clusters is not None
        return max(clusters - 1, 1)
    return max(df_resid, 1)


def wald_test(
    params: FloatArray,
    vcov: FloatArray,
    restriction: Sequence[float],
    value: float,
    df: int | None,
) -> tuple[float, float]:
    r"""Wald test of one linear restriction :math:`H_0: r'\beta = c`.

    .. math:: W = \frac{(r'\hat\beta - c)^2}{r'\hat V r}

    The p-value uses :math:`F_{1, df}` (normal-theory :math:`\chi^2_1` when ``df`` is None),
    matching the t tests of the same fit (:math:`W = t^2`).
    """
    from scipy import stats

    r = np.asarray(restriction, dtype=np.float64)
    diff = float(r @ params) - value
    var = float(r @ vcov @ r)
    if not var > 0.0 or not math.isfinite(var):
        raise ValueError("the restriction has a non-positive variance")
    w = diff * diff / var
    p = float(stats.chi2.sf(w, 1) if df is None else stats.f.sf(w, 1, df))
    return w, p
