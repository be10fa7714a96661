"""Frozen row counts: a refresh must not publish tables much shorter than the last ones.

:func:`check_row_counts` compares each input and output table's row count with the
previous publication's manifest and refuses a drop of more than :data:`MAX_ROW_DROP`
unless the operator accepts it (``--accept-row-drop``), which the manifest records.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from skills.build import Build
from skills.errors import (
    QualityError,
)
from skills.spec import PipelineSpec, display_location

log = logging.getLogger("skills.refresh")


#: Largest share of rows an input or a published table may lose against the previous
#: publication before the run stops (docs/quality.md, "Frozen row counts").
MAX_ROW_DROP = 0.20


def check_row_counts(
    spec: PipelineSpec,
    result: Build,
    previous: Mapping[str, Any] | None,
    *,
    accept: bool = False,
    max_drop: float = MAX_ROW_DROP,
) -> dict[str, Any]:
    """Compare the rows of each input and table with the previous publication's manifest.

    The rule, when ``OUT/latest`` holds a publication of the same pipeline (same
    ``[pipeline] name``, region and data label):

    * an **input** read with the same selection as then (path relative to the spec, or
      dataset code; filters, ``start_period``, ``end_period``, sheet, options) must keep
      at least ``1 - max_drop`` of its rows, whatever else changed in the spec;
    * a **published table** must keep as many, when the spec file is unchanged (a spec
      edit may drop an analysis or a source on purpose).

    A larger drop (a hiring file cut at 60 %, a Eurostat file that lost a year) raises
    :class:`~skills.errors.QualityError` (exit 1, nothing published) unless ``accept``
    (``skills refresh --accept-row-drop``), which publishes and records the drops.
    Growth is never an error.

    Returns
    -------
    dict
        ``previous_run``, ``max_drop``, ``inputs`` and ``tables`` (name -> rows now),
        ``selections`` (role -> what was read), ``tables_compared``, ``drops`` (each with
        ``kind``, ``name``, ``location``, ``previous``, ``rows``, ``drop_pct``) and
        ``accepted``: the manifest's ``row_counts`` block.
    """
    inputs = {str(i["role"]): int(i["rows"]) for i in result.inputs if "rows" in i}
    tables = {name: frame.height for name, frame in result.tables.items()}
    selections = {
        role: json.loads(
            json.dumps(
                {
                    **{k: v for k, v in vars(src).items() if k not in ("path", "role", "kind")},
                    "where": display_location(src.location, spec.path),
                },
                default=str,
                sort_keys=True,
            )
        )
        for role, src in spec.sources.items()
    }
    out: dict[str, Any] = {
        "previous_run": None,
        "max_drop": max_drop,
        "inputs": inputs,
        "tables": tables,
        "selections": selections,
        "tables_compared": False,
        "drops": [],
        "accepted": False,
    }
    if not previous:
        return out
    pipe = previous.get("pipeline") or {}
    if (
        pipe.get("name") != spec.name
        or pipe.get("region") != spec.region
        or previous.get("data_label") != spec.data_label
    ):
        return out
    out["previous_run"] = previous.get("run_id")
    same_spec = pipe.get("sha256") == spec.sha256
    old_counts = previous.get("row_counts") or {}
    old_selections = old_counts.get("selections") if isinstance(old_counts, Mapping) else None
    before_in = {
        str(i.get("role")): int(i["rows"])
        for i in previous.get("inputs", [])
        if isinstance(i, Mapping)
        and isinstance(i.get("rows"), int)
        and (
            old_selections.get(str(i.get("role"))) == selections.get(str(i.get("role")))
            if isinstance(old_selections, Mapping)
            else same_spec
        )
    }
    before_tab = {
        str(o["path"]).removesuffix(".parquet"): int(o["rows"])
        for o in previous.get("outputs", [])
        if isinstance(o, Mapping) and isinstance(o.get("rows"), int) and "/" not in str(o["path"])
    }
    if not same_spec:
        before_tab = {}
    out["tables_compared"] = same_spec
    locations = {str(i["role"]): str(i.get("location", "")) for i in result.inputs}
    drops: list[dict[str, Any]] = []
    for kind, now, before in (
        ("input", inputs, before_in),
        ("table", tables, before_tab),
    ):
        for name, rows in sorted(now.items()):
            prev = before.get(name)
            if prev and rows < prev * (1 - max_drop):
                drops.append(
                    {
                        "kind": kind,
                        "name": name,
                        "location": locations[name] if kind == "input" else f"{name}.parquet",
                        "previous": prev,
                        "rows": rows,
                        "drop_pct": round(100 * (prev - rows) / prev, 1),
                    }
                )
    out["drops"] = drops
    if drops and not accept:
        lines = [
            f"{d['location']}: {d['kind']} {d['name']!r} has {d['rows']} rows, the previous "
            f"publication (run {out['previous_run']}) had {d['previous']} "
            f"(-{d['drop_pct']} %, more than {round(100 * max_drop)} %)"
            for d in drops
        ]
        raise QualityError(
            "row counts fell against the previous publication (nothing published; a file "
            "cut short?):\n  "
            + "\n  ".join(lines)
            + "\nIf the drop is intended, rerun with --accept-row-drop."
        )
    out["accepted"] = bool(drops)
    return out
