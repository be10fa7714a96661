"""skills: skills supply-demand and job-polarisation analytics for regions and ITS Academies.

The public API is imported lazily, so that ``import skills`` (and ``skills --help``) stays
fast and never pulls in statsmodels, linearmodels or great_expectations.

>>> import skills
>>> lf = skills.read_eurostat("tgs00010.tsv")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from skills._version import __version__

if TYPE_CHECKING:
    from skills.demo import write_demo
    from skills.indicators import (
        compute_indicators,
        employment_ths,
        its_outcomes,
        labour_force_tertiary_share_pct,
        planned_hires,
        unemployed_ths,
        unemployment_rate,
    )
    from skills.refresh import refresh
    from skills.sources.eurostat import load_eurostat, read_eurostat
    from skills.sources.eurostat_api import fetch_eurostat
    from skills.sources.hiring import read_hiring_plans
    from skills.sources.its import read_its_courses
    from skills.spec import load_spec

_LAZY: dict[str, str] = {
    "read_eurostat": "skills.sources.eurostat",
    "load_eurostat": "skills.sources.eurostat",
    "fetch_eurostat": "skills.sources.eurostat_api",
    "read_its_courses": "skills.sources.its",
    "read_hiring_plans": "skills.sources.hiring",
    "load_spec": "skills.spec",
    "refresh": "skills.refresh",
    "compute_indicators": "skills.indicators",
    "employment_ths": "skills.indicators",
    "unemployed_ths": "skills.indicators",
    "unemployment_rate": "skills.indicators",
    "labour_force_tertiary_share_pct": "skills.indicators",
    "its_outcomes": "skills.indicators",
    "planned_hires": "skills.indicators",
    "write_demo": "skills.demo",
}

__all__ = [
    "__version__",
    "compute_indicators",
    "employment_ths",
    "fetch_eurostat",
    "its_outcomes",
    "labour_force_tertiary_share_pct",
    "load_eurostat",
    "load_spec",
    "planned_hires",
    "read_eurostat",
    "read_hiring_plans",
    "read_its_courses",
    "refresh",
    "unemployed_ths",
    "unemployment_rate",
    "write_demo",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'skills' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
