"""The inference conventions every model and analysis shares, each defined once.

* :data:`FEW_CLUSTERS` - below it, cluster-robust inference is treated as unreliable: the
  analyses add a wild cluster bootstrap, the fits say so in their warnings and the
  ``models`` expectation suite (``expectations/models.json``) warns.
* :data:`BOOTSTRAP_REPS`, :data:`BOOTSTRAP_SEED` - the defaults of ``[models]
  bootstrap_reps`` and ``seed`` and of :meth:`skills.models.Cov.wild_bootstrap`.
* :data:`CONFIDENCE_LEVEL` - the level of every published confidence interval.

Importing this module imports nothing heavy.
"""

from __future__ import annotations

__all__ = ["BOOTSTRAP_REPS", "BOOTSTRAP_SEED", "CONFIDENCE_LEVEL", "FEW_CLUSTERS", "few_clusters"]

#: Below this many clusters, cluster-robust (CR1, :math:`t_{G-1}`) inference is treated as
#: unreliable and a wild cluster bootstrap (Webb weights) is added.
#:
#: Why 30: there is no sharp cut-off. Cameron and Miller (2015, sect. VI) put "few" between
#: 20 and 50 clusters depending on balance; MacKinnon and Webb (2017) show over-rejection
#: of CR1 t tests with fewer than about 30-50 clusters when cluster sizes differ, and that
#: the wild cluster bootstrap fixes most of it. 30 is the middle of that range; it
#: classifies both cases the package meets (8 Piedmont provinces, 21 Italian NUTS 2
#: regions) as few. The ``models`` suite's warning threshold is this constant (a test
#: fails if they differ).
#:
#: References: Cameron, A. C. and D. L. Miller (2015), "A Practitioner's Guide to
#: Cluster-Robust Inference", *Journal of Human Resources* 50(2), 317-372; MacKinnon,
#: J. G. and M. D. Webb (2017), "Wild Bootstrap Inference for Wildly Different Cluster
#: Sizes", *Journal of Applied Econometrics* 32(2), 233-254.
FEW_CLUSTERS = 30

#: Wild bootstrap replications by default (``[models] bootstrap_reps``): with 999,
#: :math:`\alpha (B + 1)` is a whole number at the usual levels (Davidson and MacKinnon
#: 2004, sect. 4.6).
BOOTSTRAP_REPS = 999

#: Seed of the bootstrap weights by default (``[models] seed``): reruns are reproducible.
BOOTSTRAP_SEED = 12345

#: Level of the published confidence intervals (two-sided 95%).
CONFIDENCE_LEVEL = 0.95


def few_clusters(n_clusters: int | None) -> bool:
    """True when ``n_clusters`` (None: not clustered) is below :data:`FEW_CLUSTERS`."""
    return n_clusters is not None and n_clusters < FEW_CLUSTERS
