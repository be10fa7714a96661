"""Extra analyses: public building blocks, ``[analyses.NAME]`` in the spec, and the refresh.

The worked example of ``docs/models.md`` ("Extending") is extracted from the document,
written as a module into a temporary folder on ``sys.path`` and run on the demo workspace:
its indicator, table and model must be in the publication and its manifest. Failures (an
import path that does not import, an exception inside, a wrong return value, an output
that fails its suite) must leave ``latest`` byte for byte as it was.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from skills.errors import ConfigError, ExtensionError, InputError, QualityError
from skills.extensions import (
    BUILTIN_TABLES,
    AnalysisContext,
    AnalysisResult,
    Extension,
    IndicatorDefinition,
    check_extension_tables,
    resolve_extension,
    run_extension,
)
from skills.indicators import INDICATOR_SCHEMA, as_indicator
from skills.indicators.catalogue import load_catalogue, publication_catalogue
from skills.models import Cov, ModelResult, build_result, fit_polarisation
from skills.spec import AnalysisSpec, load_spec

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "models.md"


def doc_example() -> tuple[str, str]:
    """The example module and spec snippet of docs/models.md's "Extending" section."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Extending: your own indicators and models") :]
    module = re.search(r"```python\n# piedmont_extras.py\n(.*?)```", section, re.S)
    toml = re.search(r"```toml\n(\[analyses\.hires_realisation\].*?)```", section, re.S)
    assert module is not None and toml is not None, "the worked example is not in the doc"
    return module.group(1), toml.group(1)


# --------------------------------------------------------------------------- building blocks


def test_as_indicator_shapes_rows_to_the_schema() -> None:
    frame = pl.LazyFrame(
        {
            "geo": ["ITC11", "ITC1", "IT", "EU27_2020"],
            "period": ["2023"] * 4,
            "value": [1, 2, 3, 4],
            "isco08": ["2", None, None, None],
            "ignored": [0, 0, 0, 0],
        }
    )
    rows = as_indicator(frame, "x_ratio", "ratio", source="s").collect()
    assert dict(rows.schema) == INDICATOR_SCHEMA
    assert rows["geo_level"].to_list() == [3, 2, 0, 0]
    assert rows["value"].dtype == pl.Float64
    assert rows["indicator"].unique().to_list() == ["x_ratio"]
    assert rows["isco08"].to_list() == ["2", None, None, None]
    assert "ignored" not in rows.columns


def test_as_indicator_names_a_missing_column() -> None:
    with pytest.raises(ValueError, match="no column 'period'"):
        as_indicator(pl.LazyFrame({"geo": ["IT"], "value": [1.0]}), "x", "ratio")


def _wls_data() -> pl.DataFrame:
    rng = np.random.default_rng(3)
    p = np.linspace(0, 100, 30)
    y = 2 - 0.08 * p + 0.0009 * p**2 + rng.normal(0, 0.4, p.size)
    return pl.DataFrame({"skill_pct": p, "share_change_pp": y, "base_share_pct": 1 + p / 50})


@pytest.mark.slow
def test_build_result_reproduces_a_package_fit() -> None:
    """The same tidy table two ways: the package's fit, and the builder fed its vcov."""
    fit = fit_polarisation(_wls_data(), bootstrap=None)
    built = build_result(
        fit.terms,
        [fit.params[t] for t in fit.terms],
        fit.cov_params(),
        model_id=fit.model_id,
        nobs=fit.nobs,
        cov=fit.cov,
        df=fit.df_inference,
        estimator=fit.estimator,
        r2=fit.r2,
    )
    assert_frame_equal(built.tidy(), fit.tidy(), rel_tol=1e-12)
    assert built.to_rows().schema == fit.to_rows().schema
    assert built.linear_test({"skill_pct": 1.0}) == pytest.approx(
        fit.linear_test({"skill_pct": 1.0})
    )


def test_build_result_matches_statsmodels_with_t_inference() -> None:
    import statsmodels.api as sm

    data = _wls_data()
    x = sm.add_constant(data["skill_pct"].to_numpy())
    fit = sm.OLS(data["share_change_pp"].to_numpy(), x).fit(cov_type="HC1", use_t=True)
    res = build_result(
        ["intercept", "skill_pct"],
        fit.params,
        fit.cov_params(),
        model_id="ols",
        nobs=int(fit.nobs),
        cov=Cov.robust("HC1"),
        df=int(fit.df_resid),
    )
    tidy = res.tidy()
    np.testing.assert_allclose(tidy["std_error"].to_numpy(), fit.bse, rtol=1e-10)
    np.testing.assert_allclose(tidy["p_value"].to_numpy(), fit.pvalues, rtol=1e-8)
    np.testing.assert_allclose(
        tidy.select("conf_low", "conf_high").to_numpy(), fit.conf_int(), rtol=1e-8
    )
    assert res.cov_label == "robust-HC1" and res.estimator == "OLS"
    assert isinstance(res, ModelResult)
    # another level: analytic intervals from the kept df and vcov
    lo90 = res.conf_int(0.90)["conf_low"].to_numpy()
    np.testing.assert_allclose(lo90, fit.conf_int(alpha=0.10)[:, 0], rtol=1e-8)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"terms": ["a", "a"]}, "terms must be unique"),
        ({"params": [1.0]}, "1 estimates for 2 terms"),
        ({"vcov": np.eye(3)}, r"expected 2 x 2"),
        ({"vcov": np.array([[1.0, 0.5], [0.0, 1.0]])}, "not symmetric"),
        ({"vcov": np.array([[1.0, 0.0], [0.0, -1.0]])}, r"negative variances for \['b'\]"),
        ({"params": [1.0, math.nan]}, r"not finite for \['b'\]"),
        ({"cov": Cov.wild_bootstrap()}, "not a covariance"),
        ({"nobs": 0}, "nobs must be"),
        ({"df": 0}, "df must be"),
        ({"model_id": ""}, "model_id must be"),
    ],
)
def test_build_result_refuses_bad_input(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {
        "terms": ["a", "b"],
        "params": [1.0, 2.0],
        "vcov": np.eye(2),
        "model_id": "m",
        "nobs": 10,
        "cov": Cov.iid(),
        "df": 8,
    }
    args |= kwargs
    with pytest.raises(ValueError, match=message):
        build_result(args.pop("terms"), args.pop("params"), args.pop("vcov"), **args)


def test_public_names() -> None:
    import skills

    for name in ("as_indicator", "build_result", "AnalysisResult", "IndicatorDefinition"):
        assert name in skills.__all__
        assert getattr(skills, name) is not None
    assert skills.AnalysisContext is AnalysisContext


# --------------------------------------------------------------------------- the spec

SPEC = """
[pipeline]
name = "t"
region = "ITC1"

[sources.unemployment_rate]
path = "rates.tsv"
"""


@pytest.fixture
def spec_dir(tmp_path: Path) -> Path:
    (tmp_path / "rates.tsv").write_text("unit,geo\\time\t2015 \nPC,ITC1\t9.0 \n", encoding="utf-8")
    return tmp_path


def test_spec_reads_analyses_in_order(spec_dir: Path) -> None:
    path = spec_dir / "pipeline.toml"
    path.write_text(
        SPEC
        + '[analyses.b_first]\nfunction = "pkg.mod:fn"\ninputs = ["hires", "hires"]\n'
        + "[analyses.b_first.options]\ntop = 5\n"
        + '[analyses.a_second]\nfunction = "m:g"\ndescription = "d"\n',
        encoding="utf-8",
    )
    spec = load_spec(path)
    assert list(spec.analyses) == ["b_first", "a_second"]
    first = spec.analyses["b_first"]
    assert first.function == "pkg.mod:fn" and first.inputs == ("hires",)
    assert dict(first.options) == {"top": 5} and first.where == "[analyses.b_first]"
    assert spec.analyses["a_second"].description == "d"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[analyses.Bad-Name]\nfunction = "m:f"\n', r"\[analyses.Bad-Name\]: name an analysis"),
        ("[analyses.x]\ninputs = []\n", r"\[analyses.x\] function is required"),
        ('[analyses.x]\nfunction = "m.f"\n', r"\[analyses.x\] function = 'm.f': give an import"),
        ('[analyses.x]\nfunction = "m:f"\ninputs = ["nope"]\n', "unknown source role 'nope'"),
        ('[analyses.x]\nfunction = "m:f"\noptions = 3\n', r"\[analyses.x\] options must be"),
        ('[analyses.x]\nfunction = "m:f"\ncolour = 1\n', r"unknown key 'colour' in \[analyses.x\]"),
        ("[analyses]\nx = 1\n", r"\[analyses.x\] must be a table"),
    ],
)
def test_spec_refuses_bad_analyses(spec_dir: Path, body: str, message: str) -> None:
    path = spec_dir / "pipeline.toml"
    path.write_text(SPEC + body, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_spec(path)
    assert str(path) in str(info.value)


# --------------------------------------------------------------------------- resolution


@pytest.fixture
def module_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on ``sys.path`` for modules written by the test (forgotten afterwards)."""
    folder = tmp_path / "mods"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    before = set(sys.modules)
    yield folder
    for name in set(sys.modules) - before:
        if name.startswith("ext_"):
            del sys.modules[name]


def analysis(function: str, **options: Any) -> AnalysisSpec:
    return AnalysisSpec(name="x", function=function, options=options)


def test_resolve_reports_import_problems(module_dir: Path) -> None:
    (module_dir / "ext_ok.py").write_text(
        "def fn(ctx, *, top=3):\n    return None\nVALUE = 3\n", encoding="utf-8"
    )
    (module_dir / "ext_boom.py").write_text("1 / 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[analyses.x\].*cannot import module 'ext_nope'"):
        resolve_extension(analysis("ext_nope:fn"))
    with pytest.raises(ConfigError, match=r"module 'ext_ok' has no 'missing' \(it has fn\)"):
        resolve_extension(analysis("ext_ok:missing"))
    with pytest.raises(ConfigError, match="is a int, not a function"):
        resolve_extension(analysis("ext_ok:VALUE"))
    with pytest.raises(ConfigError, match=r"fn\(ctx, \*, top=3\) cannot be called.*colour=\.\.\."):
        resolve_extension(analysis("ext_ok:fn", colour="red"))
    with pytest.raises(ExtensionError, match=r"importing module 'ext_boom' raised ZeroDivision"):
        resolve_extension(analysis("ext_boom:fn"))
    ext = resolve_extension(analysis("ext_ok:fn", top=5))
    assert ext.code_files == 1 and len(ext.code_sha256) == 64


def test_code_digest_covers_the_whole_package(module_dir: Path) -> None:
    pkg = module_dir / "ext_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "run.py").write_text("from ext_pkg.helpers import k\ndef fn(ctx):\n    return k\n")
    (pkg / "helpers.py").write_text("k = 1\n", encoding="utf-8")
    first = resolve_extension(analysis("ext_pkg.run:fn"))
    assert first.code_files == 3
    assert resolve_extension(analysis("ext_pkg.run:fn")).code_sha256 == first.code_sha256
    (pkg / "helpers.py").write_text("k = 2\n", encoding="utf-8")
    assert resolve_extension(analysis("ext_pkg.run:fn")).code_sha256 != first.code_sha256


# --------------------------------------------------------------------------- the contract

DEF = IndicatorDefinition(id="x_ratio", title="X", unit="ratio", definition="x", valid_min=0)


def rows(ind: str = "x_ratio", values: tuple[float | None, ...] = (1.0, 2.0)) -> pl.LazyFrame:
    frame = pl.LazyFrame(
        {"geo": ["ITC11", "ITC12"][: len(values)], "period": "2023", "value": list(values)}
    )
    return as_indicator(frame, ind, "ratio", source="s")


def model(model_id: str = "m") -> ModelResult:
    return build_result(["a"], [1.0], [[0.25]], model_id=model_id, nobs=5, cov=Cov.iid(), df=4)


def context(tables: dict[str, pl.DataFrame] | None = None) -> AnalysisContext:
    empty = pl.DataFrame(schema=INDICATOR_SCHEMA)
    return AnalysisContext(
        name="x",
        region="ITC1",
        nuts_version=2021,
        benchmarks=(),
        provinces=(),
        inputs={},
        labels={"hires": "demo: hires"},
        panel=pl.DataFrame(),
        indicators=empty,
        tables=tables or {},
    )


def run(fn: Callable[..., Any], **kw: Any) -> Any:
    ext = Extension(
        spec=AnalysisSpec(name="x", function="tests:fn"),
        function=fn,
        module_file=None,
        code_sha256="0",
        code_files=0,
    )
    return run_extension(ext, kw.pop("ctx", context()), **kw)


def test_a_valid_result_is_accepted() -> None:
    table = pl.DataFrame({"geo": ["ITC11"], "ratio": [0.5]})
    out = run(
        lambda ctx: AnalysisResult(
            indicators=[rows(), rows("y_ratio")],
            definitions=[DEF, IndicatorDefinition("y_ratio", "Y", "ratio", "y")],
            tables={"x_table": table.lazy()},
            models=[model()],
            detail="fine",
        )
    )
    assert out.status == "ran" and out.indicators.height == 4
    assert out.detail == (
        "tests:fn: 4 indicator rows (x_ratio, y_ratio); tables x_table; models m; fine"
    )
    assert_frame_equal(out.tables["x_table"], table)
    assert out.model_ids == ("m",) and out.model_rows is not None
    assert [e.id for e in out.catalogue] == ["x_ratio", "y_ratio"]
    assert out.catalogue[0].function == "tests:fn" and out.catalogue[0].valid_min == 0.0
    entry = out.manifest_entry()
    assert entry["indicators"][0]["title"] == "X" and entry["tables"] == ["x_table"]
    assert out.log_entry()["kind"] == "extension"


def boom(ctx: AnalysisContext) -> AnalysisResult:
    return AnalysisResult(indicators=rows(values=(1 / 0,)))


@pytest.mark.parametrize(
    ("fn", "kw", "message"),
    [
        (boom, {}, r"raised ZeroDivisionError: division by zero \(at .*test_extensions.py"),
        (lambda ctx: {"x": 1}, {}, "returned dict, not a skills.extensions.AnalysisResult"),
        (lambda ctx: AnalysisResult(indicators=rows()), {}, "'x_ratio' has rows but no def"),
        (
            lambda ctx: AnalysisResult(
                definitions=[IndicatorDefinition("unemployment_rate", "U", "%", "u")]
            ),
            {},
            "'unemployment_rate' is in the package's catalogue",
        ),
        (
            lambda ctx: AnalysisResult(definitions=[DEF]),
            {"catalogue": [DEF.entry("other:fn", [])]},
            "already declared by other:fn",
        ),
        (
            lambda ctx: AnalysisResult(definitions=[DEF, DEF]),
            {},
            "declared twice",
        ),
        (
            lambda ctx: AnalysisResult(indicators=rows().drop("note"), definitions=[DEF]),
            {},
            r"INDICATOR_SCHEMA .*missing \['note'\]",
        ),
        (
            lambda ctx: AnalysisResult(
                indicators=rows().with_columns(pl.col("geo_level").cast(pl.Int64)),
                definitions=[DEF],
            ),
            {},
            "geo_level is Int64 \\(expected Int8\\)",
        ),
        (
            lambda ctx: AnalysisResult(indicators=rows(values=(math.inf,)), definitions=[DEF]),
            {},
            "NaN or infinite value",
        ),
        (
            lambda ctx: AnalysisResult(indicators=pl.concat([rows(), rows()]), definitions=[DEF]),
            {},
            "4 indicator rows share a key",
        ),
        (
            lambda ctx: AnalysisResult(tables={"its_gap": pl.DataFrame({"a": [1]})}),
            {},
            "table 'its_gap': the name is taken by the package",
        ),
        (
            lambda ctx: AnalysisResult(tables={"mine": pl.DataFrame({"a": [1]})}),
            {"ctx": context({"mine": pl.DataFrame()})},
            "already publishes it",
        ),
        (
            lambda ctx: AnalysisResult(tables={"Bad Name": pl.DataFrame({"a": [1]})}),
            {},
            "table name 'Bad Name'",
        ),
        (lambda ctx: AnalysisResult(models=["m"]), {}, "models holds a str"),
        (
            lambda ctx: AnalysisResult(models=[model("m1")]),
            {"model_ids": ["m1"]},
            "model id 'm1' is already in the publication",
        ),
    ],
)
def test_contract_violations_name_the_analysis(
    fn: Callable[..., Any], kw: dict[str, Any], message: str
) -> None:
    with pytest.raises(ExtensionError, match=message) as info:
        run(fn, **kw)
    assert str(info.value).startswith("[analyses.x] function = 'tests:fn': ")
    assert info.value.exit_code == 3


def test_an_error_raised_on_purpose_keeps_its_exit_code() -> None:
    def bad_data(ctx: AnalysisContext) -> AnalysisResult:
        raise InputError("hires.csv", "no province has two years", column="period")

    with pytest.raises(InputError) as info:
        run(bad_data)
    assert info.value.exit_code == 1
    assert str(info.value) == (
        "[analyses.x] function = 'tests:fn': hires.csv: column 'period': no province has two years"
    )


def test_an_exception_keeps_its_traceback_for_the_failure_report() -> None:
    with pytest.raises(ExtensionError) as info:
        run(boom)
    assert info.value.details is not None and "1 / 0" in info.value.details


def test_extra_tables_are_checked_for_rows_and_finite_numbers() -> None:
    good = pl.DataFrame({"geo": ["a", "b"], "v": [1.0, None]})
    bad = pl.DataFrame({"geo": ["a", "b", "c"], "v": [1.0, math.nan, -math.inf]})
    report = check_extension_tables(
        {"good": ("x", good), "bad": ("x", bad), "empty": ("x", good.clear())}
    )
    assert not report.passed
    failed = {(o.table, o.expectation) for o in report.errors()}
    assert failed == {
        ("bad", "expect_column_values_to_be_finite"),
        ("empty", "expect_table_row_count_to_be_between"),
    }
    finite = next(o for o in report.errors() if o.table == "bad")
    assert finite.observed["unexpected_count"] == 2
    assert [e["_row"] for e in finite.examples] == [2, 3]
    assert finite.source == "[analyses.x]"


def test_publication_catalogue_adds_the_declared_indicators() -> None:
    entry = DEF.entry("m:f", ["hires"])
    manifest = {"extensions": [{"indicators": [entry.as_dict(), {"id": "broken"}]}]}
    cat = publication_catalogue(manifest)
    assert cat["x_ratio"] == entry
    assert "broken" not in cat
    assert set(cat) - {"x_ratio"} == {e.id for e in load_catalogue()}


# --------------------------------------------------------------------------- the refresh


@pytest.fixture(scope="module")
def base(warm_workspace: Path) -> Path:
    """The session's published demo workspace (no extra analysis, warm cache): read only,
    the tests below copy it (``ws``)."""
    return warm_workspace


@pytest.fixture
def ws(base: Path, tmp_path: Path, module_dir: Path) -> Path:
    target = tmp_path / "ws"
    shutil.copytree(base, target, symlinks=True)
    return target


def add_analysis(ws: Path, name: str, function: str, extra: str = "") -> None:
    spec = ws / "pipeline.toml"
    spec.write_text(
        spec.read_text() + f'\n[analyses.{name}]\nfunction = "{function}"\n{extra}',
        encoding="utf-8",
    )


def test_builtin_tables_cover_every_published_table(base: Path) -> None:
    stems = {p.stem for p in (base / "out" / "latest").glob("*.parquet")}
    assert stems <= BUILTIN_TABLES, f"add {sorted(stems - BUILTIN_TABLES)} to BUILTIN_TABLES"


@pytest.mark.slow
def test_the_documented_example_is_published(ws: Path, module_dir: Path) -> None:
    from skills.manifest import verify_publication
    from skills.refresh import refresh

    code, toml = doc_example()
    (module_dir / "piedmont_extras.py").write_text(code, encoding="utf-8")
    spec = ws / "pipeline.toml"
    spec.write_text(spec.read_text() + "\n" + toml, encoding="utf-8")
    try:
        result = refresh(spec, ws / "out", report=False)
        assert result.status == "published"
        latest = ws / "out" / "latest"
        assert verify_publication(ws / "out") == []

        ind = pl.read_parquet(latest / "indicators.parquet")
        ratio = ind.filter(pl.col("indicator") == "hires_per_planned_ratio")
        assert ratio.height == 64  # the number docs/models.md gives
        assert set(ratio["unit"]) == {"ratio"} and ratio["value"].min() > 0  # type: ignore[operator]
        assert (
            ratio["source"][0] == "synthetic demo data: hires + synthetic demo data: hiring_plans"
        )
        table = pl.read_parquet(latest / "hires_realisation.parquet")
        assert table.columns == ["geo", "period", "hires_n", "planned_hires_n", "ratio"]
        models = pl.read_parquet(latest / "models.parquet")
        elasticity = models.filter(
            pl.col("model_id") == "hires_elasticity[ITC1 provinces]",
            pl.col("term") == "ln_planned_hires",
        )
        assert round(elasticity["estimate"].item(), 2) == 0.88  # as docs/models.md says
        assert elasticity["cov"].item() == "robust-HC1"
        glance = pl.read_parquet(latest / "models_glance.parquet")
        assert "hires_elasticity[ITC1 provinces]" in glance["model_id"].to_list()
        assert glance.height == models["model_id"].n_unique()

        manifest = json.loads((latest / "manifest.json").read_text())
        outputs = {o["path"]: o for o in manifest["outputs"]}
        assert outputs["hires_realisation.parquet"]["rows"] == 64
        (ext,) = manifest["extensions"]
        assert ext["name"] == "hires_realisation" and ext["status"] == "ran"
        assert ext["function"] == "piedmont_extras:hires_realisation"
        assert ext["options"] == {"min_provinces": 3} and ext["code_files"] == 1
        assert ext["indicators"][0]["id"] == "hires_per_planned_ratio"
        assert ext["tables"] == ["hires_realisation"]
        assert ext["models"] == ["hires_elasticity[ITC1 provinces]"]
        log = [a for a in manifest["analyses"] if a["analysis"] == "hires_realisation"]
        assert log[0]["status"] == "ran"
        assert log[0]["function"] == "piedmont_extras:hires_realisation"
        suites = {(v["table"], v["suite"]): v for v in manifest["validation"]}
        assert suites[("hires_realisation", "extension")]["passed"]
        assert suites[("indicators.parquet", "indicators")]["passed"]
        stages = {s["stage"]: s["status"] for s in manifest["stages"]}
        assert stages["analysis:hires_realisation"] == "ran"
        assert stages["analyses"] == "cached"

        # the report exports the table, and its definitions sheet the declared indicator
        from skills.report import build_report

        report = build_report(latest, out=ws / "report", formats=("xlsx",), languages=["en"])
        (workbook,) = [p for p in report.exports if p.suffix == ".xlsx"]
        with zipfile.ZipFile(workbook) as z:
            strings = z.read("xl/sharedStrings.xml").decode()
        assert "Realised hires per planned hire" in strings
        assert "hires_realisation" in strings

        # nothing changed: nothing to do
        assert refresh(spec, ws / "out", report=False).status == "unchanged"

        # the code changed: the run's fingerprint and the analysis' stage key change
        path = module_dir / "piedmont_extras.py"
        path.write_text(
            code.replace('title="Realised hires per planned hire"', 'title="Hires realised"')
            + "\n# edited\n",
            encoding="utf-8",
        )
        del sys.modules["piedmont_extras"]
        again = refresh(spec, ws / "out", report=False)
        assert again.status == "published"
        ran = {s["stage"] for s in again.stages if s["status"] == "ran"}
        assert ran == {"analysis:hires_realisation", "validate:outputs"}
        manifest = json.loads((ws / "out" / "latest" / "manifest.json").read_text())
        assert manifest["extensions"][0]["indicators"][0]["title"] == "Hires realised"
        assert manifest["extensions"][0]["code_sha256"] != ext["code_sha256"]
    finally:
        sys.modules.pop("piedmont_extras", None)


@pytest.mark.slow
def test_an_analysis_without_its_inputs_is_skipped(ws: Path, module_dir: Path) -> None:
    from skills.refresh import refresh

    (module_dir / "ext_never.py").write_text(
        "def fn(ctx):\n    raise AssertionError('must not run')\n", encoding="utf-8"
    )
    spec = ws / "pipeline.toml"
    block = '[sources.hires]\npath = "data/hires.csv"\n'
    assert block in spec.read_text()
    spec.write_text(spec.read_text().replace(block, ""))
    add_analysis(ws, "later", "ext_never:fn", 'inputs = ["hires"]\n')
    result = refresh(spec, ws / "out", report=False)
    assert result.status == "published"
    manifest = json.loads((ws / "out" / "latest" / "manifest.json").read_text())
    entry = next(a for a in manifest["analyses"] if a["analysis"] == "later")
    assert entry["status"] == "skipped"
    assert entry["detail"] == "ext_never:fn: needs hires, not in the spec's [sources]"
    assert manifest["extensions"][0]["status"] == "skipped"
    assert {"stage": "analysis:later", "status": "skipped", "seconds": "0.000"} in manifest[
        "stages"
    ]


BAD_MODULE = """
import polars as pl
from skills.extensions import AnalysisResult, IndicatorDefinition
from skills.indicators import as_indicator


def boom(ctx):
    return {"geo": []}["period"]


def not_a_result(ctx):
    return [1, 2]


def below_minimum(ctx):
    frame = pl.LazyFrame({"geo": ["ITC11"], "period": ["2023"], "value": [-1.0]})
    return AnalysisResult(
        indicators=as_indicator(frame, "bad_ratio", "ratio", source=ctx.source("hires")),
        definitions=[IndicatorDefinition("bad_ratio", "Bad", "ratio", "bad", valid_min=0)],
    )


def nan_table(ctx):
    return AnalysisResult(tables={"bad_table": pl.DataFrame({"v": [1.0, float("nan")]})})
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("function", "error", "code", "message"),
    [
        ("ext_missing.mod:fn", ConfigError, 2, "cannot import module 'ext_missing.mod'"),
        ("ext_bad:nothing", ConfigError, 2, "module 'ext_bad' has no 'nothing'"),
        ("ext_bad:boom", ExtensionError, 3, "raised KeyError: 'period' (at "),
        ("ext_bad:not_a_result", ExtensionError, 3, "returned list, not a skills.extensions"),
        ("ext_bad:below_minimum", QualityError, 1, "valid_min"),
        ("ext_bad:nan_table", QualityError, 1, "ERROR bad_table: expect_column_values_to_be_fin"),
    ],
)
def test_a_failing_analysis_publishes_nothing(
    ws: Path,
    module_dir: Path,
    snapshot: Callable[[Path], dict[str, str]],
    function: str,
    error: type[Exception],
    code: int,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from skills.cli import main

    (module_dir / "ext_bad.py").write_text(BAD_MODULE, encoding="utf-8")
    before = snapshot(ws / "out")
    runs = sorted(p.name for p in (ws / "out" / "runs").iterdir())
    add_analysis(ws, "x", function)
    with pytest.raises(SystemExit) as exit_info:
        main(["refresh", str(ws / "pipeline.toml"), "--out", str(ws / "out")])
    assert exit_info.value.code == code
    err = capsys.readouterr().err
    assert "error: " in err and message in err
    if error is not QualityError:
        assert "[analyses.x] function = " in err
    assert snapshot(ws / "out") == before
    assert sorted(p.name for p in (ws / "out" / "runs").iterdir()) == runs
    failures = list((ws / "out" / "failures").iterdir())
    assert len(failures) == 1
    text = (failures[0] / "error.txt").read_text()
    assert error.__name__ in text
    if function == "ext_bad:boom":
        assert "Traceback" in text and 'return {"geo": []}["period"]' in text


@pytest.mark.slow
def test_validate_imports_the_analyses(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from skills.cli import main

    add_analysis(ws, "x", "ext_missing:fn")
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", str(ws / "pipeline.toml")])
    assert exit_info.value.code == 2
    assert "[analyses.x] function = 'ext_missing:fn': cannot import" in capsys.readouterr().err
