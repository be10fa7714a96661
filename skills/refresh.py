"""The refresh: resolve a pipeline spec, load and check its sources, build, publish.

``refresh(spec, out_dir)`` is what ``skills refresh PIPELINE.toml --out DIR`` runs:

1. validate the spec (:func:`skills.spec.load_spec`) - configuration errors exit 2;
2. load every source, hash it and record its vintage; structural checks (schema, codes,
   keys) raise :class:`~skills.errors.InputError` - exit 1, nothing published;
3. clean each source and align them into the panel (:mod:`skills.align`);
4. compute the indicators (:mod:`skills.indicators`);
5. check the output tables' structural contracts;
6. publish atomically (:mod:`skills.publish`) with a manifest.
"""

from __future__ import annotations

import importlib
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from skills import __version__
from skills.align import (
    DIMENSIONS,
    PANEL_KEY,
    aligned__panel,
    clean_eurostat,
    clean_hiring__province_period_occupation,
    clean_its__area_province_year,
)
from skills.errors import InputError
from skills.indicators import INDICATOR_KEY, compute_indicators
from skills.publish import file_sha256, new_run_dir, promote, prune_runs, write_table
from skills.spec import ROLES, PipelineSpec, SourceSpec, load_spec

__all__ = ["Build", "LoadedSource", "RunResult", "build", "load_source", "refresh"]

log = logging.getLogger("skills.refresh")

#: The reader of each kind of user file.
_FILE_READERS = {
    "its_courses": "skills.sources.its:read_its_courses",
    "hiring_plans": "skills.sources.hiring:read_hiring_plans",
    "wages": "skills.sources.wages:read_wages",
    "hires": "skills.sources.hires:read_hires",
}

#: Eurostat dimensions a role may carry beyond the panel's, and how each is handled.
_HANDLED_DIMS = {"geo", "unit", "indic_em", "sizeclas", *DIMENSIONS}


@dataclass(frozen=True)
class LoadedSource:
    """A source read and structurally checked, with its provenance."""

    spec: SourceSpec
    frame: pl.LazyFrame
    provenance: Mapping[str, Any]
    label: str


@dataclass(frozen=True)
class Build:
    """Everything a publication holds, computed but not yet written."""

    spec: PipelineSpec
    tables: Mapping[str, pl.DataFrame]
    inputs: list[dict[str, Any]]
    crosswalks: list[dict[str, Any]] = field(default_factory=list)
    analyses: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class RunResult:
    """The outcome of a refresh, for the CLI and for schedulers (``--json``)."""

    status: str
    exit_code: int
    run_id: str
    out_dir: Path
    publication: Path | None
    message: str
    manifest: Mapping[str, Any] = field(default_factory=dict)


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id: UTC time plus a random suffix."""
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def _source_label(spec: PipelineSpec, name: str) -> str:
    return f"{spec.data_label}: {name}" if spec.data_label else name


def load_source(
    spec: PipelineSpec, src: SourceSpec, *, offline: bool | None = None
) -> LoadedSource:
    """Read one source of ``spec`` and check it is the table its role needs."""
    role = ROLES[src.role]
    if role.kind == "eurostat":
        from skills.sources.eurostat import load_eurostat

        table = load_eurostat(
            src.path if src.path is not None else str(src.eurostat),
            filters=src.filters or None,
            start_period=src.start_period,
            end_period=src.end_period,
            offline=offline,
        )
        where = table.source
        expected = set(role.dimensions)
        missing = sorted(expected - set(table.dimensions))
        if missing:
            raise InputError(
                where,
                f"the {src.role} source needs dimensions {sorted(expected)}, this table has "
                f"{list(table.dimensions)}: is it the right dataset (expected "
                f"{' or '.join(role.datasets)})?",
                line=1,
                column=missing[0],
            )
        declared = src.dataset
        if (
            table.dataset
            and role.datasets
            and declared is None
            and table.dataset not in role.datasets
        ):
            raise InputError(
                where,
                f"the file holds Eurostat dataset {table.dataset}, the {src.role} source "
                f'expects {" or ".join(role.datasets)} (set dataset = "{table.dataset}" in '
                "the spec if this is intended)",
                line=1,
                column="DATAFLOW",
            )
        frame = table.frame.collect()
        if frame.height == 0:
            raise InputError(where, "no observations left after the spec's filters")
        if "unit" in frame.columns and role.units:
            units = set(frame["unit"].unique().to_list())
            if not units & role.units:
                raise InputError(
                    where,
                    f"unit {sorted(units)} is not what the {src.role} source reads "
                    f"({sorted(role.units)}): is it the right dataset?",
                    column="unit",
                )
        for dim in table.dimensions:
            if dim in _HANDLED_DIMS:
                continue
            values = frame[dim].unique().to_list()
            if len(values) > 1:
                raise InputError(
                    where,
                    f"dimension {dim!r} has {len(values)} values ({sorted(map(str, values))[:5]}"
                    f'); the {src.role} source needs one: add filters = {{ {dim} = "..." }} '
                    "to the spec",
                    column=dim,
                )
        name = src.dataset or table.dataset or src.eurostat or Path(table.source).name.split(".")[0]
        provenance = {
            "role": src.role,
            "kind": "eurostat",
            "location": table.source,
            "dataset": table.dataset or src.dataset or src.eurostat,
            "format": table.format,
            "sha256": table.sha256,
            "bytes": table.bytes,
            "vintage": table.last_update,
            "rows": frame.height,
            "filters": {k: list(v) for k, v in src.filters.items()},
            **({"fetch": dict(table.fetched)} if table.fetched else {}),
        }
        return LoadedSource(src, frame.lazy(), provenance, _source_label(spec, name))

    assert src.path is not None
    module, _, func = _FILE_READERS[role.kind].partition(":")
    reader = getattr(importlib.import_module(module), func)
    frame = reader(
        src.path,
        sheet=src.sheet,
        delimiter=src.delimiter,
        encoding=src.encoding,
        ignore_columns=src.ignore_columns,
    )
    provenance = {
        "role": src.role,
        "kind": role.kind,
        "location": str(src.path),
        "format": src.path.suffix.lstrip(".").lower(),
        "sha256": file_sha256(src.path),
        "bytes": src.path.stat().st_size,
        "vintage": None,
        "rows": frame.height,
    }
    return LoadedSource(src, frame.lazy(), provenance, _source_label(spec, src.role))


def build(
    spec: PipelineSpec,
    *,
    offline: bool | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> Build:
    """Load every source of ``spec`` and compute the tables of a publication."""

    def stage(name: str) -> None:
        log.info("stage %s", name)
        if on_stage is not None:
            on_stage(name)

    loaded: dict[str, LoadedSource] = {}
    for role, src in spec.sources.items():
        stage(f"load {role}")
        loaded[role] = load_source(spec, src, offline=offline)

    stage("align")
    parts: dict[str, pl.LazyFrame] = {}
    for role, item in loaded.items():
        kind = ROLES[role].kind
        if kind == "eurostat":
            parts[role] = clean_eurostat(
                item.frame,
                role=role,
                source=item.label,
                vintage=item.provenance.get("vintage"),
                nuts_version=spec.nuts_version,
                units=ROLES[role].units,
            )
        elif kind == "its_courses":
            parts[role] = clean_its__area_province_year(
                item.frame, source=item.label, nuts_version=spec.nuts_version
            )
        elif kind == "hiring_plans":
            parts[role] = clean_hiring__province_period_occupation(
                item.frame, source=item.label, nuts_version=spec.nuts_version
            )
    panel = aligned__panel(parts).collect()
    check_unique(panel, PANEL_KEY, "aligned panel")

    stage("indicators")
    its = loaded["its_courses"].frame if "its_courses" in loaded else None
    hiring = loaded["hiring_plans"].frame if "hiring_plans" in loaded else None
    base = compute_indicators(
        panel.lazy(),
        its_courses=its,
        hiring_plans=hiring,
        its_source=loaded["its_courses"].label if its is not None else "its_courses",
        hiring_source=loaded["hiring_plans"].label if hiring is not None else "hiring_plans",
    ).collect()

    stage("analyses")
    from skills.analysis import run_analyses

    frames = {role: item.frame.drop("_line", strict=False) for role, item in loaded.items()}
    labels = {role: item.label for role, item in loaded.items()}
    extra = run_analyses(spec, frames, labels, panel, base)
    indicators = pl.concat([base, *[lf.collect() for lf in extra.indicators]], how="vertical").sort(
        list(INDICATOR_KEY), nulls_last=False
    )
    check_unique(indicators, INDICATOR_KEY, "indicators")

    tables: dict[str, pl.DataFrame] = {"indicators": indicators, "panel": panel}
    if its is not None:
        tables["its_courses"] = its.drop("_line").collect()
    if hiring is not None:
        tables["hiring_plans"] = hiring.drop("_line").collect()
    tables.update(extra.tables)
    if extra.models:
        from skills.models import MODEL_ROWS_SCHEMA

        tables["models"] = pl.concat([m.to_rows() for m in extra.models], how="vertical")
        tables["models_glance"] = pl.concat(
            [m.glance() for m in extra.models], how="diagonal_relaxed"
        )
        assert dict(tables["models"].schema) == MODEL_ROWS_SCHEMA
    inputs = [dict(item.provenance) for item in loaded.values()]
    return Build(
        spec=spec, tables=tables, inputs=inputs, crosswalks=extra.crosswalks, analyses=extra.log
    )


def check_unique(frame: pl.DataFrame, key: tuple[str, ...], what: str) -> None:
    """Structural contract: ``key`` identifies each row of ``frame``."""
    dup = frame.filter(pl.struct(list(key)).is_duplicated())
    if dup.height:
        first = dup.row(0, named=True)
        shown = ", ".join(f"{k}={first[k]}" for k in key if first[k] is not None)
        msg = f"{what}: {dup.height} rows share a key, e.g. {shown}"
        raise InputError(what, msg)


def refresh(
    spec_path: str | Path,
    out_dir: str | Path,
    *,
    offline: bool | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> RunResult:
    """Run a pipeline spec and publish into ``out_dir`` (``out_dir/latest``).

    Raises
    ------
    skills.errors.ConfigError
        Bad spec or options (exit code 2).
    skills.errors.InputError, skills.errors.QualityError
        An input or output failed its checks (exit code 1); nothing is published.
    """
    started = datetime.now(UTC)
    spec = load_spec(spec_path)
    out = Path(out_dir)
    run_id = new_run_id(started)
    result = build(spec, offline=offline, on_stage=on_stage)

    out.mkdir(parents=True, exist_ok=True)
    prune_runs(out, spec.keep_runs)
    tmp = new_run_dir(out, run_id)
    metadata = {"skills.run_id": run_id, "skills.version": __version__}
    if spec.data_label:
        metadata["skills.data_label"] = spec.data_label
    outputs: list[dict[str, Any]] = []
    for name, frame in result.tables.items():
        path = tmp / f"{name}.parquet"
        info = write_table(frame, path, metadata=metadata)
        outputs.append(
            {"path": path.name, "sha256": file_sha256(path), "bytes": path.stat().st_size, **info}
        )
    finished = datetime.now(UTC)
    manifest: dict[str, Any] = {
        "run_id": run_id,
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "package": {"name": "skills", "version": __version__},
        "pipeline": {
            "name": spec.name,
            "path": str(spec.path),
            "sha256": spec.sha256,
            "region": spec.region,
            "nuts_version": spec.nuts_version,
        },
        "data_label": spec.data_label,
        "inputs": result.inputs,
        "outputs": outputs,
        "crosswalks": result.crosswalks,
        "analyses": result.analyses,
        "validation": [],
    }
    import json

    (tmp / "manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )
    final = promote(out, tmp, run_id)
    prune_runs(out, spec.keep_runs)
    label = f" ({spec.data_label})" if spec.data_label else ""
    return RunResult(
        status="published",
        exit_code=0,
        run_id=run_id,
        out_dir=out,
        publication=final,
        message=f"published run {run_id} to {out / 'latest'}{label}",
        manifest=manifest,
    )
