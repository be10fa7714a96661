"""Pipeline specs: the TOML files operators edit to say what a refresh reads and publishes.

A spec is validated completely before any work starts: unknown keys, missing files, bad
region codes and sources in the wrong role are rejected with a :class:`ConfigError` that
names the spec file and the key. Paths in a spec are relative to the spec's folder.

Example
-------
.. code-block:: toml

    [pipeline]
    name = "piedmont"
    region = "ITC1"                     # the NUTS 2 region the publication is about
    nuts_version = 2021                 # the NUTS version every geo code is aligned to
    benchmarks = ["DE11", "FR71", "ES51"]

    [sources.unemployment_rate]
    eurostat = "lfst_r_lfu3rt"          # fetched from Eurostat's API through the cache
    filters = { geo = ["ITC1", "DE11"] }

    [sources.employment]
    path = "data/lfst_r_lfe2emp.tsv"    # or a local Eurostat file

    [sources.its_courses]
    path = "data/its_courses.xlsx"
    sheet = "courses"

    [crosswalk]
    its_isco08 = "its-isco08-v1"

    [outputs]
    keep_runs = 10
    languages = ["it", "en"]            # report.html in Italian, report.en.html in English

See ``docs/pipeline-spec.md`` for every key. The roles a ``[sources.<role>]`` table may
name, and what each accepts, come from the registry :mod:`skills.roles` (:data:`ROLES` and
:class:`Role` are re-exported here).

Why one module of about 650 lines: the spec is one TOML file validated in one pass (every
section's checks need the same error helper, the spec's folder and the region), and the
checks are short functions, one per section; a spec option and its validation stay side
by side, and the stage declarations (:mod:`skills.stages`) read the fields defined here.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skills.errors import ConfigError
from skills.roles import ROLES, Role

__all__ = [
    "ROLES",
    "AnalysisSpec",
    "PipelineSpec",
    "Role",
    "SourceSpec",
    "display_location",
    "load_spec",
]

#: A role's ``kind`` (``"eurostat"``, ``"records"`` or the kind of user file); the
#: registry (:mod:`skills.roles`) lists them.
SourceKind = str

_PIPELINE_KEYS = {
    "name",
    "title",
    "titles",
    "region",
    "nuts_version",
    "benchmarks",
    "provinces",
    "synthetic",
    "description",
    "eurostat_dir",
}
_EUROSTAT_KEYS = {
    "eurostat",
    "path",
    "filters",
    "start_period",
    "end_period",
    "dataset",
    "optional",
}
_FILE_KEYS = {"path", "sheet", "delimiter", "encoding", "ignore_columns"}
_RECORD_KEYS = {"path", "uri", "isco_digits", "period", "engine", "master"}
_OUTPUT_KEYS = {"keep_runs", "report", "report_formats", "languages"}
REPORT_FORMATS = ("html", "png", "svg", "json", "csv", "xlsx")
_CROSSWALK_KEYS = {"its_isco08", "path"}
_TOP_KEYS = {"pipeline", "sources", "crosswalk", "outputs", "models", "its_gap", "analyses"}
_ANALYSIS_KEYS = {"function", "inputs", "options", "description"}
_ANALYSIS_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_FUNCTION_RE = re.compile(rf"^{_IDENT}(?:\.{_IDENT})*:{_IDENT}$")
_MODEL_KEYS = {
    "bootstrap_reps",
    "seed",
    "polarisation_unit",
    "polarisation_cluster",
    "share_panel_weights",
}
_MODEL_CHOICES: dict[str, tuple[str, ...]] = {
    "polarisation_unit": ("occupation", "percentile"),
    "polarisation_cluster": ("observation", "occupation", "isco_major_group"),
    "share_panel_weights": ("equal", "employment"),
}
_GAP_KEYS = {
    "window",
    "allocation",
    "min_link_weight",
    "variant",
    "education_levels",
    "band_windows",
    "band_allocations",
    "band_min_link_weights",
    "band_variants",
}
_MAX_WINDOW = 10
#: Upper bounds of the numeric keys that have no natural one: a mistyped value
#: (``bootstrap_reps = 99999999999``) is refused instead of running for days or crashing.
_MAX_BOOTSTRAP_REPS = 99_999
_MAX_SEED = 2**32 - 1
_MAX_KEEP_RUNS = 1_000
_NUTS_RE = re.compile(r"^[A-Z]{2}[0-9A-Z]{0,3}$")
NUTS_VERSIONS = (2010, 2013, 2016, 2021)


@dataclass(frozen=True)
class SourceSpec:
    """One input of a pipeline."""

    role: str
    kind: SourceKind
    path: Path | None = None
    eurostat: str | None = None
    dataset: str | None = None
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    start_period: str | None = None
    end_period: str | None = None
    sheet: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8"
    ignore_columns: tuple[str, ...] = ()
    #: Options of a record-level source: ``isco_digits`` (1-3), ``period`` (job ads:
    #: ``month`` or ``quarter``), ``engine`` (``duckdb``, ``spark``; absent = polars),
    #: ``master`` (Spark).
    options: Mapping[str, Any] = field(default_factory=dict)
    #: A record-level source read by Spark from a location Python does not read
    #: (``hdfs://``, ``s3a://``): ``uri =`` with ``engine = "spark"`` (``path`` is None).
    uri: str | None = None
    #: ``optional = true`` (``eurostat =`` sources): when the dataset is neither in the
    #: local Eurostat folder nor in the cache offline, nor reachable online, the run goes
    #: on without it and the manifest lists it under ``skipped_sources``.
    optional: bool = False

    @property
    def location(self) -> str:
        """The path, the URI, or ``eurostat:<code>`` for a fetched dataset."""
        if self.path is not None:
            return str(self.path)
        return self.uri if self.uri is not None else f"eurostat:{self.eurostat}"


@dataclass(frozen=True)
class AnalysisSpec:
    """An extra analysis named in the spec: ``[analyses.<name>]``.

    Attributes
    ----------
    name
        The ``<name>`` of the table (lower case, digits, underscores).
    function
        Import path of the function, ``"package.module:function"``.
    inputs
        Source roles the analysis needs; it is skipped (and the run log says why) when
        one of them is not in the spec's ``[sources]``.
    options
        Keyword arguments passed to the function (``[analyses.<name>.options]``).
    description
        Free text for the run log.
    """

    name: str
    function: str
    inputs: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

    @property
    def where(self) -> str:
        """How messages name it: ``[analyses.<name>]``."""
        return f"[analyses.{self.name}]"


@dataclass(frozen=True)
class PipelineSpec:
    """A validated pipeline spec. Build it with :func:`load_spec`."""

    path: Path
    sha256: str
    name: str
    title: str
    region: str
    nuts_version: int
    benchmarks: tuple[str, ...]
    provinces: tuple[str, ...]
    synthetic: bool
    sources: Mapping[str, SourceSpec]
    crosswalk: str
    crosswalk_path: Path | None
    keep_runs: int
    report_formats: tuple[str, ...] = REPORT_FORMATS
    #: The report's languages, the first in ``report.html`` (``[outputs] languages``;
    #: default :func:`skills.report.i18n.default_languages` of the region).
    languages: tuple[str, ...] = ("en",)
    models: Mapping[str, Any] = field(default_factory=dict)
    its_gap: Mapping[str, Any] = field(default_factory=dict)
    #: Extra analyses (``[analyses.<name>]``), in the spec's order.
    analyses: Mapping[str, AnalysisSpec] = field(default_factory=dict)
    #: Folder of local Eurostat files read before the cache (``[pipeline] eurostat_dir``,
    #: relative to the spec; see :mod:`skills.sources.eurostat_local`).
    eurostat_dir: Path | None = None
    #: The title in other languages (``[pipeline] titles = { it = "..." }``); ``title``
    #: is used for a language not listed.
    titles: Mapping[str, str] = field(default_factory=dict)

    def title_in(self, language: str) -> str:
        """The title in ``language`` (``titles``), else :attr:`title`."""
        return self.titles.get(language) or self.title

    @property
    def data_label(self) -> str | None:
        """``"synthetic demo data"`` for a demo pipeline, else ``None``."""
        return "synthetic demo data" if self.synthetic else None


def load_spec(path: str | Path) -> PipelineSpec:
    """Read and validate a pipeline spec.

    Raises
    ------
    skills.errors.ConfigError
        For a missing or unreadable spec, a TOML syntax error, an unknown key, a missing
        required key, a source file that does not exist, an unknown role or a bad code.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError("pipeline spec not found", file=path)
    raw_bytes = path.read_bytes()
    try:
        doc = tomllib.loads(raw_bytes.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=path) from exc
    base = path.resolve().parent

    def err(message: str) -> ConfigError:
        return ConfigError(message, file=path)

    _no_unknown(doc, _TOP_KEYS, "the top level", err)
    pipe = _table(doc, "pipeline", err, required=True)
    _no_unknown(pipe, _PIPELINE_KEYS, "[pipeline]", err)
    name = _required_string(pipe, "name", "[pipeline]", err)
    region = _required_string(pipe, "region", "[pipeline]", err)
    nuts_version = pipe.get("nuts_version", 2021)
    if nuts_version not in NUTS_VERSIONS:
        raise err(f"[pipeline] nuts_version = {nuts_version!r}: use one of {NUTS_VERSIONS}")
    benchmarks = tuple(_string_list(pipe, "benchmarks", "[pipeline]", err))
    for code in (region, *benchmarks):
        if not _NUTS_RE.match(code):
            raise err(f"[pipeline] {code!r} is not a NUTS or country code")
    if len(region) != 4:
        raise err(f"[pipeline] region = {region!r}: give a NUTS 2 code such as 'ITC1'")
    provinces = tuple(_string_list(pipe, "provinces", "[pipeline]", err))
    _check_region_codes(region, provinces, nuts_version, err)
    synthetic = pipe.get("synthetic", False)
    if not isinstance(synthetic, bool):
        raise err("[pipeline] synthetic must be true or false")
    eurostat_dir = None
    if "eurostat_dir" in pipe:
        eurostat_dir = (base / _required_string(pipe, "eurostat_dir", "[pipeline]", err)).resolve()
        if not eurostat_dir.is_dir():
            raise err(f"[pipeline] eurostat_dir: {eurostat_dir} is not a folder")

    sources_doc = _table(doc, "sources", err, required=True)
    sources: dict[str, SourceSpec] = {}
    for role_name, body in sources_doc.items():
        if role_name not in ROLES:
            raise err(f"[sources.{role_name}]: unknown source role; roles are {', '.join(ROLES)}")
        if not isinstance(body, dict):
            raise err(f"[sources.{role_name}] must be a table")
        sources[role_name] = _source(ROLES[role_name], body, base, err)
    if not sources:
        raise err("[sources] lists no source")

    cw = _table(doc, "crosswalk", err)
    _no_unknown(cw, _CROSSWALK_KEYS, "[crosswalk]", err)
    crosswalk = _string(cw, "its_isco08", "[crosswalk]", err) or "its-isco08-v1"
    crosswalk_path = None
    if "path" in cw:
        crosswalk_path = _existing(
            base, _string(cw, "path", "[crosswalk]", err), err, "[crosswalk] path"
        )
    else:
        from skills import classifications as cls

        known = cls.available_crosswalks()
        if crosswalk not in known:
            raise err(f"[crosswalk] its_isco08 = {crosswalk!r}: known versions are {known}")

    outputs = _table(doc, "outputs", err)
    _no_unknown(outputs, _OUTPUT_KEYS, "[outputs]", err)
    keep_runs = outputs.get("keep_runs", 10)
    if (
        not isinstance(keep_runs, int)
        or isinstance(keep_runs, bool)
        or not 1 <= keep_runs <= _MAX_KEEP_RUNS
    ):
        raise err(
            f"[outputs] keep_runs = {keep_runs!r}: must be a whole number from 1 to "
            f"{_MAX_KEEP_RUNS}"
        )
    report_on = outputs.get("report", True)
    if not isinstance(report_on, bool):
        raise err("[outputs] report must be true or false")
    formats = outputs.get("report_formats", list(REPORT_FORMATS))
    if not isinstance(formats, list) or not set(formats) <= set(REPORT_FORMATS):
        raise err(f"[outputs] report_formats must be a list drawn from {list(REPORT_FORMATS)}")
    report_formats = tuple(f for f in REPORT_FORMATS if f in formats) if report_on else ()
    languages = _languages(outputs, region, err)

    return PipelineSpec(
        path=path.resolve(),
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        name=name,
        title=_string(pipe, "title", "[pipeline]", err) or name,
        titles=_titles(pipe, err),
        region=region,
        nuts_version=int(nuts_version),
        benchmarks=benchmarks,
        provinces=provinces,
        synthetic=synthetic,
        sources=sources,
        crosswalk=crosswalk,
        crosswalk_path=crosswalk_path,
        keep_runs=keep_runs,
        report_formats=report_formats,
        languages=languages,
        models=_models(doc, err),
        its_gap=_gap_options(doc, err),
        analyses=_analyses(doc, err),
        eurostat_dir=eurostat_dir,
    )


# --------------------------------------------------------------------------- helpers

Err = Any  # a callable str -> ConfigError


def _records_source(role: Role, body: dict[str, Any], base: Path, err: Err) -> SourceSpec:
    from skills.sources.records.engines import ENGINES, is_uri

    where = f"[sources.{role.name}]"
    _no_unknown(body, _RECORD_KEYS, where, err)
    options: dict[str, Any] = {}
    engine = body.get("engine", "polars")
    if engine not in ENGINES:
        raise err(f"{where} engine must be one of {', '.join(map(repr, ENGINES))}")
    if engine != "polars":
        options["engine"] = engine
    if "master" in body:
        master = body["master"]
        if engine != "spark" or not isinstance(master, str) or not master:
            raise err(f'{where} master (a Spark master such as "local[2]") needs engine = "spark"')
        options["master"] = master
    if ("path" in body) == ("uri" in body):
        raise err(f"{where}: give exactly one of 'path' (a local Parquet file) or 'uri'")
    if "isco_digits" in body:
        digits = body["isco_digits"]
        if not isinstance(digits, int) or isinstance(digits, bool) or not 1 <= digits <= 3:
            raise err(f"{where} isco_digits must be 1, 2 or 3 (ISCO-08 groups in the panel)")
        options["isco_digits"] = digits
    if "period" in body:
        period = body["period"]
        if role.name != "job_ads" or period not in ("month", "quarter"):
            raise err(f'{where} period must be "month" or "quarter" (job_ads only)')
        options["period"] = period
    if "uri" in body:
        uri = body["uri"]
        if engine != "spark" or not isinstance(uri, str) or not is_uri(uri):
            raise err(
                f"{where} uri (hdfs://..., s3a://..., a location Spark reads) needs "
                'engine = "spark"'
            )
        return SourceSpec(role=role.name, kind=role.kind, uri=uri, options=options)
    value = body["path"]
    if not isinstance(value, str) or not value:
        raise err(f"{where} path must be a file path")
    path = (base / value).resolve()
    if engine != "polars" and path.is_dir():
        if not any(path.rglob("*.parquet")):
            raise err(f"{where} path = {value!r}: no .parquet file in the folder ({path})")
        return SourceSpec(role=role.name, kind=role.kind, path=path, options=options)
    path = _existing(base, value, err, f"{where} path")
    if path.suffix.lower() != ".parquet":
        raise err(f"{where} path = {value!r}: record-level sources are Parquet files")
    return SourceSpec(role=role.name, kind=role.kind, path=path, options=options)


def _source(role: Role, body: dict[str, Any], base: Path, err: Err) -> SourceSpec:
    where = f"[sources.{role.name}]"
    if role.source == "eurostat":
        _no_unknown(body, _EUROSTAT_KEYS, where, err)
        has_code, has_path = "eurostat" in body, "path" in body
        if has_code == has_path:
            raise err(f"{where}: give exactly one of 'eurostat' (a dataset code) or 'path'")
        filters_doc = body.get("filters", {})
        if not isinstance(filters_doc, dict):
            raise err(f"{where} filters must be a table such as {{ geo = ['ITC1'] }}")
        filters: dict[str, tuple[str, ...]] = {}
        for dim, values in filters_doc.items():
            vals = [values] if isinstance(values, str) else values
            if not isinstance(vals, list) or not all(isinstance(v, str) for v in vals):
                raise err(f"{where} filters.{dim} must be a string or a list of strings")
            filters[dim.lower()] = tuple(vals)
        code = _string(body, "eurostat", where, err)
        if code is not None and not re.match(r"^[a-z][a-z0-9_]*$", code.lower()):
            raise err(f"{where} eurostat = {code!r} is not a Eurostat dataset code")
        dataset = _string(body, "dataset", where, err)
        optional = body.get("optional", False)
        if not isinstance(optional, bool) or (optional and not has_code):
            raise err(f"{where} optional must be true or false, and only with eurostat = ...")
        start, end = _period_range(body, where, err)
        if "freq" in filters:
            from skills.periods import FREQUENCY_NAMES

            bad = [f for f in filters["freq"] if f.upper() not in FREQUENCY_NAMES]
            if bad:
                raise err(
                    f"{where} filters.freq = {bad[0]!r} is not a frequency "
                    f"({', '.join(FREQUENCY_NAMES)})"
                )
        return SourceSpec(
            role=role.name,
            kind=role.kind,
            path=_existing(base, body["path"], err, f"{where} path") if has_path else None,
            eurostat=code.lower() if code else None,
            dataset=(dataset or code or "").lower() or None,
            filters=filters,
            start_period=start,
            end_period=end,
            optional=optional,
        )
    if role.source == "records":
        return _records_source(role, body, base, err)
    _no_unknown(body, _FILE_KEYS, where, err)
    if "path" not in body:
        raise err(f"{where}: 'path' is required")
    delimiter = _string(body, "delimiter", where, err) or ","
    if len(delimiter) != 1:
        raise err(f"{where} delimiter must be one character")
    encoding = _string(body, "encoding", where, err) or "utf-8"
    try:
        "".encode(encoding)
    except LookupError as exc:
        raise err(f"{where} encoding = {encoding!r} is not a known text encoding") from exc
    return SourceSpec(
        role=role.name,
        kind=role.kind,
        path=_existing(base, body["path"], err, f"{where} path"),
        sheet=_string(body, "sheet", where, err),
        delimiter=delimiter,
        encoding=encoding,
        ignore_columns=tuple(_string_list(body, "ignore_columns", where, err)),
    )


def _check_region_codes(region: str, provinces: tuple[str, ...], version: int, err: Err) -> None:
    if not region.startswith("IT"):
        return
    from skills import classifications as cls

    regions = cls.nuts_regions(version)
    codes = dict(zip(regions["nuts_code"].to_list(), regions["nuts_level"].to_list(), strict=True))
    if codes.get(region) != 2:
        raise err(f"[pipeline] region = {region!r} is not an Italian NUTS 2 code in NUTS {version}")
    for code in provinces:
        if codes.get(code) != 3 or not code.startswith(region):
            raise err(
                f"[pipeline] provinces: {code!r} is not a NUTS 3 code of {region} in NUTS {version}"
            )


def _existing(base: Path, value: object, err: Err, where: str) -> Path:
    if not isinstance(value, str) or not value:
        raise err(f"{where} must be a file path")
    path = (base / value).resolve()
    if not path.is_file():
        raise err(f"{where} = {value!r}: file not found ({path})")
    return path


def _no_unknown(doc: Mapping[str, Any], allowed: set[str], where: str, err: Err) -> None:
    for key in doc:
        if key not in allowed:
            raise err(f"unknown key {key!r} in {where}; allowed keys: {', '.join(sorted(allowed))}")


def _table(doc: Mapping[str, Any], key: str, err: Err, *, required: bool = False) -> dict[str, Any]:
    value = doc.get(key)
    if value is None:
        if required:
            raise err(f"the [{key}] table is missing")
        return {}
    if not isinstance(value, dict):
        raise err(f"[{key}] must be a table")
    return value


def _period_range(doc: Mapping[str, Any], where: str, err: Err) -> tuple[str | None, str | None]:
    """``start_period`` / ``end_period`` as canonical labels, parsed and ordered (typed)."""
    from skills.periods import Period, parse_period

    parsed: dict[str, Period] = {}
    for key in ("start_period", "end_period"):
        text = _string(doc, key, where, err)
        if text is not None:
            try:
                parsed[key] = parse_period(text)
            except ValueError as exc:
                raise err(f"{where} {key}: {exc}") from None
    start, end = parsed.get("start_period"), parsed.get("end_period")
    if start is not None and end is not None and start.start > end.end:
        raise err(f"{where} start_period {start.label} is after end_period {end.label}")
    return (start.label if start else None), (end.label if end else None)


def _string(
    doc: Mapping[str, Any], key: str, where: str, err: Err, *, required: bool = False
) -> str | None:
    value = doc.get(key)
    if value is None:
        if required:
            raise err(f"{where} {key} is required")
        return None
    if not isinstance(value, str):
        raise err(f"{where} {key} must be a string")
    return value


def _options(doc: Mapping[str, Any], key: str, allowed: set[str], err: Err) -> dict[str, Any]:
    table = _table(doc, key, err)
    _no_unknown(table, allowed, f"[{key}]", err)
    return table


def _models(doc: Mapping[str, Any], err: Err) -> dict[str, Any]:
    table = _options(doc, "models", _MODEL_KEYS, err)
    for key, top in (("bootstrap_reps", _MAX_BOOTSTRAP_REPS), ("seed", _MAX_SEED)):
        value = table.get(key)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= top
        ):
            raise err(f"[models] {key} = {value!r}: must be a whole number from 0 to {top:_}")
    reps = table.get("bootstrap_reps")
    if reps is not None and 0 < reps < 99:
        raise err("[models] bootstrap_reps must be 0 (no bootstrap) or at least 99")
    for key, choices in _MODEL_CHOICES.items():
        value = table.get(key)
        if value is not None and value not in choices:
            raise err(
                f"[models] {key} = {value!r}: must be one of " + ", ".join(map(repr, choices))
            )
    if table.get("polarisation_cluster") == "occupation" and (
        table.get("polarisation_unit", "occupation") == "occupation"
    ):
        raise err(
            '[models] polarisation_cluster = "occupation" needs polarisation_unit = '
            '"percentile" (with one row per occupation it is the same as "observation")'
        )
    return table


def _analyses(doc: Mapping[str, Any], err: Err) -> dict[str, AnalysisSpec]:
    """``[analyses.<name>]`` tables: shape only (the functions are imported by the run)."""
    table = _table(doc, "analyses", err)
    out: dict[str, AnalysisSpec] = {}
    for name, body in table.items():
        where = f"[analyses.{name}]"
        if not _ANALYSIS_NAME_RE.match(name):
            raise err(f"{where}: name an analysis with lower-case letters, digits and '_'")
        if not isinstance(body, dict):
            raise err(f'{where} must be a table with function = "package.module:function"')
        _no_unknown(body, _ANALYSIS_KEYS, where, err)
        function = _required_string(body, "function", where, err)
        if not _FUNCTION_RE.match(function):
            raise err(
                f"{where} function = {function!r}: give an import path such as "
                '"my_package.my_module:my_function"'
            )
        inputs = _string_list(body, "inputs", where, err)
        unknown = [r for r in inputs if r not in ROLES]
        if unknown:
            raise err(
                f"{where} inputs: unknown source role {unknown[0]!r}; roles are {', '.join(ROLES)}"
            )
        options = body.get("options", {})
        if not isinstance(options, dict):
            raise err(f"{where} options must be a table of keyword arguments, e.g. {{ top = 5 }}")
        out[name] = AnalysisSpec(
            name=name,
            function=function,
            inputs=tuple(dict.fromkeys(inputs)),
            options=options,
            description=_string(body, "description", where, err) or "",
        )
    return out


def _gap_options(doc: Mapping[str, Any], err: Err) -> dict[str, Any]:
    table = _options(doc, "its_gap", _GAP_KEYS, err)
    allocations = ("occupation_share", "weighted_sum")

    def window_ok(value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= _MAX_WINDOW

    def weight_ok(value: object) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1

    if not window_ok(table.get("window", 3)):
        raise err(f"[its_gap] window must be a whole number of years from 1 to {_MAX_WINDOW}")
    if table.get("allocation", "occupation_share") not in allocations:
        raise err("[its_gap] allocation must be 'occupation_share' or 'weighted_sum'")
    if not weight_ok(table.get("min_link_weight", 0.1)):
        raise err("[its_gap] min_link_weight must be a number in [0, 1)")
    if not isinstance(table.get("variant", "central"), str):
        raise err("[its_gap] variant must be the name of a crosswalk variant, e.g. 'central'")
    lists = {
        "band_windows": (window_ok, f"whole numbers of years from 1 to {_MAX_WINDOW}"),
        "band_allocations": (lambda v: v in allocations, "'occupation_share' or 'weighted_sum'"),
        "band_min_link_weights": (weight_ok, "numbers in [0, 1)"),
        "band_variants": (lambda v: isinstance(v, str), "crosswalk variant names"),
    }
    for key, (ok, what) in lists.items():
        values = table.get(key)
        if values is not None and (
            not isinstance(values, list) or not values or not all(ok(v) for v in values)
        ):
            raise err(f"[its_gap] {key} must be a non-empty list of {what}")
    levels = table.get("education_levels", {"its_academy": 1.0})
    from skills import classifications as cls

    known = set(cls.education_levels_it()["education_level"].to_list())
    if not isinstance(levels, dict) or not levels:
        raise err("[its_gap] education_levels must be a table such as { its_academy = 1.0 }")
    for level, weight in levels.items():
        if level not in known:
            raise err(
                f"[its_gap] education_levels: unknown level {level!r}; known: {sorted(known)}"
            )
        if not isinstance(weight, int | float) or isinstance(weight, bool) or not 0 <= weight <= 1:
            raise err(f"[its_gap] education_levels.{level} must be a weight between 0 and 1")
    return table


def _titles(pipe: Mapping[str, Any], err: Err) -> dict[str, str]:
    """``[pipeline] titles``: the title by report language (``{ it = "..." }``)."""
    value = pipe.get("titles", {})
    if not isinstance(value, dict) or not all(
        isinstance(v, str) and v.strip() for v in value.values()
    ):
        raise err(
            "[pipeline] titles must be a table of non-empty titles by language, e.g. "
            'titles = { it = "Piemonte (ITC1): domanda e offerta di competenze" }'
        )
    _known_languages(value, "[pipeline] titles", err)
    return {k: v.strip() for k, v in value.items()}


def _known_languages(values: Iterable[str], where: str, err: Err) -> None:
    """Refuse a language the report cannot be written in, listing those it can."""
    from skills.report.i18n import LANGUAGES

    unknown = [v for v in values if v not in LANGUAGES]
    if unknown:
        known = ", ".join(f'"{lang}"' for lang in LANGUAGES)
        raise err(
            f"{where}: unknown language(s) {', '.join(map(repr, unknown))}; "
            f"the report can be written in [{known}]"
        )


def _languages(outputs: Mapping[str, Any], region: str, err: Err) -> tuple[str, ...]:
    """``[outputs] languages``: a non-empty list of known languages, none twice."""
    from skills.report.i18n import LANGUAGES, default_languages

    value = outputs.get("languages")
    if value is None:
        return default_languages(region)
    known = ", ".join(f'"{lang}"' for lang in LANGUAGES)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise err(
            f"[outputs] languages must be a non-empty list drawn from [{known}], the first "
            'the language of report.html (e.g. languages = ["it", "en"])'
        )
    _known_languages(value, "[outputs] languages", err)
    repeated = sorted({v for v in value if value.count(v) > 1})
    if repeated:
        raise err(f"[outputs] languages: {', '.join(map(repr, repeated))} listed more than once")
    return tuple(value)


def _required_string(doc: Mapping[str, Any], key: str, where: str, err: Err) -> str:
    value = _string(doc, key, where, err, required=True)
    assert value is not None
    return value


def _string_list(doc: Mapping[str, Any], key: str, where: str, err: Err) -> list[str]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise err(f"{where} {key} must be a list of strings")
    return list(value)


def display_location(location: str | Path, spec_path: str | Path | None) -> str:
    """A source's location as reports show it: relative to the spec's folder when inside it.

    Reports must not print the absolute paths of the machine they ran on; URLs and paths
    outside the spec's folder are shown as they are.
    """
    text = str(location)
    if spec_path is None or "://" in text:
        return text
    try:
        return Path(text).resolve().relative_to(Path(spec_path).resolve().parent).as_posix()
    except (ValueError, OSError):
        return text
