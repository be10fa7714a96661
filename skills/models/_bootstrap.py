r"""Wild (cluster) bootstrap-t for linear regressions, in numpy.

The algorithm (Cameron, Gelbach and Miller 2008; Roodman, Nielsen, MacKinnon and Webb
2019), for a regression :math:`y = X\beta + u` (already weighted or within-transformed),
with clusters :math:`g = 1..G` (one observation per cluster for the heteroskedastic wild
bootstrap) and weights :math:`v_{gb}` drawn once and shared by every term:

* the analytic statistic uses the CR1 sandwich
  :math:`\hat V = c\,A\bigl(\sum_g s_g s_g'\bigr)A`, :math:`A = (X'X)^{-1}`,
  :math:`s_g = X_g'\hat u_g`, :math:`c = \frac{G}{G-1}\frac{N-1}{N-K}` (with one
  observation per cluster this is HC1);
* p-values, **restricted (WCR)**: with :math:`\beta_j = 0` imposed, residuals
  :math:`\tilde u` and scores :math:`\tilde s_g = X_g'\tilde u_g`; for a sample
  :math:`y^* = X\tilde\beta + \tilde u\odot v`, the estimate is
  :math:`\hat\beta^*_j = a_j'\sum_g v_g\tilde s_g` (:math:`a_j'` the j-th row of
  :math:`A`) and the j-th score of cluster g on the bootstrap residuals is

  .. math:: c_g = v_g\,a_j'\tilde s_g - a_j' X_g'X_g A \sum_h v_h \tilde s_h ,

  so that :math:`\operatorname{se}^{*2}_j = c\sum_g c_g^2` for all B samples at once with
  G-by-G matrix products (the "fast and wild" arrangement of Roodman et al. 2019);
  :math:`p = B^{-1}\#\{|t^*_b| \ge |\hat t_j|\}`;
* a null other than zero, :math:`\beta_j = r`: the restricted fit is of
  :math:`y - r x_j` on the other columns, :math:`\hat t_j = (\hat\beta_j - r)/\operatorname{se}_j`,
  and :math:`\hat\beta^*_j - r = a_j'\sum_g v_g\tilde s_g` with the same bootstrap standard
  error algebra (the bootstrap residuals do not depend on :math:`r`);
* intervals, by default **inverting the WCR test** (Roodman et al. 2019, section 3.5): the
  set of :math:`r` whose restricted bootstrap p-value exceeds :math:`1-\text{level}`, with
  the same weights for every :math:`r`; its two ends are found by bracketing outward from
  :math:`\hat\beta_j` in steps of :math:`\operatorname{se}_j` and bisecting to
  :math:`10^{-6}\operatorname{se}_j`. The restricted residuals are linear in :math:`r`
  (:math:`\tilde u(r) = \tilde u(0) - r\,M_{-j}x_j`), so are the numerators and the
  :math:`c_g`: both are computed once per term for :math:`r = 0` and for the slope, and
  each of the test's few hundred evaluations is then one G-by-B linear combination
  instead of a regression and G-by-G-by-B products. An end is infinite when no :math:`r` within
  :math:`2^{12}\operatorname{se}_j` is rejected (it happens with very few clusters);
* intervals, alternatively (``interval="wcu"``), **unrestricted (WCU) percentile-t**: the
  same with :math:`\hat u`, and :math:`t^* = (\hat\beta^*_j-\hat\beta_j)/\operatorname{se}^*_j`;
  the interval is :math:`[\hat\beta_j - q^*_{1-\alpha/2}\operatorname{se}_j,\ \hat\beta_j -
  q^*_{\alpha/2}\operatorname{se}_j]`. The unrestricted draws of the whole
  :math:`\hat\beta^*` are returned in both cases (for functions of the coefficients);
* a p-value of zero (no draw as extreme as the data) is an upper bound, not a zero: it is
  reported as :math:`1/(B+1)` with ``upper_bound`` set (Davison and Hinkley 1997, ch. 4).

Columns are scaled to unit norm before the algebra (t statistics are invariant to it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from skills.models.conventions import CONFIDENCE_LEVEL

__all__ = [
    "BootstrapOutcome",
    "IntervalMethod",
    "draw_weights",
    "webb_values",
    "wild_bootstrap",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
IntervalMethod = Literal["inversion", "wcu"]


def webb_values() -> FloatArray:
    r"""Webb's six support points :math:`\pm\sqrt{1/2}, \pm 1, \pm\sqrt{3/2}`
    (each with probability 1/6: mean 0, variance 1)."""
    h = np.sqrt(np.array([0.5, 1.0, 1.5]))
    return np.concatenate([-h[::-1], h])


def draw_weights(n_clusters: int, reps: int, kind: str, seed: int) -> FloatArray:
    """A ``(n_clusters, reps)`` matrix of wild bootstrap weights, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    if kind == "webb":
        support = webb_values()
    elif kind == "rademacher":
        support = np.array([-1.0, 1.0])
    else:
        raise ValueError(f"unknown wild bootstrap weights {kind!r}")
    idx = rng.integers(0, support.size, size=(n_clusters, reps))
    return np.asarray(support[idx], dtype=np.float64)


@dataclass(frozen=True)
class BootstrapOutcome:
    """Per requested term index: the analytic t, the WCR p-value (and whether it is an
    upper bound) and the interval; the ``(K, B)`` unrestricted draws of the coefficient
    vector (original scale)."""

    t_stat: dict[int, float]
    p_value: dict[int, float]
    conf_int: dict[int, tuple[float, float]]
    beta_draws: FloatArray
    clusters: int
    #: True where no bootstrap draw was as extreme as the data: ``p_value`` is then
    #: :math:`1/(B+1)`, an upper bound.
    upper_bound: dict[int, bool]
    reps: int = 0
    interval: IntervalMethod = "inversion"


def _cluster_sums(values: FloatArray, codes: IntArray, n_clusters: int) -> FloatArray:
    out = np.zeros((n_clusters, *values.shape[1:]), dtype=np.float64)
    np.add.at(out, codes, values)
    return out


def _draw_t(
    a_row: FloatArray,
    *,
    a: FloatArray,
    scores: FloatArray,
    gram_by_cluster: FloatArray,
    v: FloatArray,
    factor: float,
) -> tuple[FloatArray, FloatArray]:
    """Numerator and bootstrap standard error of one coefficient for all B samples."""
    num, c = _draw_parts(a_row, a=a, scores=scores, gram_by_cluster=gram_by_cluster, v=v)
    se = np.sqrt(factor * np.einsum("gb,gb->b", c, c))
    return num, se


def _draw_parts(
    a_row: FloatArray,
    *,
    a: FloatArray,
    scores: FloatArray,
    gram_by_cluster: FloatArray,
    v: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """The B numerators and the ``(G, B)`` scores :math:`c_g` whose squares sum to the
    bootstrap variance (both linear in ``scores``)."""
    d = scores @ a_row  # (G,)   a_j' s_g
    q = gram_by_cluster @ a_row  # (G, K) X_g'X_g a_j
    h = q @ a @ scores.T  # (G, G) a_j' X_g'X_g A s_h
    num = d @ v  # (B,)
    c = d[:, None] * v - h @ v  # (G, B)
    return num, c


@dataclass(frozen=True)
class _Design:
    """The scaled design and what every restricted test of it shares."""

    xs: FloatArray
    y: FloatArray
    scale: FloatArray
    a: FloatArray
    gram: FloatArray
    codes: IntArray
    clusters: int
    factor: float
    v: FloatArray
    beta: FloatArray
    se: FloatArray

    #: Per term j: the numerators and the c_g at r = 0 and their slopes in r.
    _parts: dict[int, tuple[FloatArray, FloatArray, FloatArray, FloatArray]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def restricted_scores(self, j: int, r: float) -> FloatArray:
        r"""Scores :math:`\tilde s_g` of the fit with :math:`\beta_j = r` (scaled units)."""
        keep = [c for c in range(self.xs.shape[1]) if c != j]
        xr = self.xs[:, keep]
        yr = self.y - r * self.xs[:, j]
        br, *_ = np.linalg.lstsq(xr, yr, rcond=None)
        u_tilde = yr - xr @ br
        return _cluster_sums(self.xs * u_tilde[:, None], self.codes, self.clusters)

    def draws(self, j: int, r: float) -> tuple[FloatArray, FloatArray]:
        r"""Numerators :math:`\hat\beta^*_j - r` and standard errors of the B restricted
        samples of :math:`\beta_j = r` (scaled units).

        Both are linear in :math:`r` before the square root: :math:`\tilde s_g(r) =
        \tilde s_g(0) - r\,\tilde s^{(1)}_g` with :math:`\tilde s^{(1)}_g` the scores of
        :math:`M_{-j}x_j`, so the numerators are :math:`n_0 - r n_1` and the
        :math:`c_g` are :math:`c_0 - r c_1` (:func:`_draw_t` of each part, once per term).
        """
        parts = self._parts.get(j)
        if parts is None:
            s0 = self.restricted_scores(j, 0.0)
            s1 = s0 - self.restricted_scores(j, 1.0)
            common = {"a": self.a, "gram_by_cluster": self.gram, "v": self.v}
            num0, c0 = _draw_parts(self.a[j], scores=s0, **common)
            num1, c1 = _draw_parts(self.a[j], scores=s1, **common)
            parts = self._parts[j] = (num0, num1, c0, c1)
        num0, num1, c0, c1 = parts
        if r == 0.0:
            num, c = num0, c0
        else:
            num, c = num0 - r * num1, c0 - r * c1
        return num, np.sqrt(self.factor * np.einsum("gb,gb->b", c, c))

    def exceedances(self, j: int, null: float) -> tuple[int, float]:
        r"""WCR test of :math:`\beta_j = r` (``null``, original scale): the number of draws
        with :math:`|t^*_b| \ge |\hat t_j|` and :math:`\hat t_j`."""
        r = null * self.scale[j]
        t_j = float((self.beta[j] - r) / self.se[j])
        num, se = self.draws(j, float(r))
        with np.errstate(divide="ignore", invalid="ignore"):
            t_r = np.where(se > 0.0, num / se, 0.0)
        count = int(np.sum(np.abs(t_r) >= abs(t_j) - 1e-12 * max(1.0, abs(t_j))))
        return count, t_j

    def accepts(self, j: int, null: float, alpha: float) -> bool:
        r"""True when the WCR test does not reject :math:`\beta_j = r` at ``alpha``."""
        count, _ = self.exceedances(j, null)
        return bool(count / self.v.shape[1] > alpha)

    def inverted_interval(self, j: int, alpha: float) -> tuple[float, float]:
        r"""The ends of :math:`\{r : p^{WCR}(r) > \alpha\}` around :math:`\hat\beta_j`."""
        b_j = float(self.beta[j] / self.scale[j])
        s_j = float(self.se[j] / self.scale[j])
        ends: list[float] = []
        for sign in (-1.0, 1.0):
            inside = b_j
            step = 1.0
            outside: float | None = None
            while step <= 4096.0:
                cand = b_j + sign * step * s_j
                if self.accepts(j, cand, alpha):
                    inside = cand
                    step *= 2.0
                else:
                    outside = cand
                    break
            if outside is None:
                ends.append(sign * math.inf)
                continue
            for _ in range(200):
                if abs(outside - inside) <= 1e-6 * s_j:
                    break
                mid = 0.5 * (inside + outside)
                if self.accepts(j, mid, alpha):
                    inside = mid
                else:
                    outside = mid
            ends.append(0.5 * (inside + outside))
        return ends[0], ends[1]


def _make_design(
    x: FloatArray, y: FloatArray, codes: IntArray, v: FloatArray
) -> tuple[_Design, FloatArray]:
    """The scaled design of ``y = X b + u`` with clusters ``codes`` (``0..G-1``) and
    bootstrap weights ``v`` ``(G, B)``, and its unrestricted scores ``(G, K)``."""
    n, k = x.shape
    g = int(codes.max()) + 1
    scale = np.linalg.norm(x, axis=0)
    scale[scale == 0.0] = 1.0
    xs = x / scale
    a = np.linalg.inv(xs.T @ xs)
    factor = g / (g - 1) * (n - 1) / (n - k)
    gram = _cluster_sums(xs[:, :, None] * xs[:, None, :], codes, g)  # (G, K, K)
    beta = a @ (xs.T @ y)
    u_hat = y - xs @ beta
    s_hat = _cluster_sums(xs * u_hat[:, None], codes, g)  # (G, K)
    v_hat = factor * a @ (s_hat.T @ s_hat) @ a
    se_hat = np.sqrt(np.diag(v_hat))
    design = _Design(
        xs=xs,
        y=y,
        scale=scale,
        a=a,
        gram=gram,
        codes=codes,
        clusters=g,
        factor=factor,
        v=v,
        beta=beta,
        se=se_hat,
    )
    return design, s_hat


def wild_bootstrap(
    x: FloatArray,
    y: FloatArray,
    cluster_codes: IntArray | None,
    terms: Sequence[int],
    *,
    reps: int,
    seed: int,
    weights: str,
    level: float = CONFIDENCE_LEVEL,
    interval: IntervalMethod = "inversion",
    nulls: Mapping[int, float] | None = None,
) -> BootstrapOutcome:
    r"""Wild (cluster) bootstrap-t for the coefficients ``terms`` of ``y = X b + u``.

    .. math:: y^*_b = X\tilde\beta + \tilde u \odot v_{g(i), b}

    Parameters
    ----------
    x, y : ndarray
        Regressors ``(N, K)`` and outcome ``(N,)``, already weighted (:math:`\sqrt{w}`)
        or within-transformed.
    cluster_codes : ndarray of int or None
        Cluster index ``0..G-1`` of each row; None for one cluster per observation.
    terms : sequence of int
        Columns whose p-values and intervals are wanted.
    reps, seed, weights
        Replications, seed and weight distribution ("webb" or "rademacher").
    level : float
        Confidence level of the intervals.
    interval : {"inversion", "wcu"}
        Intervals by inverting the WCR test (default) or unrestricted percentile-t.
    nulls : mapping of int to float, optional
        The null value :math:`r` of each term's test (0 when absent).
    """
    n, k = x.shape
    if cluster_codes is None:
        codes = np.arange(n, dtype=np.int64)
    else:
        _, inverse = np.unique(cluster_codes, return_inverse=True)
        codes = np.asarray(inverse, dtype=np.int64).reshape(-1)
    g = int(codes.max()) + 1
    if g < 2:
        raise ValueError("the wild bootstrap needs at least two clusters")
    if n <= k:
        raise ValueError("the wild bootstrap needs more observations than regressors")
    if interval not in ("inversion", "wcu"):
        raise ValueError(f"interval must be 'inversion' or 'wcu', not {interval!r}")

    v = draw_weights(g, reps, weights, seed)
    design, s_hat = _make_design(x, y, codes, v)
    scale, a, gram, factor = design.scale, design.a, design.gram, design.factor
    beta, se_hat = design.beta, design.se

    alpha = 1.0 - level
    nulls = dict(nulls or {})
    t_stat: dict[int, float] = {}
    p_value: dict[int, float] = {}
    bound: dict[int, bool] = {}
    conf_int: dict[int, tuple[float, float]] = {}
    for j in terms:
        count, t_j = design.exceedances(j, float(nulls.get(j, 0.0)))
        t_stat[j] = t_j
        bound[j] = count == 0
        p_value[j] = 1.0 / (reps + 1) if count == 0 else count / reps
        if interval == "inversion":
            conf_int[j] = design.inverted_interval(j, alpha)
            continue
        num_u, se_u = _draw_t(a[j], a=a, scores=s_hat, gram_by_cluster=gram, v=v, factor=factor)
        with np.errstate(divide="ignore", invalid="ignore"):
            t_u = np.where(se_u > 0.0, num_u / se_u, 0.0)
        q_lo, q_hi = np.quantile(t_u, [alpha / 2.0, 1.0 - alpha / 2.0])
        b_j = float(beta[j] / scale[j])
        s_j = float(se_hat[j] / scale[j])
        conf_int[j] = (b_j - float(q_hi) * s_j, b_j - float(q_lo) * s_j)

    draws = (beta[:, None] + a @ (s_hat.T @ v)) / scale[:, None]
    return BootstrapOutcome(
        t_stat=t_stat,
        p_value=p_value,
        conf_int=conf_int,
        beta_draws=np.asarray(draws, dtype=np.float64),
        clusters=g,
        upper_bound=bound,
        reps=reps,
        interval=interval,
    )
