"""The analyses package: one module per analysis, formulas reachable from the catalogue,
one constant per inference convention."""

from __future__ import annotations

import ast
import inspect
import json
import math
from pathlib import Path

import polars as pl
import pytest

from skills import analyses
from skills.indicators.catalogue import load_catalogue

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "skills" / "analyses"


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.glob("*.py"))


# ------------------------------------------------------------------------------ layout


def test_run_analyses_keeps_its_signature() -> None:
    params = list(inspect.signature(analyses.run_analyses).parameters)
    assert params == ["spec", "inputs", "labels", "panel", "base_indicators"]
    assert analyses.AnalysisOutputs().log == []


def test_every_analysis_module_is_small() -> None:
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in _modules()}
    assert len(sizes) >= 8, sizes
    assert all(n < 400 for n in sizes.values()), sizes


def test_the_old_module_is_gone() -> None:
    assert not (REPO / "skills" / "analysis.py").exists()
    with pytest.raises(ModuleNotFoundError):
        __import__("skills.analysis")


# ----------------------------------------------------------- catalogue <-> analyses


def _imports(tree: ast.Module) -> set[str]:
    """Every ``module.name`` imported by ``from module import name`` anywhere in a module."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def _published_ids(tree: ast.Module) -> set[str]:
    """The indicator ids a module passes to ``as_indicator(rows, id, unit, ...)``."""
    ids: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "as_indicator"
            and len(node.args) >= 2
        ):
            arg = node.args[1]
            assert isinstance(arg, ast.Constant | ast.Name), ast.dump(arg)
            if isinstance(arg, ast.Constant):
                ids.add(str(arg.value))
    return ids


def test_every_indicator_an_analysis_names_is_computed_by_its_catalogue_function() -> None:
    """An analysis module that publishes an indicator id imports the function the
    catalogue names for it: no formula of a published indicator is computed inline."""
    catalogue = {e.id: e.function for e in load_catalogue()}
    checked = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = _imports(tree)
        for ind in sorted(_published_ids(tree)):
            checked.append(ind)
            assert ind in catalogue, f"{path.name} publishes {ind!r}, not in the catalogue"
            assert catalogue[ind] in imported, (
                f"{path.name} publishes {ind!r} but does not import {catalogue[ind]} "
                "(the catalogue's function for it)"
            )
    # the analyses name these ids themselves (the others come from the indicator modules)
    assert {
        "vacancy_unemployment_ratio",
        "planned_hires_unemployment_ratio",
        "jackman_roper_index",
        "sahin_mismatch_index",
        "shortage_index",
        "overqualification_rate_pct",
        "wage_group_share_change_pp",
        "its_area_mismatch_index",
    } <= set(checked)


def test_no_analysis_divides_or_exponentiates_columns_itself() -> None:
    """Ratios, growth rates and powers of columns belong in indicators/ or models/."""
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div | ast.Pow):
                sides = (node.left, node.right)
                assert not any(
                    isinstance(s, ast.Call) and getattr(s.func, "attr", "") == "col" for s in sides
                ), f"{path.name}:{node.lineno}: a formula on columns; move it to indicators/"


# ------------------------------------------------------------------------- conventions


def test_few_clusters_is_the_models_suite_threshold() -> None:
    from skills.models import conventions

    suite = json.loads((REPO / "expectations" / "models.json").read_text(encoding="utf-8"))
    thresholds = [
        e["kwargs"]["min_value"]
        for e in suite["expectations"]
        if e["type"] == "expect_column_values_to_be_between"
        and e["kwargs"].get("column") == "clusters"
        and e["meta"]["severity"] == "warning"
    ]
    assert thresholds == [conventions.FEW_CLUSTERS]
    quality = (REPO / "docs" / "quality.md").read_text(encoding="utf-8")
    assert f"fewer than {conventions.FEW_CLUSTERS}" in quality
    assert "fewer than 20" not in quality.lower()


def test_few_clusters_is_defined_once() -> None:
    from skills.models import _stats, conventions, matching, polarisation

    assert _stats.FEW_CLUSTERS is conventions.FEW_CLUSTERS
    assert polarisation.FEW_CLUSTERS is conventions.FEW_CLUSTERS
    assert matching.FEW_CLUSTERS is conventions.FEW_CLUSTERS
    assert conventions.few_clusters(conventions.FEW_CLUSTERS - 1)
    assert not conventions.few_clusters(conventions.FEW_CLUSTERS)
    assert not conventions.few_clusters(None)
    assert "Cameron" in (conventions.__doc__ or "") + inspect.getsource(conventions)


def test_bootstrap_and_level_defaults_are_the_conventions() -> None:
    from skills.models import (
        Cov,
        conventions,
        fit_matching_function,
        fit_polarisation,
        fit_share_panel,
    )

    boot = Cov.wild_bootstrap()
    assert (boot.reps, boot.seed) == (conventions.BOOTSTRAP_REPS, conventions.BOOTSTRAP_SEED)
    for fit in (fit_polarisation, fit_share_panel, fit_matching_function):
        assert inspect.signature(fit).parameters["level"].default == conventions.CONFIDENCE_LEVEL

    class Spec:
        def __init__(self, models: dict[str, int]) -> None:
            self.models = models

    from skills.analyses._outputs import bootstrap_settings

    got = bootstrap_settings(Spec({}))  # type: ignore[arg-type]
    assert got == (conventions.BOOTSTRAP_REPS, conventions.BOOTSTRAP_SEED)
    assert bootstrap_settings(Spec({"bootstrap_reps": 0, "seed": 7})) == (0, 7)  # type: ignore[arg-type]


def test_no_literal_copy_of_a_convention_in_the_analyses_and_models() -> None:
    roots = [*_modules(), *(REPO / "skills" / "models").glob("*.py")]
    for path in roots:
        if path.name == "conventions.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.arguments):
                for default in [*node.defaults, *node.kw_defaults]:
                    if isinstance(default, ast.Constant):
                        assert default.value not in (999, 12345, 0.95), (
                            f"{path.name}:{default.lineno}: use skills.models.conventions"
                        )
            if isinstance(node, ast.Compare) and any(
                isinstance(c, ast.Constant) and c.value in (20, 30) for c in node.comparators
            ):
                raise AssertionError(f"{path.name}:{node.lineno}: a literal cluster threshold")


# ------------------------------------------------------------- formulas moved out


def _panel_unemployment(rows: list[tuple[str, str, str | None, str | None, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "geo": [r[0] for r in rows],
            "period": [r[1] for r in rows],
            "sex": [r[2] for r in rows],
            "age": [r[3] for r in rows],
            "value": [r[4] for r in rows],
            "measure": ["unemployed_ths"] * len(rows),
            "role": ["unemployment"] * len(rows),
            "flag": [None] * len(rows),
            "source": ["lfst_r_lfu3pers"] * len(rows),
        },
        schema_overrides={"flag": pl.String},
    )


def test_unemployed_persons_matches_a_hand_computation() -> None:
    from skills.indicators.labour import unemployed_persons

    rows = [
        ("ITC11", "2020", "T", "Y15-74", 40.5),
        ("ITC11", "2020", "M", "Y15-74", 22.0),
        ("ITC11", "2020", "T", "Y15-24", 9.0),
        ("ITC11", "2020", "T", "Y_GE15", 41.0),
        ("ITC12", "2020", "T", "Y15-74", 10.25),
    ]
    got = unemployed_persons(_panel_unemployment(rows)).sort("geo")
    # by hand: both sexes, ages 15-74 (preferred to 15+), thousands to persons
    want = {g: v * 1000 for g, p, s, a, v in rows if s == "T" and a == "Y15-74" and p == "2020"}
    assert dict(zip(got["geo"], got["unemployed"], strict=True)) == want
    # a table with only 15+ falls back to it; one with neither gives no rows
    only_ge15 = unemployed_persons(_panel_unemployment([("IT", "2020", "T", "Y_GE15", 2.5)]))
    assert only_ge15["unemployed"].to_list() == [2500.0]
    youth = unemployed_persons(_panel_unemployment([("IT", "2020", "T", "Y15-24", 2.5)]))
    assert youth.height == 0


def test_entity_mean_total_matches_a_hand_computation() -> None:
    from skills.models.weights import entity_mean_total

    cells = {
        ("A", "2019", "low"): 10.0,
        ("A", "2019", "high"): 30.0,
        ("A", "2020", "low"): 20.0,
        ("A", "2020", "high"): 60.0,
        ("B", "2019", "low"): 5.0,
        ("B", "2019", "high"): 1.0,
    }
    frame = pl.DataFrame(
        [{"geo": g, "period": t, "group": k, "employment": v} for (g, t, k), v in cells.items()]
    )
    got = entity_mean_total(frame, entity="geo", time="period", value="employment", name="w")
    want: dict[str, float] = {}
    for geo in {g for g, _, _ in cells}:
        totals: dict[str, float] = {}
        for (g, t, _), v in cells.items():
            if g == geo:
                totals[t] = totals.get(t, 0.0) + v
        want[geo] = sum(totals.values()) / len(totals)
    for geo, w in got.select("geo", "w").unique().iter_rows():
        assert math.isclose(w, want[geo]), (geo, w, want[geo])
    assert got.height == frame.height
    with pytest.raises(ValueError, match="employment"):
        entity_mean_total(
            frame.drop("employment"), entity="geo", time="period", value="employment", name="w"
        )


def test_national_tightness_is_the_catalogue_ratio() -> None:
    """vacancy_unemployment_ratio rows equal V / U by hand, and a geo without unemployed
    gets no ratio (not an infinity)."""
    from skills.analyses.beveridge import beveridge

    def row(geo: str, measure: str, value: float, **dims: str | None) -> dict[str, object]:
        base: dict[str, object] = {
            "geo": geo,
            "period": "2020",
            "measure": measure,
            "value": value,
            "flag": None,
            "source": "src",
            "sex": None,
            "age": None,
            "nace_r2": None,
            "role": None,
        }
        return base | dims

    vac = {"IT": 300_000.0, "DE": 900_000.0, "FR": 50.0}
    unemp_ths = {"IT": 2_400.0, "DE": 1_800.0, "FR": 0.0}
    rows = [row(g, "job_vacancy_rate_pct", 1.5, nace_r2="B-S") for g in vac]
    rows += [row(g, "job_vacancies_n", v, nace_r2="B-S") for g, v in vac.items()]
    rows += [
        row(g, "unemployment_rate_pct", 7.0, sex="T", age="Y15-74", role="unemployment_rate")
        for g in vac
    ]
    rows += [
        row(g, "unemployed_ths", u, sex="T", age="Y15-74", role="unemployment")
        for g, u in unemp_ths.items()
    ]
    panel = pl.DataFrame(rows, schema_overrides={"flag": pl.String})
    out = analyses.AnalysisOutputs()
    beveridge(panel, out)
    ind = pl.concat([lf.collect() for lf in out.indicators], how="diagonal_relaxed")
    theta = ind.filter(pl.col("indicator") == "vacancy_unemployment_ratio")
    got = dict(zip(theta["geo"], theta["value"], strict=True))
    assert got["IT"] == pytest.approx(300_000.0 / 2_400_000.0)
    assert got["DE"] == pytest.approx(900_000.0 / 1_800_000.0)
    assert got.get("FR") is None
    assert set(theta["source"]) == {"src + src"}


@pytest.mark.parametrize(
    "name",
    [
        "skills.indicators.labour.unemployed_persons",
        "skills.models.weights.entity_mean_total",
        "skills.indicators.mismatch.sahin_index_grid",
        "skills.indicators.mismatch.tightness",
    ],
)
def test_moved_formulas_document_formula_and_reference(name: str) -> None:
    import importlib

    module, _, attr = name.rpartition(".")
    doc = getattr(importlib.import_module(module), attr).__doc__ or ""
    assert ".. math::" in doc and "References" in doc and "Returns" in doc, name
