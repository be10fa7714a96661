"""Declarative schemas for the files users bring, and the reader that enforces them.

A :class:`TableSchema` lists the columns of a table (name, type, whether required, allowed
codes, range, unit, description, accepted header aliases) and the row rules that tie
columns together (``graduates_n <= enrolled_n``). :func:`read_table` reads a CSV or XLSX
file against it and returns a typed Polars frame, or raises
:class:`~skills.errors.InputError` naming the file, the line (or sheet row), the column and
the value. These are the structural checks that run before any value suite.

The same objects render the schema documentation (:func:`schema_markdown`), so the
documentation cannot drift from what the reader enforces. This module knows no source:
each reader (``skills.sources.*``) declares its schema with it, and the registry of
source roles (:mod:`skills.roles`) says which schema belongs to which role.
"""

from __future__ import annotations

from skills.schema._docs import schema_markdown, schemas_document
from skills.schema._model import MAX_COUNT, MAX_COUNT_REASON, Column, DType, RowRule, TableSchema
from skills.schema._read import read_table

__all__ = [
    "MAX_COUNT",
    "MAX_COUNT_REASON",
    "Column",
    "DType",
    "RowRule",
    "TableSchema",
    "read_table",
    "schema_markdown",
    "schemas_document",
]
