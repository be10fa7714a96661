"""Running an extra analysis and checking what it returns against the contract."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from skills.errors import ExtensionError, SkillsError
from skills.extensions.contract import (
    _NAME_RE,
    _OTHER_NAMES,
    BUILTIN_TABLES,
    AnalysisContext,
    AnalysisResult,
    IndicatorDefinition,
)
from skills.extensions.resolve import Extension, _code_files_of, _exception_text
from skills.indicators._frame import INDICATOR_KEY, INDICATOR_SCHEMA
from skills.indicators.catalogue import CatalogueEntry, load_catalogue

__all__ = ["ExtensionOutput", "run_extension", "skipped_output"]

#: Cache entries hold these beside the extension's own tables (whose names cannot
#: start with ``_``).
_ROWS, _MODEL_ROWS, _MODEL_GLANCE = "_indicators", "_models", "_models_glance"


@dataclass(frozen=True)
class ExtensionOutput:
    """What one extra analysis added, checked against the contract: ready to cache and
    publish.

    Attributes
    ----------
    extension
        The analysis.
    status
        ``"ran"`` or ``"skipped"``.
    detail
        The run log's line.
    indicators
        Its indicator rows (:data:`INDICATOR_SCHEMA`; empty when none).
    catalogue
        The catalogue entries of its declared indicators.
    tables
        Its tables by name.
    model_rows, model_glance
        Its models' rows for ``models.parquet`` and ``models_glance.parquet`` (None
        without models).
    model_ids
        Its models' ids.
    """

    extension: Extension
    status: str
    detail: str
    indicators: pl.DataFrame
    catalogue: tuple[CatalogueEntry, ...] = ()
    tables: Mapping[str, pl.DataFrame] = field(default_factory=dict)
    model_rows: pl.DataFrame | None = None
    model_glance: pl.DataFrame | None = None
    model_ids: tuple[str, ...] = ()

    def log_entry(self) -> dict[str, str]:
        """The run log's entry (``manifest.json`` ``analyses``)."""
        return {
            "analysis": self.extension.name,
            "status": self.status,
            "detail": self.detail,
            "function": self.extension.path,
            "kind": "extension",
        }

    def manifest_entry(self) -> dict[str, Any]:
        """The entry of ``manifest.json`` ``extensions``."""
        ext = self.extension
        return {
            "name": ext.name,
            "function": ext.path,
            "module_file": ext.module_file,
            "code_sha256": ext.code_sha256,
            "code_files": ext.code_files,
            "inputs": list(ext.spec.inputs),
            "options": dict(ext.spec.options),
            "description": ext.spec.description,
            "status": self.status,
            "detail": self.detail,
            "indicator_rows": self.indicators.height,
            "indicators": [e.as_dict() for e in self.catalogue],
            "tables": sorted(self.tables),
            "models": list(self.model_ids),
        }

    def to_cache(self) -> tuple[dict[str, pl.DataFrame], dict[str, Any]]:
        """Tables and JSON metadata for :meth:`skills.stagecache.StageCache.store`."""
        tables = {_ROWS: self.indicators, **self.tables}
        if self.model_rows is not None and self.model_glance is not None:
            tables[_MODEL_ROWS] = self.model_rows
            tables[_MODEL_GLANCE] = self.model_glance
        meta = {
            "status": self.status,
            "detail": self.detail,
            "catalogue": [e.as_dict() for e in self.catalogue],
            "model_ids": list(self.model_ids),
        }
        return tables, meta

    @classmethod
    def from_cache(
        cls, extension: Extension, tables: Mapping[str, pl.DataFrame], meta: Mapping[str, Any]
    ) -> ExtensionOutput:
        """The output :meth:`to_cache` stored."""
        own = {k: v for k, v in tables.items() if not k.startswith("_")}
        return cls(
            extension=extension,
            status=str(meta["status"]),
            detail=str(meta["detail"]),
            indicators=tables[_ROWS],
            catalogue=tuple(CatalogueEntry.from_dict(d) for d in meta["catalogue"]),
            tables=own,
            model_rows=tables.get(_MODEL_ROWS),
            model_glance=tables.get(_MODEL_GLANCE),
            model_ids=tuple(meta["model_ids"]),
        )


def skipped_output(extension: Extension, missing: Sequence[str]) -> ExtensionOutput:
    """The output of an analysis whose inputs are not all in the spec."""
    return ExtensionOutput(
        extension=extension,
        status="skipped",
        detail=f"{extension.path}: needs {', '.join(missing)}, not in the spec's [sources]",
        indicators=pl.DataFrame(schema=INDICATOR_SCHEMA),
    )


def run_extension(
    extension: Extension,
    context: AnalysisContext,
    *,
    catalogue: Sequence[CatalogueEntry] = (),
    model_ids: Sequence[str] = (),
    spec_path: str | Path | None = None,
) -> ExtensionOutput:
    """Call an extra analysis and check what it returns against the contract.

    Parameters
    ----------
    extension
        The resolved analysis.
    context
        Its context (``context.tables`` holds every table name already taken).
    catalogue
        The indicator ids already defined: the shipped catalogue and the entries of the
        extra analyses before this one.
    model_ids
        The model ids already in the publication.
    spec_path
        The spec, for messages.

    Raises
    ------
    skills.errors.ExtensionError
        When the function raises, returns something else than an :class:`AnalysisResult`,
        or its rows break the contract (the message says which part, and how to fix it).
    skills.errors.SkillsError
        What the function raised on purpose (an :class:`~skills.errors.InputError` for a
        data problem keeps exit code 1), its message prefixed with the analysis.
    """

    def fail(reason: str, details: str | None = None) -> ExtensionError:
        return ExtensionError(
            extension.name, extension.path, reason, file=spec_path, details=details
        )

    try:
        result = extension.function(context, **extension.spec.options)
    except SkillsError as exc:
        # raised on purpose (e.g. InputError for a data problem): keep its exit code
        exc.args = (f"{extension.spec.where} function = {extension.path!r}: {exc}",)
        raise
    except Exception as exc:
        files = [str(p) for p in _code_files_of(extension)]
        raise fail(
            f"raised {_exception_text(exc, files)}; nothing published",
            details=traceback.format_exc(),
        ) from exc
    if not isinstance(result, AnalysisResult):
        raise fail(
            f"returned {type(result).__name__}, not a skills.extensions.AnalysisResult "
            "(return AnalysisResult(indicators=..., definitions=..., tables=..., models=...))"
        )
    entries = _check_definitions(result, extension, catalogue, fail)
    rows = _check_indicators(result, entries, fail)
    tables = _check_tables(result, context, fail)
    models_rows, glance, ids = _check_models(result, model_ids, fail)
    parts = []
    if rows.height:
        ids_used = sorted(set(rows["indicator"].to_list()))
        parts.append(f"{rows.height} indicator rows ({', '.join(ids_used)})")
    if tables:
        parts.append(f"tables {', '.join(sorted(tables))}")
    if ids:
        parts.append(f"models {', '.join(ids)}")
    detail = f"{extension.path}: {'; '.join(parts) or 'nothing returned'}"
    if result.detail:
        detail += f"; {result.detail}"
    return ExtensionOutput(
        extension=extension,
        status="ran",
        detail=detail,
        indicators=rows,
        catalogue=entries,
        tables=tables,
        model_rows=models_rows,
        model_glance=glance,
        model_ids=ids,
    )


Fail = Callable[..., ExtensionError]


def _check_definitions(
    result: AnalysisResult,
    extension: Extension,
    catalogue: Sequence[CatalogueEntry],
    fail: Fail,
) -> tuple[CatalogueEntry, ...]:
    builtin = {e.id for e in load_catalogue()}
    taken = {e.id: e for e in catalogue}
    entries: list[CatalogueEntry] = []
    seen: set[str] = set()
    for d in result.definitions:
        if not isinstance(d, IndicatorDefinition):
            raise fail(
                f"definitions holds a {type(d).__name__}; declare each indicator with "
                "skills.extensions.IndicatorDefinition(id=..., title=..., unit=..., definition=...)"
            )
        if not isinstance(d.id, str) or not _NAME_RE.match(d.id):
            raise fail(
                f"indicator id {d.id!r}: use lower-case letters, digits and '_' "
                "(at most 64 characters), the unit as suffix"
            )
        if d.id in builtin:
            raise fail(
                f"indicator {d.id!r} is in the package's catalogue (docs/indicators.md); "
                "an extra analysis declares new ids only: choose another id"
            )
        if d.id in taken:
            raise fail(f"indicator {d.id!r} is already declared by {taken[d.id].function}")
        if d.id in seen:
            raise fail(f"indicator {d.id!r} is declared twice")
        for attr in ("title", "unit", "definition"):
            value = getattr(d, attr)
            if not isinstance(value, str) or not value.strip():
                raise fail(f"indicator {d.id!r}: {attr} must be a non-empty string")
        lo, hi = d.valid_min, d.valid_max
        if lo is not None and hi is not None and lo > hi:
            raise fail(f"indicator {d.id!r}: valid_min {lo} is above valid_max {hi}")
        seen.add(d.id)
        sources = list(extension.spec.inputs) or ["the pipeline's inputs"]
        entries.append(d.entry(extension.path, sources))
    return tuple(entries)


def _check_indicators(
    result: AnalysisResult, entries: Sequence[CatalogueEntry], fail: Fail
) -> pl.DataFrame:
    parts = result.indicators
    frames = [parts] if isinstance(parts, pl.DataFrame | pl.LazyFrame) else list(parts)
    collected: list[pl.DataFrame] = []
    for i, part in enumerate(frames):
        frame = _collected(part, "its indicator rows", fail)
        if not isinstance(frame, pl.DataFrame):
            raise fail(
                f"indicators[{i}] is a {type(frame).__name__}; give polars frames of indicator "
                "rows (skills.indicators.as_indicator)"
            )
        problems = _schema_problems(frame)
        if problems:
            raise fail(
                "indicator rows must have the columns and types of "
                "skills.indicators.INDICATOR_SCHEMA (build them with "
                f"skills.indicators.as_indicator): {problems}"
            )
        collected.append(frame.select(list(INDICATOR_SCHEMA)))
    rows = pl.concat(collected) if collected else pl.DataFrame(schema=INDICATOR_SCHEMA)
    if rows.height == 0:
        return rows
    declared = {e.id: e for e in entries}
    ids = sorted(set(rows["indicator"].drop_nulls().to_list()))
    undeclared = [i for i in ids if i not in declared]
    if undeclared:
        raise fail(
            f"indicator {undeclared[0]!r} has rows but no definition: add "
            f"IndicatorDefinition(id={undeclared[0]!r}, title=..., unit=..., definition=...) "
            "to the result's definitions"
        )
    bad = rows.filter(pl.col("value").is_nan() | pl.col("value").is_infinite())
    if bad.height:
        first = bad.row(0, named=True)
        raise fail(
            f"{bad.height} indicator rows have a NaN or infinite value (e.g. "
            f"{first['indicator']} {first['geo']} {first['period']}); use null for a value "
            "that cannot be computed"
        )
    dup = rows.filter(pl.struct(list(INDICATOR_KEY)).is_duplicated())
    if dup.height:
        first = dup.row(0, named=True)
        shown = ", ".join(f"{k}={first[k]}" for k in INDICATOR_KEY if first[k] is not None)
        raise fail(
            f"{dup.height} indicator rows share a key, e.g. {shown}: tell them apart with a "
            "dimension column or variant"
        )
    return rows


def _collected(frame: object, what: str, fail: Fail) -> object:
    """``frame`` collected when lazy (a failure is the extension's: its query is wrong)."""
    if not isinstance(frame, pl.LazyFrame):
        return frame
    try:
        return frame.collect()
    except Exception as exc:
        raise fail(
            f"{what} could not be computed ({type(exc).__name__}: {exc})",
            details=traceback.format_exc(),
        ) from exc


def _schema_problems(frame: pl.DataFrame) -> str:
    schema = dict(frame.schema)
    missing = [c for c in INDICATOR_SCHEMA if c not in schema]
    extra = [c for c in schema if c not in INDICATOR_SCHEMA]
    wrong = [
        f"{c} is {schema[c]} (expected {t})"
        for c, t in INDICATOR_SCHEMA.items()
        if c in schema and schema[c] != t
    ]
    out = []
    if missing:
        out.append(f"missing {missing}")
    if extra:
        out.append(f"unexpected {extra}")
    if wrong:
        out.append("; ".join(wrong))
    return "; ".join(out)


def _reserved_names() -> set[str]:
    """Names an extension's table may not take: built-in tables, suites, source roles."""
    from skills.quality import available_suites
    from skills.roles import ROLES

    suites = {r.suite for r in ROLES.values() if r.suite is not None}
    return {*BUILTIN_TABLES, *_OTHER_NAMES, *available_suites(), *ROLES, *suites}


def _check_tables(
    result: AnalysisResult, context: AnalysisContext, fail: Fail
) -> dict[str, pl.DataFrame]:
    if not isinstance(result.tables, Mapping):
        raise fail(f"tables is a {type(result.tables).__name__}; give a mapping name -> frame")
    reserved = _reserved_names()
    out: dict[str, pl.DataFrame] = {}
    for name, part in result.tables.items():
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise fail(
                f"table name {name!r}: use lower-case letters, digits and '_' (at most 64 "
                "characters), starting with a letter"
            )
        if name in reserved:
            raise fail(
                f"table {name!r}: the name is taken by the package (a built-in table, suite "
                "or source role); choose another, e.g. prefixed with the analysis' name"
            )
        if name in context.tables:
            raise fail(f"table {name!r}: another analysis of this run already publishes it")
        frame = _collected(part, f"table {name!r}", fail)
        if not isinstance(frame, pl.DataFrame):
            raise fail(f"table {name!r} is a {type(frame).__name__}, not a polars frame")
        if frame.width == 0:
            raise fail(f"table {name!r} has no columns")
        objects = [c for c, t in frame.schema.items() if t == pl.Object]
        if objects:
            raise fail(
                f"table {name!r}: column {objects[0]!r} holds Python objects, which Parquet "
                "cannot store; convert it to text or numbers"
            )
        out[name] = frame
    return out


def _check_models(
    result: AnalysisResult, taken: Sequence[str], fail: Fail
) -> tuple[pl.DataFrame | None, pl.DataFrame | None, tuple[str, ...]]:
    from skills.models.results import MODEL_ROWS_SCHEMA, ModelResult

    models = list(result.models)
    if not models:
        return None, None, ()
    ids: list[str] = []
    for m in models:
        if not isinstance(m, ModelResult):
            raise fail(
                f"models holds a {type(m).__name__}; give skills.models.ModelResult objects "
                "(skills.models.build_result turns estimates and a covariance into one)"
            )
        if m.model_id in taken or m.model_id in ids:
            raise fail(f"model id {m.model_id!r} is already in the publication; choose another")
        ids.append(m.model_id)
    rows = pl.concat([m.to_rows() for m in models], how="vertical")
    assert dict(rows.schema) == MODEL_ROWS_SCHEMA
    glance = pl.concat([m.glance() for m in models], how="diagonal_relaxed")
    return rows, glance, tuple(ids)
