"""Loading a pipeline's sources: digest, read, filter and check each one (stage ``load:<role>``).

:func:`load_source` reads one source of a spec through its role's reader (the registry,
:mod:`skills.roles`): a Eurostat table (local file, ``--eurostat-dir`` or the API cache)
filtered to the rows its role reads, a user file against its schema, or record-level
Parquet through the streaming aggregation. :func:`source_digests` fingerprints every
source for the run's fingerprint; :func:`completeness` checks the province x period grid
of the roles that have one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from skills._fileio import file_sha256
from skills.align import DIMENSIONS
from skills.errors import (
    ConfigError,
    InputError,
)
from skills.roles import resolve
from skills.spec import ROLES, PipelineSpec, SourceSpec, display_location

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
    folder = src.path is not None and src.path.is_dir()
    if ROLES[src.role].source == "records" and (src.uri is not None or folder):
        from skills.sources.records.engines import location_digest

        return location_digest(src.location, master=src.options.get("master"))[0], None
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
    if role.source == "records":
        return _load_records(spec, src, sha256)
    assert src.path is not None
    sha256 = sha256 or file_sha256(src.path)
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


def _load_records(spec: PipelineSpec, src: SourceSpec, sha256: str | None) -> LoadedSource:
    """Aggregate a record-level source to panel rows (streaming, bounded memory; or on the
    source's engine)."""
    from skills.sources.records.engines import count_records, location_digest

    location = src.location
    engine = src.options.get("engine", "polars")
    master = src.options.get("master")
    if src.path is not None and src.path.is_file():
        size, files = src.path.stat().st_size, 1
        sha256 = sha256 or file_sha256(src.path)
    else:
        digest, size, files = location_digest(location, master=master)
        sha256 = sha256 or digest
    label = _source_label(spec, src.role)
    reader = ROLES[src.role].load_reader()
    frame = reader(src.role, location, source_label=label, **dict(src.options))
    provenance = {
        "role": src.role,
        "kind": "records",
        "location": location,
        "format": "parquet",
        "sha256": sha256,
        "bytes": size,
        "vintage": None,
        "records": count_records(location, engine, master=master),
        "rows": frame.height,
    }
    if files != 1 or src.uri is not None:
        provenance["files"] = files
    if engine != "polars":
        provenance["engine"] = engine
    return LoadedSource(src, frame.lazy(), provenance, label)


def completeness(spec: PipelineSpec, role: str, item: LoadedSource) -> Any:
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
