"""The test lanes themselves: real-data tests fail (not skip) where the real data is
required, and the fast lane's markers are declared."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, resolve_shared_data, shared_data_required, workspace_snapshot


@pytest.mark.parametrize(
    ("environ", "required"),
    [
        ({}, False),
        ({"SKILLS_REQUIRE_SHARED_DATA": "1"}, True),
        ({"SKILLS_REQUIRE_SHARED_DATA": "true"}, True),
        ({"SKILLS_REQUIRE_SHARED_DATA": "0"}, False),
        ({"SKILLS_REQUIRE_SHARED_DATA": ""}, False),
        ({"CI": "true"}, True),
        ({"CI": "false", "SKILLS_REQUIRE_SHARED_DATA": " YES "}, True),
    ],
)
def test_when_the_shared_data_is_required(environ: dict[str, str], required: bool) -> None:
    assert shared_data_required(environ) is required


def test_missing_shared_data_fails_where_required_and_skips_elsewhere(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="SKILLS_REQUIRE_SHARED_DATA") as failed:
        resolve_shared_data(None, {"SKILLS_REQUIRE_SHARED_DATA": "1"})
    assert "SKILLS_SHARED_DATA" in str(failed.value)  # says how to point at the data
    with pytest.raises(pytest.skip.Exception, match="real Eurostat fixtures not found"):
        resolve_shared_data(None, {})
    # present: the folder itself, whatever the environment says
    assert resolve_shared_data(tmp_path, {"SKILLS_REQUIRE_SHARED_DATA": "1"}) == tmp_path
    assert resolve_shared_data(tmp_path, {}) == tmp_path


def test_ci_script_requires_the_shared_data_and_runs_the_readme_command() -> None:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^export SKILLS_REQUIRE_SHARED_DATA=1$", script, re.M)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    full = next(line for line in script.splitlines() if "-m pytest" in line)
    assert full in readme, "the CI script must run the README's full test command"
    assert "-m" not in full.split("pytest", 1)[1], "CI runs every test, not a lane"
    assert '-m pytest -m "not slow"' in readme  # the fast lane is documented


def test_the_shared_workspace_snapshot_sees_any_write(tmp_path: Path) -> None:
    """What the session check of the shared demo workspace compares: the publication,
    where ``latest`` points, the spec and the data files."""
    root = tmp_path / "ws"
    run = root / "out" / "runs" / "r1"
    run.mkdir(parents=True)
    (run / "t.parquet").write_bytes(b"1")
    (root / "out" / "latest").symlink_to("runs/r1")
    (root / "data").mkdir()
    (root / "data" / "a.csv").write_text("x\n")
    (root / "pipeline.toml").write_text("[pipeline]\n")
    before = workspace_snapshot(root)
    assert set(before) == {"t.parquet", "-> target", "pipeline.toml", str(Path("data", "a.csv"))}
    for change in (
        lambda: (run / "report.html").write_text("new"),
        lambda: (root / "data" / "a.csv").write_text("y\n"),
        lambda: (root / "pipeline.toml").write_text("[pipeline]\n# edited\n"),
    ):
        change()
        assert workspace_snapshot(root) != before
        before = workspace_snapshot(root)


@pytest.mark.slow
def test_a_real_data_test_errors_in_a_pytest_run_without_the_data(tmp_path: Path) -> None:
    """End to end, in a child pytest: the shared-data fixture of a real-data test fails
    the run (no skip) when the data is required and absent."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env |= {"SKILLS_REQUIRE_SHARED_DATA": "1", "SKILLS_SHARED_DATA": str(tmp_path / "none")}
    target = "tests/test_eurostat_reader.py"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "realdata", target],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout
    assert re.search(r"\d+ errors?", proc.stdout), proc.stdout
    assert "SKILLS_REQUIRE_SHARED_DATA" in proc.stdout
    assert not re.search(r"\d+ skipped", proc.stdout), proc.stdout
