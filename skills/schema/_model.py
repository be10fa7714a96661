"""The schema model: columns, row rules and tables (see :mod:`skills.schema`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

DType = Literal["string", "int", "float"]
_POLARS_TYPES: dict[str, type[pl.DataType]] = {
    "string": pl.String,
    "int": pl.Int64,
    "float": pl.Float64,
}
_LINE = "_line"

#: The largest plausible count of persons in one cell of a user file (hires, enrolled,
#: graduates): Italy has about 59 million residents. Bounding counts here also means that
#: a sum of up to 9 billion cells cannot overflow Int64 (9.2e18).
MAX_COUNT = 1_000_000_000
MAX_COUNT_REASON = "the largest plausible count of persons in one cell"


@dataclass(frozen=True)
class Column:
    """One column of a user file.

    Parameters
    ----------
    name
        Canonical column name (snake_case, unit or code system as suffix).
    dtype
        ``"string"``, ``"int"`` or ``"float"``.
    description
        What the column holds, for the documentation.
    required
        Whether the column must be present.
    nullable
        For optional or required columns: whether empty cells are allowed. A required
        column that is not nullable may have no empty cell (and a column empty in every
        row is reported as such); a required nullable column must be present but may be
        empty, even in every row.
    codes
        A callable returning the allowed values (evaluated lazily, once per read), and the
        name of the code list for messages.
    minimum, maximum
        Closed range for numbers. For a measure without a natural upper limit,
        ``maximum`` is the largest plausible value (:data:`MAX_COUNT` for counts of
        persons), so that a unit or typing error (a value x1000, ``1e300``) stops the read
        and a sum of counts cannot overflow ``Int64``.
    maximum_reason
        Why the maximum is what it is, shown in the message and the documentation.
    pattern
        Regular expression a string value must match in full.
    aliases
        Other header names accepted for this column (e.g. Italian headers).
    unit
        The unit of a measure, for the documentation.
    normalise
        A transformation applied to string values before they are checked (e.g. removing
        Eurostat's ``OC`` prefix from occupation codes).
    """

    name: str
    dtype: DType
    description: str
    required: bool = True
    nullable: bool = False
    codes: tuple[Callable[[], Iterable[str]], str] | None = None
    minimum: float | None = None
    maximum: float | None = None
    maximum_reason: str | None = None
    pattern: str | None = None
    aliases: tuple[str, ...] = ()
    unit: str | None = None
    normalise: Callable[[pl.Expr], pl.Expr] | None = None


@dataclass(frozen=True)
class RowRule:
    """A rule on each row, e.g. graduates cannot exceed enrolled.

    ``check`` is a Polars expression that is true on valid rows (nulls count as valid, so
    that optional columns can be empty); ``column`` is the column blamed in the message.
    """

    check: pl.Expr
    message: str
    column: str
    shows: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSchema:
    """The schema of one user-supplied table."""

    name: str
    title: str
    grain: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    rules: tuple[RowRule, ...] = ()
    notes: str = ""
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def empty(self) -> pl.DataFrame:
        """An empty frame with this schema's columns and types."""
        return pl.DataFrame(schema={c.name: _POLARS_TYPES[c.dtype] for c in self.columns})
