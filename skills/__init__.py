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
from skills.roles import public_readers

if TYPE_CHECKING:
    # The names for type checkers. At run time the readers of the user-file roles
    # (read_its_courses, read_hires, ...) come from the registry (skills.roles).
    from skills.demo import write_demo
    from skills.extensions import AnalysisContext, AnalysisResult, IndicatorDefinition
    from skills.indicators import (
        INDICATOR_SCHEMA,
        as_indicator,
        compute_indicators,
        employment_ths,
        its_outcomes,
        labour_force_tertiary_share_pct,
        planned_hires,
        unemployed_ths,
        unemployment_rate,
    )
    from skills.indicators.competing import competing_supply
    from skills.indicators.gap import crosswalked_demand, its_gap, its_gap_drivers, its_supply
    from skills.indicators.mismatch import (
        beveridge_curve,
        jackman_roper,
        sahin_index,
        sahin_index_grid,
        tightness,
    )
    from skills.indicators.polarisation import (
        clean_spans,
        occupation_changes,
        percentile_changes,
        share_change,
        skill_group_shares,
        wage_group_shares,
    )
    from skills.indicators.profile import profile_statements, regional_profile
    from skills.indicators.qualification import (
        eurostat_overqualification_rate,
        ilo_normative_mismatch,
        its_aware_overqualification_rate,
        realised_matches,
    )
    from skills.indicators.shiftshare import (
        shift_share,
        shift_share_contributions,
        shift_share_longest_span,
    )
    from skills.indicators.shortage import shortage_index, shortage_sensitivity
    from skills.models import (
        Cov,
        ModelResult,
        build_result,
        compare,
        fit_matching_function,
        fit_polarisation,
        fit_share_panel,
    )
    from skills.refresh import refresh
    from skills.sources.competing import read_competing_graduates as read_competing_graduates
    from skills.sources.eurostat import load_eurostat, read_eurostat
    from skills.sources.eurostat_api import fetch_eurostat
    from skills.sources.hires import read_hires as read_hires
    from skills.sources.hiring import read_hiring_plans as read_hiring_plans
    from skills.sources.its import read_its_courses as read_its_courses
    from skills.sources.wages import read_wages as read_wages
    from skills.spec import load_spec

_LAZY: dict[str, str] = {
    "read_eurostat": "skills.sources.eurostat",
    "load_eurostat": "skills.sources.eurostat",
    "fetch_eurostat": "skills.sources.eurostat_api",
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
    "skill_group_shares": "skills.indicators.polarisation",
    "share_change": "skills.indicators.polarisation",
    "clean_spans": "skills.indicators.polarisation",
    "occupation_changes": "skills.indicators.polarisation",
    "wage_group_shares": "skills.indicators.polarisation",
    "percentile_changes": "skills.indicators.polarisation",
    "its_gap": "skills.indicators.gap",
    "its_gap_drivers": "skills.indicators.gap",
    "its_supply": "skills.indicators.gap",
    "crosswalked_demand": "skills.indicators.gap",
    "regional_profile": "skills.indicators.profile",
    "profile_statements": "skills.indicators.profile",
    "fit_polarisation": "skills.models",
    "fit_share_panel": "skills.models",
    "fit_matching_function": "skills.models",
    "Cov": "skills.models",
    "compare": "skills.models",
    "jackman_roper": "skills.indicators.mismatch",
    "sahin_index": "skills.indicators.mismatch",
    "sahin_index_grid": "skills.indicators.mismatch",
    "tightness": "skills.indicators.mismatch",
    "beveridge_curve": "skills.indicators.mismatch",
    "ilo_normative_mismatch": "skills.indicators.qualification",
    "eurostat_overqualification_rate": "skills.indicators.qualification",
    "its_aware_overqualification_rate": "skills.indicators.qualification",
    "realised_matches": "skills.indicators.qualification",
    "shift_share": "skills.indicators.shiftshare",
    "shift_share_contributions": "skills.indicators.shiftshare",
    "shift_share_longest_span": "skills.indicators.shiftshare",
    "shortage_index": "skills.indicators.shortage",
    "shortage_sensitivity": "skills.indicators.shortage",
    "competing_supply": "skills.indicators.competing",
    "as_indicator": "skills.indicators",
    "INDICATOR_SCHEMA": "skills.indicators",
    "build_result": "skills.models",
    "ModelResult": "skills.models",
    "AnalysisContext": "skills.extensions",
    "AnalysisResult": "skills.extensions",
    "IndicatorDefinition": "skills.extensions",
    # the user-file readers, one per source role of the registry (skills.roles)
    **public_readers(),
}

__all__ = [
    "INDICATOR_SCHEMA",
    "AnalysisContext",
    "AnalysisResult",
    "Cov",
    "IndicatorDefinition",
    "ModelResult",
    "__version__",
    "as_indicator",
    "beveridge_curve",
    "build_result",
    "clean_spans",
    "compare",
    "competing_supply",
    "compute_indicators",
    "crosswalked_demand",
    "employment_ths",
    "eurostat_overqualification_rate",
    "fetch_eurostat",
    "fit_matching_function",
    "fit_polarisation",
    "fit_share_panel",
    "ilo_normative_mismatch",
    "its_aware_overqualification_rate",
    "its_gap",
    "its_gap_drivers",
    "its_outcomes",
    "its_supply",
    "jackman_roper",
    "labour_force_tertiary_share_pct",
    "load_eurostat",
    "load_spec",
    "occupation_changes",
    "percentile_changes",
    "planned_hires",
    "profile_statements",
    "read_eurostat",
    "realised_matches",
    "refresh",
    "regional_profile",
    "sahin_index",
    "sahin_index_grid",
    "share_change",
    "shift_share",
    "shift_share_contributions",
    "shift_share_longest_span",
    "shortage_index",
    "shortage_sensitivity",
    "skill_group_shares",
    "tightness",
    "unemployed_ths",
    "unemployment_rate",
    "wage_group_shares",
    "write_demo",
]
#: The readers of the user-file roles, one per role of the registry (skills.roles).
__all__.extend(sorted(public_readers()))


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'skills' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
