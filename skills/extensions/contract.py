"""The contract of an extra analysis: what it receives, what it returns, the names it may not
take.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from skills.indicators.catalogue import CatalogueEntry

if TYPE_CHECKING:
    from skills.models.results import ModelResult

__all__ = ["BUILTIN_TABLES", "AnalysisContext", "AnalysisResult", "IndicatorDefinition"]

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
