"""The analyses a publication runs, given what its pipeline spec provides.

:func:`run_analyses` takes the checked inputs (by role) and the aligned panel and returns
indicator rows, extra tables and fitted models. Each analysis runs only when its inputs
are there; what ran and what was skipped (and why) is returned in ``log``, so the
manifest and the report can say it. Pure with respect to I/O: the refresh engine writes.

* skill-group shares (needs ``employment_by_occupation``): ``employment_share_pct``,
  ``employment_share_change_pp``;
* region x skill-group panel model (occupation data for NUTS 2 regions):
  ``skill_share_panel`` model;
* wage-ranked polarisation (2-digit occupations and ``wages_by_occupation``):
  ``wage_group_share_change_pp``, ``polarisation_*`` tables, ``polarisation_u_test`` model;
* ITS gap (``its_courses`` and ``hiring_plans``): ``its_gap_n``, ``its_demand_n``,
  ``its_supply_n``, ``its_gap`` and ``its_gap_drivers`` tables;
* regional profile (the indicators): ``profile`` table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from skills import classifications as cls
from skills.indicators._frame import as_indicator
from skills.spec import PipelineSpec

__all__ = ["AnalysisOutputs", "run_analyses"]


@dataclass
class AnalysisOutputs:
    """What the analyses produce for a publication."""

    indicators: list[pl.LazyFrame] = field(default_factory=list)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    models: list[Any] = field(default_factory=list)
    crosswalks: list[dict[str, Any]] = field(default_factory=list)
    log: list[dict[str, str]] = field(default_factory=list)

    def note(self, analysis: str, status: str, detail: str) -> None:
        """Record that an analysis ran or was skipped, and why."""
        self.log.append({"analysis": analysis, "status": status, "detail": detail})


def _occupation_employment(frame: pl.LazyFrame) -> pl.DataFrame:
    """Employment by occupation for one sex/age breakdown: total sex, the widest age band."""
    df = frame.collect()
    if "sex" in df.columns and "T" in df["sex"].to_list():
        df = df.filter(pl.col("sex") == "T")
    if "age" in df.columns:
        ages = sorted(set(df["age"].to_list()))
        preferred = next(
            (a for a in ("Y15-74", "Y_GE15", "Y15-64", "Y20-64") if a in ages), ages[0]
        )
        df = df.filter(pl.col("age") == preferred)
    return df


def _longest_span(shares: pl.DataFrame, geo: str) -> tuple[str, str] | None:
    from skills.indicators.polarisation import clean_spans

    spans = clean_spans(shares.filter(pl.col("geo") == geo)).filter(pl.col("is_longest"))
    if spans.height == 0:
        return None
    start, end = spans.select("start", "end").row(0)
    return (start, end) if start < end else None


def run_analyses(
    spec: PipelineSpec,
    inputs: Mapping[str, pl.LazyFrame],
    labels: Mapping[str, str],
    panel: pl.DataFrame,
    base_indicators: pl.DataFrame,
) -> AnalysisOutputs:
    """Run every analysis the inputs allow (see the module table)."""
    out = AnalysisOutputs()
    settings = dict(spec.models)
    reps = int(settings.get("bootstrap_reps", 999))
    seed = int(settings.get("seed", 12345))

    if "employment_by_occupation" in inputs:
        _polarisation(spec, inputs, labels, out, reps=reps, seed=seed)
    else:
        out.note("skill-group shares", "skipped", "no employment_by_occupation source")

    if "its_courses" in inputs and "hiring_plans" in inputs:
        _its_gap(spec, inputs, labels, out)
    else:
        out.note("ITS gap", "skipped", "needs both its_courses and hiring_plans sources")

    from skills.indicators.profile import regional_profile

    everything = pl.concat(
        [base_indicators, *[lf.collect() for lf in out.indicators]], how="vertical_relaxed"
    )
    profile = regional_profile(everything, region=spec.region, benchmarks=spec.benchmarks)
    out.tables["profile"] = profile
    out.note("regional profile", "ran", f"{profile.height} headline indicators for {spec.region}")
    return out


def _polarisation(
    spec: PipelineSpec,
    inputs: Mapping[str, pl.LazyFrame],
    labels: Mapping[str, str],
    out: AnalysisOutputs,
    *,
    reps: int,
    seed: int,
) -> None:
    from skills.indicators.polarisation import (
        occupation_changes,
        percentile_changes,
        skill_group_indicators,
        skill_group_shares,
        wage_group_shares,
    )

    label = labels["employment_by_occupation"]
    employment = _occupation_employment(inputs["employment_by_occupation"])
    out.indicators.append(skill_group_indicators(employment, source=label))
    shares = skill_group_shares(employment).collect()
    out.note("skill-group shares", "ran", f"{shares['geo'].n_unique()} geos")

    # Region x skill-group panel model over the NUTS 2 regions of the focus region's country.
    country = spec.region[:2]
    regional = shares.filter(
        pl.col("geo").str.starts_with(country),
        pl.col("geo").str.len_chars() == 4,
        pl.col("share_pct").is_not_null(),
    )
    span = _longest_span(shares, spec.region) if regional.height else None
    if span is not None and regional["geo"].n_unique() >= 3:
        from skills.models import Cov, fit_share_panel

        window = regional.filter(pl.col("period") >= span[0], pl.col("period") <= span[1])
        n_regions = window["geo"].n_unique()
        few = n_regions < 30 and reps > 0
        boot = Cov.wild_bootstrap(reps=reps, seed=seed, cluster="geo") if few else None
        result = fit_share_panel(
            window,
            entity="geo",
            time="period",
            group="skill_group",
            y="share_pct",
            cov=Cov.cluster("geo"),
            bootstrap=boot,
            model_id=f"skill_share_panel[{country} NUTS2 {span[0]}-{span[1]}]",
        )
        out.models.append(result)
        out.note(
            "share panel model",
            "ran",
            f"{n_regions} regions, {span[0]}-{span[1]} (no series break inside)",
        )
    else:
        out.note(
            "share panel model",
            "skipped",
            f"needs occupation data for at least 3 NUTS 2 regions of {country}",
        )

    if "wages_by_occupation" not in inputs:
        out.note("wage-ranked polarisation", "skipped", "no wages_by_occupation source")
        return
    wages = inputs["wages_by_occupation"].collect()
    wage_geos = sorted(set(wages["geo"].to_list()) & set(employment["geo"].to_list()))
    if not wage_geos:
        out.note(
            "wage-ranked polarisation",
            "skipped",
            "no geo is in both the wage and the occupation tables",
        )
        return
    from skills.models import Cov, fit_polarisation

    occ_rows: list[pl.DataFrame] = []
    pct_rows: list[pl.DataFrame] = []
    group_rows: list[pl.DataFrame] = []
    for geo in wage_geos:
        span = _longest_span(shares, geo)
        if span is None:
            continue
        geo_wages = wages.filter(pl.col("geo") == geo)
        base_year = int(geo_wages["year"].min())  # type: ignore[arg-type]
        geo_wages = geo_wages.filter(pl.col("year") == base_year)
        changes = occupation_changes(
            employment.filter(pl.col("geo") == geo), geo_wages, base=span[0], end=span[1]
        )
        if changes.height < 5:
            continue
        tag = f"{geo} {span[0]}-{span[1]}, wages {base_year}"
        occ_rows.append(changes.with_columns(pl.lit(f"{span[0]}-{span[1]}").alias("period")))
        pct_rows.append(
            percentile_changes(changes).with_columns(pl.lit(f"{span[0]}-{span[1]}").alias("period"))
        )
        groups = wage_group_shares(changes).with_columns(
            pl.lit(f"{span[0]}-{span[1]}").alias("period")
        )
        group_rows.append(groups)
        result = fit_polarisation(
            changes,
            x="skill_pct",
            y="share_change_pp",
            weights="base_share_pct",
            bootstrap=Cov.wild_bootstrap(reps=reps, seed=seed) if reps > 0 else None,
            model_id=f"polarisation_u_test[{tag}]",
        )
        out.models.append(result)
    if not occ_rows:
        out.note(
            "wage-ranked polarisation", "skipped", "no geo has a comparable span of 2-digit data"
        )
        return
    out.tables["polarisation_occupations"] = pl.concat(occ_rows)
    out.tables["polarisation_percentiles"] = pl.concat(pct_rows)
    wage_groups = pl.concat(group_rows)
    out.indicators.append(
        as_indicator(
            wage_groups.lazy().select(
                "geo",
                "period",
                pl.col("wage_group").alias("skill_group"),
                pl.col("change_pp").alias("value"),
                pl.when(pl.col("crosses_break")).then(pl.lit("b")).alias("flag"),
            ),
            "wage_group_share_change_pp",
            "percentage points",
            source=f"{labels['employment_by_occupation']} + {labels['wages_by_occupation']}",
        )
    )
    out.note("wage-ranked polarisation", "ran", ", ".join(wage_geos))


def _its_gap(
    spec: PipelineSpec,
    inputs: Mapping[str, pl.LazyFrame],
    labels: Mapping[str, str],
    out: AnalysisOutputs,
) -> None:
    from skills.indicators.gap import its_gap, its_gap_drivers, its_gap_indicators
    from skills.publish import file_sha256

    cw_info: dict[str, Any]
    if spec.crosswalk_path is not None:
        crosswalk = cls.read_its_isco08_crosswalk(spec.crosswalk_path)
        cw_info = {
            "name": "its_isco08",
            "path": str(spec.crosswalk_path),
            "sha256": file_sha256(spec.crosswalk_path),
        }
    else:
        crosswalk = cls.its_isco08_crosswalk(spec.crosswalk)
        cw_info = {"name": "its_isco08", "shipped": True}
    versions = sorted(set(crosswalk["crosswalk_version"].to_list()))
    cw_info |= {
        "version": ", ".join(versions),
        "variants": sorted(set(crosswalk["variant"].to_list())),
        "links": crosswalk.height,
    }
    out.crosswalks.append(cw_info)
    options = dict(spec.its_gap)
    levels = options.get("education_levels", {"its_academy": 1.0})
    window = int(options.get("window", 3))
    allocation = options.get("allocation", "occupation_share")
    courses, plans = inputs["its_courses"], inputs["hiring_plans"]
    gap = its_gap(
        courses, plans, crosswalk, window=window, education_levels=levels, allocation=allocation
    )
    source = f"{labels['its_courses']} + {labels['hiring_plans']}"
    out.indicators.append(its_gap_indicators(gap, source=source))
    out.tables["its_gap"] = gap
    out.tables["its_gap_drivers"] = its_gap_drivers(
        plans, crosswalk, education_levels=levels, allocation=allocation, top=None
    )
    out.note(
        "ITS gap",
        "ran",
        f"crosswalk {cw_info['version']}, {window}-year supply, levels {dict(levels)}, "
        f"{allocation} allocation; {gap['year'].n_unique()} years",
    )
