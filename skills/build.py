"""The build: every table of a publication computed and checked, nothing written.

:func:`build` runs the declared stages (:data:`LOAD`, :data:`CHECK`, :data:`INPUTS`,
:data:`PANEL`, :data:`INDICATORS`, :data:`ANALYSES`, :data:`TABLES`, one
:data:`EXTENSION` per ``[analyses.<name>]``, :data:`VALIDATE`) through
:func:`skills.stages.run_stages`. Each declares the upstream stages, spec fields and run
options its result is a function of, and its cache key is derived from that declaration;
``tests/test_stages.py`` checks that every field of
:class:`~skills.spec.PipelineSpec` is declared by a stage or listed in
:data:`SPEC_FIELDS_NOT_IN_OUTPUTS`.

Why one module: each stage's declaration sits next to the small functions it names
(compute, encode, decode, skip, merge), and the declarations are read together to see
what a spec field reruns; split, a declaration and its functions would live apart.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import polars as pl

from skills.align import PANEL_KEY, aligned__panel
from skills.errors import (
    InputError,
    QualityError,
)
from skills.extensions import (
    AnalysisContext,
    Extension,
    ExtensionOutput,
    check_extension_tables,
    resolve_extensions,
    run_extension,
    skipped_output,
)
from skills.indicators import INDICATOR_KEY, compute_indicators
from skills.loading import LoadedSource, completeness, load_source, source_digest
from skills.spec import ROLES, PipelineSpec, display_location
from skills.stagecache import StageCache
from skills.stages import Run, Stage, StageHook, run_stages

log = logging.getLogger("skills.refresh")


@dataclass(frozen=True)
class Build:
    """Everything a publication holds, computed but not yet written."""

    spec: PipelineSpec
    tables: Mapping[str, pl.DataFrame]
    inputs: list[dict[str, Any]]
    crosswalks: list[dict[str, Any]] = field(default_factory=list)
    analyses: list[dict[str, str]] = field(default_factory=list)
    validation: Any = None
    stages: list[dict[str, str]] = field(default_factory=list)
    #: The spec's extra analyses: ``manifest.json`` ``extensions``.
    extensions: list[dict[str, Any]] = field(default_factory=list)
    #: ``optional = true`` sources that were not available: ``manifest.json``
    #: ``skipped_sources`` (role, dataset, reason).
    skipped_sources: list[dict[str, str]] = field(default_factory=list)


# ------------------------------------------------------------------------- build
#
# The build is a list of declared stages (skills.stages): each says which upstream
# stages, spec fields and run options its result is a function of, and its cache key is
# derived from that declaration. ``tests/test_stages.py`` checks that every field of
# PipelineSpec is declared by a stage or listed in SPEC_FIELDS_NOT_IN_OUTPUTS.

#: Fields of :class:`~skills.spec.PipelineSpec` that no stage's result depends on, and
#: why. Every other field must be declared by the stages that read it.
SPEC_FIELDS_NOT_IN_OUTPUTS: Mapping[str, str] = MappingProxyType(
    {
        "path": "names the spec in messages only; a cached source's location is restamped",
        "sha256": "the spec file's digest: the run fingerprint and the manifest, not a stage",
        "name": "the manifest and the row-count comparison, at publish",
        "title": "the report's and the quality page's titles, at publish",
        "titles": "the report's title in each language, at publish",
        "keep_runs": "how many publications are kept, at publish",
        "report_formats": "the report, built at publish",
        "languages": "the report, built at publish",
        "eurostat_dir": "resolved into each source's path before the build; the load "
        "stage is keyed on the file's digest",
    }
)


@dataclass(frozen=True)
class _Loaded:
    """A load stage's result: the source read and its input checks."""

    item: LoadedSource
    frame: pl.DataFrame
    report: Any


@dataclass(frozen=True)
class _Tables:
    """The publication's tables so far, with the analyses' log and extension outputs."""

    tables: Mapping[str, pl.DataFrame]
    crosswalks: list[dict[str, Any]]
    log: list[dict[str, str]]
    outputs: tuple[ExtensionOutput, ...] = ()


def _loaded(run: Run) -> dict[str, LoadedSource]:
    """The sources among the running stage's declared upstream stages, by role."""
    names = [n for n in run.reads if n.startswith("load:") and n in run.results]
    return {run[n].item.spec.role: run[n].item for n in names}


def _load(run: Run) -> _Loaded:
    from skills.quality import ValidationReport, available_suites, suite_for_role, validate_tables

    role, spec = run.params["role"], run.spec
    src = spec.sources[role]
    sha, fetched = run.options["digests"][role]
    known = src.path is not None or src.uri is not None  # a digest of the source itself
    item = load_source(
        spec, src, offline=run.options["offline"], fetched=fetched, sha256=sha if known else None
    )
    frame = item.frame.collect()
    if run.options["validate"] and suite_for_role(role) in set(available_suites()):
        report = validate_tables(
            {role: frame},
            sources={role: display_location(item.provenance["location"], spec.path)},
            nuts_version=spec.nuts_version,
        )
    else:
        report = ValidationReport(())
    return _Loaded(LoadedSource(src, frame.lazy(), item.provenance, item.label), frame, report)


def _load_encode(result: _Loaded) -> tuple[dict[str, pl.DataFrame], dict[str, Any]] | None:
    if not result.report.passed:
        return None
    meta = {
        "provenance": dict(result.item.provenance),
        "label": result.item.label,
        "validation": json.loads(result.report.to_json()),
    }
    return {"frame": result.frame}, meta


def _load_decode(run: Run, stored: Mapping[str, pl.DataFrame], info: Mapping[str, Any]) -> _Loaded:
    """A cached source, stamped with where it is now (a workspace may have moved)."""
    from skills.quality import ValidationReport

    src = run.spec.sources[run.params["role"]]
    location = str(src.path) if src.path is not None else info["provenance"]["location"]
    provenance = {**info["provenance"], "location": location}
    outcomes = ValidationReport.from_json(json.dumps(info["validation"])).outcomes
    report = ValidationReport(tuple(replace(o, source=location) for o in outcomes))
    item = LoadedSource(src, stored["frame"].lazy(), provenance, info["label"])
    return _Loaded(item, stored["frame"], report)


def _check(run: Run) -> Any:
    """A source's checks: its suite's (cached with it) and its grid's (every run)."""
    from skills.quality import ValidationReport

    loaded: _Loaded = run[f"load:{run.params['role']}"]
    if not run.options["validate"]:
        return loaded.report
    grid = completeness(run.spec, run.params["role"], loaded.item)
    return ValidationReport.combine([loaded.report, grid])


def _inputs(run: Run) -> Any:
    from skills.quality import ValidationReport

    report = ValidationReport.combine([run[n] for n in run.reads])
    if not report.passed:
        raise QualityError(
            "input checks failed:\n" + report.summary_text(include_warnings=False),
            report=report,
        )
    return report


def _analyses_decode(
    run: Run, tables: Mapping[str, pl.DataFrame], meta: Mapping[str, Any]
) -> tuple[dict[str, pl.DataFrame], dict[str, Any]]:
    return dict(tables), dict(meta)


def _tables(run: Run) -> _Tables:
    """The built-in analyses' tables, with their indicators added to the base ones."""
    extra, meta = run["analyses"]
    extra = dict(extra)
    indicators = pl.concat([run["indicators"], extra.pop("_indicators")], how="vertical").sort(
        list(INDICATOR_KEY), nulls_last=False
    )
    check_unique(indicators, INDICATOR_KEY, "indicators")
    tables: dict[str, pl.DataFrame] = {"indicators": indicators, "panel": run["panel"]}
    for role, item in _loaded(run).items():
        tables[role] = item.frame.drop("_line", strict=False).collect()
    tables.update(extra)
    return _Tables(tables, list(meta.get("crosswalks", [])), list(meta.get("log", [])))


def _extension_of(run: Run) -> Extension:
    name = run.params["name"]
    extensions: Sequence[Extension] = run.options["extensions"]
    return next(e for e in extensions if e.name == name)


def _extension_skip(run: Run) -> ExtensionOutput | None:
    ext = _extension_of(run)
    missing = [r for r in ext.spec.inputs if r not in run.spec.sources]
    return skipped_output(ext, missing) if missing else None


def _extension(run: Run) -> ExtensionOutput:
    """Run one extra analysis on the sources and the tables before it."""
    from skills.indicators.catalogue import load_catalogue

    ext, spec = _extension_of(run), run.spec
    before: _Tables = run[run.params["previous"]]
    loaded = _loaded(run)
    tables = before.tables
    context = AnalysisContext(
        name=ext.name,
        region=spec.region,
        nuts_version=spec.nuts_version,
        benchmarks=tuple(spec.benchmarks),
        provinces=tuple(spec.provinces),
        inputs=MappingProxyType(
            {role: item.frame.drop("_line", strict=False) for role, item in loaded.items()}
        ),
        labels=MappingProxyType({role: item.label for role, item in loaded.items()}),
        panel=tables["panel"],
        indicators=tables["indicators"],
        tables=MappingProxyType({k: v for k, v in tables.items() if k != "indicators"}),
        options=MappingProxyType(dict(ext.spec.options)),
        data_label=spec.data_label,
    )
    models = tables.get("models")
    return run_extension(
        ext,
        context,
        catalogue=[*load_catalogue(), *(e for o in before.outputs for e in o.catalogue)],
        model_ids=models["model_id"].unique().to_list() if models is not None else [],
        spec_path=spec.path,
    )


def _extension_merge(run: Run, output: ExtensionOutput) -> _Tables:
    """The tables before the extra analysis, with its rows added."""
    before: _Tables = run[run.params["previous"]]
    tables = dict(before.tables)
    if output.indicators.height:
        tables["indicators"] = pl.concat(
            [tables["indicators"], output.indicators], how="vertical"
        ).sort(list(INDICATOR_KEY), nulls_last=False)
        check_unique(tables["indicators"], INDICATOR_KEY, "indicators")
    tables.update(output.tables)
    if output.model_rows is not None and output.model_glance is not None:
        rows, glance = output.model_rows, output.model_glance
        if "models" in tables:
            rows = pl.concat([tables["models"], rows], how="vertical")
            glance = pl.concat([tables["models_glance"], glance], how="diagonal_relaxed")
        tables["models"], tables["models_glance"] = rows, glance
    return replace(before, tables=tables, outputs=(*before.outputs, output))


def _validate_outputs(run: Run) -> Any:
    from skills.quality import ValidationReport, available_suites, validate_tables

    built: _Tables = run[run.params["last"]]
    suites = set(available_suites())
    checked = {f"{n}.parquet": t for n, t in built.tables.items() if n in suites}
    catalogue = None
    if any(o.catalogue for o in built.outputs):
        from skills.indicators.catalogue import load_catalogue

        catalogue = (*load_catalogue(), *(e for o in built.outputs for e in o.catalogue))
    report = validate_tables(
        checked,
        sources={k: k for k in checked},
        suites={k: k.removesuffix(".parquet") for k in checked},
        nuts_version=run.spec.nuts_version,
        catalogue=catalogue,
    )
    own = {n: (o.extension.name, t) for o in built.outputs for n, t in o.tables.items()}
    if own:
        report = ValidationReport.combine([report, check_extension_tables(own)])
    return report


def _report_encode(report: Any) -> tuple[dict[str, pl.DataFrame], dict[str, Any]] | None:
    return ({}, {"validation": json.loads(report.to_json())}) if report.passed else None


def _report_decode(run: Run, tables: Mapping[str, pl.DataFrame], meta: Mapping[str, Any]) -> Any:
    from skills.quality import ValidationReport

    return ValidationReport.from_json(json.dumps(meta["validation"]))


#: Read a source and check it with its suite. Keyed on the file's content and its
#: selection, not on where the file lives: a moved workspace reuses its cache.
LOAD = Stage(
    "load:{role}",
    _load,
    spec_fields=("sources.{role}", "nuts_version", "synthetic"),
    options=("validate",),
    inputs=lambda run: run.options["digests"][run.params["role"]][0],
    outputs=("{role}",),
    encode=_load_encode,
    decode=_load_decode,
)
#: A user file's province x period grid (every run: it is cheap and names the file).
CHECK = Stage(
    "check:{role}",
    _check,
    upstream=("load:{role}",),
    spec_fields=("region", "nuts_version", "provinces"),
    options=("validate",),
    cached=False,
)
#: Every input's checks together: a failure stops the run before any table is built.
INPUTS = Stage("inputs", _inputs, upstream=("check:*",), cached=False)
#: The aligned panel, from the sources of the panel's kinds (bound in pipeline_stages).
PANEL = Stage(
    "panel",
    lambda run: _panel(run.spec, _loaded(run)),
    upstream=("load:*",),
    spec_fields=("nuts_version",),
    outputs=("panel",),
)
#: The indicators computed from the panel and the ITS and hiring records.
INDICATORS = Stage(
    "indicators",
    lambda run: _base_indicators(run["panel"], _loaded(run)),
    upstream=("panel", "load:its_courses", "load:hiring_plans"),
)
#: The built-in analyses (:func:`skills.analyses.run_analyses`).
ANALYSES = Stage(
    "analyses",
    lambda run: _analyses(run.spec, _loaded(run), run["panel"], run["indicators"]),
    upstream=("indicators", "panel", "load:*"),
    spec_fields=("region", "benchmarks", "models", "its_gap", "crosswalk", "crosswalk_path"),
    outputs=(
        "beveridge",
        "its_gap",
        "its_gap_drivers",
        "its_gap_sensitivity",
        "its_gap_specs",
        "models",
        "models_glance",
        "polarisation_occupations",
        "polarisation_percentiles",
        "profile",
        "shift_share",
        "shift_share_sectors",
        "shortage",
        "shortage_sensitivity",
    ),
    encode=lambda result: result,
    decode=_analyses_decode,
)
#: The publication's tables: indicators, panel, the user files and the analyses'.
TABLES = Stage(
    "tables",
    _tables,
    upstream=("indicators", "analyses", "panel", "load:its_courses", "load:hiring_plans"),
    outputs=("indicators", "its_courses", "hiring_plans"),
    cached=False,
)
#: An extra analysis of the spec (``[analyses.<name>]``), after the one before it.
EXTENSION = Stage(
    "analysis:{name}",
    _extension,
    upstream=("{previous}", "load:*"),
    spec_fields=(
        "analyses.{name}",
        "region",
        "nuts_version",
        "benchmarks",
        "provinces",
        "synthetic",
    ),
    inputs=lambda run: _extension_of(run).identity(),
    encode=lambda output: output.to_cache(),
    decode=lambda run, tables, meta: ExtensionOutput.from_cache(_extension_of(run), tables, meta),
    then=_extension_merge,
    skip=_extension_skip,
)
#: Every output table checked with its suite (and extra analyses' own checks).
VALIDATE = Stage(
    "validate:outputs",
    _validate_outputs,
    upstream=("{last}",),
    spec_fields=("nuts_version",),
    encode=_report_encode,
    decode=_report_decode,
)


def declared_stages() -> tuple[Stage, ...]:
    """Every stage declaration of the build (templates unbound)."""
    return (LOAD, CHECK, INPUTS, PANEL, INDICATORS, ANALYSES, TABLES, EXTENSION, VALIDATE)


def pipeline_stages(
    spec: PipelineSpec, extensions: Sequence[Extension] = (), *, validate: bool = True
) -> list[Stage]:
    """The stages a build of ``spec`` runs, in order, from the declarations above."""
    roles = list(spec.sources)
    panel_roles = [r for r in roles if ROLES[r].in_panel]  # roles with a panel cleaner
    stages: list[Stage] = []
    for role in roles:
        stages += [LOAD.bind(role=role), CHECK.bind(role=role)]
    stages += [
        INPUTS,
        replace(PANEL, upstream=tuple(f"load:{r}" for r in panel_roles)),
        INDICATORS,
        ANALYSES,
        TABLES,
    ]
    previous = TABLES.name
    for ext in extensions:
        stages.append(EXTENSION.bind(name=ext.name, previous=previous))
        previous = stages[-1].name
    if validate:
        stages.append(VALIDATE.bind(last=previous))
    return stages


def build(
    spec: PipelineSpec,
    *,
    offline: bool | None = None,
    cache: StageCache | None = None,
    digests: Mapping[str, tuple[str, Any]] | None = None,
    validate: bool = True,
    on_stage: StageHook | None = None,
    extensions: Sequence[Extension] | None = None,
) -> Build:
    """Load, check and compute every table of a publication (no writing).

    Runs :func:`pipeline_stages` through :func:`skills.stages.run_stages`.
    ``extensions`` are the spec's extra analyses, resolved
    (:func:`skills.extensions.resolve_extensions`; resolved here when None).

    Raises :class:`~skills.errors.InputError` or :class:`~skills.errors.QualityError`
    (with the validation report) when an input or an output fails its checks,
    :class:`~skills.errors.ConfigError` or :class:`~skills.errors.ExtensionError` when an
    extra analysis cannot be imported or fails.
    """
    from skills.quality import ValidationReport

    if extensions is None:
        extensions = resolve_extensions(spec)
    cache = cache or StageCache(Path(), enabled=False)
    known = dict(digests or {})
    digests = {r: known.get(r) or source_digest(s, offline) for r, s in spec.sources.items()}
    run = Run(
        spec,
        cache,
        hook=on_stage,
        options={
            "validate": validate,
            "offline": offline,
            "digests": digests,
            "extensions": tuple(extensions),
        },
    )
    stages = pipeline_stages(spec, extensions, validate=validate)
    run_stages(run, stages)
    built: _Tables = run.results[stages[-2 if validate else -1].name]  # TABLES or the last extra
    inputs_report = run.results[INPUTS.name]
    outputs_report = run.results[VALIDATE.name] if validate else ValidationReport(())
    report = ValidationReport.combine([inputs_report, outputs_report])
    if not report.passed:
        raise QualityError(
            "output checks failed (nothing published):\n"
            + outputs_report.summary_text(include_warnings=False),
            report=report,
        )
    return Build(
        spec=spec,
        tables=built.tables,
        inputs=[dict(run.results[f"load:{role}"].item.provenance) for role in spec.sources],
        crosswalks=built.crosswalks,
        analyses=[*built.log, *(o.log_entry() for o in built.outputs)],
        validation=report,
        stages=list(cache.events),
        extensions=[o.manifest_entry() for o in built.outputs],
    )


def _panel(spec: PipelineSpec, loaded: Mapping[str, LoadedSource]) -> pl.DataFrame:
    """The aligned panel: each loaded role with a panel cleaner (:mod:`skills.roles`)."""
    parts: dict[str, pl.LazyFrame] = {}
    for role, item in loaded.items():
        cleaner = ROLES[role].load_cleaner()
        if cleaner is not None:
            parts[role] = cleaner(
                item.frame,
                ROLES[role],
                source=item.label,
                vintage=item.provenance.get("vintage"),
                nuts_version=spec.nuts_version,
            )
    panel = aligned__panel(parts).collect()
    check_unique(panel, PANEL_KEY, "aligned panel")
    return panel


def _base_indicators(panel: pl.DataFrame, loaded: Mapping[str, LoadedSource]) -> pl.DataFrame:
    its = loaded["its_courses"].frame if "its_courses" in loaded else None
    hiring = loaded["hiring_plans"].frame if "hiring_plans" in loaded else None
    return compute_indicators(
        panel.lazy(),
        its_courses=its,
        hiring_plans=hiring,
        its_source=loaded["its_courses"].label if its is not None else "its_courses",
        hiring_source=loaded["hiring_plans"].label if hiring is not None else "hiring_plans",
    ).collect()


def _analyses(
    spec: PipelineSpec,
    loaded: Mapping[str, LoadedSource],
    panel: pl.DataFrame,
    base: pl.DataFrame,
) -> tuple[dict[str, pl.DataFrame], dict[str, Any]]:
    from skills.analyses import run_analyses

    frames = {role: item.frame.drop("_line", strict=False) for role, item in loaded.items()}
    labels = {role: item.label for role, item in loaded.items()}
    extra = run_analyses(spec, frames, labels, panel, base)
    tables: dict[str, pl.DataFrame] = dict(extra.tables)
    if extra.indicators:
        tables["_indicators"] = pl.concat([lf.collect() for lf in extra.indicators], how="vertical")
    else:
        tables["_indicators"] = base.clear()
    if extra.models:
        from skills.models import MODEL_ROWS_SCHEMA

        tables["models"] = pl.concat([m.to_rows() for m in extra.models], how="vertical")
        tables["models_glance"] = pl.concat(
            [m.glance() for m in extra.models], how="diagonal_relaxed"
        )
        assert dict(tables["models"].schema) == MODEL_ROWS_SCHEMA
    return tables, {"crosswalks": extra.crosswalks, "log": extra.log}


def check_unique(frame: pl.DataFrame, key: tuple[str, ...], what: str) -> None:
    """Structural contract: ``key`` identifies each row of ``frame``."""
    dup = frame.filter(pl.struct(list(key)).is_duplicated())
    if dup.height:
        first = dup.row(0, named=True)
        shown = ", ".join(f"{k}={first[k]}" for k in key if first[k] is not None)
        msg = f"{what}: {dup.height} rows share a key, e.g. {shown}"
        raise InputError(what, msg)
