"""The operator contract of the ``skills`` command.

``--json`` prints exactly one JSON object on stdout on every exit path (with the exit
code, the error, the run id, the paths and every stage with numeric seconds); log lines
go to stderr, without third-party chatter; ``skills --help`` lists every exit code the
code can return; ``validate`` prints a readable report; the scheduler examples of
docs/operations.md alert on exactly the codes :data:`skills.errors.EXIT_CODES` marks.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, copy_workspace

from skills.cli import main
from skills.errors import EXIT_CODES

SUMMARY_KEYS = {
    "status",
    "exit_code",
    "error",
    "run_id",
    "out_dir",
    "publication",
    "failure_dir",
    "message",
    "seconds",
    "stages",
    "warnings",
}
#: A log line of the package on stderr off a terminal (setup_logging's format).
OWN_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} \w+ skills(\.\w+)*: ")


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process: exit code, stdout, stderr."""
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a fresh process (stdout and stderr apart, stderr not a terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "skills.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        check=False,
    )


def one_summary(stdout: str, code: int) -> dict[str, Any]:
    """The one JSON object of stdout, checked against the contract."""
    summary = json.loads(stdout)  # raises on anything but exactly one JSON document
    assert isinstance(summary, dict)
    assert set(summary) >= SUMMARY_KEYS, SUMMARY_KEYS - set(summary)
    assert summary["exit_code"] == code
    assert isinstance(summary["seconds"], float | int)
    for stage in summary["stages"]:
        assert set(stage) >= {"stage", "status", "seconds"}
        assert isinstance(stage["seconds"], float | int) and not isinstance(stage["seconds"], bool)
        assert stage["seconds"] >= 0
    if code == 0:
        assert summary["error"] is None
    else:
        assert summary["error"]["exit_code"] == code
        assert summary["error"]["class"] and summary["error"]["message"]
    return summary


@pytest.fixture
def ws(warm_workspace: Path, tmp_path: Path) -> Path:
    return copy_workspace(warm_workspace, tmp_path / "ws")


def spec_args(ws: Path, *extra: str) -> list[str]:
    return ["refresh", str(ws / "pipeline.toml"), "--out", str(ws / "out"), *extra]


# ------------------------------------------------------------------ --json exit paths


@pytest.mark.slow
def test_published_run_one_json_object_and_no_library_noise(ws: Path) -> None:
    hires = ws / "data" / "hires.csv"
    lines = hires.read_text().splitlines()
    cells = lines[1].split(",")
    cells[2] = str(int(cells[2]) + 1)
    lines[1] = ",".join(cells)
    hires.write_text("\n".join(lines) + "\n")
    done = run_cli(*spec_args(ws, "--json"))
    assert done.returncode == 0, done.stderr
    summary = one_summary(done.stdout, 0)
    assert summary["status"] == "published"
    assert Path(summary["publication"]).is_dir()
    stages = {s["stage"]: s for s in summary["stages"]}
    assert {"fingerprint", "load:hires", "validate:outputs", "publish", "report"} <= set(stages)
    assert stages["load:hires"]["status"] == "ran" and stages["panel"]["status"] == "cached"
    assert stages["report"]["status"] == "ran" and stages["report"]["seconds"] > 0
    # stderr: the package's own log lines only (no doubled prefix, no library chatter)
    assert "Created temporary directory" not in done.stderr
    assert "WARNING WARNING" not in done.stderr and "warning: WARNING" not in done.stderr
    strays = [line for line in done.stderr.splitlines() if not OWN_LOG_LINE.match(line)]
    assert strays == []


@pytest.mark.slow
def test_warnings_are_printed_once_without_a_doubled_prefix(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(capsys, *spec_args(ws, "--force"))
    assert code == 0, err
    warned = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert warned, "the demo has warning-level findings"
    assert not any(re.match(r"warning: (WARNING|warning) ", line) for line in warned)
    assert "Created temporary directory" not in err
    assert out.strip().startswith("published run ")


@pytest.mark.slow
def test_nothing_changed_is_exit_0_with_the_fingerprint_stage(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(capsys, *spec_args(ws, "--json"))
    assert code == 0, err
    summary = one_summary(out, 0)
    assert summary["status"] == "unchanged"
    assert [s["stage"] for s in summary["stages"]] == ["fingerprint"]


def test_bad_spec_is_exit_2_with_one_json_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text("[pipeline\nname = 1\n")
    code, out, err = run_main(capsys, "refresh", str(spec), "--out", str(tmp_path / "o"), "--json")
    assert code == 2
    summary = one_summary(out, 2)
    assert summary["error"]["class"] == "ConfigError"
    assert str(spec) in summary["error"]["message"]
    assert "error: " in err  # the error is on stderr too, for the log


def test_usage_error_is_exit_2_with_one_json_object(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "refresh", "--json")
    assert code == 2
    assert one_summary(out, 2)["status"] == "config"
    assert "Missing" in err


@pytest.mark.slow
def test_bad_input_is_exit_1_with_run_id_stages_and_failure_folder(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plans = ws / "data" / "hiring_plans.csv"
    lines = plans.read_text().splitlines()
    lines.append(lines[1])  # a duplicated key
    plans.write_text("\n".join(lines) + "\n")
    code, out, _ = run_main(capsys, *spec_args(ws, "--json"))
    assert code == 1
    summary = one_summary(out, 1)
    assert summary["status"] == "quality"
    assert summary["error"]["class"] in {"InputError", "QualityError"}
    assert "hiring_plans" in summary["error"]["message"]
    assert summary["run_id"] and summary["out_dir"] == str(ws / "out")
    assert (Path(summary["failure_dir"]) / "error.txt").is_file()
    assert summary["failure_dir"].endswith(summary["run_id"])
    stages = {s["stage"]: s["status"] for s in summary["stages"]}
    assert stages["fingerprint"] == "ran" and stages["load:its_courses"] == "cached"
    assert summary["stages"][-1]["stage"] == "load:hiring_plans"
    assert summary["stages"][-1]["status"] == "failed"


@pytest.mark.slow
def test_another_refresh_holding_out_is_exit_4(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skills.lock import RefreshLock

    with RefreshLock(ws / "out", timeout=0):
        code, out, _ = run_main(capsys, *spec_args(ws, "--json"))
    assert code == 4
    summary = one_summary(out, 4)
    assert summary["status"] == "locked" and summary["error"]["class"] == "LockedError"
    assert summary["run_id"]


@pytest.mark.slow
def test_out_is_a_file_is_exit_5(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = ws / "a-file"
    target.write_text("x")
    args = ["refresh", str(ws / "pipeline.toml"), "--out", str(target), "--json"]
    code, out, _ = run_main(capsys, *args)
    assert code == 5
    assert one_summary(out, 5)["error"]["class"] == "OutputDirError"


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stopped_run_is_143_or_130_with_one_json_object(
    ws: Path, tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    marker = tmp_path / "reached"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "SKILLS_KILL_POINT": "stage:fingerprint:running",
        "SKILLS_KILL_MARKER": str(marker),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "skills.cli", *spec_args(ws, "--json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run never reached the fingerprint"
            time.sleep(0.05)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, err
    summary = one_summary(out, code)
    assert summary["status"] == {143: "terminated", 130: "interrupted"}[code]
    assert summary["run_id"]
    assert not list((ws / "out" / "runs").glob(".tmp-*"))


# ------------------------------------------------------------------ help and exit codes


def codes_in_the_code() -> set[int]:
    """Every exit code the package's source sets: ``exit_code = N`` of its errors,
    ``EXIT_* = N`` constants, ``sys.exit(N)`` and ``typer.Exit(N)`` literals, and click's
    usage errors (2)."""
    found = {2}
    patterns = (
        r"^\s*exit_code\s*=\s*(\d+)",
        r"^EXIT_\w+\s*=\s*(\d+)",
        r"sys\.exit\((\d+)\)",
        r"Exit\((\d+)\)",
    )
    for path in (REPO / "skills").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in patterns:
            found |= {int(m) for m in re.findall(pattern, text, flags=re.MULTILINE)}
    return found


def test_help_lists_every_exit_code_the_code_returns(capsys: pytest.CaptureFixture[str]) -> None:
    import skills.lock
    import skills.refresh  # registers its error classes
    from skills.errors import SkillsError

    assert skills.lock.LockedError.exit_code == 4
    documented = {c.code for c in EXIT_CODES}
    in_code = codes_in_the_code()

    def subclasses(cls: type) -> set[type]:
        return set(cls.__subclasses__()).union(*(subclasses(c) for c in cls.__subclasses__()))

    in_code |= {c.exit_code for c in subclasses(SkillsError)}
    assert in_code == documented, (in_code - documented, documented - in_code)
    code, out, _ = run_main(capsys, "--help")
    assert code == 0
    listed = {int(m) for m in re.findall(r"^\s+(\d+)\s{2}\S", out, flags=re.MULTILINE)}
    assert listed == documented


# ------------------------------------------------------------------ validate


@pytest.mark.slow
def test_validate_prints_a_readable_report_and_json(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(capsys, "validate", str(ws / "pipeline.toml"))
    assert code == 0, err
    assert "{" not in out and "'evaluated'" not in out  # no raw dict
    lines = out.splitlines()
    assert lines[0] == "inputs:"
    assert any(line.strip().startswith("hiring_plans ") and "rows" in line for line in lines)
    assert re.match(r"passed: \d+ inputs, \d+ expectations, 0 errors, \d+ warnings", lines[-1])
    code, out, _ = run_main(capsys, "validate", str(ws / "pipeline.toml"), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["exit_code"] == 0 and data["status"] == "passed" and data["error"] is None
    assert data["report"]["counts"]["errors"] == 0
    assert data["report"]["counts"]["evaluated"] == len(data["report"]["outcomes"]) > 0


# ------------------------------------------------------------------ docs/operations.md


OPERATIONS = REPO / "docs" / "operations.md"


def fenced(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", OPERATIONS.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("exit_code", sorted({0, 1, 2, 3, 4, 5, 130, 143}))
def test_cron_example_mails_exactly_on_the_alerting_codes(tmp_path: Path, exit_code: int) -> None:
    (line,) = [
        entry
        for block in fenced("cron")
        for entry in block.splitlines()
        if re.match(r"[\d*]", entry)  # a schedule line (not a comment, not VAR=value)
    ]
    command = line.split(None, 5)[5]  # after the five time fields
    assert "%" not in command  # cron would turn it into a newline
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = tmp_path / "srv" / ".venv" / "bin" / "skills"
    stub.parent.mkdir(parents=True)
    stub.write_text(f"#!/bin/sh\nexit {exit_code}\n")
    mail = bin_dir / "mail"
    mail.write_text(f"#!/bin/sh\ncat > {tmp_path / 'mailed'}\n")
    for f in (stub, mail):
        f.chmod(0o755)
    command = command.replace("cd /srv/skills", f"cd {tmp_path / 'srv'}")
    command = command.replace("/var/log/skills/piedmont.log", str(tmp_path / "log"))
    subprocess.run(
        ["/bin/sh", "-c", command],
        env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
        check=False,
        timeout=30,
    )
    alert = next(c.alert for c in EXIT_CODES if c.code == exit_code)
    assert (tmp_path / "mailed").exists() == alert


def test_systemd_unit_treats_the_non_alerting_codes_as_success() -> None:
    unit = next(block for block in fenced("ini") if "ExecStart=" in block and "refresh" in block)
    (success,) = re.findall(r"^SuccessExitStatus=(.*)$", unit, flags=re.MULTILINE)
    quiet = {c.code for c in EXIT_CODES if not c.alert and c.code != 0}
    assert {int(c) for c in success.split()} == quiet


def test_documented_cache_variable_moves_the_eurostat_cache(tmp_path: Path) -> None:
    unit = next(block for block in fenced("ini") if "ExecStart=" in block and "refresh" in block)
    (where,) = re.findall(r"^Environment=SKILLS_CACHE_DIR=(\S+)$", unit, flags=re.MULTILINE)
    assert where.startswith("/")
    cache = tmp_path / where.lstrip("/")
    # a service user with no home directory: HOME unset; offline, nothing cached
    env = {k: v for k, v in os.environ.items() if k not in {"HOME", "XDG_CACHE_HOME"}}
    env["SKILLS_CACHE_DIR"] = str(cache)
    done = subprocess.run(
        [sys.executable, "-m", "skills.cli", "fetch", "lfst_r_lfu3rt", "--offline"],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(REPO)},
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert f"no cached copy of lfst_r_lfu3rt in {cache}" in done.stderr
