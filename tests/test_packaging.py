"""The wheel ships its data: code lists, catalogue, pipeline specs and expectation suites."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("hatchling", reason="hatchling comes with the dev extra")
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheels = list(out.glob("skills-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_wheel_contains_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "skills/py.typed",
        "skills/indicators/catalogue.toml",
        "skills/classifications/data/isco08_groups.csv",
        "skills/classifications/data/its_isco08_crosswalk_v1.csv",
        "skills/classifications/data/nuts_it.csv",
        "skills/_bundled/pipelines/piedmont.toml",
        "skills/classifications/data/iscedf13_its_area_v1.csv",
        "skills/classifications/data/istat_provinces_nuts3.csv",
        "skills/report/messages/it/summary.toml",
        "skills/report/messages/en/page.toml",
    ):
        assert required in names, required
    shipped_suites = {n for n in names if n.startswith("skills/_bundled/expectations/")}
    repo_suites = {
        f"skills/_bundled/expectations/{p.name}"
        for p in (REPO / "expectations").iterdir()
        if p.is_file()
    }
    assert repo_suites and repo_suites <= shipped_suites
    assert not any(n.startswith("tests/") for n in names)
    # the benchmark harness stays in the checkout (benchmarks/), out of the wheel
    assert not any(n.startswith(("benchmarks/", "skills/bench/")) for n in names)
    assert not any(n.endswith(("/harness.py", "/worker.py", "/baseline.py")) for n in names)
    assert "skills/sources/records/streaming.py" in names  # production code, shipped
    assert "skills/sources/records/synthetic.py" in names  # skills bench generate


def test_installed_wheel_finds_its_files_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "from skills._resources import bundled_dir, classification_path\n"
        "import skills.indicators.catalogue as c\n"
        "print(bundled_dir('pipelines')); print(bundled_dir('expectations'))\n"
        "print(classification_path('isco08_groups.csv')); print(len(c.load_catalogue()))\n"
        "from skills.report.i18n import catalogue\n"
        "print(len(catalogue('it')) == len(catalogue('en')) > 500)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    )
    lines = proc.stdout.splitlines()
    assert all(line.startswith(str(site)) for line in lines[:3]), lines
    assert int(lines[3]) > 0
    assert lines[4] == "True"  # the report's message catalogue ships in both languages
    bench = subprocess.run(
        [sys.executable, "-m", "skills.cli", "bench", "run", "--rows", "1000"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    )
    assert bench.returncode == 2, bench.stderr
    assert "needs a source checkout" in bench.stderr and "benchmarks/run.py" in bench.stderr
