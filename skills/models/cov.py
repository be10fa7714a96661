r"""One covariance vocabulary for every model, translated per backend.

A :class:`Cov` names how the uncertainty of a fit is measured. The same object is passed
to every fit function (:func:`skills.models.fit_polarisation`,
:func:`skills.models.fit_share_panel`, :func:`skills.models.fit_matching_function`) and is
recorded on the result, so that every published standard error says how it was computed.

Four families
-------------
``Cov.iid()``
    Homoskedastic errors:

    .. math:: \hat V = s^2 (X'X)^{-1}, \qquad s^2 = \frac{\hat u'\hat u}{N - K}

``Cov.robust(kind)``
    The heteroskedasticity-consistent sandwich (White 1980; MacKinnon and White 1985):

    .. math::

        \hat V = c\,(X'X)^{-1}\Bigl(\sum_i \omega_i\,x_i x_i'\,\hat u_i^2\Bigr)(X'X)^{-1}

    HC0: :math:`c = 1, \omega_i = 1`; HC1: :math:`c = N/(N-K)`; HC2:
    :math:`\omega_i = 1/(1-h_{ii})`; HC3: :math:`\omega_i = 1/(1-h_{ii})^2`, with
    :math:`h_{ii}` the leverage. In weighted least squares, :math:`x_i` and
    :math:`\hat u_i` are the whitened :math:`\sqrt{w_i}\,x_i` and
    :math:`\sqrt{w_i}\,\hat u_i`.

``Cov.cluster(by, small_sample=True)``
    The one-way cluster-robust sandwich over clusters :math:`g = 1..G` (Liang and Zeger
    1986; Cameron and Miller 2015), CR1 by default:

    .. math::

        \hat V_{CR1} = \frac{G}{G-1}\,\frac{N-1}{N-K}\,
            (X'X)^{-1}\Bigl(\sum_g X_g'\hat u_g \hat u_g' X_g\Bigr)(X'X)^{-1}

    With ``small_sample=False`` the factor is dropped (CR0) and inference uses the normal
    distribution; with it, inference uses Student's t with :math:`G-1` degrees of freedom.
    In a fixed-effects model, :math:`K` counts the regressors that remain after the effects
    are absorbed; effects nested in the clusters are not counted (Stata's
    ``xtreg, fe vce(cluster)``). See ``docs/models.md`` for how this compares with a
    dummy-variable regression.

``Cov.wild_bootstrap(reps, seed, weights, cluster)``
    The wild (cluster) bootstrap-t (Wu 1986; Liu 1988; Mammen 1993; Cameron, Gelbach and
    Miller 2008; Roodman, Nielsen, MacKinnon and Webb 2019). What is implemented
    (:mod:`skills.models._bootstrap`):

    * **p-values: restricted bootstrap (WCR)**. For each coefficient :math:`\beta_j`, the
      model is re-estimated with :math:`\beta_j = 0` imposed, giving
      :math:`\tilde\beta, \tilde u`. Bootstrap samples
      :math:`y^*_b = X\tilde\beta + \tilde u \odot v_{g(i),b}` share one weight
      :math:`v_{gb}` per cluster (per observation without ``cluster``). On each sample
      the unrestricted model is fitted and
      :math:`t^*_b = \hat\beta^*_{j,b} / \operatorname{se}^*_{j,b}` computed with the
      same CR1 (HC1 without clusters) formula as the original :math:`\hat t_j`. The
      symmetric p-value is :math:`p = B^{-1}\#\{b : |t^*_b| \ge |\hat t_j|\}`.
    * **Confidence intervals: the WCR test inverted** (default): the set of
      :math:`r` for which the restricted bootstrap test of :math:`\beta_j = r` (same
      weights for every :math:`r`) has :math:`p > 1-\text{level}` (Roodman et al.
      2019, section 3.5); ends found by bracketing and bisection. An end is infinite
      when no null within :math:`2^{12}` standard errors is rejected. The unrestricted
      (WCU) percentile-t interval
      :math:`[\hat\beta_j - q^*_{1-\alpha/2}\operatorname{se}_j,\;
      \hat\beta_j - q^*_{\alpha/2}\operatorname{se}_j]` remains available
      (``skills.models._bootstrap.wild_bootstrap(..., interval="wcu")``).
    * **A p-value of zero** (no draw as extreme as the data) is published as
      :math:`1/(B+1)` with ``p_value_upper_bound`` set: it is a bound, not an estimate.
    * **Weights**: Rademacher (:math:`\pm 1`, each with probability 1/2) or Webb's
      six-point distribution (:math:`\pm\sqrt{1/2}, \pm 1, \pm\sqrt{3/2}`, each with
      probability 1/6; mean 0, variance 1). With fewer than about 12 clusters
      Rademacher weights give only :math:`2^G` distinct samples; Webb (2014, 2023)
      weights are recommended and are the default.

    A wild bootstrap is a method of inference, not a covariance matrix: the standard
    errors published next to bootstrap p-values come from :meth:`Cov.analytic`.

Examples
--------
>>> Cov.robust().name
'robust-HC1'
>>> Cov.cluster("geo").name
'cluster(geo)'
>>> Cov.wild_bootstrap(cluster="geo").name
'wild-bootstrap(webb, 999, cluster=geo)'

References
----------
Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2008), "Bootstrap-based improvements for
inference with clustered errors", Review of Economics and Statistics 90(3), 414-427.
Cameron, A. C. and Miller, D. L. (2015), "A practitioner's guide to cluster-robust
inference", Journal of Human Resources 50(2), 317-372.
MacKinnon, J. G. and White, H. (1985), Journal of Econometrics 29(3), 305-325.
Roodman, D., Nielsen, M. Ø., MacKinnon, J. G. and Webb, M. D. (2019), "Fast and wild:
bootstrap inference in Stata using boottest", Stata Journal 19(1), 4-60.
Webb, M. D. (2014/2023), "Reworking wild bootstrap-based inference for clustered errors",
Queen's Economics Department WP 1315; Canadian Journal of Economics 56(3), 839-858.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from skills.models.conventions import BOOTSTRAP_REPS, BOOTSTRAP_SEED

__all__ = ["Cov", "CovKind", "HCKind", "WildWeights"]

CovKind = Literal["iid", "robust", "cluster", "wild_bootstrap"]
HCKind = Literal["HC0", "HC1", "HC2", "HC3"]
WildWeights = Literal["rademacher", "webb"]

_HC_KINDS: tuple[str, ...] = ("HC0", "HC1", "HC2", "HC3")
_WEIGHTS: tuple[str, ...] = ("rademacher", "webb")


@dataclass(frozen=True)
class Cov:
    """A covariance choice: build it with :meth:`iid`, :meth:`robust`, :meth:`cluster` or
    :meth:`wild_bootstrap` rather than directly.

    Attributes
    ----------
    kind : {"iid", "robust", "cluster", "wild_bootstrap"}
    hc : {"HC0", "HC1", "HC2", "HC3"} or None
        The sandwich variant of a robust covariance.
    by : str or None
        The cluster column (a cluster covariance, or a cluster wild bootstrap).
    small_sample : bool
        CR1 (True) or CR0 (False) for a cluster covariance.
    reps, seed, weights
        Wild bootstrap replications, random seed and weight distribution.
    """

    kind: CovKind
    hc: HCKind | None = None
    by: str | None = None
    small_sample: bool = True
    reps: int | None = None
    seed: int | None = None
    weights: WildWeights | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("iid", "robust", "cluster", "wild_bootstrap"):
            raise ValueError(f"unknown covariance kind {self.kind!r}")
        if self.kind == "robust" and self.hc not in _HC_KINDS:
            raise ValueError(f"robust covariance kind must be one of {_HC_KINDS}, not {self.hc!r}")
        if self.kind == "cluster" and not self.by:
            raise ValueError("a cluster covariance needs the name of the cluster column (by=)")
        if self.kind == "wild_bootstrap":
            if self.reps is None or self.reps < 9:
                raise ValueError(f"wild bootstrap needs reps >= 9, got {self.reps!r}")
            if self.weights not in _WEIGHTS:
                raise ValueError(f"wild bootstrap weights must be one of {_WEIGHTS}")
            if self.seed is None:
                raise ValueError("wild bootstrap needs a seed, so that results are reproducible")
            if self.by is not None and not self.by:
                raise ValueError("cluster= must be a column name or None")

    # -- constructors ----------------------------------------------------------------------
    @classmethod
    def iid(cls) -> Cov:
        r"""Homoskedastic covariance.

        .. math:: \hat V = s^2 (X'X)^{-1}, \qquad s^2 = \hat u'\hat u / (N - K)
        """
        return cls(kind="iid")

    @classmethod
    def robust(cls, kind: HCKind = "HC1") -> Cov:
        r"""Heteroskedasticity-robust sandwich covariance (HC0-HC3; HC1 by default).

        .. math::

            \hat V_{HC1} = \frac{N}{N-K}(X'X)^{-1}
                \Bigl(\sum_i x_i x_i' \hat u_i^2\Bigr)(X'X)^{-1}
        """
        return cls(kind="robust", hc=kind)

    @classmethod
    def cluster(cls, by: str, small_sample: bool = True) -> Cov:
        r"""One-way cluster-robust covariance over the groups of column ``by``.

        .. math::

            \hat V = \frac{G}{G-1}\frac{N-1}{N-K}(X'X)^{-1}
                \Bigl(\sum_{g=1}^{G} X_g'\hat u_g\hat u_g'X_g\Bigr)(X'X)^{-1}

        The factor applies when ``small_sample`` is True (CR1, inference with
        :math:`t_{G-1}`); without it the estimator is CR0 with normal inference.
        """
        return cls(kind="cluster", by=by, small_sample=small_sample)

    @classmethod
    def wild_bootstrap(
        cls,
        reps: int = BOOTSTRAP_REPS,
        seed: int = BOOTSTRAP_SEED,
        weights: WildWeights = "webb",
        cluster: str | None = None,
    ) -> Cov:
        r"""Wild bootstrap-t inference (restricted p-values, unrestricted percentile-t CIs).

        .. math:: y^*_b = X\tilde\beta + \tilde u \odot v_{g(i),b},
                  \qquad t^*_b = \hat\beta^*_{j,b}/\operatorname{se}^*_{j,b}

        ``cluster=None`` draws one weight per observation (heteroskedasticity only);
        a column name draws one weight per cluster (Cameron, Gelbach and Miller 2008).
        See the module docstring for the full algorithm.
        """
        return cls(kind="wild_bootstrap", reps=reps, seed=seed, weights=weights, by=cluster)

    # -- names -----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """A short label for tables: ``iid``, ``robust-HC1``, ``cluster(geo)``, ..."""
        if self.kind == "iid":
            return "iid"
        if self.kind == "robust":
            return f"robust-{self.hc}"
        if self.kind == "cluster":
            return f"cluster({self.by})" if self.small_sample else f"cluster({self.by}, CR0)"
        tail = f", cluster={self.by}" if self.by else ""
        return f"wild-bootstrap({self.weights}, {self.reps}{tail})"

    def __str__(self) -> str:
        return self.name

    @property
    def is_bootstrap(self) -> bool:
        """True for a wild bootstrap."""
        return self.kind == "wild_bootstrap"

    def analytic(self) -> Cov:
        """The analytic covariance behind this choice.

        A wild bootstrap maps to the sandwich its t statistics use: CR1 on its clusters,
        or HC1 without clusters. Every other choice is returned unchanged.
        """
        if self.kind != "wild_bootstrap":
            return self
        return Cov.cluster(self.by) if self.by else Cov.robust("HC1")

    # -- backends --------------------------------------------------------------------------
    def to_statsmodels(self, groups: Any = None) -> tuple[str, dict[str, Any]]:
        """``(cov_type, cov_kwds)`` for statsmodels ``OLS/WLS.fit``.

        Parameters
        ----------
        groups : array-like of int, optional
            Cluster codes, one per observation; required for a cluster covariance.

        Returns
        -------
        tuple of (str, dict)
            ``("nonrobust", {})``, ``("HC1", {})`` or
            ``("cluster", {"groups": ..., "use_correction": ..., "df_correction": True})``.
        """
        cov = self._backend_cov()
        if cov.kind == "iid":
            return "nonrobust", {}
        if cov.kind == "robust":
            assert cov.hc is not None
            return cov.hc, {}
        if groups is None:
            raise ValueError(f"{cov.name} needs the cluster codes (groups=)")
        return "cluster", {
            "groups": groups,
            "use_correction": cov.small_sample,
            "df_correction": True,
        }

    def to_linearmodels(
        self, *, entity: str | None = None, clusters: Any = None
    ) -> tuple[str, dict[str, Any], bool]:
        r"""``(cov_type, cov_config, debiased)`` for linearmodels ``PanelOLS.fit``.

        linearmodels scales its clustered sandwich by :math:`N/(N-d-K)` when
        ``debiased=True`` (:math:`d` = estimated effects, counted unless a single effect
        is nested in the clusters) and by :math:`\frac{G}{G-1}\frac{N-1}{N}` when
        ``group_debias=True``; together, with nested effects,

        .. math:: \frac{G}{G-1}\,\frac{N-1}{N-K},

        the CR1 of this vocabulary (Stata's ``xtreg, fe vce(cluster)``).

        Parameters
        ----------
        entity : str, optional
            The name of the entity column of the panel index. A cluster covariance on that
            column becomes ``cluster_entity=True``.
        clusters : array-like, optional
            Cluster codes, one per observation, for any other cluster column.

        Returns
        -------
        tuple of (str, dict, bool)
            ``("unadjusted", {}, True)``, ``("robust", {}, True)`` (HC1: linearmodels'
            White estimator scaled by :math:`N/(N-K)`) or ``("clustered",
            {"cluster_entity": True | "clusters": ..., "group_debias": ...}, ...)``.
            CR1 is ``debiased=True`` with ``group_debias=True``; CR0 is both False.

        Raises
        ------
        ValueError
            For HC0, HC2 and HC3, which PanelOLS does not offer in this form (HC0 is
            reachable with ``debiased=False`` only for the whole model, so it is refused
            to keep the vocabulary honest).
        """
        cov = self._backend_cov()
        if cov.kind == "iid":
            return "unadjusted", {}, True
        if cov.kind == "robust":
            if cov.hc != "HC1":
                raise ValueError(f"PanelOLS offers robust-HC1 only, not {cov.name}")
            return "robust", {}, True
        config: dict[str, Any] = {"group_debias": cov.small_sample}
        if entity is not None and cov.by == entity:
            config["cluster_entity"] = True
        elif clusters is not None:
            config["clusters"] = clusters
        else:
            raise ValueError(f"{cov.name} needs the cluster codes (clusters=)")
        return "clustered", config, cov.small_sample

    def _backend_cov(self) -> Cov:
        if self.kind == "wild_bootstrap":
            raise ValueError(
                f"{self.name} is a method of inference, not a backend covariance: fit with "
                "cov.analytic() and pass the bootstrap separately"
            )
        return self
