"""`skills report` never changes a publication: its manifest verifies afterwards."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from skills.cli import main
from skills.manifest import verify_publication


def run(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main([*args])
    return int(exit_info.value.code or 0)


@pytest.fixture
def out(demo_publication: Path, tmp_path: Path) -> Path:
    """A copy of the shared demo's OUT folder (runs/, latest), free to write beside."""
    target = tmp_path / "out"
    shutil.copytree(demo_publication.parent, target, symlinks=True)
    return target


@pytest.mark.slow
def test_report_rebuild_leaves_the_publication_verifiable(out: Path) -> None:
    latest = out / "latest"
    before = sorted(p.name for p in latest.iterdir())
    assert run("report", str(latest), "-f", "html", "-l", "it") == 0
    run_id = latest.resolve().name
    rebuilt = out / "reports" / run_id
    assert (rebuilt / "report.html").is_file()
    # the page's link to the quality report works in the new folder too
    assert (rebuilt / "quality.html").is_file()
    assert sorted(p.name for p in latest.iterdir()) == before
    assert verify_publication(out) == []
    # inside the publication: refused with a usage error, nothing written
    assert run("report", str(latest), "--out", str(latest / "again"), "-f", "html") == 2
    assert not (latest / "again").exists()
    assert verify_publication(out) == []
