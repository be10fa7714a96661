"""Extra analyses: indicators, tables and models of your own, run and published by a refresh.

A pipeline spec names a function by its import path::

    [analyses.hires_realisation]
    function = "piedmont_extras.hires:hires_realisation"
    inputs = ["hires", "hiring_plans"]           # skipped, with the reason logged, without them
    options = { min_years = 3 }                   # keyword arguments of the function

After the built-in analyses, the refresh imports the function and calls it as
``function(context, **options)`` with an :class:`AnalysisContext` (the checked inputs by
role, the aligned panel, the indicators and tables so far, the region). It returns an
:class:`AnalysisResult`: indicator rows (shaped by :func:`skills.indicators.as_indicator`)
with an :class:`IndicatorDefinition` for every new id, tables by name, and
:class:`~skills.models.ModelResult` objects (built with :func:`skills.models.build_result`
for a model fitted with any library).

What the refresh does with it, exactly as with the built-in analyses:

* the indicator rows join ``indicators.parquet`` and go through the ``indicators`` suite,
  their ids, units and valid ranges checked against the declared definitions; the model
  rows join ``models.parquet`` (``models`` suite) and ``models_glance.parquet``; each
  table is written as ``<name>.parquet`` after a structural check (rows, finite numbers);
* every file is listed in the manifest; ``manifest.json`` ``extensions`` records each
  analysis (import path, digest of its code, options, what it produced, the definitions)
  and ``analyses`` (the run log) says whether it ran or why it was skipped;
* its stage is cached on its inputs, its options and the digest of its code (every
  ``.py`` file of the function's top-level package), so editing the code reruns it.

Errors stop the run and publish nothing (``DIR/latest`` is untouched): an import path
that does not import, names no function or does not accept the options is a
:class:`~skills.errors.ConfigError` (exit 2); an exception inside the function, a return
value that is not an :class:`AnalysisResult` or rows that break the contract are an
:class:`~skills.errors.ExtensionError` (exit 3); checked outputs that fail a suite are a
:class:`~skills.errors.QualityError` (exit 1). Every message names ``[analyses.<name>]``.

See ``docs/models.md`` ("Extending: your own indicators and models") for a worked example.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import math
import re
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import polars as pl

from skills._fileio import file_sha256
from skills.errors import ConfigError, ExtensionError, SkillsError
from skills.indicators._frame import INDICATOR_KEY, INDICATOR_SCHEMA
from skills.indicators.catalogue import CatalogueEntry, load_catalogue

if TYPE_CHECKING:
    from skills.models.results import ModelResult
    from skills.quality import ValidationReport
    from skills.spec import AnalysisSpec, PipelineSpec

__all__ = [
    "BUILTIN_TABLES",
    "AnalysisContext",
    "AnalysisResult",
    "Extension",
    "ExtensionOutput",
    "IndicatorDefinition",
    "check_extension_tables",
    "resolve_extension",
    "resolve_extensions",
    "run_extension",
    "skipped_output",
]

#: Tables a publication may hold from the built-in stages and analyses; an extra
#: analysis cannot publish a table under one of these names (nor under a suite's, a
#: source role's, ``manifest``, ``quality`` or ``report``).
BUILTIN_TABLES: frozenset[str] = frozenset(
    {
        "indicators",
        "panel",
        "its_courses",
        "hiring_plans",
        "its_gap",
        "its_gap_specs",
        "its_gap_sensitivity",
        "its_gap_drivers",
        "polarisation_occupations",
        "polarisation_percentiles",
        "beveridge",
        "shortage",
        "shortage_sensitivity",
        "shift_share",
        "shift_share_sectors",
        "profile",
        "models",
        "models_glance",
    }
)
_OTHER_NAMES = frozenset({"manifest", "quality", "report", "charts", "exports"})
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: Cache entries hold these beside the extension's own tables (whose names cannot
#: start with ``_``).
_ROWS, _MODEL_ROWS, _MODEL_GLANCE = "_indicators", "_models", "_models_glance"


# --------------------------------------------------------------------------- the contract


@dataclass(frozen=True)
class IndicatorDefinition:
    """A new indicator id an extra analysis publishes: what the catalogue says of the
    built-in ones.

    Attributes
    ----------
    id
        The id in the ``indicator`` column: lower case, digits and ``_``, the unit as
        suffix (``hires_per_planned_ratio``); not a catalogue id (``docs/indicators.md``)
        and not declared by another analysis of the spec.
    title
        A short title (``"Realised hires per planned hire"``).
    unit
        The unit, exactly as in the rows' ``unit`` column (the suite compares them).
    definition
        What the value measures, in words a reader of the report understands.
    formula
        The formula, as text (``"r = H / P"``).
    valid_min, valid_max
        The range every value must lie in (checked before publication; None: open).
    dimensions
        The dimension columns the rows use (``["isco08"]``).
    references
        Literature or methodology notes.
    """

    id: str
    title: str
    unit: str
    definition: str
    formula: str = ""
    valid_min: float | None = None
    valid_max: float | None = None
    dimensions: Sequence[str] = ()
    references: Sequence[str] = ()

    def entry(self, function: str, sources: Sequence[str]) -> CatalogueEntry:
        """The catalogue entry of this indicator, computed by ``function`` from ``sources``."""
        return CatalogueEntry(
            id=self.id,
            title=self.title,
            unit=self.unit,
            definition=self.definition,
            formula=self.formula,
            dimensions=tuple(self.dimensions),
            sources=tuple(sources),
            function=function,
            references=tuple(self.references),
            valid_min=None if self.valid_min is None else float(self.valid_min),
            valid_max=None if self.valid_max is None else float(self.valid_max),
        )


@dataclass(frozen=True)
class AnalysisContext:
    """What an extra analysis receives: everything it may read, nothing it may change.

    Attributes
    ----------
    name
        The analysis' name (``<name>`` of ``[analyses.<name>]``).
    region
        The pipeline's NUTS 2 region (``"ITC1"``).
    nuts_version
        The NUTS version every geo code is aligned to.
    benchmarks
        The regions or countries the spec compares with.
    provinces
        The NUTS 3 codes of ``region`` the spec reports on (empty: all).
    inputs
        Every checked input of the spec by source role (``"hires"``,
        ``"employment_by_occupation"``, ...): the tidy frames the built-in analyses read
        (Eurostat tables: dimension columns, ``period``, ``value``, ``flag``; user files:
        the columns of ``docs/schemas.md``).
    labels
        The source label of each role, for the ``source`` column of indicator rows
        (``"synthetic demo data: hires"``); :meth:`source` joins several.
    panel
        The aligned panel (``panel.parquet``): one row per measure, geo, period and
        dimension values, geo codes at ``nuts_version``.
    indicators
        The indicator rows so far (``indicators.parquet`` of the built-in analyses, plus
        those of the extra analyses listed before this one), :data:`INDICATOR_SCHEMA`.
    tables
        The other tables so far (``its_gap``, ``beveridge``, ``profile``, ... and those
        of earlier extra analyses), by name.
    options
        The spec's ``[analyses.<name>.options]`` (also passed as keyword arguments).
    data_label
        ``"synthetic demo data"`` for a demo pipeline, else None.
    """

    name: str
    region: str
    nuts_version: int
    benchmarks: tuple[str, ...]
    provinces: tuple[str, ...]
    inputs: Mapping[str, pl.LazyFrame]
    labels: Mapping[str, str]
    panel: pl.DataFrame
    indicators: pl.DataFrame
    tables: Mapping[str, pl.DataFrame]
    options: Mapping[str, Any] = field(default_factory=dict)
    data_label: str | None = None

    def source(self, *roles: str) -> str:
        """The ``source`` text of a value computed from ``roles``: their labels, joined
        with ``" + "``.

        Raises
        ------
        KeyError
            When a role is not an input of the spec.
        """
        missing = [r for r in roles if r not in self.labels]
        if missing:
            raise KeyError(f"{missing[0]!r} is not an input of this pipeline")
        return " + ".join(self.labels[r] for r in roles)


@dataclass(frozen=True)
class AnalysisResult:
    """What an extra analysis returns. Every part is optional.

    Attributes
    ----------
    indicators
        Indicator rows, :data:`skills.indicators.INDICATOR_SCHEMA` exactly (build them
        with :func:`skills.indicators.as_indicator`): a frame or a sequence of frames,
        lazy or not. ``value`` is a finite number or null.
    definitions
        One :class:`IndicatorDefinition` for every id in ``indicators`` (an id without
        one is refused).
    tables
        Tables to publish, by name (``<name>.parquet``): lower case, digits and ``_``,
        not a built-in table's name (:data:`BUILTIN_TABLES`), nor a suite's or a source
        role's; at least one row; numbers finite (null for missing).
    models
        Fitted models (:class:`~skills.models.ModelResult`, e.g. from
        :func:`skills.models.build_result`); their ``model_id`` must be new in the
        publication.
    detail
        One line for the run log (``manifest.json`` ``analyses``, the report's
        provenance section).
    """

    indicators: pl.DataFrame | pl.LazyFrame | Sequence[pl.DataFrame | pl.LazyFrame] = ()
    definitions: Sequence[IndicatorDefinition] = ()
    tables: Mapping[str, pl.DataFrame | pl.LazyFrame] = field(default_factory=dict)
    models: Sequence[ModelResult] = ()
    detail: str = ""


# --------------------------------------------------------------------------- resolution


@dataclass(frozen=True)
class Extension:
    """An ``[analyses.<name>]`` whose function was imported, with the digest of its code.

    Attributes
    ----------
    spec
        The spec's table.
    function
        The imported callable.
    module_file
        The file of the function's module.
    code_sha256
        SHA-256 over the function's import path and every ``.py`` file of its top-level
        package (the module's file for a top-level module): part of the stage key and of
        the run's fingerprint, so that editing the code reruns the analysis.
    code_files
        How many files the digest covers.
    """

    spec: AnalysisSpec
    function: Callable[..., Any]
    module_file: str | None
    code_sha256: str
    code_files: int

    @property
    def name(self) -> str:
        """The analysis' name."""
        return self.spec.name

    @property
    def path(self) -> str:
        """The import path, ``package.module:function``."""
        return self.spec.function

    def identity(self) -> dict[str, Any]:
        """What the analysis' stage result is a function of, besides its inputs."""
        return {
            "name": self.spec.name,
            "function": self.spec.function,
            "inputs": list(self.spec.inputs),
            "options": dict(self.spec.options),
            "code_sha256": self.code_sha256,
        }


def resolve_extensions(spec: PipelineSpec) -> tuple[Extension, ...]:
    """Import the function of every ``[analyses.<name>]`` of ``spec``, in spec order.

    Raises
    ------
    skills.errors.ConfigError
        When a module cannot be imported, has no such function, or the function does
        not accept the context and the options (exit 2).
    skills.errors.ExtensionError
        When importing the module raises something else than an ImportError: a bug in
        the module (exit 3).
    """
    return tuple(resolve_extension(a, spec_path=spec.path) for a in spec.analyses.values())


def resolve_extension(analysis: AnalysisSpec, *, spec_path: str | Path | None = None) -> Extension:
    """Import one extra analysis' function and digest its code (see
    :func:`resolve_extensions`)."""
    module_name, _, attr = analysis.function.partition(":")
    where = f"{analysis.where} function = {analysis.function!r}"

    def config_error(reason: str) -> ConfigError:
        return ConfigError(f"{where}: {reason}", file=spec_path)

    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise config_error(
            f"cannot import module {module_name!r} ({type(exc).__name__}: {exc}); install "
            "its package or put its folder on PYTHONPATH"
        ) from exc
    except Exception as exc:
        raise ExtensionError(
            analysis.name,
            analysis.function,
            f"importing module {module_name!r} raised {_exception_text(exc, [])}",
            file=spec_path,
            details=traceback.format_exc(),
        ) from exc
    function = getattr(module, attr, None)
    if function is None:
        public = sorted(
            n for n, v in vars(module).items() if callable(v) and not n.startswith("_")
        )[:10]
        raise config_error(
            f"module {module_name!r} has no {attr!r} (it has {', '.join(public) or 'none'})"
        )
    if not callable(function):
        raise config_error(f"{module_name}.{attr} is a {type(function).__name__}, not a function")
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        signature = None
    if signature is not None:
        try:
            signature.bind(None, **analysis.options)
        except TypeError as exc:
            raise config_error(
                f"{attr}{signature} cannot be called as {attr}(context"
                + "".join(f", {k}=..." for k in analysis.options)
                + f") ({exc}); its first parameter receives the context and "
                f"[analyses.{analysis.name}.options] its keyword arguments"
            ) from exc
    files = _code_files(module)
    return Extension(
        spec=analysis,
        function=function,
        module_file=getattr(module, "__file__", None),
        code_sha256=_digest_files(analysis.function, files),
        code_files=len(files),
    )


def _code_files(module: ModuleType) -> list[Path]:
    """The ``.py`` files of the module's top-level package (or the module's own file)."""
    top = sys.modules.get(module.__name__.partition(".")[0], module)
    roots = [Path(p) for p in getattr(top, "__path__", ())]
    if roots:
        return sorted(
            {
                f
                for root in roots
                if root.is_dir()
                for f in root.rglob("*.py")
                if "__pycache__" not in f.parts
            }
        )
    file = getattr(module, "__file__", None)
    return [Path(file)] if file else []


def _digest_files(function: str, files: Sequence[Path]) -> str:
    h = hashlib.sha256(function.encode())
    for path in files:
        h.update(path.name.encode())
        h.update(bytes.fromhex(file_sha256(path)))
    return h.hexdigest()


# --------------------------------------------------------------------------- running


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


def _code_files_of(extension: Extension) -> list[Path]:
    module = sys.modules.get(extension.path.partition(":")[0])
    return _code_files(module) if module is not None else []


def _exception_text(exc: BaseException, files: Sequence[str]) -> str:
    """``ValueError: message (at file.py:12 in f)``: the innermost frame in the
    extension's files, else the innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if f.filename in files] or list(frames)
    where = f" (at {own[-1].filename}:{own[-1].lineno} in {own[-1].name})" if own else ""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}{where}" if message else f"{type(exc).__name__}{where}"


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


# --------------------------------------------------------------------------- checks


def check_extension_tables(
    tables: Mapping[str, tuple[str, pl.DataFrame]],
) -> ValidationReport:
    """Structural checks of extra analyses' tables, in Polars, as a validation report.

    Parameters
    ----------
    tables
        Table name -> (the analysis' name, the table).

    Returns
    -------
    ValidationReport
        Per table (suite ``extension``): at least one row (error) and every
        floating-point column finite, NaN and infinities refused (error; null is fine).
    """
    from skills.quality import ExpectationOutcome, ValidationReport

    outcomes: list[ExpectationOutcome] = []
    info: dict[str, dict[str, Any]] = {}
    for name, (analysis, frame) in tables.items():
        source = f"[analyses.{analysis}]"
        info[name] = {"suite": "extension", "source": source, "rows": frame.height}
        outcomes.append(
            ExpectationOutcome(
                suite="extension",
                table=name,
                expectation="expect_table_row_count_to_be_between",
                columns=(),
                severity="error",
                success=frame.height >= 1,
                observed={"observed_value": frame.height},
                reason="An empty table: the analysis found nothing to compute.",
                source=source,
                description="at least 1 row",
                engine="polars",
            )
        )
        floats = [c for c, t in frame.schema.items() if t in (pl.Float32, pl.Float64)]
        if not floats:
            continue
        bad_row = pl.any_horizontal(
            [(pl.col(c).is_nan() | pl.col(c).is_infinite()).fill_null(False) for c in floats]
        )
        bad = frame.with_row_index("_row", offset=1).filter(bad_row)
        values: list[Any] = []
        for c in floats:
            for v in bad[c].to_list():
                if v is not None and not math.isfinite(v) and str(v) not in values:
                    values.append(str(v))
        outcomes.append(
            ExpectationOutcome(
                suite="extension",
                table=name,
                expectation="expect_column_values_to_be_finite",
                columns=tuple(floats),
                severity="error",
                success=bad.height == 0,
                observed={
                    "unexpected_count": bad.height,
                    "element_count": frame.height,
                    "unexpected_values": values[:5],
                },
                examples=tuple(
                    {k: v for k, v in row.items() if v is not None}
                    for row in bad.head(5).iter_rows(named=True)
                ),
                reason="NaN and infinity are not numbers a reader can use: publish null.",
                source=source,
                description="finite or null",
                engine="polars",
            )
        )
    return ValidationReport(outcomes=tuple(outcomes), tables=info)
