"""The pandas baseline: the same aggregations written plainly, as a pandas user would.

``pd.read_parquet`` of the needed columns, derived key columns, one
``groupby(...).agg`` (``size`` for counts, ``sum`` of the weights), then the codes
decoded and the panel columns added. No tricks: these functions are what
:mod:`skills.sources.records.streaming` is measured against, and the benchmark checks that both
give the same numbers. They read ``codes``-encoded files (integer codes with their lists
in the file metadata), the encoding :func:`skills.sources.records.synthetic.generate` writes by
default.

pandas is not a dependency of skills; it is imported when these functions run. Nothing
here imports Polars, so the baseline's memory is pandas' own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from skills.sources.records.codes import ISCED_GROUPS, PANEL_COLUMNS, UNKNOWN
from skills.sources.records.metadata import code_lists

__all__ = ["job_ads_pandas", "lfs_pandas", "to_panel_pandas"]


def to_panel_pandas(frame: Any, constants: dict[str, Any]) -> Any:
    """The panel's columns, in order: ``frame``'s own, else the constant (or None)."""
    import pandas as pd

    out = pd.DataFrame(index=frame.index)
    for column in PANEL_COLUMNS:
        out[column] = frame[column] if column in frame.columns else constants.get(column)
    return out.reset_index(drop=True)


def job_ads_pandas(
    path: str | Path, *, isco_digits: int = 3, source_label: str | None = None
) -> Any:
    """Ads by province, month, ISCO-08 group and education asked (see aggregate_job_ads)."""
    import pandas as pd

    codes = code_lists(path, ["geo_nuts3", "education_level"])
    ads = pd.read_parquet(path, columns=["posted_on", "geo_nuts3", "isco08", "education_level"])
    ads["period"] = ads["posted_on"].dt.to_period("M")
    ads["isco08"] = ads["isco08"] // 10 ** (4 - isco_digits)
    counts = (
        ads.groupby(["geo_nuts3", "period", "isco08", "education_level"], dropna=False)
        .size()
        .reset_index(name="value")
    )
    counts["geo"] = counts["geo_nuts3"].map(dict(enumerate(codes["geo_nuts3"])))
    counts["period"] = counts["period"].astype(str)
    counts["isco08"] = counts["isco08"].astype(int).astype(str).str.zfill(isco_digits)
    counts["education_level"] = (
        counts["education_level"].map(dict(enumerate(codes["education_level"]))).fillna(UNKNOWN)
    )
    counts["value"] = counts["value"].astype(float)
    return to_panel_pandas(
        counts,
        {
            "measure": "job_ads_n",
            "geo_level": 3,
            "nuts_version": 2021,
            "unit": "ads",
            "role": "job_ads",
            "source": source_label or Path(path).name,
        },
    )


def lfs_pandas(path: str | Path, *, isco_digits: int = 2, source_label: str | None = None) -> Any:
    """Weighted employment and unemployment in thousands (see aggregate_lfs)."""
    import pandas as pd

    codes = code_lists(path, ["geo_nuts2", "period", "status"])
    statuses = list(codes["status"])
    people = pd.read_parquet(
        path, columns=["geo_nuts2", "period", "status", "isco08", "isced11", "weight"]
    )
    people = people[people["status"] != statuses.index("inactive")]
    employed = people["status"] == statuses.index("employed")
    people["isco08"] = (people["isco08"] // 10 ** (4 - isco_digits)).where(employed)
    people["isced11"] = pd.cut(people["isced11"], bins=[-1, 2, 4, 8], labels=list(ISCED_GROUPS))
    sums = (
        people.groupby(
            ["status", "geo_nuts2", "period", "isco08", "isced11"], dropna=False, observed=True
        )["weight"]
        .sum()
        .reset_index()
    )
    measures = {
        statuses.index("employed"): "employment_ths",
        statuses.index("unemployed"): "unemployed_ths",
    }
    sums["measure"] = sums["status"].map(measures)
    sums["geo"] = sums["geo_nuts2"].map(dict(enumerate(codes["geo_nuts2"])))
    sums["period"] = sums["period"].map(dict(enumerate(codes["period"])))
    isco = sums["isco08"].astype("Int64").astype(str).str.zfill(isco_digits)
    is_employment = sums["measure"] == "employment_ths"
    sums["isco08"] = isco.where(sums["isco08"].notna(), UNKNOWN).where(is_employment, None)
    sums["isced11"] = sums["isced11"].astype(str)
    sums["value"] = sums["weight"] / 1000.0
    return to_panel_pandas(
        sums,
        {
            "geo_level": 2,
            "nuts_version": 2021,
            "unit": "thousand persons",
            "role": "lfs_microdata",
            "source": source_label or Path(path).name,
        },
    )
