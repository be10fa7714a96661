"""ITS gap (``its_courses`` and ``hiring_plans``, optionally ``competing_graduates``).

The ``its_demand_*``, ``its_supply_*``, ``its_gap_*`` and ``its_coverage_*`` indicators of
:data:`skills.indicators.gap.GAP_INDICATORS`, the ``its_gap`` (central specification and
band), ``its_gap_specs``, ``its_gap_sensitivity`` and ``its_gap_drivers`` tables, and the
ITS area mismatch (``its_area_mismatch_index``, :func:`skills.indicators.mismatch.jackman_roper`
over ITS areas).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from skills import classifications as cls
from skills.analyses._outputs import AnalysisOutputs
from skills.indicators._frame import as_indicator
from skills.spec import PipelineSpec

__all__ = ["its_gap_analysis"]


def its_gap_analysis(
    spec: PipelineSpec,
    inputs: Mapping[str, pl.LazyFrame],
    labels: Mapping[str, str],
    out: AnalysisOutputs,
) -> None:
    """The ITS gap, its band, sensitivity and drivers, and the ITS area mismatch index."""
    from skills._fileio import file_sha256
    from skills.indicators.gap import (
        GapChoices,
        GapSpec,
        its_gap,
        its_gap_drivers,
        its_gap_indicators,
        its_gap_sensitivity,
        its_gap_specs,
    )

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
