"""The refresh: resolve a pipeline spec, load and check its sources, build, check, publish.

``refresh(spec, out_dir)`` is what ``skills refresh PIPELINE.toml --out DIR`` runs:

1. validate the spec (:func:`skills.spec.load_spec`) - configuration errors exit 2;
2. take the folder's lock (:mod:`skills.lock`) - a second run waits or exits 4;
3. fingerprint the run: spec, code, and every input's digest (Eurostat datasets are
   revalidated through the cache first). If ``DIR/latest`` was built from the same
   fingerprint, stop: nothing to do (exit 0), unless ``force``;
4. load every source and check it: structure in Polars, values with its suite
   (:mod:`skills.quality`); a failure stops the run (exit 1);
5. align the panel, compute the indicators and run the analyses (:mod:`skills.analyses`),
   then the spec's extra analyses (``[analyses.<name>]``, :mod:`skills.extensions`);
6. check every output table with its suite; a failure stops the run (exit 1);
7. publish atomically (:mod:`skills.publish`): files, quality summary, report and, last,
   the manifest, in a temporary folder that is then renamed into ``runs/`` before
   ``latest`` is switched.

Stages 4-6 are declared (:data:`LOAD`, :data:`PANEL`, ... run by
:func:`skills.stages.run_stages`) with the upstream stages, spec fields and options they
read; each is cached under a key derived from its declaration (:mod:`skills.stagecache`),
so a changed input or spec option reruns exactly the stages that read it and their
downstream; an extra analysis' stage is also keyed on its options and the digest of
its code. A failed run writes its
report to ``DIR/failures/<run_id>/`` and leaves ``DIR/latest`` untouched; a killed run
leaves only temporary files, which the next run removes.
"""

from __future__ import annotations

import errno
import json
import logging
import secrets
import shutil
import signal
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType, MappingProxyType
from typing import Any

import polars as pl

from skills import __version__
from skills._killpoints import checkpoint
from skills.align import DIMENSIONS, PANEL_KEY, aligned__panel
from skills.errors import (
    ConfigError,
    InputError,
    OutputDirError,
    QualityError,
    SkillsError,
    TerminatedError,
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
from skills.lock import RefreshLock
from skills.manifest import Manifest, PackageInfo, PipelineInfo, describe_outputs
from skills.publish import (
    check_layout,
    file_sha256,
    foreign_entries,
    latest_run,
    new_run_dir,
    promote,
    prune_runs,
    read_manifest,
    write_table,
)
from skills.roles import resolve
from skills.sources.eurostat_local import resolve_eurostat_dir
from skills.spec import ROLES, PipelineSpec, SourceSpec, display_location, load_spec
from skills.stagecache import StageCache, code_fingerprint, digest
from skills.stages import Run, Stage, StageHook, emit, run_stages

__all__ = [
    "Build",
    "LoadedSource",
    "RunResult",
    "RunTrace",
    "TerminatedError",
    "build",
    "load_source",
    "refresh",
]

log = logging.getLogger("skills.refresh")

#: Eurostat dimensions a role may carry beyond the panel's, and how each is handled.
_HANDLED_DIMS = {"geo", "unit", "indic_em", "sizeclas", *DIMENSIONS}

#: Kinds of source the aligned panel is built from: those of the roles with a panel
#: cleaner in the registry (wages, hires and competing graduates feed analyses only).
PANEL_KINDS = frozenset(role.kind for role in ROLES.values() if role.in_panel)


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
    validation: Any = None
    stages: list[dict[str, str]] = field(default_factory=list)
    #: The spec's extra analyses: ``manifest.json`` ``extensions``.
    extensions: list[dict[str, Any]] = field(default_factory=list)
    #: ``optional = true`` sources that were not available: ``manifest.json``
    #: ``skipped_sources`` (role, dataset, reason).
    skipped_sources: list[dict[str, str]] = field(default_factory=list)


def _numeric_stages(stages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Stage records with ``seconds`` as a number (the stage cache records text)."""
    return [{**s, "seconds": round(float(s.get("seconds") or 0.0), 3)} for s in stages]


@dataclass
class RunTrace:
    """How far a run got, filled in as it goes: the summary of a run that raised.

    Pass one to :func:`refresh` (``trace=``); when the run raises, the trace still holds
    its run id, output folder, failure report folder and the stages it finished, which is
    what ``skills refresh --json`` prints with the error.

    Attributes
    ----------
    run_id, out_dir
        Set as soon as the spec is loaded and the folder checked.
    failure_dir
        ``OUT/failures/<run_id>/`` once the failure report is written.
    steps
        The run's own steps (``fingerprint``, ``publish``, ``report``), each ``stage``,
        ``status``, ``seconds``.
    build_stages
        The build's stages (shared with the stage cache, so it grows as they finish).
    running
        The stage that was running when the run stopped (``stage``, ``status``
        ``"failed"``, ``seconds`` it ran), set by :meth:`stop`.
    """

    run_id: str | None = None
    out_dir: Path | None = None
    failure_dir: Path | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)
    build_stages: list[dict[str, Any]] = field(default_factory=list)
    running: dict[str, Any] | None = None
    _current: tuple[str, float] | None = None

    def step(self, stage: str, status: str, seconds: float) -> None:
        """Record one of the run's own steps."""
        self.steps.append({"stage": stage, "status": status, "seconds": round(seconds, 3)})

    def hook(self, on_stage: StageHook | None) -> StageHook:
        """``on_stage`` wrapped so that the trace knows which stage is running."""

        def hook(stage: str, status: str) -> None:
            self._current = (stage, time.perf_counter()) if status == "running" else None
            if on_stage is not None:
                on_stage(stage, status)

        return hook

    def stop(self) -> None:
        """The run raised: note the stage that was running, unless it had finished."""
        if self._current is None:
            return
        stage, since = self._current
        if stage not in {s["stage"] for s in [*self.steps, *self.build_stages]}:
            seconds = round(time.perf_counter() - since, 3)
            self.running = {"stage": stage, "status": "failed", "seconds": seconds}

    def stages(self) -> list[dict[str, Any]]:
        """Every stage in the order it ran, seconds as numbers: the fingerprint, the
        build's stages, then publish and report; last, the stage that failed."""
        head = [s for s in self.steps if s["stage"] == "fingerprint"]
        tail = [s for s in self.steps if s["stage"] != "fingerprint"]
        failed = [self.running] if self.running is not None else []
        return _numeric_stages([*head, *self.build_stages, *tail, *failed])


@dataclass(frozen=True)
class RunResult:
    """The outcome of a refresh, for the CLI and for schedulers (``--json``).

    ``stages`` are the build's stages as the manifest records them (``seconds`` as text);
    ``steps`` the run's own (``fingerprint``, ``publish``, ``report``, seconds as
    numbers). :meth:`as_dict` lists both, in order, with numeric seconds.
    """

    status: str
    exit_code: int
    run_id: str
    out_dir: Path
    publication: Path | None
    message: str
    manifest: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    stages: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able summary (what ``skills refresh --json`` prints).

        Keys: ``status``, ``exit_code``, ``error`` (``None`` here: a run that raised is
        summarised by the CLI from its :class:`RunTrace`), ``run_id``, ``out_dir``,
        ``publication``, ``failure_dir`` (``None``), ``message``, ``seconds``,
        ``stages`` (each ``stage``, ``status``, ``seconds`` as a number) and
        ``warnings``.
        """
        trace = RunTrace(steps=list(self.steps), build_stages=list(self.stages))
        return {
            "status": self.status,
            "exit_code": self.exit_code,
            "error": None,
            "run_id": self.run_id,
            "out_dir": str(self.out_dir),
            "publication": str(self.publication) if self.publication else None,
            "failure_dir": None,
            "message": self.message,
            "seconds": round(self.seconds, 3),
            "stages": trace.stages(),
            "warnings": self.warnings,
        }


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id: UTC time plus a random suffix."""
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def _source_label(spec: PipelineSpec, name: str) -> str:
    return f"{spec.data_label}: {name}" if spec.data_label else name


# ------------------------------------------------------------------------- sources


def _fetch(src: SourceSpec, offline: bool | None) -> Any:
    from skills.sources.eurostat_api import fetch_eurostat

    return fetch_eurostat(
        str(src.eurostat),
        filters=src.filters or None,
        start_period=src.start_period,
        end_period=src.end_period,
        offline=bool(offline),
    )


def source_digest(src: SourceSpec, offline: bool | None = None) -> tuple[str, Any]:
    """The digest of a source's bytes (fetching a Eurostat dataset through the cache)."""
    if src.path is not None:
        return file_sha256(src.path), None
    fetched = _fetch(src, offline)
    return fetched.sha256, fetched


def source_digests(
    spec: PipelineSpec, offline: bool | None = None
) -> tuple[PipelineSpec, dict[str, tuple[str, Any]], list[dict[str, str]]]:
    """Digest every source; drop the ``optional`` Eurostat sources that are not available.

    A source is not available when offline with no cached copy (nor a local file), or
    when Eurostat cannot be reached and nothing is cached. Any other fault of an
    optional source (a bad filter, a file that does not parse) still stops the run.

    Returns
    -------
    tuple
        The spec without the skipped sources, the digests of the others and one
        ``{"role", "dataset", "reason"}`` per skipped source (for the manifest).
    """
    from skills.sources.eurostat_api import EurostatNotCachedError, EurostatUnavailableError

    digests: dict[str, tuple[str, Any]] = {}
    skipped: list[dict[str, str]] = []
    for role, src in spec.sources.items():
        try:
            digests[role] = source_digest(src, offline)
        except (ConfigError, EurostatUnavailableError) as exc:
            unavailable = isinstance(exc, EurostatUnavailableError | EurostatNotCachedError)
            if not (src.optional and src.path is None and unavailable):
                if isinstance(exc, EurostatNotCachedError):  # name the spec key too
                    raise EurostatNotCachedError(
                        f"[sources.{role}] eurostat = {src.eurostat!r}: {exc.reason}",
                        file=spec.path,
                    ) from exc
                raise
            reason = str(exc).splitlines()[0]
            log.warning("optional source %s (%s) skipped: %s", role, src.eurostat, reason)
            skipped.append({"role": role, "dataset": str(src.eurostat), "reason": reason})
    if skipped:
        kept = {r: s for r, s in spec.sources.items() if r in digests}
        spec = replace(spec, sources=kept)
    return spec, digests, skipped


def load_source(
    spec: PipelineSpec,
    src: SourceSpec,
    *,
    offline: bool | None = None,
    fetched: Any = None,
    sha256: str | None = None,
) -> LoadedSource:
    """Read one source of ``spec`` and check it is the table its role needs.

    ``sha256`` is the file's digest when the caller has it already (the refresh hashes
    every input for its fingerprint): a file is then not read twice to hash it.
    """
    role = ROLES[src.role]
    if role.source == "eurostat":
        return _load_eurostat(spec, src, role, offline=offline, fetched=fetched)
    assert src.path is not None
    sha256 = sha256 or file_sha256(src.path)
    if role.source == "records":
        return _load_records(spec, src, sha256)
    # a user file: the role's reader (skills.roles) and its checks
    frame = role.load_reader()(
        src.path,
        sheet=src.sheet,
        delimiter=src.delimiter,
        encoding=src.encoding,
        ignore_columns=src.ignore_columns,
    )
    for check in role.checks:
        resolve(check)(frame, src.path)
    provenance = {
        "role": src.role,
        "kind": role.kind,
        "location": str(src.path),
        "format": src.path.suffix.lstrip(".").lower(),
        "sha256": sha256,
        "bytes": src.path.stat().st_size,
        "vintage": None,
        "rows": frame.height,
    }
    return LoadedSource(src, frame.lazy(), provenance, _source_label(spec, src.role))


def _load_records(spec: PipelineSpec, src: SourceSpec, sha256: str) -> LoadedSource:
    """Aggregate a record-level Parquet file to panel rows (streaming, bounded memory)."""
    assert src.path is not None
    label = _source_label(spec, src.role)
    reader = ROLES[src.role].load_reader()
    frame = reader(src.role, src.path, source_label=label, **dict(src.options))
    provenance = {
        "role": src.role,
        "kind": "records",
        "location": str(src.path),
        "format": "parquet",
        "sha256": sha256,
        "bytes": src.path.stat().st_size,
        "vintage": None,
        "records": pl.scan_parquet(src.path).select(pl.len()).collect().item(),
        "rows": frame.height,
    }
    return LoadedSource(src, frame.lazy(), provenance, label)


def _completeness(spec: PipelineSpec, role: str, item: LoadedSource) -> Any:
    """The province x period grid of a user file (:mod:`skills.quality.completeness`).

    For the roles with a ``grid_geo`` column in the registry (hiring plans and hires). A
    missing province-year is an :class:`InputError` naming the file, the column and the
    cell; a province of the region absent from the whole file is a warning outcome.
    """
    from skills.quality import ValidationReport
    from skills.quality._report import ExpectationOutcome
    from skills.quality.completeness import find_gaps, region_provinces

    geo = ROLES[role].grid_geo
    location = display_location(item.provenance["location"], spec.path)
    if geo is None:
        return ValidationReport(())
    frame = item.frame.select(geo, "period").collect()
    expected = region_provinces(spec.region, spec.nuts_version, spec.provinces)
    if not frame[geo].str.len_chars().eq(5).all():
        expected = []  # areas other than provinces (hires by region): no expected list
    gaps = find_gaps(frame, geo=geo, expected_geos=expected)
    errors = [g for g in gaps if g.severity == "error"]
    if errors:
        more = (
            f" (and {len(errors) - 1} more: " + "; ".join(g.message for g in errors[1:4]) + ")"
            if len(errors) > 1
            else ""
        )
        raise InputError(
            location,
            f"incomplete: {errors[0].message}{more}. A file cut short or a deleted "
            "province-year would publish too small a demand",
            column=geo if errors[0].geo is not None else "period",
        )
    return ValidationReport(
        tuple(
            ExpectationOutcome(
                suite=role,
                table=role,
                expectation="expect_complete_province_period_grid",
                columns=(geo, "period"),
                severity="warning",
                success=False,
                observed={"message": g.message},
                source=location,
                check_table="grid",
                description="every province of the region in every period",
                engine="polars",
            )
            for g in gaps
        )
    )


def _check_frequency(frame: pl.DataFrame, src: SourceSpec, where: str) -> None:
    """Each Eurostat role reads annual periods unless the spec's ``freq`` filter says else."""
    from skills.periods import FREQUENCY_NAMES, frequency_of

    wanted = {f.upper() for f in src.filters.get("freq", ("A",))}
    found = {p: frequency_of(p) for p in frame["period"].unique().to_list()}
    wrong = sorted(p for p, f in found.items() if f not in wanted)
    if wrong:
        names = " or ".join(FREQUENCY_NAMES.get(f, f) for f in sorted(wanted))
        raise InputError(
            where,
            f"the {src.role} source reads {names} periods, this table has period "
            f"{wrong[0]} ({FREQUENCY_NAMES.get(str(found[wrong[0]]), 'unknown')}): is it "
            'the right dataset? (a spec filter freq = "..." chooses another frequency)',
            column="period",
        )


def _load_eurostat(
    spec: PipelineSpec, src: SourceSpec, role: Any, *, offline: bool | None, fetched: Any
) -> LoadedSource:
    from skills.sources.eurostat import load_eurostat

    if src.path is None and fetched is None:
        fetched = _fetch(src, offline)
    table = load_eurostat(
        src.path if src.path is not None else fetched.path,
        filters=None if src.path is not None and src.eurostat else (src.filters or None),
        start_period=src.start_period,
        end_period=src.end_period,
    )
    where = fetched.url if fetched is not None else table.source
    if src.path is not None and src.eurostat:  # a file from the local Eurostat folder
        table = replace(table, frame=_local_filters(table, src, role, where))
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
    dataset = table.dataset or (src.eurostat if src.eurostat else None)
    if src.path is not None and src.eurostat and table.dataset and table.dataset != src.dataset:
        raise InputError(  # a local file named after one dataset holding another
            where,
            f"the file holds Eurostat dataset {table.dataset}, but [sources.{src.role}] asks "
            f"for {src.dataset} (the file was chosen by its name in the Eurostat folder)",
            line=1,
            column="DATAFLOW",
        )
    if dataset and role.datasets and src.dataset is None and dataset not in role.datasets:
        raise InputError(
            where,
            f"the file holds Eurostat dataset {dataset}, the {src.role} source "
            f'expects {" or ".join(role.datasets)} (set dataset = "{dataset}" in '
            "the spec if this is intended)",
            line=1,
            column="DATAFLOW",
        )
    frame = table.frame.collect()
    if frame.height == 0:
        raise InputError(where, "no observations left after the spec's filters")
    _check_frequency(frame, src, where)
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
    name = src.dataset or dataset or Path(table.source).name.split(".")[0]
    provenance: dict[str, Any] = {
        "role": src.role,
        "kind": "eurostat",
        "location": where,
        "dataset": dataset or src.dataset,
        "format": table.format,
        "sha256": table.sha256,
        "bytes": table.bytes,
        "vintage": table.last_update,
        "rows": frame.height,
        "filters": {k: list(v) for k, v in src.filters.items()},
    }
    if src.path is not None and src.eurostat:
        provenance["local_file"] = True
        absent = sorted(set(src.filters) - set(table.dimensions))
        if absent:
            provenance["filters_not_in_file"] = absent
    if fetched is not None:
        provenance["fetch"] = {
            "url": fetched.url,
            "cache_path": str(fetched.path),
            "fetched_at": fetched.fetched_at,
            "from_cache": fetched.from_cache,
        }
    return LoadedSource(src, frame.lazy(), provenance, _source_label(spec, name))


def _local_filters(table: Any, src: SourceSpec, role: Any, where: str) -> pl.LazyFrame:
    """Apply a source's filters to a file from the local Eurostat folder.

    Older bulk files lack dimensions today's API has (``lfst_r_lfu3rt`` before
    ``unit`` and ``isced11`` were added). A filter on a dimension the file does not have
    is accepted only when the file cannot hold anything else: ``unit`` naming the
    role's unit (the dataset code is checked against the role), or ``TOTAL``. Any other
    such filter (``isced11 = "ED5-8"`` on a file without ``isced11``) would read totals
    as a breakdown, and raises :class:`~skills.errors.ConfigError`.
    """
    frame: pl.LazyFrame = table.frame
    for dim, values in src.filters.items():
        if dim == "freq":
            continue
        if dim in table.dimensions:
            frame = frame.filter(pl.col(dim).is_in(list(values)))
        elif not (
            (dim == "unit" and role.units and set(values) <= role.units)
            or tuple(values) == ("TOTAL",)
        ):
            raise ConfigError(
                f"[sources.{src.role}] filters.{dim} = {list(values)}: the local file {where} "
                f"has no {dim!r} dimension (it has {', '.join(table.dimensions)}), so it "
                f'cannot be filtered on it; only {dim} = "TOTAL" (or the unit the role '
                "reads) is implied by a file without it. Use a file with that dimension.",
                file=src.path,
            )
    return frame


# ------------------------------------------------------------------------- build
#
# The build is a list of declared stages (skills.stages): each says which upstream
# stages, spec fields and run options its result is a function of, and its cache key is
# derived from that declaration. ``tests/test_stages.py`` checks that every field of
# PipelineSpec is declared by a stage or listed in SPEC_FIELDS_NOT_IN_OUTPUTS.

_emit = emit

#: Fields of :class:`~skills.spec.PipelineSpec` that no stage's result depends on, and
#: why. Every other field must be declared by the stages that read it.
SPEC_FIELDS_NOT_IN_OUTPUTS: Mapping[str, str] = MappingProxyType(
    {
        "path": "names the spec in messages only; a cached source's location is restamped",
        "sha256": "the spec file's digest: the run fingerprint and the manifest, not a stage",
        "name": "the manifest and the row-count comparison, at publish",
        "title": "the report's and the quality page's titles, at publish",
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
    item = load_source(
        spec, src, offline=run.options["offline"], fetched=fetched, sha256=sha if src.path else None
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
    grid = _completeness(run.spec, run.params["role"], loaded.item)
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
#: The built-in analyses (:func:`skills.analysis.run_analyses`).
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


# ------------------------------------------------------------------------- the run


@contextmanager
def _sigterm_as_exception() -> Iterator[None]:
    """Turn SIGTERM into an exception so that cleanup runs (Python's default just exits)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise TerminatedError("terminated by SIGTERM: nothing published, latest unchanged")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_fingerprint(
    spec: PipelineSpec,
    digests: Mapping[str, tuple[str, Any]],
    extensions: Sequence[Extension] = (),
) -> str:
    """What a publication is a function of: spec, code (the package's and the extra
    analyses'), inputs and crosswalk."""
    crosswalk = file_sha256(spec.crosswalk_path) if spec.crosswalk_path else spec.crosswalk
    parts: list[Any] = [
        spec.sha256,
        code_fingerprint(),
        sorted((role, sha) for role, (sha, _) in digests.items()),
        crosswalk,
    ]
    if extensions:
        parts.append([(e.name, e.path, e.code_sha256) for e in extensions])
    return digest(*parts)


def _write_failure(out: Path, run_id: str, spec: PipelineSpec | None, exc: BaseException) -> Path:
    """Write what went wrong beside the publications, for the operator."""
    folder = out / "failures" / run_id
    folder.mkdir(parents=True, exist_ok=True)
    text = f"{type(exc).__name__}: {exc}\n"
    details = getattr(exc, "details", None)
    if isinstance(details, str) and details:
        text += f"\n{details}"
    (folder / "error.txt").write_text(text, encoding="utf-8")
    report = getattr(exc, "report", None)
    if report is not None:
        from skills.quality import render_quality_html

        (folder / "quality.json").write_text(report.to_json(), encoding="utf-8")
        title = f"{spec.title if spec else 'refresh'}: run {run_id} FAILED"
        (folder / "quality.html").write_text(
            render_quality_html(
                report, title=title, run_id=run_id, data_label=spec.data_label if spec else None
            ),
            encoding="utf-8",
        )
    return folder


#: ``errno`` values that mean the output folder's file system refuses the write.
_ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


@contextmanager
def _environment_faults(out: Path) -> Iterator[None]:
    """Turn a refused write in ``out`` (full, read-only, no permission) into exit code 5."""
    try:
        yield
    except OSError as exc:
        if isinstance(exc, SkillsError) or exc.errno not in _ENVIRONMENT_ERRNOS:
            raise
        where = Path(exc.filename) if exc.filename else out
        try:
            inside = where.resolve().is_relative_to(out.resolve())
        except OSError:
            inside = False
        if not inside and exc.errno in {errno.EACCES, errno.EPERM}:
            raise  # an input the run cannot read: not the output folder's fault
        what = {
            errno.ENOSPC: "the file system is full",
            errno.EDQUOT: "the disk quota is exceeded",
            errno.EROFS: "the file system is read-only",
        }.get(exc.errno, "permission denied (the output folder is not writable by this user)")
        raise OutputDirError(
            where,
            f"{what} ({exc.strerror}); nothing published, {out / 'latest'} unchanged. "
            "Free space or fix the permissions and rerun",
        ) from exc


def refresh(
    spec_path: str | Path,
    out_dir: str | Path,
    *,
    offline: bool | None = None,
    force: bool = False,
    wait: float = 0.0,
    validate: bool = True,
    report: bool = True,
    on_stage: StageHook | None = None,
    eurostat_dir: str | Path | None = None,
    accept_row_drop: bool = False,
    trace: RunTrace | None = None,
) -> RunResult:
    """Run a pipeline spec and publish into ``out_dir`` (``out_dir/latest``).

    Parameters
    ----------
    spec_path, out_dir
        The pipeline spec and the output folder.
    offline
        Use only cached Eurostat downloads.
    force
        Rebuild even when nothing changed since the last publication (ignores the stage
        cache too).
    wait
        Seconds to wait for another refresh of the same folder to finish.
    validate
        Run the quality suites (always on in production; tests may switch it off).
    report
        Build ``report.html`` and the chart files into the publication (the formats are
        the spec's ``[outputs] report_formats``, the languages its ``[outputs] languages``,
        recorded in the manifest's ``pipeline.languages``; ``[outputs] report = false``
        skips it).
    eurostat_dir
        A folder of local Eurostat files read before the API cache for every
        ``eurostat = "<code>"`` source (``--eurostat-dir``; overrides the spec's
        ``[pipeline] eurostat_dir``; see :mod:`skills.sources.eurostat_local`).
    accept_row_drop
        Publish even when an input or a table has lost more than
        :data:`MAX_ROW_DROP` of the rows of the previous publication (see
        :func:`check_row_counts`); the drop is recorded in the manifest.
    trace
        Filled in as the run goes (run id, stages finished, failure folder), so that a
        caller can summarise a run that raised (``skills refresh --json``).

    Raises
    ------
    skills.errors.ConfigError
        Bad spec or options (exit code 2).
    skills.errors.InputError, skills.errors.QualityError
        An input or an output failed its checks (exit code 1); nothing is published and
        the report is in ``out_dir/failures/<run_id>/``.
    skills.lock.LockedError
        Another refresh holds the folder (exit code 4).
    """
    t0 = time.perf_counter()
    started = datetime.now(UTC)
    trace = trace if trace is not None else RunTrace()
    trace.out_dir = Path(out_dir)
    spec = resolve_eurostat_dir(
        load_spec(spec_path), Path(eurostat_dir) if eurostat_dir is not None else None
    )
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputDirError(
            out, "--out names an existing file, not a folder: give the output folder"
        )
    run_id = new_run_id(started)
    trace.run_id = run_id
    with _environment_faults(out):
        out.mkdir(parents=True, exist_ok=True)
        return _refresh_locked(
            spec,
            out,
            run_id=run_id,
            started=started,
            t0=t0,
            offline=offline,
            force=force,
            wait=wait,
            validate=validate,
            report=report,
            on_stage=on_stage,
            accept_row_drop=accept_row_drop,
            trace=trace,
        )


def _refresh_locked(
    spec: PipelineSpec,
    out: Path,
    *,
    run_id: str,
    started: datetime,
    t0: float,
    offline: bool | None,
    force: bool,
    wait: float,
    validate: bool,
    report: bool,
    on_stage: StageHook | None,
    accept_row_drop: bool,
    trace: RunTrace,
) -> RunResult:
    """The run under the output folder's lock (see :func:`refresh`).

    Records in ``trace`` the seconds of the fingerprint, publish and report steps (the
    build records its own stages in the stage cache's events, which ``trace`` shares).
    """
    with RefreshLock(out, timeout=wait), _sigterm_as_exception():
        check_layout(out)  # latest a real folder, or a damaged manifest: refuse, no work
        was_latest = latest_run(out)
        protect = (was_latest.name,) if was_latest is not None else ()
        prune_runs(out, spec.keep_runs, protect=protect)  # and what killed runs left
        cache = StageCache(out / ".cache" / "stages", enabled=not force)
        trace.build_stages = cache.events  # shared: grows as the build stages finish
        on_stage = trace.hook(on_stage)
        try:
            _emit(on_stage, "fingerprint", "running")
            step = time.perf_counter()
            extensions = resolve_extensions(spec)
            spec, digests, skipped = source_digests(spec, offline)
            fingerprint = run_fingerprint(spec, digests, extensions)
            trace.step("fingerprint", "ran", time.perf_counter() - step)
            current = latest_run(out)
            if current is not None and not force:
                previous = read_manifest(current)
                if previous.get("fingerprint") == fingerprint:
                    seconds = time.perf_counter() - t0
                    return RunResult(
                        status="unchanged",
                        exit_code=0,
                        run_id=previous["run_id"],
                        out_dir=out,
                        publication=current,
                        seconds=seconds,
                        manifest=previous,
                        steps=list(trace.steps),
                        message=(
                            f"nothing changed since run {previous['run_id']} "
                            f"({out / 'latest'}); use --force to rebuild"
                        ),
                    )
            result = build(
                spec,
                offline=offline,
                cache=cache,
                digests=digests,
                validate=validate,
                on_stage=on_stage,
                extensions=extensions,
            )
            result = replace(result, skipped_sources=skipped)
            row_check = check_row_counts(
                spec,
                result,
                read_manifest(current) if current is not None else None,
                accept=accept_row_drop,
            )
            _emit(on_stage, "publish", "running")
            step = time.perf_counter()
            timings: dict[str, float] = {}
            final, manifest = _publish(
                out,
                run_id=run_id,
                started=started,
                spec=spec,
                result=result,
                fingerprint=fingerprint,
                report=report,
                row_check=row_check,
                timings=timings,
            )
            publish_seconds = time.perf_counter() - step - timings.get("report", 0.0)
            trace.step("publish", "ran", publish_seconds)
            trace.step(
                "report", "ran" if "report" in timings else "skipped", timings.get("report", 0.0)
            )
        except SkillsError as exc:
            trace.stop()
            try:
                folder = _write_failure(out, run_id, spec, exc)
            except OSError:  # a full or read-only disk: the error itself matters more
                raise exc from None
            trace.failure_dir = folder
            exc.args = (f"{exc}\n(report: {folder})",)
            raise
        except BaseException:
            trace.stop()
            shutil.rmtree(out / "runs" / f".tmp-{run_id}", ignore_errors=True)
            raise
        prune_runs(out, spec.keep_runs, protect=protect)
        # keep the cache entries this run used (a forced run used none: keep them all)
        if not force:
            cache.prune(cache.used)
        foreign = foreign_entries(out)
    label = f" ({spec.data_label})" if spec.data_label else ""
    # "table: expectation ...": the CLI prefixes "warning: ", so drop the line's "WARNING "
    warnings = (
        [o.line().removeprefix("WARNING ") for o in result.validation.warnings()]
        if result.validation
        else []
    )
    warnings += cache.warnings
    warnings += [
        f"{path}: not made by skills (not in publications.jsonl): left alone, never pruned"
        for path in foreign
    ]
    for line in cache.warnings:
        log.warning("%s", line)
    return RunResult(
        status="published",
        exit_code=0,
        run_id=run_id,
        out_dir=out,
        publication=final,
        message=f"published run {run_id} to {out / 'latest'}{label}",
        manifest=manifest,
        seconds=time.perf_counter() - t0,
        stages=result.stages,
        warnings=warnings,
        steps=list(trace.steps),
    )


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


def _publish(
    out: Path,
    *,
    run_id: str,
    started: datetime,
    spec: PipelineSpec,
    result: Build,
    fingerprint: str,
    report: bool,
    row_check: Mapping[str, Any] | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[Path, dict[str, Any]]:
    tmp = new_run_dir(out, run_id)
    try:
        metadata = {"skills.run_id": run_id, "skills.version": __version__}
        if spec.data_label:
            metadata["skills.data_label"] = spec.data_label
        for name, frame in result.tables.items():
            write_table(frame, tmp / f"{name}.parquet", metadata=metadata)
        if result.validation is not None:
            from skills.quality import render_quality_html

            (tmp / "quality.json").write_text(result.validation.to_json(), encoding="utf-8")
            (tmp / "quality.html").write_text(
                render_quality_html(
                    result.validation, title=spec.title, run_id=run_id, data_label=spec.data_label
                ),
                encoding="utf-8",
            )
        manifest = Manifest(
            run_id=run_id,
            started=started.isoformat(),
            package=PackageInfo("skills", __version__, code_fingerprint()),
            fingerprint=fingerprint,
            pipeline=PipelineInfo.of(spec),
            data_label=spec.data_label,
            inputs=result.inputs,
            skipped_sources=result.skipped_sources,
            crosswalks=result.crosswalks,
            analyses=result.analyses,
            extensions=result.extensions,
            stages=result.stages,
            validation=result.validation.per_suite() if result.validation else [],
            row_counts=dict(row_check) if row_check is not None else None,
        )
        if report and spec.report_formats:
            manifest.write(tmp)  # the report reads it; rewritten below
            checkpoint("publish:report")
            step = time.perf_counter()
            _build_report(tmp, spec.report_formats, spec.languages)
            if timings is not None:  # the run's "report" step (RunTrace)
                timings["report"] = time.perf_counter() - step
        manifest = replace(
            manifest, finished=datetime.now(UTC).isoformat(), outputs=describe_outputs(tmp)
        )
        checkpoint("publish:manifest")
        manifest.write(tmp)
        return promote(out, tmp, run_id), manifest.to_dict()
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _build_report(folder: Path, formats: tuple[str, ...], languages: tuple[str, ...]) -> None:
    from skills.report import build_report

    build_report(folder, formats=formats, languages=languages)
