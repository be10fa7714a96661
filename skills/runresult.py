"""What a refresh reports: its run id, the stages it ran with their seconds, its outcome.

:class:`RunTrace` follows a run as it goes (so a failed run still reports the stages it
finished); :class:`RunResult` is the outcome of a finished run, and ``as_dict`` the
``--json`` summary the CLI prints.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from skills.stages import StageHook


def _numeric_stages(stages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Stage records with ``seconds`` as a number (the stage cache records text)."""
    return [{**s, "seconds": round(float(s.get("seconds") or 0.0), 3)} for s in stages]


@dataclass
class RunTrace:
    """How far a run got, filled in as it goes: the summary of a run that raised.

    Pass one to :func:`refresh` (``trace=``); when the run raises, the trace still holds
    its run id, output folder, failure report folder and the stages it finished, which is
    what ``skills refresh --json`` prints with the error.

    Attributes
    ----------
    run_id, out_dir
        Set as soon as the spec is loaded and the folder checked.
    failure_dir
        ``OUT/failures/<run_id>/`` once the failure report is written.
    steps
        The run's own steps (``fingerprint``, ``publish``, ``report``), each ``stage``,
        ``status``, ``seconds``.
    build_stages
        The build's stages (shared with the stage cache, so it grows as they finish).
    running
        The stage that was running when the run stopped (``stage``, ``status``
        ``"failed"``, ``seconds`` it ran), set by :meth:`stop`.
    """

    run_id: str | None = None
    out_dir: Path | None = None
    failure_dir: Path | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)
    build_stages: list[dict[str, Any]] = field(default_factory=list)
    running: dict[str, Any] | None = None
    _current: tuple[str, float] | None = None

    def step(self, stage: str, status: str, seconds: float) -> None:
        """Record one of the run's own steps."""
        self.steps.append({"stage": stage, "status": status, "seconds": round(seconds, 3)})

    def hook(self, on_stage: StageHook | None) -> StageHook:
        """``on_stage`` wrapped so that the trace knows which stage is running."""

        def hook(stage: str, status: str) -> None:
            self._current = (stage, time.perf_counter()) if status == "running" else None
            if on_stage is not None:
                on_stage(stage, status)

        return hook

    def stop(self) -> None:
        """The run raised: note the stage that was running, unless it had finished."""
        if self._current is None:
            return
        stage, since = self._current
        if stage not in {s["stage"] for s in [*self.steps, *self.build_stages]}:
            seconds = round(time.perf_counter() - since, 3)
            self.running = {"stage": stage, "status": "failed", "seconds": seconds}

    def stages(self) -> list[dict[str, Any]]:
        """Every stage in the order it ran, seconds as numbers: the fingerprint, the
        build's stages, then publish and report; last, the stage that failed."""
        head = [s for s in self.steps if s["stage"] == "fingerprint"]
        tail = [s for s in self.steps if s["stage"] != "fingerprint"]
        failed = [self.running] if self.running is not None else []
        return _numeric_stages([*head, *self.build_stages, *tail, *failed])


@dataclass(frozen=True)
class RunResult:
    """The outcome of a refresh, for the CLI and for schedulers (``--json``).

    ``stages`` are the build's stages as the manifest records them (``seconds`` as text);
    ``steps`` the run's own (``fingerprint``, ``publish``, ``report``, seconds as
    numbers). :meth:`as_dict` lists both, in order, with numeric seconds.
    """

    status: str
    exit_code: int
    run_id: str
    out_dir: Path
    publication: Path | None
    message: str
    manifest: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    stages: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able summary (what ``skills refresh --json`` prints).

        Keys: ``status``, ``exit_code``, ``error`` (``None`` here: a run that raised is
        summarised by the CLI from its :class:`RunTrace`), ``run_id``, ``out_dir``,
        ``publication``, ``failure_dir`` (``None``), ``message``, ``seconds``,
        ``stages`` (each ``stage``, ``status``, ``seconds`` as a number) and
        ``warnings``.
        """
        trace = RunTrace(steps=list(self.steps), build_stages=list(self.stages))
        return {
            "status": self.status,
            "exit_code": self.exit_code,
            "error": None,
            "run_id": self.run_id,
            "out_dir": str(self.out_dir),
            "publication": str(self.publication) if self.publication else None,
            "failure_dir": None,
            "message": self.message,
            "seconds": round(self.seconds, 3),
            "stages": trace.stages(),
            "warnings": self.warnings,
        }


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id: UTC time plus a random suffix."""
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
