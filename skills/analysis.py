"""The analyses a publication runs, given what its pipeline spec provides.

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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

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


#: The EU aggregate a region is compared with (as the report's focus geos).
_EU_AGGREGATES: tuple[str, ...] = ("EU27_2020",)


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

    _shift_share(inputs, labels, out)

    if "its_courses" in inputs and "hiring_plans" in inputs:
        _its_gap(spec, inputs, labels, out)
    else:
        out.note("ITS gap", "skipped", "needs both its_courses and hiring_plans sources")

    _province_mismatch(spec, inputs, labels, panel, out)
    _beveridge(panel, out, regions=(spec.region, *spec.benchmarks))
    if "employment_by_occupation_education" in inputs:
        _qualification(panel, labels, out)
    else:
        out.note(
            "qualification mismatch", "skipped", "no employment_by_occupation_education source"
        )
    if "employment_by_occupation" in inputs:
        _shortage(inputs, labels, out)

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

    settings = dict(spec.models)
    label = labels["employment_by_occupation"]
    employment = _occupation_employment(inputs["employment_by_occupation"])
    # share changes also over the window clean for the region, its country and the EU
    # (their own clean spans differ, so their changes are not side by side otherwise)
    compare = (spec.region, spec.region[:2], *_EU_AGGREGATES)
    out.indicators.append(skill_group_indicators(employment, source=label, compare=compare))
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
        from skills.models._stats import FEW_CLUSTERS

        window = regional.filter(pl.col("period") >= span[0], pl.col("period") <= span[1])
        n_regions = window["geo"].n_unique()
        few = n_regions < FEW_CLUSTERS and reps > 0
        boot = Cov.wild_bootstrap(reps=reps, seed=seed, cluster="geo") if few else None
        weighting = str(settings.get("share_panel_weights", "equal"))
        weights = None
        if weighting == "employment":
            # each region's mean employment over the window, constant within the region
            window = window.with_columns(
                pl.col("employment").sum().over("geo", "period").alias("_region_employment")
            ).with_columns(
                pl.col("_region_employment").mean().over("geo").alias("region_employment")
            )
            weights = "region_employment"
        tag = f"{country} NUTS2 {span[0]}-{span[1]}"
        result = fit_share_panel(
            window,
            entity="geo",
            time="period",
            group="skill_group",
            y="share_pct",
            weights=weights,
            cov=Cov.cluster("geo"),
            bootstrap=boot,
            model_id=f"skill_share_panel[{tag}{', employment-weighted' if weights else ''}]",
        )
        out.models.append(result)
        out.note(
            "share panel model",
            "ran",
            f"{n_regions} regions, {span[0]}-{span[1]} (no series break inside); "
            + (
                "regions weighted by their mean employment"
                if weights
                else "every region weighted equally"
            ),
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
    occ_rows: list[pl.DataFrame] = []
    pct_rows: list[pl.DataFrame] = []
    group_rows: list[pl.DataFrame] = []
    for geo in wage_geos:
        span = _longest_span(shares, geo)
        if span is None:
            continue
        geo_wages = wages.filter(pl.col("geo") == geo)
        base_year = min(geo_wages["year"].to_list())
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
        result = _u_test(changes, settings, tag=tag, reps=reps, seed=seed)
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


def _u_test(
    changes: pl.DataFrame, settings: Mapping[str, Any], *, tag: str, reps: int, seed: int
) -> Any:
    """The U test on occupations or on percentile bins, clustered as the spec says.

    ``[models] polarisation_unit``: ``"occupation"`` (default: one row per occupation,
    weighted by its base share) or ``"percentile"`` (Autor and Dorn 2013: the change per
    employment percentile bin, 100 equal-weight rows). ``[models] polarisation_cluster``:
    ``"observation"`` (default: one bootstrap weight per row), ``"occupation"`` (the bins
    of one occupation together; percentile unit only) or ``"isco_major_group"`` (ISCO-08
    major groups, 1 digit).
    """
    from skills.indicators.polarisation import percentile_changes
    from skills.models import Cov, fit_polarisation

    unit = str(settings.get("polarisation_unit", "occupation"))
    cluster = str(settings.get("polarisation_cluster", "observation"))
    rows = percentile_changes(changes) if unit == "percentile" else changes
    rows = rows.with_columns(
        pl.col("isco08").alias("occupation"),
        pl.col("isco08").str.slice(0, 1).alias("isco_major_group"),
    )
    by = None if cluster == "observation" else cluster
    label = "percentile bins" if unit == "percentile" else "occupations"
    if by:
        label += f", clustered by {by.replace('_', ' ')}"
    return fit_polarisation(
        rows,
        x="skill_pct",
        y="share_change_pp",
        weights="base_share_pct",
        cov=Cov.cluster(by) if by else Cov.robust(),
        bootstrap=Cov.wild_bootstrap(reps=reps, seed=seed, cluster=by) if reps > 0 else None,
        model_id=f"polarisation_u_test[{tag}; {label}]",
    )


def _shift_share(
    inputs: Mapping[str, pl.LazyFrame], labels: Mapping[str, str], out: AnalysisOutputs
) -> None:
    """Within- and between-sector parts of the skill-group share changes, per geo, over its
    longest span without a series break (:mod:`skills.indicators.shiftshare`)."""
    role = "employment_by_sector_occupation"
    if role not in inputs:
        out.note("shift-share decomposition", "skipped", f"no {role} source")
        return
    from skills.indicators.shiftshare import shift_share_indicators, shift_share_longest_span

    summary, sectors = shift_share_longest_span(_occupation_employment(inputs[role]))
    if summary.height == 0:
        out.note(
            "shift-share decomposition",
            "skipped",
            "no geo has two periods without a series break between them",
        )
        return
    out.indicators.append(shift_share_indicators(summary, source=labels[role]))
    out.tables["shift_share"] = summary
    out.tables["shift_share_sectors"] = sectors
    spans = summary.select("geo", "period").unique().sort("geo")
    out.note(
        "shift-share decomposition",
        "ran",
        "within/between NACE sectors, symmetric weights, longest span without a break: "
        + ", ".join(f"{geo} {period}" for geo, period in spans.iter_rows()),
    )


def _its_gap(
    spec: PipelineSpec,
    inputs: Mapping[str, pl.LazyFrame],
    labels: Mapping[str, str],
    out: AnalysisOutputs,
) -> None:
    from skills.indicators.gap import (
        GapChoices,
        GapSpec,
        its_gap,
        its_gap_drivers,
        its_gap_indicators,
        its_gap_sensitivity,
        its_gap_specs,
    )
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
    central = GapSpec(
        variant=str(options.get("variant", "central")),
        allocation=options.get("allocation", "occupation_share"),
        min_link_weight=float(options.get("min_link_weight", 0.1)),
        window=int(options.get("window", 3)),
    )
    defaults = GapChoices()
    choices = GapChoices(
        variants=tuple(options.get("band_variants", cw_info["variants"])),
        allocations=tuple(options.get("band_allocations", defaults.allocations)),
        min_link_weights=tuple(
            float(m) for m in options.get("band_min_link_weights", defaults.min_link_weights)
        ),
        windows=tuple(int(w) for w in options.get("band_windows", defaults.windows)),
    )
    courses, plans = inputs["its_courses"], inputs["hiring_plans"]
    competing = None
    if "competing_graduates" in inputs:
        from skills.indicators.competing import competing_supply

        field_map = cls.iscedf13_its_area_map()
        competing = competing_supply(
            inputs["competing_graduates"], field_map, window=central.window
        )
        out.crosswalks.append(
            {
                "name": "iscedf13_its_area",
                "shipped": True,
                "version": ", ".join(sorted(set(field_map["mapping_version"].to_list()))),
                "links": field_map.height,
            }
        )
    specs = its_gap_specs(
        courses, plans, crosswalk, central=central, choices=choices, education_levels=levels
    )
    gap = its_gap(courses, plans, crosswalk, central=central, competing=competing, specs=specs)
    labels_used = [labels["its_courses"], labels["hiring_plans"]]
    if competing is not None:
        labels_used.append(labels["competing_graduates"])
    source = " + ".join(labels_used)
    out.indicators.append(its_gap_indicators(gap, source=source))
    out.tables["its_gap"] = gap
    out.tables["its_gap_specs"] = specs
    out.tables["its_gap_sensitivity"] = its_gap_sensitivity(specs)
    out.tables["its_gap_drivers"] = its_gap_drivers(
        plans, crosswalk, central=central, education_levels=levels, top=None
    )
    # How differently graduates and ITS-level demand are spread over the areas (per region).
    from skills.indicators.mismatch import jackman_roper

    by_area = gap.filter(pl.col("geo").str.len_chars() == 4).with_columns(
        pl.col("specification").alias("variant")
    )
    jr = jackman_roper(
        by_area,
        unemployed="supply_graduates_n",
        vacancies="demand_entries_n",
        unit="its_area",
        by=("crosswalk_version", "variant", "geo", "year"),
    )
    out.indicators.append(
        as_indicator(
            jr.lazy().select(
                "geo",
                pl.col("year").cast(pl.String).alias("period"),
                "crosswalk_version",
                "variant",
                pl.col("jackman_roper_index").alias("value"),
                pl.lit("over ITS areas: graduates (supply) vs crosswalked demand").alias("note"),
            ),
            "its_area_mismatch_index",
            "index (0-1)",
            source=source,
        )
    )
    out.note(
        "ITS gap",
        "ran",
        f"crosswalk {cw_info['version']}, central specification {central.name}, band over "
        f"{specs['specification'].n_unique()} specifications, levels {dict(levels)}"
        f"{', with competing supply' if competing is not None else ''}; "
        f"{gap['year'].n_unique()} years",
    )


def _total_breakdown(rows: pl.DataFrame, ages: tuple[str, ...]) -> pl.DataFrame:
    """Rows for both sexes together and the first of ``ages`` the table has.

    A table without ages keeps its rows; a table whose ages are none of ``ages`` (only
    ``Y15-24``, say) gives no rows: another age band is never read as the total.
    """
    if "T" in rows["sex"].to_list():
        rows = rows.filter(pl.col("sex") == "T")
    present = set(rows["age"].drop_nulls().to_list())
    if not present:
        return rows
    age = next((a for a in ages if a in present), None)
    return rows.filter(pl.col("age") == age) if age is not None else rows.clear()


def _persons_unemployed(panel: pl.DataFrame) -> pl.DataFrame:
    """Unemployed persons (not thousands) by geo and period: total sex, ages 15-74 or 15+."""
    u = _total_breakdown(
        panel.filter(pl.col("measure") == "unemployed_ths", pl.col("role") == "unemployment"),
        ("Y15-74", "Y_GE15"),
    )
    return u.select("geo", "period", (pl.col("value") * 1000).alias("unemployed"), "flag", "source")


_PLANNED_HIRES_NOTE = (
    "planned hires in the year (a flow of contracts) per unemployed person (a stock); "
    "not comparable with vacancy_unemployment_ratio"
)
_JVS_NOTE = "job vacancies (JVS, a stock of open posts) per unemployed person"


def _province_mismatch(
    spec: PipelineSpec,
    inputs: Mapping[str, pl.LazyFrame],
    labels: Mapping[str, str],
    panel: pl.DataFrame,
    out: AnalysisOutputs,
) -> None:
    from skills.indicators.mismatch import jackman_roper, sahin_index_grid, tightness

    if "unemployment" not in inputs or "hiring_plans" not in inputs:
        out.note("mismatch across provinces", "skipped", "needs unemployment and hiring_plans")
        return
    u = _persons_unemployed(panel).filter(
        pl.col("geo").str.starts_with(spec.region), pl.col("geo").str.len_chars() == 5
    )
    v = (
        inputs["hiring_plans"]
        .group_by(
            pl.col("geo_nuts3").alias("geo"), pl.col("period").str.slice(0, 4).alias("period")
        )
        .agg(pl.col("planned_hires_n").sum().cast(pl.Float64).alias("vacancies"))
        .collect()
    )
    both = u.join(v, on=["geo", "period"], how="inner", validate="1:1")
    if both["geo"].n_unique() < 2:
        out.note(
            "mismatch across provinces",
            "skipped",
            f"needs unemployment and planned hires for at least two provinces of {spec.region}",
        )
        return
    source = f"{labels['unemployment']} + {labels['hiring_plans']}"
    note = "over the provinces of the region: unemployed persons vs planned hires"
    units = both.with_columns(pl.lit(spec.region).alias("region"))
    jr = jackman_roper(units, unit="geo", by=("region", "period"))
    out.indicators.append(
        as_indicator(
            jr.lazy().select(
                pl.col("region").alias("geo"),
                "period",
                pl.col("jackman_roper_index").alias("value"),
                pl.lit(note).alias("note"),
            ),
            "jackman_roper_index",
            "index (0-1)",
            source=source,
        )
    )
    sahin = sahin_index_grid(units, unit="geo", by=("region", "period"))
    out.indicators.append(
        as_indicator(
            sahin.lazy().select(
                pl.col("region").alias("geo"),
                "period",
                pl.col("sahin_mismatch_index").alias("value"),
                pl.format("alpha={}", pl.col("alpha").round(2)).alias("variant"),
                pl.lit(note).alias("note"),
            ),
            "sahin_mismatch_index",
            "index (0-1)",
            source=source,
        )
    )
    # planned hires are a year's flow of contracts, not a stock of open vacancies: their
    # ratio to the unemployed has its own id, never mixed with JVS tightness
    theta = tightness(both, by=("geo", "period"))
    region_theta = tightness(units, by=("region", "period")).rename({"region": "geo"})
    rows = pl.concat([theta.select(region_theta.columns), region_theta])
    out.indicators.append(
        as_indicator(
            rows.lazy().select(
                "geo",
                "period",
                pl.col("vacancy_unemployment_ratio").alias("value"),
                pl.lit(_PLANNED_HIRES_NOTE).alias("note"),
            ),
            "planned_hires_unemployment_ratio",
            "planned hires per unemployed person",
            source=source,
        )
    )
    out.note(
        "mismatch across provinces",
        "ran",
        f"{both['geo'].n_unique()} provinces, {both['period'].n_unique()} years; "
        "Sahin alpha grid 0.3-0.7",
    )

    if "hires" not in inputs:
        out.note("matching function", "skipped", "no hires source")
        return
    hires = (
        inputs["hires"]
        .select("geo", "period", pl.col("hires_n").cast(pl.Float64).alias("hires"))
        .collect()
    )
    # Lag first, then join: the stocks of a year with no hires still serve as the lag of
    # the next year's hires, so the panel keeps every row of either side (the fit lags
    # within province and uses each year with hires and stocks a year earlier).
    stocks = u.select("geo", "period", "unemployed").join(
        v, on=["geo", "period"], how="full", coalesce=True, validate="1:1"
    )
    data = stocks.join(hires, on=["geo", "period"], how="full", coalesce=True, validate="1:1")
    data = data.filter(pl.col("geo").is_in(both["geo"].unique().to_list()))
    with_hires = data.filter(pl.col("hires").is_not_null())
    if with_hires["geo"].n_unique() < 3 or with_hires["period"].n_unique() < 4:
        out.note(
            "matching function", "skipped", "needs at least 3 provinces and 4 periods of hires"
        )
        return
    from skills.models import Cov, fit_matching_function
    from skills.models._stats import FEW_CLUSTERS

    settings = dict(spec.models)
    reps = int(settings.get("bootstrap_reps", 999))
    seed = int(settings.get("seed", 12345))
    few = data["geo"].n_unique() < FEW_CLUSTERS and reps > 0
    result = fit_matching_function(
        data,
        hires="hires",
        unemployed="unemployed",
        vacancies="vacancies",
        cov=Cov.cluster("geo"),
        bootstrap=Cov.wild_bootstrap(reps=reps, seed=seed, cluster="geo") if few else None,
        model_id=f"matching_function[{spec.region} provinces]",
    )
    out.models.append(result)
    rts = result.returns_to_scale()
    _stat, p = result.crs_test()
    boot_p = result.extras.get("crs_p_value_bootstrap")
    out.note(
        "matching function",
        "ran",
        f"{data['geo'].n_unique()} provinces, {result.nobs} province-years; alpha+beta = "
        f"{rts:.3f}, CRS test p = {p:.3f}"
        + (f" (wild cluster bootstrap p = {boot_p:.3f})" if boot_p is not None else ""),
    )


def _beveridge(panel: pl.DataFrame, out: AnalysisOutputs, *, regions: Sequence[str] = ()) -> None:
    """Beveridge-curve points: unemployment rate against job vacancy rate, per geo.

    JVS has no NUTS 2 rows for most countries (none for Italy): a NUTS 2 region of
    ``regions`` (the spec's region and benchmarks) without a vacancy rate of its own is
    paired with its country's rate; ``vacancy_rate_geo`` in the table and the run log
    say so.
    """
    from skills.indicators.mismatch import beveridge_curve

    rate = panel.filter(
        pl.col("measure") == "job_vacancy_rate_pct",
        pl.col("nace_r2").is_null() | pl.col("nace_r2").is_in(["B-S", "A-S"]),
    )
    if "isco08" in rate.columns:  # all occupations, never one occupation's rate
        rate = rate.filter(pl.col("isco08").is_null())
    if rate.height == 0:
        out.note("Beveridge curve", "skipped", "no job_vacancies source with JOBRATE")
        return
    rate = rate.sort("nace_r2", nulls_last=False).unique(["geo", "period"], keep="first")
    out.indicators.append(
        as_indicator(
            rate.lazy().select(
                "geo", "period", "value", "flag", "source", *(["note"] if "note" in rate else [])
            ),
            "job_vacancy_rate_pct",
            "%",
        )
    )
    u = _total_breakdown(
        panel.filter(
            pl.col("measure") == "unemployment_rate_pct", pl.col("role") == "unemployment_rate"
        ),
        ("Y15-74", "Y_GE15", "Y15-64"),
    )
    own = set(rate["geo"].to_list())
    national = sorted(
        g for g in set(u["geo"].to_list()) if g in regions and len(g) == 4 and g not in own
    )
    u = u.with_columns(
        pl.when(pl.col("geo").is_in(national))
        .then(pl.col("geo").str.slice(0, 2))
        .otherwise(pl.col("geo"))
        .alias("vacancy_rate_geo")
    )
    points = u.select(
        "geo",
        "period",
        "vacancy_rate_geo",
        pl.col("value").alias("unemployment_rate"),
        pl.col("flag").alias("flag_u"),
    ).join(
        rate.select(
            pl.col("geo").alias("vacancy_rate_geo"),
            "period",
            pl.col("value").alias("job_vacancy_rate_pct"),
            pl.col("flag").alias("flag_v"),
        ),
        on=["vacancy_rate_geo", "period"],
        how="inner",
        validate="m:1",
    )
    if points.height == 0:
        out.note("Beveridge curve", "skipped", "no geo has both an unemployment and a vacancy rate")
        return
    table = beveridge_curve(points.drop("vacancy_rate_geo"), flags=["flag_u", "flag_v"])
    out.tables["beveridge"] = table.join(
        points.select("geo", "vacancy_rate_geo").unique(), on="geo", how="left", validate="m:1"
    )
    # national tightness from JVS counts where both exist
    vac = (
        panel.filter(pl.col("measure") == "job_vacancies_n")
        .sort("nace_r2", nulls_last=False)
        .unique(["geo", "period"], keep="first")
    )
    unemp = _persons_unemployed(panel)
    theta = vac.select(
        "geo",
        "period",
        pl.col("value").alias("vacancies"),
        pl.col("flag").alias("fv"),
        pl.col("source").alias("sv"),
    ).join(unemp, on=["geo", "period"], how="inner", validate="1:1")
    if theta.height:
        out.indicators.append(
            as_indicator(
                theta.lazy().select(
                    "geo",
                    "period",
                    (pl.col("vacancies") / pl.col("unemployed")).alias("value"),
                    pl.concat_str([pl.col("sv"), pl.col("source")], separator=" + ").alias(
                        "source"
                    ),
                    pl.lit(_JVS_NOTE).alias("note"),
                ),
                "vacancy_unemployment_ratio",
                "vacancies per unemployed person",
            )
        )
    borrowed = sorted(set(national) & set(points["geo"].to_list()))
    detail = f"{points['geo'].n_unique()} geos"
    if borrowed:
        detail += (
            "; national job vacancy rates for regions (JVS has no regional vacancy data): "
            + ", ".join(f"{g} with {g[:2]}" for g in borrowed)
        )
    out.note("Beveridge curve", "ran", detail)


#: Eurostat publishes its over-qualification rate for ages 20-64; where a table lacks that
#: band, the first of these is used instead, and the row says so.
_OVERQUALIFICATION_AGES: tuple[str, ...] = ("Y20-64", "Y15-74", "Y_GE15", "Y15-64", "Y25-64")


def _headline_age(rows: pl.DataFrame, ages: tuple[str, ...]) -> pl.DataFrame:
    """The rows of one age band per geo, period and sex: the first of ``ages`` present
    (else the first band in sort order), with ``note`` saying so when it is not ``ages[0]``."""
    keys = ["geo", "period", "sex"]
    order = {a: i for i, a in enumerate(ages)}
    chosen = (
        rows.select(*keys, "age")
        .unique()
        .with_columns(pl.col("age").replace_strict(order, default=len(ages)).alias("_rank"))
        .sort([*keys, "_rank", "age"], nulls_last=True)
        .unique(keys, keep="first", maintain_order=True)
        .select(*keys, "age")
    )
    return rows.join(chosen, on=[*keys, "age"], how="semi", nulls_equal=True).with_columns(
        pl.when(pl.col("age").is_null())
        .then(pl.lit(f"age band not given; Eurostat's headline is {ages[0]}"))
        .when(pl.col("age") != ages[0])
        .then(pl.format(f"ages {{}}: no {ages[0]} (Eurostat's headline band) in the input", "age"))
        .alias("note")
    )


def _qualification(panel: pl.DataFrame, labels: Mapping[str, str], out: AnalysisOutputs) -> None:
    from skills.indicators.qualification import (
        eurostat_overqualification_rate,
        ilo_normative_mismatch,
        its_aware_overqualification_rate,
    )

    rows = panel.filter(
        pl.col("measure") == "employment_ths",
        pl.col("role") == "employment_by_occupation_education",
        pl.col("isco08").is_not_null(),
        pl.col("isced11").is_not_null(),
    ).select("geo", "period", "sex", "age", "isco08", "isced11", "value")
    by = ("geo", "period", "sex", "age")
    source = labels["employment_by_occupation_education"]
    # the over-qualification rates: ages 20-64 like Eurostat's headline, where present
    headline = _headline_age(rows, _OVERQUALIFICATION_AGES)
    age_notes = headline.select(*by, "note").unique()
    oq_rows = headline.drop("note")
    eurostat = eurostat_overqualification_rate(oq_rows, by=by).with_columns(
        pl.lit("eurostat").alias("variant")
    )
    parts = [eurostat]
    rules = ["Eurostat"]
    try:
        its = its_aware_overqualification_rate(oq_rows, by=by).with_columns(
            pl.lit("its_aware").alias("variant")
        )
        parts.append(its)
        rules.append("ISCED-5-aware")
    except ValueError as exc:
        out.note("ISCED-5-aware over-qualification", "skipped", str(exc).splitlines()[0])
    rates = pl.concat([p.select(*by, "overqualification_rate_pct", "variant") for p in parts])
    out.indicators.append(
        as_indicator(
            rates.lazy()
            .join(age_notes.lazy(), on=list(by), how="left", nulls_equal=True)
            .select(*by, pl.col("overqualification_rate_pct").alias("value"), "variant", "note"),
            "overqualification_rate_pct",
            "%",
            source=source,
        )
    )
    # ILO normative rule: the headline is the rate among classified workers; the share
    # that cannot be classified is published, and the shares of all employment bound the
    # rate whatever the split of the aggregate ISCED codes
    ilo = ilo_normative_mismatch(rows, by=by)
    published = (
        ("over", "overqualified_ilo_pct", "share_classified_pct", _ILO_CLASSIFIED_NOTE),
        ("under", "underqualified_ilo_pct", "share_classified_pct", _ILO_CLASSIFIED_NOTE),
        ("unclassified", "unclassified_ilo_pct", "share_pct", None),
        ("over", "overqualified_ilo_lower_bound_pct", "share_pct", _ILO_LOWER_NOTE),
        ("under", "underqualified_ilo_lower_bound_pct", "share_pct", _ILO_LOWER_NOTE),
        ("over", "overqualified_ilo_upper_bound_pct", "share_upper_pct", _ILO_UPPER_NOTE),
        ("under", "underqualified_ilo_upper_bound_pct", "share_upper_pct", _ILO_UPPER_NOTE),
    )
    for status, ind, column, text in published:
        out.indicators.append(
            as_indicator(
                ilo.lazy()
                .filter(pl.col("qualification_status") == status)
                .select(
                    *by,
                    pl.col(column).alias("value"),
                    (pl.col("note") if text is None else pl.lit(text)).alias("note"),
                ),
                ind,
                "%",
                source=source,
            )
        )
    fallback = headline.filter(pl.col("note").is_not_null())["geo"].unique().sort().to_list()
    out.note(
        "qualification mismatch",
        "ran",
        f"rules: {', '.join(rules)} (ages {_OVERQUALIFICATION_AGES[0]} where present"
        + (f"; another band for {', '.join(fallback)}" if fallback else "")
        + "), ILO normative (among classified workers, with bounds)",
    )


_ILO_CLASSIFIED_NOTE = (
    "share of classified employment; unclassified_ilo_pct is the share left out, and the "
    "lower_bound / upper_bound ids bound the share of all employment"
)
_ILO_LOWER_NOTE = (
    "lower bound: share of all employment, counting no unclassified worker in this status"
)
_ILO_UPPER_NOTE = (
    "upper bound: share of all employment, counting in this status every unclassified "
    "worker whose ISCED aggregate allows it"
)


def _shortage(
    inputs: Mapping[str, pl.LazyFrame], labels: Mapping[str, str], out: AnalysisOutputs
) -> None:
    from skills.indicators.polarisation import clean_spans, skill_group_shares
    from skills.indicators.shortage import (
        growth_components,
        shortage_index,
        shortage_sensitivity,
    )

    employment = (
        _occupation_employment(inputs["employment_by_occupation"])
        .with_columns(cls.normalise_isco08(pl.col("isco08")).alias("isco08"))
        .filter(pl.col("isco08").str.len_chars() == 2, ~pl.col("isco08").str.starts_with("0"))
    )
    if employment.height == 0:
        out.note("shortage index", "skipped", "no 2-digit occupation data")
        return
    spans = clean_spans(skill_group_shares(inputs["employment_by_occupation"].collect()).collect())
    wages = inputs["wages_by_occupation"].collect() if "wages_by_occupation" in inputs else None
    # every component over one window per geo: the clean employment span, narrowed to the
    # wage years inside it when there are two (else wage growth does not enter there)
    data = growth_components(
        employment, spans.filter(pl.col("is_longest")), wages, occupation="isco08"
    )
    if data.height == 0:
        out.note("shortage index", "skipped", "no geo has two comparable periods of 2-digit data")
        return
    # the table's columns follow the inputs (a wage table gives wage_growth_norm), its
    # values what entered: null where wage growth did not enter for the geo
    components: dict[str, Literal[1, -1]] = {"employment_growth": 1}
    if wages is not None:
        components["wage_growth"] = 1
    index = shortage_index(
        data.drop("components", "note"),
        occupation="isco08",
        by=("geo", "period"),
        components=components,
    )
    per_geo = data.select("geo", "period", "components", "note").unique(["geo", "period"])
    emp_label = labels["employment_by_occupation"]
    wage_label = labels.get("wages_by_occupation")
    note = pl.format(
        "components: {} over {} (growth annualised over the same years; OECD Skills for "
        "Jobs; equal weights)",
        pl.col("components"),
        pl.col("period"),
    )
    source = pl.lit(emp_label)
    if wage_label is not None:
        source = (
            pl.when(pl.col("components").str.contains("wage_growth"))
            .then(pl.lit(f"{emp_label} + {wage_label}"))
            .otherwise(source)
        )
    out.indicators.append(
        as_indicator(
            index.lazy()
            .join(per_geo.lazy(), on=["geo", "period"], how="left", validate="m:1")
            .select(
                "geo",
                "period",
                "isco08",
                pl.col("shortage_index").alias("value"),
                pl.when(pl.col("note").is_not_null())
                .then(pl.concat_str([note, pl.col("note")], separator="; "))
                .otherwise(note)
                .alias("note"),
                source.alias("source"),
            ),
            "shortage_index",
            "index (-1 to 1)",
        )
    )
    out.tables["shortage"] = index
    sensitivity = shortage_sensitivity(
        data.drop("components", "note"),
        occupation="isco08",
        by=("geo", "period"),
        components=components,
    )
    out.tables["shortage_sensitivity"] = sensitivity
    two = sorted(per_geo.filter(pl.col("components").str.contains(","))["geo"].to_list())
    one = per_geo.height - len(two)
    out.note(
        "shortage index",
        "ran",
        f"{per_geo.height} geos; wage and employment growth over a common window in "
        f"{len(two)} ({', '.join(two) or 'none'}); employment growth only in {one} "
        "(sensitivity to the weights degenerate there)",
    )
