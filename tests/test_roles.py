"""The registry of source roles: everything about a role derives from its one entry."""

from __future__ import annotations

import inspect
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import skills
from skills.cli import main
from skills.errors import ConfigError, InputError
from skills.quality import available_suites, suite_for_role
from skills.roles import ROLES, Role, file_roles, public_readers, resolve
from skills.schema import Column, TableSchema, schemas_document
from skills.sources._userfile import user_file_reader

REPO = Path(__file__).resolve().parents[1]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 0
    return capsys.readouterr().out


# ------------------------------------------------------------------ consistency


@pytest.mark.parametrize("name", list(ROLES))
def test_every_role_resolves_its_code_and_has_a_shape(name: str) -> None:
    role = ROLES[name]
    assert role.name == name
    reader = role.load_reader()
    assert callable(reader)
    if role.source == "eurostat":
        assert role.schema is None
        assert "geo" in role.dimensions and role.datasets
        assert role.reader == "skills.sources.eurostat:read_eurostat"
    elif role.source == "file":
        schema = role.load_schema()
        assert isinstance(schema, TableSchema) and schema.name == name
        params = inspect.signature(reader).parameters
        assert {"sheet", "delimiter", "encoding", "ignore_columns"} <= set(params)
    else:
        # record-level Parquet: the reader's module documents the columns of each role
        doc = sys.modules[reader.__module__].__doc__ or ""
        assert f"``{name}``" in doc
    for check in role.checks:
        assert callable(resolve(check))
    cleaner = role.load_cleaner()
    if cleaner is not None:
        params = inspect.signature(cleaner).parameters
        assert {"source", "vintage", "nuts_version"} <= set(params)
    if role.grid_geo is not None:
        schema = role.load_schema()
        assert schema is not None and {role.grid_geo, "period"} <= set(schema.column_names)


@pytest.mark.parametrize("name", list(ROLES))
def test_every_role_has_its_suite_or_says_none(name: str) -> None:
    suite = ROLES[name].suite
    assert suite is None or suite in available_suites()
    assert suite_for_role(name) == suite


def test_the_panel_is_built_from_the_roles_with_a_cleaner() -> None:
    from skills.loading import PANEL_KINDS

    in_panel = {r.kind for r in ROLES.values() if r.in_panel}
    assert in_panel == PANEL_KINDS
    assert {"eurostat", "records", "its_courses", "hiring_plans"} <= PANEL_KINDS
    assert not {"wages", "hires", "competing_graduates"} & PANEL_KINDS


def test_unknown_role_and_bad_import_paths_are_refused() -> None:
    with pytest.raises(ConfigError, match="unknown source role 'nope'"):
        suite_for_role("nope")
    with pytest.raises(ImportError, match="not an import path"):
        resolve("skills.roles")
    with pytest.raises(ImportError, match="has no 'nothing'"):
        resolve("skills.roles:nothing")


def test_schema_help_lists_every_role(capsys: pytest.CaptureFixture[str]) -> None:
    out = " ".join(run_cli(["schema", "--help"], capsys).split())
    for name in ROLES:
        assert re.search(rf"(?<![\w]){name}(?![\w])", out), name
    assert re.search(r"(?<![\w])hires(?![\w])", out)  # once dropped by a hand-written list


def test_schema_prints_each_role(capsys: pytest.CaptureFixture[str]) -> None:
    everything = run_cli(["schema"], capsys)
    for name, role in ROLES.items():
        out = run_cli(["schema", name], capsys)
        if role.source == "file":
            assert f"(`{name}`)" in out and out in everything
        else:
            assert out.startswith(f"## `{name}` ({role.source})") and out not in everything
        if role.source == "eurostat":
            assert all(f"`{d}`" in out for d in (*role.datasets, *role.dimensions))
    with pytest.raises(SystemExit) as info:
        main(["schema", "nope"])
    assert info.value.code == 2


def _docs_roles_table() -> dict[str, tuple[str, str]]:
    text = (REPO / "docs" / "pipeline-spec.md").read_text(encoding="utf-8")
    section = text.split("## `[sources.<role>]`", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z_]+)` \| ([A-Za-z]+) \| (.*) \|$", section, re.M)
    return {name: (kind, expected) for name, kind, expected in rows}


def test_docs_roles_table_matches_the_registry() -> None:
    table = _docs_roles_table()
    assert list(table) == list(ROLES), "docs/pipeline-spec.md: other roles or order"
    for name, (kind, expected) in table.items():
        role = ROLES[name]
        assert kind.lower() == role.source, name
        if role.source == "eurostat":
            for code in (*role.datasets, *role.dimensions):
                assert f"`{code}`" in expected, (name, code)
            if role.units == {"THS", "THS_PER"}:
                assert "thousands" in expected, name
            else:
                assert all(f"`{u}`" in expected for u in role.units), name


def test_schemas_doc_has_a_section_per_file_role() -> None:
    text = schemas_document()
    sections = re.findall(r"^## .* \(`([a-z_]+)`\)$", text, re.M)
    assert sections == list(file_roles())


def test_public_readers_are_the_registry_readers() -> None:
    readers = public_readers()
    assert set(readers) == {
        r.reader.partition(":")[2] for r in ROLES.values() if r.source == "file"
    }
    for name in readers:
        assert name in skills.__all__
        role = next(r for r in ROLES.values() if r.reader.endswith(f":{name}"))
        assert getattr(skills, name) is role.load_reader()


def test_extension_tables_cannot_take_a_role_or_suite_name() -> None:
    from skills.extensions import _reserved_names

    reserved = _reserved_names()
    assert set(ROLES) <= reserved
    assert {r.suite for r in ROLES.values() if r.suite} <= reserved


def test_demo_spec_sources_come_from_the_registry(tmp_path: Path) -> None:
    from skills.demo import write_demo
    from skills.spec import load_spec

    spec = load_spec(write_demo(tmp_path))
    demo_roles = [n for n, r in ROLES.items() if r.demo is not None]
    assert list(spec.sources) == demo_roles
    for name in demo_roles:
        demo = ROLES[name].demo
        assert demo is not None
        assert spec.sources[name].path == (tmp_path / demo.path).resolve()
    assert spec.sources["its_courses"].sheet == "courses"
    assert spec.sources["unemployment_rate"].filters == {"unit": ("PC",)}


def test_spec_roles_is_the_registry() -> None:
    from skills import spec

    assert spec.ROLES is ROLES and spec.Role is Role


# ------------------------------------------------------------------ adding a role

TOY = TableSchema(
    name="toy",
    title="toy counts",
    grain="province",
    columns=(
        Column("geo", "string", "Province, NUTS 3 code."),
        Column("toy_n", "int", "Toys.", minimum=0),
    ),
    key=("geo",),
)


#: The toy role's reader, made the way the package's readers are: the schema's columns,
#: nothing more.
read_toy = user_file_reader(
    TOY,
    name="read_toy",
    module=__name__,
    doc="The toy role's reader: the schema's columns, nothing more.",
    finish=lambda frame: frame.drop("_line"),
)


TOY_SPEC = """
[pipeline]
name = "toy"
region = "ITC1"

[sources.toy]
path = "toy.csv"
"""


@pytest.fixture
def toy_role(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Register a ``toy`` role: one registry entry, its reader and schema in a module."""
    module = types.ModuleType("skills_toy_role")
    module.TOY = TOY  # type: ignore[attr-defined]
    module.read_toy = read_toy  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "skills_toy_role", module)
    monkeypatch.setitem(
        ROLES,
        "toy",
        Role(
            "toy",
            "toy",
            "Toys by province.",
            reader="skills_toy_role:read_toy",
            schema="skills_toy_role:TOY",
        ),
    )
    (tmp_path / "toy.csv").write_text("geo,toy_n\nITC11,3\nITC12,0\n", encoding="utf-8")
    spec = tmp_path / "pipeline.toml"
    spec.write_text(TOY_SPEC, encoding="utf-8")
    yield spec


def test_a_role_not_in_the_registry_is_refused(tmp_path: Path) -> None:
    (tmp_path / "toy.csv").write_text("geo,toy_n\nITC11,3\n", encoding="utf-8")
    spec = tmp_path / "pipeline.toml"
    spec.write_text(TOY_SPEC, encoding="utf-8")
    from skills.spec import load_spec

    with pytest.raises(ConfigError, match=r"\[sources.toy\]: unknown source role"):
        load_spec(spec)


def test_adding_a_role_is_one_registry_entry(
    toy_role: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skills.build import _panel
    from skills.loading import completeness as _completeness
    from skills.loading import load_source
    from skills.spec import load_spec

    spec = load_spec(toy_role)
    src = spec.sources["toy"]
    assert (src.kind, src.path) == ("toy", (toy_role.parent / "toy.csv").resolve())

    # the schema command lists it, the schema document renders it
    assert "## toy counts (`toy`)" in run_cli(["schema"], capsys)
    assert "| `toy_n` |" in run_cli(["schema", "toy"], capsys)
    assert "(`toy`)" in schemas_document()

    # the loader reads it through its reader
    item = load_source(spec, src)
    expected = pl.DataFrame({"geo": ["ITC11", "ITC12"], "toy_n": [3, 0]})
    assert_frame_equal(item.frame.collect(), expected)
    assert (item.provenance["kind"], item.provenance["rows"]) == ("toy", 2)

    # its reader is a public reader name; extensions may not name a table after it
    from skills.extensions import _reserved_names

    assert public_readers()["read_toy"] == "skills_toy_role"
    assert "toy" in _reserved_names()

    # no suite, no grid, not in the panel: each said by the entry's defaults
    assert suite_for_role("toy") is None
    assert not _completeness(spec, "toy", item).outcomes
    assert _panel(spec, {"toy": item}).is_empty()

    # a bad cell is the reader's error, naming the file, line and column
    (toy_role.parent / "toy.csv").write_text("geo,toy_n\nITC11,-1\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_source(spec, src)
    assert (info.value.line, info.value.column) == (2, "toy_n")
