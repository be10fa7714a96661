"""Shared fixtures: where the real Eurostat fixtures live, and small helpers."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests assert invariants, not speed: a wall-clock deadline only makes them flaky
# on a loaded 2-core CI machine (benchmarks measure speed, in their own harness).
settings.register_profile("skills", deadline=None)
settings.load_profile("skills")

REPO = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path | None:
    """The shared real-data folder: ``$SKILLS_SHARED_DATA`` or ``<repo>/../shared/data``."""
    env = os.environ.get("SKILLS_SHARED_DATA")
    candidate = Path(env) if env else REPO.parent / "shared" / "data"
    return candidate if (candidate / "eurostat").is_dir() else None


def in_ci() -> bool:
    """True when ``$CI`` says so (``true``, ``1``, ``yes``), as CI services set it."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of the real-data folder.

    Absent, the test is skipped on a workstation but FAILS in CI (``CI=true``): a CI
    job without the real data would otherwise pass without testing anything real.
    """
    path = shared_data_dir()
    if path is None:
        message = (
            "real Eurostat fixtures not found: set SKILLS_SHARED_DATA to the shared 'data' "
            "folder (with eurostat/ and classifications/) to run this test"
        )
        if in_ci():
            pytest.fail(message + " (CI=true: real-data tests must run in CI)")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def eurostat_dir(shared_data: Path) -> Path:
    return shared_data / "eurostat"


def publication_snapshot(out: Path) -> dict[str, str]:
    """Every file of ``out/latest`` with its sha256, and where ``latest`` points."""
    latest = out / "latest"
    files = {
        str(p.relative_to(latest)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(latest.rglob("*"))
        if p.is_file()
    }
    files["-> target"] = latest.resolve().name
    return files


@pytest.fixture(scope="session")
def demo_publication(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's publication (``OUT/latest``, refreshed once per session, no report).

    Shared by the report tests: build reports into a folder of your own (``out=``)
    rather than into this one when a test needs the files to stay as they are.
    """
    from skills.demo import write_demo
    from skills.refresh import refresh

    root = tmp_path_factory.mktemp("demo-publication")
    result = refresh(write_demo(root), root / "out", report=False)
    assert result.exit_code == 0
    return root / "out" / "latest"


@pytest.fixture
def snapshot() -> Callable[[Path], dict[str, str]]:
    """:func:`publication_snapshot`, to compare a publication before and after a run."""
    return publication_snapshot


def published_demo_workspace(root: Path) -> Path:
    """A demo workspace in ``root`` with one publication in ``root/out`` and a warm stage
    cache; the report is HTML only (its PNG/SVG rendering is tested elsewhere), so that
    tests that refresh many times stay quick."""
    from skills.demo import write_demo
    from skills.refresh import refresh

    spec = write_demo(root)
    spec.write_text(
        spec.read_text().replace("keep_runs = 5", 'keep_runs = 5\nreport_formats = ["html"]')
    )
    assert refresh(spec, root / "out").exit_code == 0
    return root


def copy_workspace(base: Path, target: Path) -> Path:
    """A private copy of a workspace (symlinks such as ``out/latest`` kept as links)."""
    import shutil

    shutil.copytree(base, target, symlinks=True)
    return target


@pytest.fixture(scope="session")
def warm_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One published demo workspace with a warm stage cache for the whole session (HTML
    report only). Never change it: copy it with :func:`copy_workspace` first."""
    return published_demo_workspace(tmp_path_factory.mktemp("warm-demo"))
