"""The declarative stage runner: keys derived from declarations, one cached step.

Fast tests run toy stages on a real :class:`~skills.stagecache.StageCache`; the slow
ones run the demo pipeline's declarations (``skills.build.pipeline_stages``).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from skills.spec import PipelineSpec
from skills.stagecache import StageCache
from skills.stages import CURRENT_STAGE, Run, Stage, declared_fields, run_stages, spec_value

#: The module (``skills.refresh`` the attribute is the function ``refresh``).
refresh_module = importlib.import_module("skills.refresh")
build_module = importlib.import_module("skills.build")
SPEC_FIELDS = {f.name for f in dataclasses.fields(PipelineSpec)}


def toy_spec(**changes: Any) -> PipelineSpec:
    spec = PipelineSpec(
        path=Path("pipeline.toml"),
        sha256="0" * 64,
        name="toy",
        title="Toy",
        region="ITC1",
        nuts_version=2021,
        benchmarks=("DE11",),
        provinces=(),
        synthetic=False,
        sources={},
        crosswalk="its-isco08-v1",
        crosswalk_path=None,
        keep_runs=5,
    )
    return replace(spec, **changes)


def frame(run: Run, label: str) -> pl.DataFrame:
    """A one-row table of the spec fields and upstream values the stage declares."""
    assert run.stage is not None
    values = [str(spec_value(run.spec, f)) for f in run.stage.spec_fields]
    values += [str(run[u]["value"][0]) for u in run.reads]
    return pl.DataFrame({"value": [f"{label}(" + ",".join(values) + ")"]})


def toy_stages() -> list[Stage]:
    """a <- region; b <- a; c <- benchmarks; d <- b, c."""
    return [
        Stage("a", lambda run: frame(run, "a"), spec_fields=("region",)),
        Stage("b", lambda run: frame(run, "b"), upstream=("a",)),
        Stage("c", lambda run: frame(run, "c"), spec_fields=("benchmarks",)),
        Stage("d", lambda run: frame(run, "d"), upstream=("b", "c")),
    ]


def build_toy(cache: StageCache, spec: PipelineSpec, stages: list[Stage]) -> dict[str, str]:
    cache.events.clear()
    run_stages(Run(spec, cache), stages)
    return {e["stage"]: e["status"] for e in cache.events}


def ran(status: Mapping[str, str]) -> set[str]:
    return {stage for stage, st in status.items() if st == "ran"}


def test_a_changed_spec_field_reruns_its_readers_and_their_downstream(tmp_path: Path) -> None:
    cache = StageCache(tmp_path / "cache")
    spec = toy_spec()
    assert ran(build_toy(cache, spec, toy_stages())) == {"a", "b", "c", "d"}
    assert set(build_toy(cache, spec, toy_stages()).values()) == {"cached"}
    assert ran(build_toy(cache, replace(spec, benchmarks=("FR71",)), toy_stages())) == {"c", "d"}
    assert ran(build_toy(cache, replace(spec, region="ITC4"), toy_stages())) == {"a", "b", "d"}
    # a field no stage declares changes no key: everything is served from the cache
    status = build_toy(cache, replace(spec, region="ITC4", models={"seed": 1}), toy_stages())
    assert set(status.values()) == {"cached"}


def test_a_field_added_to_a_declaration_reruns_that_stage_and_its_downstream(
    tmp_path: Path,
) -> None:
    cache = StageCache(tmp_path / "cache")
    spec = toy_spec()
    build_toy(cache, spec, toy_stages())
    stages = toy_stages()
    stages[2] = replace(stages[2], spec_fields=("benchmarks", "models"))  # c reads [models]
    assert ran(build_toy(cache, spec, stages)) == {"c", "d"}  # a new declaration, a new key
    assert set(build_toy(cache, spec, stages).values()) == {"cached"}
    assert ran(build_toy(cache, replace(spec, models={"seed": 7}), stages)) == {"c", "d"}
    # and the stage sees the value: d's table carries c's reading of it
    run = run_stages(Run(replace(spec, models={"seed": 8}), StageCache(tmp_path / "x")), stages)
    assert "'seed': 8" in run.results["d"]["value"][0]


def test_a_cached_result_is_the_computed_one(tmp_path: Path) -> None:
    cache = StageCache(tmp_path / "cache")
    first = run_stages(Run(toy_spec(), cache), toy_stages()).results
    second = run_stages(Run(toy_spec(), cache), toy_stages()).results
    for name in "abcd":
        assert_frame_equal(first[name], second[name])


def test_a_stage_cannot_read_an_upstream_result_it_did_not_declare(tmp_path: Path) -> None:
    stages = [
        Stage("a", lambda run: frame(run, "a"), spec_fields=("region",)),
        Stage("b", lambda run: run["a"]),  # reads a, declares nothing
    ]
    with pytest.raises(KeyError, match=r"stage 'b' reads 'a' without declaring it"):
        run_stages(Run(toy_spec(), StageCache(tmp_path / "cache")), stages)


def test_uncached_stages_skips_and_globbed_upstream(tmp_path: Path) -> None:
    cache = StageCache(tmp_path / "cache")
    load = Stage("load:{role}", lambda run: frame(run, run.params["role"]), outputs=("{role}",))
    stages = [
        load.bind(role="x"),
        load.bind(role="y"),
        Stage("all", lambda run: sorted(run.reads), upstream=("load:*",), cached=False),
        Stage("maybe", lambda run: 1 / 0, skip=lambda run: "not needed"),
    ]
    run = run_stages(Run(toy_spec(), cache), stages)
    assert run.results["all"] == ["load:x", "load:y"]
    assert run.results["maybe"] == "not needed"
    assert {e["stage"]: e["status"] for e in cache.events} == {
        "load:x": "ran",
        "load:y": "ran",
        "maybe": "skipped",
    }
    with pytest.raises(ValueError, match="declared twice"):
        run_stages(Run(toy_spec(), cache), [stages[0], stages[0]])


def test_spec_value_reads_nested_entries_and_refuses_unknown_fields(tmp_path: Path) -> None:
    crosswalk = tmp_path / "crosswalk.csv"
    crosswalk.write_text("its_area,isco08\n")
    spec = toy_spec(models={"seed": 3}, crosswalk_path=crosswalk)
    assert spec_value(spec, "models.seed") == 3
    assert spec_value(spec, "sources.hires") is None
    moved = tmp_path / "moved.csv"
    moved.write_text("its_area,isco08\n")  # the same bytes elsewhere: the same key value
    assert spec_value(spec, "crosswalk_path") == spec_value(
        replace(spec, crosswalk_path=moved), "crosswalk_path"
    )
    with pytest.raises(ValueError, match="PipelineSpec has no field 'regoin'"):
        spec_value(spec, "regoin")


# ---------------------------------------------------------------- the pipeline's declarations


def undeclared_fields(spec_type: type) -> set[str]:
    """Fields of ``spec_type`` neither declared by a stage nor listed as output-free."""
    declared = declared_fields(build_module.declared_stages())
    fields = {f.name for f in dataclasses.fields(spec_type)}
    return fields - declared - set(build_module.SPEC_FIELDS_NOT_IN_OUTPUTS)


def test_every_spec_field_is_declared_by_a_stage_or_exempt_with_a_reason() -> None:
    exempt = build_module.SPEC_FIELDS_NOT_IN_OUTPUTS
    declared = declared_fields(build_module.declared_stages())
    assert undeclared_fields(PipelineSpec) == set()
    assert declared <= SPEC_FIELDS, declared - SPEC_FIELDS
    assert set(exempt) <= SPEC_FIELDS, set(exempt) - SPEC_FIELDS
    assert not declared & set(exempt), f"declared and exempt at once: {declared & set(exempt)}"
    assert all(len(reason) > 20 for reason in exempt.values())


def test_the_guard_catches_a_new_spec_option() -> None:
    @dataclass(frozen=True)
    class NewSpec(PipelineSpec):
        min_hires: int = 0

    assert undeclared_fields(NewSpec) == {"min_hires"}


def test_pipeline_stages_are_unique_and_read_only_earlier_stages(demo_spec: PipelineSpec) -> None:
    stages = build_module.pipeline_stages(demo_spec)
    names = [s.name for s in stages]
    assert len(names) == len(set(names))
    for i, stage in enumerate(stages):
        for up in stage.upstream:
            if "*" not in up:
                optional = up.startswith("load:") and up[5:] not in demo_spec.sources
                assert up in names[:i] or optional, f"{stage.name} reads {up} before it runs"
    panel = stages[names.index("panel")]
    assert "load:hires" not in panel.upstream  # hires feed the analyses only


@pytest.fixture(scope="module")
def demo_spec(tmp_path_factory: pytest.TempPathFactory) -> PipelineSpec:
    from skills.demo import write_demo
    from skills.spec import load_spec

    return load_spec(write_demo(tmp_path_factory.mktemp("demo-spec")))


class _SpyingSpec(PipelineSpec):
    """A spec that notes which stage reads which of its fields (in ``_SPY_READS``)."""

    def __getattribute__(self, name: str) -> Any:
        if name in SPEC_FIELDS:
            stage = CURRENT_STAGE.get()
            if stage is not None:
                _SPY_READS.add((stage, name))
        return object.__getattribute__(self, name)


_SPY_READS: set[tuple[str, str]] = set()


@pytest.mark.slow
def test_no_stage_reads_a_spec_field_it_does_not_declare(demo_spec: PipelineSpec) -> None:
    spy = _SpyingSpec(**{f: getattr(demo_spec, f) for f in SPEC_FIELDS})
    _SPY_READS.clear()
    build_module.build(spy, offline=True)
    declared = {
        s.name: {f.split(".")[0] for f in s.spec_fields}
        for s in build_module.pipeline_stages(demo_spec)
    }
    exempt = set(build_module.SPEC_FIELDS_NOT_IN_OUTPUTS)
    stages_seen = {stage for stage, _ in _SPY_READS}
    assert {"panel", "analyses", "load:its_courses"} <= stages_seen  # the spy saw the build
    undeclared = sorted(
        (stage, name) for stage, name in _SPY_READS if name not in declared[stage] | exempt
    )
    assert undeclared == [], "stages read spec fields their declaration does not list"


# ---------------------------------------------------------------- the demo refresh


@pytest.fixture
def ws(warm_workspace: Path, tmp_path: Path) -> Path:
    from conftest import copy_workspace

    return copy_workspace(warm_workspace, tmp_path / "ws")


def refresh_ran(ws: Path) -> set[str]:
    result = refresh_module.refresh(ws / "pipeline.toml", ws / "out", report=False)
    assert result.status == "published"
    return {s["stage"] for s in result.stages if s["status"] == "ran"}


@pytest.mark.slow
def test_every_published_table_is_declared_as_a_stage_output(warm_workspace: Path) -> None:
    stems = {p.stem for p in (warm_workspace / "out" / "latest").glob("*.parquet")}
    declared = {o for s in build_module.declared_stages() for o in s.outputs}
    assert stems and stems <= declared, f"declare {sorted(stems - declared)} in a stage's outputs"


@pytest.mark.slow
def test_changing_models_reruns_the_analyses_not_the_loads_or_the_panel(ws: Path) -> None:
    spec = ws / "pipeline.toml"
    spec.write_text(spec.read_text() + "\n[models]\nseed = 7\n")
    assert refresh_ran(ws) == {"analyses", "validate:outputs"}


@pytest.mark.slow
def test_a_field_declared_on_the_panel_reruns_the_panel_and_its_downstream(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = build_module.PANEL
    monkeypatch.setattr(
        build_module, "PANEL", replace(panel, spec_fields=(*panel.spec_fields, "title"))
    )
    spec = ws / "pipeline.toml"
    spec.write_text(spec.read_text() + "# touched\n")  # publish again (from the cache)
    # the declaration changed the panel's key: it and its downstream rerun, not the loads
    assert refresh_ran(ws) == {"panel", "indicators", "analyses", "validate:outputs"}
    spec.write_text(spec.read_text().replace('title = "Piedmont', 'title = "Piemonte', 1))
    assert refresh_ran(ws) == {"panel", "indicators", "analyses", "validate:outputs"}
    spec.write_text(spec.read_text() + "# touched again\n")
    assert refresh_ran(ws) == set()  # the same title: all cached
