"""The source roles: one registry from which everything the package knows about a role derives.

A *role* says what a source of a pipeline is for (``[sources.<role>]`` in a spec) and what
shape of table it must have. Each :class:`Role` entry of :data:`ROLES` holds, in one place:

- what the spec accepts: the kind of source (a Eurostat table, a user file, record-level
  Parquet) and, for Eurostat roles, the dimensions, units and dataset codes;
- the reader, as an import path ``"module:function"`` resolved only when a source is
  read, so that importing this registry imports nothing heavy (no Polars);
- the column contract of a user file (a :class:`skills.schema.TableSchema`, by import
  path), which ``skills schema`` prints and ``docs/schemas.md`` renders;
- the expectation suite (``expectations/<suite>.json``, or ``None`` for none);
- the geo column whose province x period grid is checked for completeness, if any;
- the panel cleaner, for the roles the aligned panel is built from;
- the file the demo workspace writes for it, if any.

Derived from it: spec validation (:mod:`skills.spec`), the refresh's reader lookup,
completeness grid and panel dispatch (:mod:`skills.refresh`), ``skills schema`` (help and
output), suite names (:func:`skills.quality.suite_for_role`), the names an extension may
not use for its tables, the public reader names of :mod:`skills`, the demo spec's
``[sources.*]`` blocks and the roles table of ``docs/pipeline-spec.md`` (a test compares
it with this registry).

Adding a role is one entry here plus its reader (and, for a user file, its schema and
suite). Example, a user file read by ``my_package.toy:read_toy``:

>>> Role(
...     "toy",
...     "toy",
...     "A toy table.",
...     reader="my_package.toy:read_toy",
...     schema="my_package.toy:TOY",
... ).source
'file'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import polars as pl

    from skills.schema import TableSchema

__all__ = [
    "ROLES",
    "DemoFile",
    "PanelCleaner",
    "Role",
    "SourceType",
    "file_roles",
    "public_readers",
    "resolve",
    "role_markdown",
]

#: How a role's source is given in a spec and read: a Eurostat table (``eurostat =`` a
#: dataset code, or ``path =`` a local Eurostat file), a user file (CSV or XLSX checked
#: against a schema) or record-level Parquet aggregated in a streaming query.
SourceType = Literal["eurostat", "file", "records"]

#: A panel cleaner: ``cleaner(frame, role, source=..., vintage=..., nuts_version=...)``
#: returns the role's rows in the aligned panel's columns.
PanelCleaner = Callable[..., "pl.LazyFrame"]


def resolve(path: str) -> Any:
    """Import ``"package.module:attribute"`` and return the attribute.

    Raises
    ------
    ImportError
        When the module cannot be imported or has no such attribute (the path is named).
    """
    module_name, sep, attribute = path.partition(":")
    if not sep or not module_name or not attribute:
        raise ImportError(f"{path!r} is not an import path such as 'package.module:function'")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ImportError(f"{path!r}: module {module_name!r} has no {attribute!r}") from None


@dataclass(frozen=True)
class DemoFile:
    """The file ``skills demo`` writes for a role, as its ``[sources.<role>]`` block says.

    Attributes
    ----------
    path
        The file, relative to the demo workspace (``data/hires.csv``).
    keys
        Other keys of the block, as TOML text (``{"sheet": '"courses"'}``).
    """

    path: str
    keys: Mapping[str, str] = field(default_factory=dict)

    def toml(self, role: str) -> str:
        """The ``[sources.<role>]`` block (no trailing blank line)."""
        lines = [f"[sources.{role}]", f'path = "{self.path}"']
        lines += [f"{key} = {value}" for key, value in self.keys.items()]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Role:
    """What a source is for, the shape of table it needs and the code that handles it.

    The first seven fields are those of the former ``skills.spec.Role`` (positional, in
    that order); the rest say which code reads, checks and cleans the role's table.

    Attributes
    ----------
    name
        The role, as in ``[sources.<name>]``.
    kind
        ``"eurostat"``, ``"records"``, or for a user file the kind of table it holds
        (``"its_courses"``, ``"wages"``, ...); recorded in each input's provenance.
    description
        One sentence for the docs and error messages.
    dimensions, units, datasets
        Eurostat roles: the dimensions the table must have, the units kept, and the
        dataset codes that hold such a table.
    required
        Whether every spec must have the role.
    reader
        ``"module:function"``. A user file's reader is called as ``reader(path, *, sheet,
        delimiter, encoding, ignore_columns)`` and returns a Polars frame; a records
        reader as ``reader(role, path, *, source_label, **options)``; a Eurostat role's
        is :func:`skills.sources.eurostat.read_eurostat` (the refresh adds the cache and
        the API around it).
    schema
        ``"module:ATTRIBUTE"`` of the user file's :class:`skills.schema.TableSchema`
        (``None`` for Eurostat and record-level roles, whose shape is given by
        ``dimensions`` and by the reader's documentation).
    suite
        The expectation suite (``expectations/<suite>.json``) run on the table as read,
        or ``None`` when the role has none.
    grid_geo
        The geo column whose province x period grid must be complete, or ``None``.
    cleaner
        ``"module:function"`` of the panel cleaner (a :data:`PanelCleaner`), or ``None``
        for a role that feeds analyses only.
    checks
        ``"module:function"`` of checks run on a user file after its reader,
        ``check(frame, path)``, raising :class:`skills.errors.InputError`.
    demo
        The file the demo workspace writes for the role, if any.
    """

    name: str
    kind: str
    description: str
    dimensions: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()
    datasets: tuple[str, ...] = ()
    required: bool = False
    reader: str = ""
    schema: str | None = None
    suite: str | None = None
    grid_geo: str | None = None
    cleaner: str | None = None
    checks: tuple[str, ...] = ()
    demo: DemoFile | None = None

    @property
    def source(self) -> SourceType:
        """``"eurostat"``, ``"records"`` or ``"file"``: how the spec gives the source."""
        if self.kind == "eurostat":
            return "eurostat"
        if self.kind == "records":
            return "records"
        return "file"

    @property
    def in_panel(self) -> bool:
        """Whether the aligned panel is built from this role (it has a cleaner)."""
        return self.cleaner is not None

    def load_reader(self) -> Callable[..., Any]:
        """Import and return the reader."""
        reader: Callable[..., Any] = resolve(self.reader)
        return reader

    def load_schema(self) -> TableSchema | None:
        """Import and return the user file's schema (``None`` when the role has none)."""
        if self.schema is None:
            return None
        schema: TableSchema = resolve(self.schema)
        return schema

    def load_cleaner(self) -> PanelCleaner | None:
        """Import and return the panel cleaner (``None`` for a role outside the panel)."""
        return None if self.cleaner is None else resolve(self.cleaner)


# ------------------------------------------------------------------ the panel cleaners
# One calling convention for every role the panel is built from; each adapts it to the
# cleaner in skills.align (imported when called).


def clean_eurostat_role(
    frame: pl.LazyFrame, role: Role, *, source: str, vintage: str | None, nuts_version: int
) -> pl.LazyFrame:
    """A Eurostat table's panel rows (:func:`skills.align.clean_eurostat`)."""
    from skills.align import clean_eurostat

    return clean_eurostat(
        frame,
        role=role.name,
        source=source,
        vintage=vintage,
        nuts_version=nuts_version,
        units=role.units,
    )


def clean_its_role(
    frame: pl.LazyFrame, role: Role, *, source: str, vintage: str | None, nuts_version: int
) -> pl.LazyFrame:
    """ITS courses' panel rows (:func:`skills.align.clean_its__area_province_year`)."""
    from skills.align import clean_its__area_province_year

    return clean_its__area_province_year(frame, source=source, nuts_version=nuts_version)


def clean_hiring_role(
    frame: pl.LazyFrame, role: Role, *, source: str, vintage: str | None, nuts_version: int
) -> pl.LazyFrame:
    """Hiring plans' panel rows (:func:`skills.align.clean_hiring__province_period_occupation`)."""
    from skills.align import clean_hiring__province_period_occupation

    return clean_hiring__province_period_occupation(frame, source=source, nuts_version=nuts_version)


def clean_records_role(
    frame: pl.LazyFrame, role: Role, *, source: str, vintage: str | None, nuts_version: int
) -> pl.LazyFrame:
    """Record-level sources' panel rows (:func:`skills.align.clean_records`)."""
    from skills.align import clean_records

    return clean_records(frame, nuts_version=nuts_version)


# ------------------------------------------------------------------ the registry

_THOUSANDS = frozenset({"THS", "THS_PER"})


def _eurostat(
    name: str,
    description: str,
    dimensions: set[str],
    units: frozenset[str],
    datasets: tuple[str, ...],
    *,
    demo: DemoFile | None = None,
) -> Role:
    """A Eurostat role: read by read_eurostat, checked by ``eurostat__<name>``, in the panel."""
    return Role(
        name,
        "eurostat",
        description,
        frozenset(dimensions),
        units,
        datasets,
        reader="skills.sources.eurostat:read_eurostat",
        suite=f"eurostat__{name}",
        cleaner="skills.roles:clean_eurostat_role",
        demo=demo,
    )


def _records(name: str, description: str) -> Role:
    """A record-level Parquet role: aggregated in a streaming query, in the panel."""
    return Role(
        name,
        "records",
        description,
        reader="skills.sources.records:aggregate_records",
        suite=name,
        cleaner="skills.roles:clean_records_role",
    )


_ROLES: tuple[Role, ...] = (
    _eurostat(
        "unemployment_rate",
        "Unemployment rate by sex, age and region (%).",
        {"sex", "age", "geo"},
        frozenset({"PC"}),
        ("lfst_r_lfu3rt", "tgs00010"),
        demo=DemoFile("data/lfst_r_lfu3rt.tsv", {"filters": '{ unit = "PC" }'}),
    ),
    _eurostat(
        "employment",
        "Employment by sex, age and region (thousands).",
        {"sex", "age", "geo"},
        _THOUSANDS,
        ("lfst_r_lfe2emp",),
        demo=DemoFile("data/lfst_r_lfe2emp.csv"),
    ),
    _eurostat(
        "unemployment",
        "Unemployment by sex, age and region (thousands).",
        {"sex", "age", "geo"},
        _THOUSANDS,
        ("lfst_r_lfu3pers",),
        demo=DemoFile("data/lfst_r_lfu3pers.tsv.gz"),
    ),
    _eurostat(
        "active_by_education",
        "Economically active population by sex, age, ISCED 2011 level and region (thousands).",
        {"sex", "age", "isced11", "geo"},
        _THOUSANDS,
        ("lfst_r_lfp2acedu",),
        demo=DemoFile("data/lfst_r_lfp2acedu.tsv"),
    ),
    _eurostat(
        "employment_by_education",
        "Employment by sex, age, ISCED 2011 level and region (thousands).",
        {"sex", "age", "isced11", "geo"},
        _THOUSANDS,
        ("lfst_r_lfe2eedu",),
    ),
    _eurostat(
        "employment_by_occupation",
        "Employment by ISCO-08 occupation (1- or 2-digit) and geo (thousands).",
        {"isco08", "geo"},
        _THOUSANDS,
        ("lfsa_egai2d", "lfsa_egais", "lfst_r_lfe2eisco"),
        demo=DemoFile("data/lfsa_egai2d.csv"),
    ),
    _eurostat(
        "employment_by_occupation_education",
        "Employment by ISCO-08 occupation, ISCED 2011 level and geo (thousands), for "
        "qualification mismatch.",
        {"isco08", "isced11", "geo"},
        _THOUSANDS,
        ("lfsa_egised",),
        demo=DemoFile("data/lfsa_egised.csv"),
    ),
    _eurostat(
        "employment_by_sector",
        "Employment by NACE Rev. 2 sector and region (thousands).",
        {"nace_r2", "geo"},
        _THOUSANDS,
        ("lfst_r_lfe2en2",),
    ),
    _eurostat(
        "employment_by_sector_occupation",
        "Employment by NACE Rev. 2 section, ISCO-08 major group and geo (thousands), for "
        "the shift-share decomposition of skill-group shares.",
        {"nace_r2", "isco08", "geo"},
        _THOUSANDS,
        ("lfsa_eisn2",),
        demo=DemoFile("data/lfsa_eisn2.csv"),
    ),
    _eurostat(
        "job_vacancies",
        "Job vacancy statistics (jvs_a_nace2 shape: indic_em JOBVAC, JOBOCC, JOBRATE).",
        {"indic_em", "geo"},
        frozenset(),
        ("jvs_a_nace2", "jvs_a_rate_r2"),
        demo=DemoFile("data/jvs_a_nace2.tsv"),
    ),
    Role(
        "its_courses",
        "its_courses",
        "ITS course records (docs/schemas.md).",
        reader="skills.sources.its:read_its_courses",
        schema="skills.sources.its:ITS_COURSES",
        suite="its_courses",
        cleaner="skills.roles:clean_its_role",
        demo=DemoFile("data/its_courses.xlsx", {"sheet": '"courses"'}),
    ),
    Role(
        "hiring_plans",
        "hiring_plans",
        "Planned hires (docs/schemas.md).",
        reader="skills.sources.hiring:read_hiring_plans",
        schema="skills.sources.hiring:HIRING_PLANS",
        suite="hiring_plans",
        grid_geo="geo_nuts3",
        cleaner="skills.roles:clean_hiring_role",
        checks=("skills.sources.hiring:check_one_frequency",),
        demo=DemoFile("data/hiring_plans.csv"),
    ),
    Role(
        "wages_by_occupation",
        "wages",
        "Mean wages by ISCO-08 occupation, for wage-ranked polarisation (docs/schemas.md).",
        reader="skills.sources.wages:read_wages",
        schema="skills.sources.wages:WAGES",
        suite="wages_by_occupation",
        demo=DemoFile("data/wages_by_occupation.csv"),
    ),
    Role(
        "hires",
        "hires",
        "Realised hires (e.g. COB activations) by province and period, for the matching "
        "function (docs/schemas.md).",
        reader="skills.sources.hires:read_hires",
        schema="skills.sources.hires:HIRES",
        suite="hires",
        grid_geo="geo",
        demo=DemoFile("data/hires.csv"),
    ),
    Role(
        "competing_graduates",
        "competing_graduates",
        "Graduates at ISCED 5-6 other than ITS (e.g. bachelor's degrees) by area, year "
        "and ISCED-F 2013 field, mapped to ITS areas as competing supply for the ITS gap "
        "(docs/schemas.md).",
        reader="skills.sources.competing:read_competing_graduates",
        schema="skills.sources.competing:COMPETING_GRADUATES",
        suite="competing_graduates",
        demo=DemoFile("data/competing_graduates.csv"),
    ),
    _records(
        "job_ads",
        "Job-advertisement records (Parquet, one row per ad), counted by province, month, "
        "ISCO-08 group and education asked in a streaming query (docs/pipeline-spec.md).",
    ),
    _records(
        "lfs_microdata",
        "Labour-force person records (Parquet, one row per person and quarter), weighted "
        "to employment and unemployment in thousands by region, quarter, ISCO-08 group "
        "and ISCED group in a streaming query (docs/pipeline-spec.md).",
    ),
)

#: Every source role, by name, in the order the docs, the demo spec and messages list
#: them. Tests may add a role with ``monkeypatch.setitem(ROLES, ...)``: everything that
#: derives from the registry reads it when called.
ROLES: dict[str, Role] = {role.name: role for role in _ROLES}


def file_roles() -> Mapping[str, Role]:
    """The roles read from a user file with a schema, in registry order."""
    return MappingProxyType({n: r for n, r in ROLES.items() if r.schema is not None})


def public_readers() -> dict[str, str]:
    """``reader name -> module`` of the user-file readers :mod:`skills` exports."""
    out: dict[str, str] = {}
    for role in ROLES.values():
        if role.source == "file" and role.reader:
            module, _, name = role.reader.partition(":")
            out[name] = module
    return out


def role_markdown(role: Role) -> str:
    """A role as ``skills schema`` prints it: a user file's schema, or the table it needs.

    For a user file, :func:`skills.schema.schema_markdown` of its schema; for a Eurostat
    role, its dataset codes, dimensions and units; for a record-level role, where its
    columns are documented.
    """
    schema = role.load_schema()
    if schema is not None:
        from skills.schema import schema_markdown

        return schema_markdown(schema)
    lines = [f"## `{role.name}` ({role.source})", "", role.description, ""]
    if role.source == "eurostat":
        lines.append("- datasets: " + ", ".join(f"`{d}`" for d in role.datasets))
        lines.append("- dimensions: " + ", ".join(f"`{d}`" for d in sorted(role.dimensions)))
        if role.units:
            lines.append("- units kept: " + ", ".join(f"`{u}`" for u in sorted(role.units)))
    else:
        module = role.reader.partition(":")[0]
        lines.append(f"- columns: see `{module}` and docs/pipeline-spec.md")
    return "\n".join(lines) + "\n"
