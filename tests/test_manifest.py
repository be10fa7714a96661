"""The typed manifest model: what refresh writes, what verify reads back."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from skills.manifest import Manifest, OutputFile, PackageInfo, verify_publication

#: The keys of manifest.json, in order (docs/operations.md; scripts read them).
KEYS = [
    "run_id",
    "started",
    "finished",
    "package",
    "fingerprint",
    "pipeline",
    "data_label",
    "inputs",
    "skipped_sources",
    "crosswalks",
    "analyses",
    "extensions",
    "stages",
    "validation",
    "row_counts",
    "outputs",
]


def a_manifest() -> Manifest:
    return Manifest(
        run_id="20260101T000000Z-abcdef",
        started="2026-01-01T00:00:00+00:00",
        finished="2026-01-01T00:00:05+00:00",
        package=PackageInfo("skills", "0.1", "f" * 64),
        fingerprint="1" * 24,
        inputs=[{"role": "hires", "sha256": "2" * 64, "rows": 10}],
        outputs=[
            OutputFile("panel.parquet", "3" * 64, 100, rows=7),
            OutputFile("report.html", "4" * 64, 50),
        ],
    )


def test_to_dict_has_the_manifest_keys_in_order_and_parses_back() -> None:
    manifest = a_manifest()
    data = json.loads(json.dumps(manifest.to_dict()))
    assert list(data) == KEYS
    assert data["outputs"][1] == {"path": "report.html", "sha256": "4" * 64, "bytes": 50}
    assert data["outputs"][0]["rows"] == 7
    parsed, problems = Manifest.parse(data)
    assert problems == [] and parsed == manifest


def test_parse_defaults_missing_blocks_and_reports_bad_entries() -> None:
    data = a_manifest().to_dict()
    del data["row_counts"], data["skipped_sources"]  # an older version's manifest
    data["outputs"].append({"sha256": "x"})
    data["pipeline"] = ["not", "an", "object"]
    parsed, problems = Manifest.parse(data)
    assert parsed.row_counts is None and parsed.skipped_sources == []
    assert [o.path for o in parsed.outputs] == ["panel.parquet", "report.html"]
    assert problems == ["pipeline: not a JSON object", "bad output entry {'sha256': 'x'}"]


def test_verify_reads_the_model(tmp_path: Path) -> None:
    (tmp_path / "report.html").write_text("<html>")
    import hashlib

    sha = hashlib.sha256(b"<html>").hexdigest()
    manifest = replace(a_manifest(), outputs=[OutputFile("report.html", sha, 6)])
    manifest.write(tmp_path)
    assert verify_publication(tmp_path) == []
    manifest = replace(manifest, outputs=[OutputFile("report.html", sha, 7)])
    manifest.write(tmp_path)
    assert verify_publication(tmp_path) == ["report.html: 6 bytes, manifest says 7"]


@pytest.mark.slow
def test_a_published_manifest_round_trips_through_the_model(warm_workspace: Path) -> None:
    text = (warm_workspace / "out" / "latest" / "manifest.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert list(data) == KEYS
    parsed, problems = Manifest.parse(data)
    assert problems == []
    assert json.dumps(parsed.to_dict(), indent=2) + "\n" == text
