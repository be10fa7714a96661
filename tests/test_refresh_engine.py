"""The refresh engine: kill-safety, locking, incremental stages, pruning, verification.

Kill tests run a real refresh in a subprocess and stop it with SIGKILL (or SIGTERM) at
named points (stages, the middle of writing each output, around the atomic switch) and
at random moments, then check that ``latest`` still points at a complete publication
that verifies, that nothing temporary survives the next run, and that the next run
publishes.
"""

from __future__ import annotations

import fnmatch
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import copy_workspace

from skills.errors import OutputDirError
from skills.manifest import verify_publication
from skills.refresh import refresh

pytestmark = pytest.mark.slow


@pytest.fixture
def base(warm_workspace: Path) -> Path:
    """A demo workspace with one publication and a warm stage cache (read only)."""
    return warm_workspace


@pytest.fixture
def ws(base: Path, tmp_path: Path) -> Path:
    return copy_workspace(base, tmp_path / "ws")


def touch_spec(ws: Path, tag: str) -> None:
    """Change the spec (a comment) so that the next run publishes, from cached stages."""
    spec = ws / "pipeline.toml"
    spec.write_text(spec.read_text() + f"# {tag}\n")


def cli(ws: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "skills.cli",
            "refresh",
            str(ws / "pipeline.toml"),
            "--out",
            str(ws / "out"),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def run_to_point(ws: Path, point: str, sig: int = signal.SIGKILL) -> tuple[str, int]:
    """Start a refresh, wait until it reaches ``point``, send ``sig``; return the point hit."""
    marker = ws / "marker.txt"
    marker.unlink(missing_ok=True)
    proc = cli(ws, env={"SKILLS_KILL_POINT": point, "SKILLS_KILL_MARKER": str(marker)})
    deadline = time.monotonic() + 90
    while not marker.exists():
        if proc.poll() is not None:
            _out, err = proc.communicate()
            raise AssertionError(f"refresh ended before {point}: {proc.returncode}\n{err[-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"timed out waiting for {point}")
        time.sleep(0.02)
    hit = marker.read_text()
    proc.send_signal(sig)
    code = proc.wait(timeout=30)
    proc.communicate()
    return hit, code


def assert_latest_intact(ws: Path, expected_run: str) -> None:
    latest = ws / "out" / "latest"
    assert latest.resolve().name == expected_run
    assert verify_publication(ws / "out") == []


def latest_run_id(ws: Path) -> str:
    return (ws / "out" / "latest").resolve().name


# Points before the new publication is switched in: latest must stay on the old run.
BEFORE_SWITCH = [
    "stage:fingerprint:running",
    "stage:load:unemployment_rate:*",
    "stage:load:its_courses:*",
    "stage:panel:*",
    "stage:analyses:*",
    "stage:validate:outputs:*",
    "stage:publish:running",
    "publish:report",
    "publish:manifest",
    "promote:before-rename",
    "promote:renamed",
    "promote:link-created",
]
OUTPUTS = [
    "indicators",
    "panel",
    "its_courses",
    "hiring_plans",
    "its_gap",
    "its_gap_drivers",
    "models",
    "models_glance",
    "profile",
    "beveridge",
    "shortage",
    "shortage_sensitivity",
    "polarisation_occupations",
    "polarisation_percentiles",
]


def test_kill_at_every_named_point_keeps_latest_and_the_next_run_publishes(ws: Path) -> None:
    points = BEFORE_SWITCH + [f"publish:mid-write:{name}.parquet" for name in OUTPUTS]
    old = latest_run_id(ws)
    for i, point in enumerate(points):
        touch_spec(ws, f"kill {i}")
        hit, code = run_to_point(ws, point)
        assert fnmatch.fnmatchcase(hit, point)
        assert code == -signal.SIGKILL
        assert_latest_intact(ws, old)
    # a killed run leaves temporary folders; the next run removes them and publishes
    leftovers = list((ws / "out" / "runs").glob(".tmp-*"))
    assert leftovers, "the kills should have left temporary runs behind"
    touch_spec(ws, "final")
    done = cli(ws, "--json")
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    assert json.loads(out)["status"] == "published"
    assert latest_run_id(ws) != old
    assert verify_publication(ws / "out") == []
    assert not list((ws / "out" / "runs").glob(".tmp-*"))
    assert not list((ws / "out").glob(".latest.*.tmp"))
    print(f"kill points tried: {len(points)}")


def test_kill_after_the_switch_leaves_the_new_publication(ws: Path) -> None:
    old = latest_run_id(ws)
    touch_spec(ws, "after switch")
    _hit, code = run_to_point(ws, "promote:linked")
    assert code == -signal.SIGKILL
    assert latest_run_id(ws) != old
    assert verify_publication(ws / "out") == []


def test_kill_at_random_moments(ws: Path) -> None:
    """SIGKILL at random moments of publishing runs (any time from start to the end of a
    full run): after each kill ``latest`` is the publication before it or a new one, never
    anything else, and it verifies; the next run after all the kills publishes and removes
    what the killed runs left behind."""
    rng = random.Random(7)
    runs = ws / "out" / "runs"
    touch_spec(ws, "timing")
    started = time.monotonic()
    proc = cli(ws)
    _out, err = proc.communicate(timeout=120)
    full = time.monotonic() - started  # the range of the random moments, not a limit
    assert proc.returncode == 0, err
    for i in range(6):
        before = latest_run_id(ws)
        existing = {p.name for p in runs.iterdir()}
        touch_spec(ws, f"random {i}")
        proc = cli(ws)
        time.sleep(rng.uniform(0.05, full))
        proc.kill()
        proc.communicate()
        latest = latest_run_id(ws)
        assert latest == before or latest not in existing, (
            f"kill {i}: latest is {latest}, neither the previous publication {before} nor a new one"
        )
        assert (runs / latest).is_dir() and not latest.startswith(".")
        assert verify_publication(ws / "out") == [], f"kill {i}: latest {latest} is broken"
    touch_spec(ws, "after the kills")
    done = cli(ws, "--json")
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    assert json.loads(out)["status"] == "published"
    assert verify_publication(ws / "out") == []
    assert not list(runs.glob(".tmp-*")), "the run after the kills must remove their leftovers"
    assert not list((ws / "out").glob(".latest.*.tmp"))


def test_sigterm_cleans_up_and_exits_143(ws: Path) -> None:
    old = latest_run_id(ws)
    touch_spec(ws, "term")
    _hit, code = run_to_point(ws, "publish:mid-write:panel.parquet", sig=signal.SIGTERM)
    assert code == 143
    assert_latest_intact(ws, old)
    assert not list((ws / "out" / "runs").glob(".tmp-*")), "SIGTERM must remove its temporary run"


def test_second_refresh_is_refused_or_waits(ws: Path) -> None:
    touch_spec(ws, "lock")
    marker = ws / "marker.txt"
    first = cli(
        ws,
        env={
            "SKILLS_KILL_POINT": "stage:panel:*",
            "SKILLS_KILL_MARKER": str(marker),
            "SKILLS_KILL_SLEEP": "4",
        },
    )
    while not marker.exists():
        if first.poll() is not None:
            raise AssertionError(first.communicate()[1][-3000:])
        time.sleep(0.02)
    refused = cli(ws)
    _, err = refused.communicate(timeout=60)
    assert refused.returncode == 4
    assert "another refresh is running" in err and f"pid {first.pid}" in err
    waiting = cli(ws, "--wait", "60", "--json")
    out, err = waiting.communicate(timeout=120)
    assert first.wait(timeout=60) == 0
    assert waiting.returncode == 0, err
    assert json.loads(out)["status"] == "unchanged"  # the first run published this spec


def test_lock_of_a_killed_run_is_taken_over(ws: Path) -> None:
    touch_spec(ws, "stale")
    _, code = run_to_point(ws, "stage:analyses:*")
    assert code == -signal.SIGKILL
    holder = json.loads((ws / "out" / ".lock").read_text())
    assert holder["pid"] > 0
    after = cli(ws, "--json")
    out, err = after.communicate(timeout=120)
    assert after.returncode == 0, err
    assert json.loads(out)["status"] == "published"


def test_no_change_rerun_does_no_work(ws: Path) -> None:
    before = latest_run_id(ws)
    result = refresh(ws / "pipeline.toml", ws / "out")
    assert result.status == "unchanged" and result.exit_code == 0
    assert result.stages == []
    assert latest_run_id(ws) == before
    forced = refresh(ws / "pipeline.toml", ws / "out", force=True, report=False)
    assert forced.status == "published"
    assert {s["status"] for s in forced.stages} == {"ran"}


def test_a_changed_input_reruns_exactly_its_dependants(ws: Path) -> None:
    # report=False here and below: the report is not what these tests are about (it is
    # ~10 s of charts per run)
    hires = ws / "data" / "hires.csv"
    lines = hires.read_text().splitlines()
    cells = lines[1].split(",")
    cells[2] = str(int(cells[2]) + 1)
    lines[1] = ",".join(cells)
    hires.write_text("\n".join(lines) + "\n")
    result = refresh(ws / "pipeline.toml", ws / "out", report=False)
    status = {s["stage"]: s["status"] for s in result.stages}
    ran = {stage for stage, st in status.items() if st == "ran"}
    # hires feed only the matching function (an analysis); the panel does not use them
    assert ran == {"load:hires", "analyses", "validate:outputs"}, status
    assert status["panel"] == "cached" and status["indicators"] == "cached"
    wages = ws / "data" / "wages_by_occupation.csv"
    wages.write_text(wages.read_text().replace("24.0,", "24.5,", 1))
    ran = {
        s["stage"]
        for s in refresh(ws / "pipeline.toml", ws / "out", report=False).stages
        if s["status"] == "ran"
    }
    assert ran == {"load:wages_by_occupation", "analyses", "validate:outputs"}
    plans = ws / "data" / "hiring_plans.csv"
    plans.write_text(plans.read_text().replace(",980,", ",990,", 1))
    ran = {
        s["stage"]
        for s in refresh(ws / "pipeline.toml", ws / "out", report=False).stages
        if s["status"] == "ran"
    }
    assert ran == {"load:hiring_plans", "panel", "indicators", "analyses", "validate:outputs"}


def test_old_runs_are_pruned_and_latest_is_kept(ws: Path) -> None:
    spec = ws / "pipeline.toml"
    spec.write_text(spec.read_text().replace("keep_runs = 5", "keep_runs = 2"))
    for i in range(3):
        touch_spec(ws, f"prune {i}")
        assert refresh(spec, ws / "out", report=False).status == "published"
    runs = [p for p in (ws / "out" / "runs").iterdir() if not p.name.startswith(".")]
    assert len(runs) == 2
    assert (ws / "out" / "latest").resolve() in {r.resolve() for r in runs}
    for run in runs:
        assert verify_publication(run) == []


def test_full_disk_while_publishing_keeps_latest(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import skills.refresh as engine

    old = latest_run_id(ws)
    touch_spec(ws, "disk full")
    calls = {"n": 0}
    real = engine.write_table  # type: ignore[attr-defined]

    def full_disk(frame, path, **kw):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(frame, path, **kw)

    monkeypatch.setattr(engine, "write_table", full_disk)
    with pytest.raises(OutputDirError, match="the file system is full") as info:
        refresh(ws / "pipeline.toml", ws / "out", report=False)
    assert info.value.exit_code == 5
    assert_latest_intact(ws, old)
    assert not list((ws / "out" / "runs").glob(".tmp-*"))
    monkeypatch.undo()
    assert refresh(ws / "pipeline.toml", ws / "out", report=False).status == "published"


def test_manifest_verify_detects_tampering(ws: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "skills.cli", "manifest", "verify", str(ws / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and proc.stdout.startswith("ok ")
    target = ws / "out" / "latest" / "profile.parquet"
    target.write_bytes(target.read_bytes() + b"x")
    (ws / "out" / "latest" / "stray.txt").write_text("?")
    proc = subprocess.run(
        [sys.executable, "-m", "skills.cli", "manifest", "verify", str(ws / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "profile.parquet: " in proc.stdout and "stray.txt: not in the manifest" in proc.stdout
