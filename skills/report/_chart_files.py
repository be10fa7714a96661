"""Write each chart's files: ``charts/<id>.vl.json``, ``.svg`` and ``.png``.

:func:`write_chart_files` takes the charts :func:`skills.report._build.prepare_charts`
built and writes their static specs (``width: "container"`` fixed, :func:`static_spec`)
and images. vl_convert renders the images, 0.2-0.4 s a chart and serialised within a
process, so part of them goes to one helper process (:mod:`skills.report._render`, run
by :class:`_Helper`); a chart that cannot be rendered gets a note
(:func:`render_notes`), never a failed report.
"""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skills.report.i18n import Messages

if TYPE_CHECKING:
    from skills.report._build import ChartItem

__all__ = ["render_notes", "render_processes", "static_spec", "write_chart_files"]

log = logging.getLogger("skills.report")

#: Width used for the SVG/PNG/JSON exports of charts that fill their container on the page.
EXPORT_WIDTH = 760
#: PNG scale (1 = one pixel per Vega pixel); scale 2 costs about 40% more time and 2.3x bytes.
PNG_SCALE = 1.0


def render_notes(items: Sequence[ChartItem], t: Messages) -> list[str]:
    """A note, in ``t``'s language, for each chart vl-convert could not render."""
    return [
        t(
            "page.note.not_rendered",
            heading=item.heading,
            chart_id=item.chart_id,
            error=item.render_error,
        )
        for item in items
        if item.render_error is not None
    ]


def static_spec(spec: Mapping[str, Any], width: int = EXPORT_WIDTH) -> dict[str, Any]:
    """A copy of ``spec`` with ``width: "container"`` fixed, for SVG/PNG/JSON export."""
    out = copy.deepcopy(dict(spec))

    def fix(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("width") == "container":
                node["width"] = width
            for value in node.values():
                fix(value)
        elif isinstance(node, list):
            for value in node:
                fix(value)

    fix(out)
    return out


#: Charts rendered to SVG/PNG from this many on are shared with a helper process.
PARALLEL_MIN_CHARTS = 4
#: The helper process's module (``python -m HELPER_MODULE JOBS.json``).
HELPER_MODULE = "skills.report._render"


def render_processes() -> int:
    """Processes that render chart images: ``$SKILLS_REPORT_PROCESSES``, else 2 on a
    machine with at least two CPUs, else 1 (no helper)."""
    import os

    raw = os.environ.get("SKILLS_REPORT_PROCESSES", "").strip()
    if raw.isdigit() and int(raw) >= 1:
        return min(int(raw), 2)
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def write_chart_files(
    items: Sequence[ChartItem],
    folder: Path,
    formats: Sequence[str],
    vl_version: str,
    *,
    processes: int | None = None,
    strict: bool = False,
    t: Messages | None = None,
) -> tuple[dict[str, float], list[str]]:
    """Write ``charts/<id>.vl.json|.svg|.png``; return seconds per format and notes.

    A chart vl-convert cannot render gets no SVG/PNG file, its ``render_error`` and a
    note in ``t``'s language (English by default; ``strict`` raises instead): an export
    problem never blocks a validated publication.

    SVG and PNG rendering (``vl_convert``, 0.2-0.4 s a chart, serialised within a
    process) is shared with one helper process (:mod:`skills.report._render`) when
    ``processes`` (default :func:`render_processes`) is 2 and there are at least
    :data:`PARALLEL_MIN_CHARTS` charts: about 40% less time for the demo's 11 charts on
    two cores. If the helper fails, its charts are rendered here; the files are the same
    either way.
    """
    want = {f for f in formats if f in {"json", "svg", "png"}}
    timings = {"json": 0.0, "svg": 0.0, "png": 0.0}
    failed: dict[str, str] = {}
    if not want:
        return timings, []
    folder.mkdir(parents=True, exist_ok=True)
    specs = {item.chart_id: static_spec(item.spec) for item in items}
    if "json" in want:
        t0 = time.perf_counter()
        for item in items:
            path = folder / f"{item.chart_id}.vl.json"
            text = json.dumps(specs[item.chart_id], indent=1, ensure_ascii=False) + "\n"
            path.write_text(text, encoding="utf-8")
        timings["json"] += time.perf_counter() - t0
    images = sorted(want & {"svg", "png"})
    if images:
        from skills.report._render import render_charts

        jobs = [
            {
                "id": item.chart_id,
                "spec": specs[item.chart_id],
                "svg": str(folder / f"{item.chart_id}.svg"),
                "png": str(folder / f"{item.chart_id}.png"),
            }
            for item in items
        ]
        n = render_processes() if processes is None else processes
        helper_jobs = jobs[1::2] if n >= 2 and len(jobs) >= PARALLEL_MIN_CHARTS else []
        own_jobs = jobs[0::2] if helper_jobs else jobs
        with _Helper(helper_jobs, images, vl_version) as helper:
            spent, failed = render_charts(own_jobs, images, vl_version, PNG_SCALE)
            helper_failed = helper.wait()
            if helper_failed is None:
                spent_more, helper_failed = render_charts(
                    helper_jobs, images, vl_version, PNG_SCALE
                )
                spent = {k: spent[k] + spent_more[k] for k in spent}
            failed.update(helper_failed)
        timings.update(spent)
    if failed and strict:
        raise RuntimeError(f"charts could not be rendered: {failed}")
    for item in items:
        if item.chart_id in failed:
            item.render_error = failed[item.chart_id]
    notes = render_notes(items, t if t is not None else Messages("en"))
    for note in notes:
        log.warning("report: %s", note)
    for item in items:
        item.files.extend(
            folder / f"{item.chart_id}.{ext}"
            for ext, fmt in (("vl.json", "json"), ("svg", "svg"), ("png", "png"))
            if fmt in want and (fmt == "json" or item.chart_id not in failed)
        )
    return timings, notes


class _Helper:
    """A helper process rendering ``jobs``; killed if the parent leaves early."""

    def __init__(self, jobs: list[dict[str, Any]], formats: list[str], vl_version: str) -> None:
        self.jobs = jobs
        self.formats = formats
        self.vl_version = vl_version
        self.process: Any = None
        self.jobs_file: Path | None = None

    def __enter__(self) -> _Helper:
        if not self.jobs:
            return self
        import os
        import subprocess
        import sys
        import tempfile

        fd, name = tempfile.mkstemp(prefix="skills-render-", suffix=".json")
        self.jobs_file = Path(name)
        payload = {
            "vl_version": self.vl_version,
            "formats": self.formats,
            "png_scale": PNG_SCALE,
            "charts": self.jobs,
        }
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", HELPER_MODULE, str(self.jobs_file)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            log.warning("could not start the chart helper process (%s); rendering here", exc)
            self.process = None
        return self

    def wait(self) -> dict[str, str] | None:
        """Wait for the helper: the charts it could not render (id -> message), or None
        when the helper itself failed (or left files missing) and its charts must be
        rendered here."""
        if not self.jobs:
            return {}
        if self.process is None:
            return None
        out, err = self.process.communicate()
        failed: dict[str, str] | None = None
        lines = out.decode(errors="replace").strip().splitlines()
        if self.process.returncode == 0 and lines:
            try:
                failed = dict(json.loads(lines[-1])["failed"])
            except (ValueError, KeyError, TypeError):
                failed = None
        missing = [
            job[fmt]
            for job in self.jobs
            for fmt in self.formats
            if job["id"] not in (failed or {}) and not Path(job[fmt]).is_file()
        ]
        if failed is None or missing:
            detail = err.decode(errors="replace").strip() or f"{len(missing)} files missing"
            log.warning("chart helper process failed (%s); rendering its charts here", detail)
            return None
        return failed

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.jobs_file is not None:
            self.jobs_file.unlink(missing_ok=True)
