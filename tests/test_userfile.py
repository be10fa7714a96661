"""The shared skeleton of the user-file readers (:mod:`skills.sources._userfile`).

Every user-file role's reader is made by :func:`user_file_reader` from its schema: the
registry's ``"module:function"`` path, the public signature and the numpy docstring must
come out as if the reader were written by hand, and a reader reads and checks exactly as
:func:`skills.schema.read_table` does with the same schema.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import skills.classifications as cls
from skills.errors import InputError
from skills.roles import ROLES, file_roles
from skills.schema import MAX_COUNT, Column, TableSchema, read_table
from skills.sources._userfile import count_column, isco_codes, nuts_codes, user_file_reader

TOY = TableSchema(
    name="toy",
    title="Toy",
    grain="geo",
    key=("geo",),
    columns=(
        Column("geo", "string", "A NUTS 2 code.", codes=(nuts_codes(2), "NUTS 2")),
        count_column("people_n", "People.", aliases=("persone",)),
    ),
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "toy.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("role", list(file_roles()))
def test_every_file_reader_looks_hand_written(role: str) -> None:
    entry = ROLES[role]
    reader = entry.load_reader()
    module, _, name = entry.reader.partition(":")
    assert (reader.__module__, reader.__name__, reader.__qualname__) == (module, name, name)
    params = inspect.signature(reader).parameters
    assert list(params) == ["path", "sheet", "delimiter", "encoding", "ignore_columns"]
    assert params["delimiter"].default == "," and params["encoding"].default == "utf-8"
    doc = inspect.getdoc(reader) or ""
    assert doc.splitlines()[0].startswith("Read ")
    assert "\nParameters\n----------\n" in doc and "\nRaises\n------\n" in doc
    assert doc.index("Parameters") < doc.index("Raises")


def test_a_made_reader_reads_as_read_table_and_runs_its_finish(tmp_path: Path) -> None:
    path = _write(tmp_path, "geo;persone\nITC1;3\nITF4;5\n")

    def double(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(pl.col("people_n") * 2)

    plain = user_file_reader(TOY, name="read_toy", module=__name__, doc="Read a toy.")
    doubled = user_file_reader(
        TOY, name="read_toy", module=__name__, doc="Read a toy.", finish=double
    )
    expected = read_table(path, TOY, delimiter=";")
    assert_frame_equal(plain(path, delimiter=";"), expected)
    assert doubled(path, delimiter=";")["people_n"].to_list() == [6, 10]


def test_a_made_reader_raises_the_schema_errors(tmp_path: Path) -> None:
    read_toy = user_file_reader(
        TOY, name="read_toy", module=__name__, doc="Read a toy.", raises="; also X"
    )
    assert (inspect.getdoc(read_toy) or "").rstrip().endswith("; also X.")
    path = _write(tmp_path, f"geo,people_n\nITC11,1\nITC1,{MAX_COUNT + 1}\n")
    with pytest.raises(InputError) as caught:
        read_toy(path)
    text = str(caught.value)
    assert "toy.csv" in text and "'ITC11'" in text and "people_n" in text


def test_count_column_is_a_bounded_count_of_persons() -> None:
    column = count_column("x_n", "X.", required=False, nullable=True, aliases=("a",))
    assert (column.dtype, column.minimum, column.maximum, column.unit) == (
        "int",
        0,
        MAX_COUNT,
        "persons",
    )
    assert (column.required, column.nullable, column.aliases) == (False, True, ("a",))


def test_code_loaders_keep_the_levels_asked_for() -> None:
    nuts = cls.nuts_regions()
    levels = dict(zip(nuts["nuts_code"].to_list(), nuts["nuts_level"].to_list(), strict=False))
    provinces = nuts_codes(3)()
    assert provinces and {levels[c] for c in provinces} == {3}
    assert set(nuts_codes()()) == set(levels)
    groups = cls.isco08_groups()
    by_level = dict(zip(groups["isco08"].to_list(), groups["level"].to_list(), strict=True))
    assert {by_level[c] for c in isco_codes(2, 3)()} == {2, 3}
