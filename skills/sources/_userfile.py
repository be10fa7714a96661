"""What the user-file readers share: the reader around a schema, and the columns they repeat.

Every user-file role (:data:`skills.roles.ROLES` entries with ``source="file"``) is read the
same way: :func:`skills.schema.read_table` opens the CSV or XLSX file, checks the header,
casts the values and collects every problem into one :class:`skills.errors.InputError`.
A reader module therefore declares only what is its own: the schema (with the helpers
below for the columns several schemas repeat) and, where it has one, a step run on the
checked frame (:func:`user_file_reader`'s ``finish``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import polars as pl

from skills import classifications as cls
from skills.schema import MAX_COUNT, MAX_COUNT_REASON, Column, TableSchema, read_table

__all__ = [
    "UserFileReader",
    "count_column",
    "isco_codes",
    "nuts_codes",
    "province_column",
    "user_file_reader",
]

_PARAMETERS = """Parameters
----------
path
    A ``.csv`` (or ``.txt``) or ``.xlsx`` file.
sheet
    For XLSX: the sheet to read (default: the first visible one).
delimiter, encoding
    For CSV: the field separator and text encoding (``delimiter=";"`` or
    ``encoding="cp1252"`` for files saved by Italian spreadsheets).
ignore_columns
    Extra columns that may be present and are dropped; any other unknown column is an
    error."""

_RAISES = """Raises
------
skills.errors.InputError
    For every schema violation (missing required column, value out of range, unknown code,
    duplicated key, ...), naming file, line and column"""


class UserFileReader(Protocol):
    """A user-file reader: ``reader(path, *, sheet, delimiter, encoding, ignore_columns)``."""

    def __call__(
        self,
        path: str | Path,
        *,
        sheet: str | None = None,
        delimiter: str = ",",
        encoding: str = "utf-8",
        ignore_columns: Sequence[str] = (),
    ) -> pl.DataFrame: ...


def user_file_reader(
    schema: TableSchema,
    *,
    name: str,
    module: str,
    doc: str,
    raises: str = "",
    finish: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
) -> UserFileReader:
    """Make the reader of a user file checked against ``schema``.

    Parameters
    ----------
    schema
        The table's schema; the reader calls :func:`skills.schema.read_table` with it.
    name, module
        The reader's public name and the module that defines it (``__name__``), so that
        the registry's ``"module:function"`` path and the reader's repr agree.
    doc
        The summary and description of the reader's docstring; the shared parameters and
        the errors are appended in numpy style.
    raises
        What the reader refuses besides the schema's checks (ends the ``Raises`` entry).
    finish
        A step run on the checked frame (e.g. mapping codes to another scheme); it must
        not raise, every check belongs to the schema.

    Returns
    -------
    UserFileReader
        ``reader(path, *, sheet=None, delimiter=",", encoding="utf-8", ignore_columns=())``.
    """

    def reader(
        path: str | Path,
        *,
        sheet: str | None = None,
        delimiter: str = ",",
        encoding: str = "utf-8",
        ignore_columns: Sequence[str] = (),
    ) -> pl.DataFrame:
        frame = read_table(
            path,
            schema,
            sheet=sheet,
            delimiter=delimiter,
            encoding=encoding,
            ignore_columns=ignore_columns,
        )
        return frame if finish is None else finish(frame)

    reader.__name__ = reader.__qualname__ = name
    reader.__module__ = module
    reader.__doc__ = f"{inspect.cleandoc(doc)}\n\n{_PARAMETERS}\n\n{_RAISES}{raises}.\n"
    return reader


def count_column(
    name: str,
    description: str,
    *,
    aliases: tuple[str, ...] = (),
    required: bool = True,
    nullable: bool = False,
) -> Column:
    """A count of persons: an integer from 0 to :data:`skills.schema.MAX_COUNT`."""
    return Column(
        name,
        "int",
        description,
        required=required,
        nullable=nullable,
        minimum=0,
        maximum=MAX_COUNT,
        maximum_reason=MAX_COUNT_REASON,
        unit="persons",
        aliases=aliases,
    )


def province_column(description: str) -> Column:
    """The province of a row, ``geo_nuts3``: an Italian NUTS 3 code (Italian headers accepted)."""
    return Column(
        "geo_nuts3",
        "string",
        description,
        codes=(nuts_codes(3), "Italian NUTS 3 codes (2010-2021)"),
        aliases=("provincia_nuts3", "nuts3"),
    )


def nuts_codes(*levels: int) -> Callable[[], list[str]]:
    """The loader of the Italian NUTS codes of ``levels`` (all levels when none is given)."""

    def load() -> list[str]:
        regions = cls.nuts_regions()
        if levels:
            regions = regions.filter(pl.col("nuts_level").is_in(list(levels)))
        return regions["nuts_code"].unique().to_list()

    return load


def isco_codes(*levels: int) -> Callable[[], list[str]]:
    """The loader of the ISCO-08 group codes of ``levels`` (1 major ... 4 unit groups)."""

    def load() -> list[str]:
        groups = cls.isco08_groups().filter(pl.col("level").is_in(list(levels)))
        return groups["isco08"].to_list()

    return load
