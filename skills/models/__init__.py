r"""Models: statsmodels / linearmodels fits with frozen, typed results.

Polars in, typed results out; the one pandas/numpy conversion happens inside each fit
function, and statsmodels, linearmodels, scipy and pandas are imported there, so that
``import skills.models`` stays light.

* :func:`fit_polarisation` - Autor and Dorn (2013) U-shape test (WLS, robust SEs, wild
  bootstrap) -> :class:`PolarisationResult`.
* :func:`fit_share_panel` - region x skill-group share trends (PanelOLS, clustered by
  region, optional wild cluster bootstrap) -> :class:`ModelResult`.
* :func:`fit_matching_function` - matching function with region and period effects
  (PanelOLS) -> :class:`MatchingResult`.
* :class:`Cov` - the covariance vocabulary; :func:`compare` - results side by side.
* :func:`build_result` - a :class:`ModelResult` from the estimates, covariance matrix and
  degrees of freedom of a fit made with any library (for models of your own).

See ``docs/models.md``.
"""

from __future__ import annotations

from skills.models._build import build_result
from skills.models.cov import Cov
from skills.models.matching import fit_matching_function
from skills.models.polarisation import fit_polarisation, fit_share_panel
from skills.models.results import (
    MODEL_ROWS_SCHEMA,
    TIDY_SCHEMA,
    MatchingResult,
    ModelResult,
    PolarisationResult,
    compare,
)

__all__ = [
    "MODEL_ROWS_SCHEMA",
    "TIDY_SCHEMA",
    "Cov",
    "MatchingResult",
    "ModelResult",
    "PolarisationResult",
    "build_result",
    "compare",
    "fit_matching_function",
    "fit_polarisation",
    "fit_share_panel",
]
