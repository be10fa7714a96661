"""What a careless operator or a damaged output folder does to ``skills refresh``.

Each case runs the CLI in-process (``skills.cli.main``) and asserts the exit code, that
the message names the file and the key (or the path at fault), and that ``OUT/latest``
is byte-identical afterwards. Spec bounds, environment faults (``--out`` a file, a
read-only or full disk, ``.lock`` a folder, a damaged ``latest``), pruning by the
package's own record, consistent reads, and the checksummed stage cache.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from conftest import copy_workspace
from polars.testing import assert_frame_equal

from skills.cli import main
from skills.manifest import verify_publication
from skills.publish import read_publications, resolve_latest
from skills.refresh import refresh

pytestmark = pytest.mark.slow

Snapshot = Callable[[Path], dict[str, str]]


@pytest.fixture
def base(warm_workspace: Path) -> Path:
    """A demo workspace with one publication and a warm stage cache (read only)."""
    return warm_workspace


@pytest.fixture
def ws(base: Path, tmp_path: Path) -> Path:
    return copy_workspace(base, tmp_path / "ws")


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run ``skills ARGS`` in-process; return the exit code and stdout + stderr."""
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out + err


def cli_refresh(ws: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    return run_cli(capsys, "refresh", str(ws / "pipeline.toml"), "--out", str(ws / "out"))


def touch_spec(ws: Path, tag: str) -> None:
    """Change the spec (a comment) so that the next run publishes, from cached stages."""
    spec = ws / "pipeline.toml"
    spec.write_text(spec.read_text() + f"# {tag}\n")


def set_keep_runs(ws: Path, keep: int) -> None:
    spec = ws / "pipeline.toml"
    spec.write_text(spec.read_text().replace("keep_runs = 5", f"keep_runs = {keep}"))


def publish(ws: Path, tag: str) -> str:
    touch_spec(ws, tag)
    result = refresh(ws / "pipeline.toml", ws / "out")
    assert result.status == "published", result.message
    return result.run_id


def latest_id(ws: Path) -> str:
    return (ws / "out" / "latest").resolve().name


# ------------------------------------------------------------------------ spec bounds

BIG = 2**63 - 1


@pytest.mark.parametrize(
    ("section", "key"),
    [
        (f"[its_gap]\nwindow = {BIG}\n", "[its_gap] window"),
        ("[its_gap]\nwindow = 0\n", "[its_gap] window"),
        ("[its_gap]\nmin_link_weight = nan\n", "[its_gap] min_link_weight"),
        ("[its_gap]\nmin_link_weight = -inf\n", "[its_gap] min_link_weight"),
        (f"[its_gap]\nband_windows = [3, {BIG}]\n", "[its_gap] band_windows"),
        ("[its_gap]\nband_min_link_weights = [0.1, inf]\n", "[its_gap] band_min_link_weights"),
        ("[its_gap]\neducation_levels = { its_academy = nan }\n", "education_levels.its_academy"),
        (f"[models]\nbootstrap_reps = {2**62}\n", "[models] bootstrap_reps"),
        ("[models]\nbootstrap_reps = 100_000\n", "[models] bootstrap_reps"),
        ("[models]\nbootstrap_reps = 1e6\n", "[models] bootstrap_reps"),
        (f"[models]\nseed = {2**32}\n", "[models] seed"),
        ("[models]\nseed = -1\n", "[models] seed"),
        ("KEEP 0", "[outputs] keep_runs"),
        (f"KEEP {BIG}", "[outputs] keep_runs"),
        ("KEEP 2.5", "[outputs] keep_runs"),
    ],
)
def test_out_of_bounds_spec_values_exit_2_naming_spec_and_key(
    ws: Path, capsys: pytest.CaptureFixture[str], snapshot: Snapshot, section: str, key: str
) -> None:
    spec = ws / "pipeline.toml"
    if section.startswith("KEEP "):
        spec.write_text(spec.read_text().replace("keep_runs = 5", f"keep_runs = {section[5:]}"))
    else:
        spec.write_text(spec.read_text() + "\n" + section)
    before = snapshot(ws / "out")
    events = read_publications(ws / "out")
    code, text = cli_refresh(ws, capsys)
    assert code == 2, text
    assert str(spec) in text and key in text, text
    assert "Traceback" not in text
    assert snapshot(ws / "out") == before
    assert read_publications(ws / "out") == events  # refused before any work


def test_largest_allowed_values_are_accepted(ws: Path) -> None:
    from skills.spec import load_spec

    spec = ws / "pipeline.toml"
    spec.write_text(
        spec.read_text().replace("keep_runs = 5", "keep_runs = 1000")
        + "\n[models]\nbootstrap_reps = 99_999\nseed = 4_294_967_295\n[its_gap]\nwindow = 10\n"
    )
    loaded = load_spec(spec)
    assert loaded.keep_runs == 1000
    assert loaded.models == {"bootstrap_reps": 99_999, "seed": 4_294_967_295}


# ------------------------------------------------------------------ environment faults


def test_out_is_an_existing_file(
    ws: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "report.csv"
    target.write_text("precious\n")
    code, text = run_cli(capsys, "refresh", str(ws / "pipeline.toml"), "--out", str(target))
    assert code == 5, text
    assert f"{target}: --out names an existing file" in text
    assert "Traceback" not in text
    assert target.read_text() == "precious\n"


def test_read_only_output_folder(
    ws: Path,
    capsys: pytest.CaptureFixture[str],
    snapshot: Snapshot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import skills.lock

    lock_path = str(ws / "out" / ".lock")
    real_open = os.open

    def read_only(path: str | os.PathLike[str], flags: int, *args: int) -> int:
        if os.fspath(path) == lock_path and flags & (os.O_RDWR | os.O_WRONLY):
            raise OSError(errno.EROFS, "Read-only file system", lock_path)
        return real_open(path, flags, *args)

    before = snapshot(ws / "out")
    monkeypatch.setattr(skills.lock.os, "open", read_only)
    code, text = cli_refresh(ws, capsys)
    monkeypatch.undo()
    assert code == 5, text
    assert f"{lock_path}: the file system is read-only" in text
    assert "latest unchanged" in text and "Traceback" not in text
    assert snapshot(ws / "out") == before


def test_disk_full_while_publishing(
    ws: Path,
    capsys: pytest.CaptureFixture[str],
    snapshot: Snapshot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import skills.refresh as engine

    touch_spec(ws, "disk full")
    before = snapshot(ws / "out")
    calls = {"n": 0}
    real = engine.write_table

    def full_disk(frame: pl.DataFrame, path: Path, **kw: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(frame, path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "write_table", full_disk)
    code, text = cli_refresh(ws, capsys)
    monkeypatch.undo()
    assert code == 5, text
    assert "the file system is full" in text and ".parquet" in text, text
    assert "Traceback" not in text
    assert snapshot(ws / "out") == before
    assert not list((ws / "out" / "runs").glob(".tmp-*"))
    code, text = cli_refresh(ws, capsys)
    assert code == 0, text


def test_lock_replaced_by_a_folder(
    ws: Path, capsys: pytest.CaptureFixture[str], snapshot: Snapshot
) -> None:
    lock = ws / "out" / ".lock"
    lock.unlink(missing_ok=True)
    lock.mkdir()
    (lock / "note.txt").write_text("someone's")
    touch_spec(ws, "lock folder")
    before = snapshot(ws / "out")
    code, text = cli_refresh(ws, capsys)
    assert code == 5, text
    assert f"{lock}: the lock file is a folder" in text and f"rm -r {lock}" in text
    assert "Traceback" not in text
    assert snapshot(ws / "out") == before
    assert (lock / "note.txt").read_text() == "someone's"  # not deleted


@pytest.mark.parametrize("damage", [b'{"run_id": "2026', b"", b"[]", b'{"run_id": "x"}'])
def test_damaged_latest_manifest_is_refused_before_work_then_repaired(
    ws: Path, capsys: pytest.CaptureFixture[str], snapshot: Snapshot, damage: bytes
) -> None:
    first = latest_id(ws)
    second = publish(ws, "second")
    manifest = ws / "out" / "runs" / second / "manifest.json"
    manifest.write_bytes(damage)
    touch_spec(ws, "after damage")
    before = snapshot(ws / "out")
    events = read_publications(ws / "out")
    code, text = cli_refresh(ws, capsys)
    assert code == 5, text
    assert str(ws / "out" / "latest" / "manifest.json") in text
    assert f"skills manifest repair {ws / 'out'}" in text and "Traceback" not in text
    assert snapshot(ws / "out") == before
    assert read_publications(ws / "out") == events  # no run was started
    assert not (ws / "out" / "failures").exists()

    code, text = run_cli(capsys, "manifest", "repair", str(ws / "out"))
    assert code == 0, text
    assert latest_id(ws) == first
    assert (ws / "out" / "runs" / second).is_dir()  # repair deletes nothing
    assert verify_publication(ws / "out") == []
    code, text = cli_refresh(ws, capsys)
    assert code == 0, text


def test_repair_with_nothing_that_verifies(
    ws: Path, capsys: pytest.CaptureFixture[str], snapshot: Snapshot
) -> None:
    (ws / "out" / "latest" / "manifest.json").write_text("{")
    before = snapshot(ws / "out")
    code, text = run_cli(capsys, "manifest", "repair", str(ws / "out"))
    assert code == 5, text
    assert f"{ws / 'out' / 'publications.jsonl'}: records no publication" in text
    assert snapshot(ws / "out") == before


def test_latest_replaced_by_a_real_folder(
    ws: Path, capsys: pytest.CaptureFixture[str], snapshot: Snapshot
) -> None:
    latest = ws / "out" / "latest"
    target = latest.resolve()
    latest.unlink()
    shutil.copytree(target, latest)
    touch_spec(ws, "real folder")
    before = snapshot(ws / "out")
    runs_before = sorted(p.name for p in (ws / "out" / "runs").iterdir())
    events = read_publications(ws / "out")
    code, text = cli_refresh(ws, capsys)
    assert code == 5, text
    assert f"{latest}: is a real folder" in text and "nothing deleted" in text
    assert "Traceback" not in text
    assert not latest.is_symlink() and snapshot(ws / "out") == before
    assert sorted(p.name for p in (ws / "out" / "runs").iterdir()) == runs_before
    assert read_publications(ws / "out") == events
    code, text = run_cli(capsys, "manifest", "repair", str(ws / "out"))
    assert code == 5 and "is a real folder" in text
    assert snapshot(ws / "out") == before


# --------------------------------------------------------------------------- pruning


def test_clock_ahead_once_does_not_prune_newer_publications(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import skills.refresh as engine

    set_keep_runs(ws, 2)
    monkeypatch.setattr(engine, "new_run_id", lambda now=None: "29991231T235959Z-abcdef")
    future = publish(ws, "clock ahead")
    monkeypatch.undo()
    middle = publish(ws, "clock back")
    newest = publish(ws, "next day")
    runs = ws / "out" / "runs"
    assert latest_id(ws) == newest
    assert (runs / middle).is_dir()  # the previous publication stays
    assert not (runs / future).exists()  # oldest by the record, whatever its name
    for run in (newest, middle):
        assert verify_publication(runs / run) == []


def test_hand_made_folders_in_runs_are_left_alone_and_reported(ws: Path) -> None:
    set_keep_runs(ws, 1)
    runs = ws / "out" / "runs"
    first = latest_id(ws)
    made = [runs / "00000000T000000Z-mine", runs / ".tmp-by-hand", runs / "notes"]
    for folder in made:
        folder.mkdir()
        (folder / "keep.txt").write_text("mine")
    second = publish(ws, "one")
    touch_spec(ws, "two")
    result = refresh(ws / "pipeline.toml", ws / "out")
    assert result.status == "published"
    third = result.run_id
    for folder in made:
        assert (folder / "keep.txt").read_text() == "mine"
        assert any(str(folder) in w and "not made by skills" in w for w in result.warnings)
    assert (runs / second).is_dir()  # the publication latest pointed at before this run
    assert not (runs / first).exists()  # pruned: recorded, old, not protected
    assert latest_id(ws) == third


# ------------------------------------------------------------------ consistent reads


def test_a_resolved_publication_stays_readable_across_the_next_publish(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_keep_runs(ws, 1)
    code, text = run_cli(capsys, "manifest", "path", str(ws / "out"))
    assert code == 0
    folder = Path(text.strip())
    assert folder == resolve_latest(ws / "out") == (ws / "out" / "latest").resolve()
    assert folder.parent.name == "runs"
    hashes = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    publish(ws, "while reading")
    assert latest_id(ws) != folder.name
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == hashes
    assert verify_publication(folder) == []


def test_manifest_path_without_a_publication(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = run_cli(capsys, "manifest", "path", str(tmp_path))
    assert code == 5 and f"{tmp_path}: no publication" in text


# ------------------------------------------------------------------------ stage cache


def test_an_edited_cache_entry_is_discarded_and_rebuilt(ws: Path, snapshot: Snapshot) -> None:
    cached = next((ws / "out" / ".cache" / "stages" / "analyses").glob("*/profile.parquet"))
    good = pl.read_parquet(ws / "out" / "latest" / "profile.parquet")
    numeric = [c for c, t in good.schema.items() if t.is_float()]
    assert numeric
    pl.read_parquet(cached).with_columns(pl.col(numeric[0]) * 10).write_parquet(cached)
    touch_spec(ws, "after cache edit")
    result = refresh(ws / "pipeline.toml", ws / "out")
    assert result.status == "published"
    assert any("profile.parquet changed since it was cached" in w for w in result.warnings)
    assert any(s["stage"] == "analyses" and s["status"] == "ran" for s in result.stages)
    assert_frame_equal(pl.read_parquet(ws / "out" / "latest" / "profile.parquet"), good)
    assert verify_publication(ws / "out") == []


def test_manifest_verify_catches_a_manifest_rewritten_to_match_an_edited_file(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import hashlib

    latest = ws / "out" / "latest"
    target = latest / "profile.parquet"
    target.write_bytes(target.read_bytes() + b"x")
    manifest = json.loads((latest / "manifest.json").read_text())
    for item in manifest["outputs"]:
        if item["path"] == "profile.parquet":
            item["sha256"] = hashlib.sha256(target.read_bytes()).hexdigest()
            item["bytes"] = target.stat().st_size
    (latest / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    code, text = run_cli(capsys, "manifest", "verify", str(ws / "out"))
    assert code == 1
    assert "manifest.json: sha256 differs from the one recorded in publications.jsonl" in text
