"""The analyses a publication runs, given what its pipeline spec provides.

One module per analysis; every formula they apply lives in :mod:`skills.indicators` or
:mod:`skills.models` and is named by the indicator catalogue.

:func:`run_analyses` takes the checked inputs (by role) and the aligned panel and returns
indicator rows, extra tables and fitted models. Each analysis runs only when its inputs
are there; what ran and what was skipped (and why) is returned in ``log``, so the
manifest and the report can say it. Pure with respect to I/O: the refresh engine writes.

* skill-group shares (needs ``employment_by_occupation``): ``employment_share_pct``,
  ``employment_share_change_pp`` (each geo's clean span, its full range, and the window
  clean for the region, its country and the EU, variant ``common_window``);
* shift-share decomposition of skill-group share changes (needs
  ``employment_by_sector_occupation``): ``skill_share_change_within_pp``,
  ``skill_share_change_between_pp``, ``shift_share`` and ``shift_share_sectors`` tables;
* region x skill-group panel model (occupation data for NUTS 2 regions):
  ``skill_share_panel`` model;
* wage-ranked polarisation (2-digit occupations and ``wages_by_occupation``):
  ``wage_group_share_change_pp``, ``polarisation_*`` tables, ``polarisation_u_test`` model;
* ITS gap (``its_courses`` and ``hiring_plans``, optionally ``competing_graduates``): the
  ``its_demand_*``, ``its_supply_*``, ``its_gap_*`` and ``its_coverage_*`` indicators of
  :data:`skills.indicators.gap.GAP_INDICATORS`, and the ``its_gap`` (central
  specification and band), ``its_gap_specs``, ``its_gap_sensitivity`` and
  ``its_gap_drivers`` tables;
* mismatch across provinces (``unemployment`` by province and ``hiring_plans``):
  ``jackman_roper_index``, ``sahin_mismatch_index`` (alpha grid),
  ``planned_hires_unemployment_ratio`` (a year's planned hires per unemployed person);
  with ``hires`` too, the ``matching_function`` model;
* ITS area mismatch (the ITS gap): ``its_area_mismatch_index``;
* Beveridge curve (``unemployment_rate`` and ``job_vacancies``): ``job_vacancy_rate_pct``,
  ``vacancy_unemployment_ratio`` (JVS vacancies per unemployed person), ``beveridge`` table;
* qualification mismatch (``employment_by_occupation_education``):
  ``overqualification_rate_pct`` (Eurostat and ISCED-5-aware rules, ages 20-64 where
  present), ``overqualified_ilo_pct`` and ``underqualified_ilo_pct`` (among classified
  workers), ``unclassified_ilo_pct``, and the ``*_ilo_lower_bound_pct`` and
  ``*_ilo_upper_bound_pct`` shares of all employment;
* occupational shortages (2-digit occupations; every component over one window per geo,
  wage growth only where the wage table has two years inside the geo's clean span):
  ``shortage_index`` and the ``shortage_sensitivity`` table (degenerate where one
  component entered);
* regional profile (the indicators): ``profile`` table.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from skills.analyses._outputs import AnalysisOutputs, bootstrap_settings
from skills.analyses.beveridge import beveridge
from skills.analyses.its_gap import its_gap_analysis
from skills.analyses.mismatch import province_mismatch
from skills.analyses.polarisation import polarisation
from skills.analyses.qualification import qualification
from skills.analyses.shift_share import shift_share
from skills.analyses.shortage import shortage
from skills.spec import PipelineSpec

__all__ = ["AnalysisOutputs", "run_analyses"]


def run_analyses(
    spec: PipelineSpec,
    inputs: Mapping[str, pl.LazyFrame],
    labels: Mapping[str, str],
    panel: pl.DataFrame,
    base_indicators: pl.DataFrame,
) -> AnalysisOutputs:
    """Run every analysis the inputs allow (see the module table)."""
    out = AnalysisOutputs()
    reps, seed = bootstrap_settings(spec)

    if "employment_by_occupation" in inputs:
        polarisation(spec, inputs, labels, out, reps=reps, seed=seed)
    else:
        out.note("skill-group shares", "skipped", "no employment_by_occupation source")

    shift_share(inputs, labels, out)

    if "its_courses" in inputs and "hiring_plans" in inputs:
        its_gap_analysis(spec, inputs, labels, out)
    else:
        out.note("ITS gap", "skipped", "needs both its_courses and hiring_plans sources")

    province_mismatch(spec, inputs, labels, panel, out)
    beveridge(panel, out, regions=(spec.region, *spec.benchmarks))
    if "employment_by_occupation_education" in inputs:
        qualification(panel, labels, out)
    else:
        out.note(
            "qualification mismatch", "skipped", "no employment_by_occupation_education source"
        )
    if "employment_by_occupation" in inputs:
        shortage(inputs, labels, out)

    from skills.indicators.profile import regional_profile

    everything = pl.concat(
        [base_indicators, *[lf.collect() for lf in out.indicators]], how="vertical_relaxed"
    )
    profile = regional_profile(everything, region=spec.region, benchmarks=spec.benchmarks)
    out.tables["profile"] = profile
    out.note("regional profile", "ran", f"{profile.height} headline indicators for {spec.region}")
    return out
