"""What the commands of :mod:`skills.cli` share: the state of one invocation, logging
(stderr lines, library chatter at WARNING+), the one ``--json`` summary object, and the
progress spinner."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import typer

from skills.errors import error_summary, exit_code_name

log = logging.getLogger("skills")

#: Log format of plain (not a terminal) stderr lines.
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_DATEFMT = "%Y-%m-%dT%H:%M:%S%z"
_HANDLER_NAME = "skills-cli"


class _Invocation:
    """State of one command run: whether ``--json`` was asked and already printed, and
    the terminal console the log lines and the spinner share."""

    json_wanted = False
    json_printed = False
    console: Any = None


_state = _Invocation()


class _LogFilter(logging.Filter):
    """The package's own records at the chosen level; other libraries' at WARNING+."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        own = record.name == "skills" or record.name.startswith("skills.")
        return record.levelno >= (self.level if own else logging.WARNING)


class _ConsoleHandler(logging.Handler):
    """Log lines printed through the rich console that draws the spinner (a terminal):
    rich prints them above the spinner instead of across it."""

    def __init__(self, console: Any) -> None:
        super().__init__()
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.console.print(self.format(record), markup=False, highlight=False)
        except Exception:  # pragma: no cover - logging must never raise
            self.handleError(record)


class _StderrHandler(logging.StreamHandler):
    """A stream handler writing to whatever ``sys.stderr`` is when a record comes."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:  # StreamHandler.__init__ sets it
        pass


def teardown_logging() -> None:
    """Remove the handler :func:`setup_logging` added (``main`` does, on its way out)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == _HANDLER_NAME:
            root.removeHandler(old)


def setup_logging(verbose: bool = False) -> None:
    """One stderr handler on the root logger (replacing the one a previous call made).

    The ``skills`` loggers log at INFO (DEBUG with ``verbose``); every other library only
    at WARNING and above, so their INFO chatter (great-expectations' "Created temporary
    directory ...") never reaches an operator. On a terminal the lines go through a rich
    console, shared with the progress spinner; otherwise they are plain timestamped lines.
    """
    teardown_logging()
    level = logging.DEBUG if verbose else logging.INFO
    handler: logging.Handler
    if sys.stderr.isatty():
        from rich.console import Console

        _state.console = Console(stderr=True)
        handler = _ConsoleHandler(_state.console)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    else:
        _state.console = None
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter(LOG_FORMAT, datefmt=LOG_DATEFMT))
    handler.addFilter(_LogFilter(level))
    handler.set_name(_HANDLER_NAME)
    logging.getLogger().addHandler(handler)
    logging.getLogger("skills").setLevel(level)


def _emit_json(summary: Mapping[str, Any]) -> None:
    """Print the one JSON object of a ``--json`` run (at most once per invocation)."""
    if _state.json_printed:
        return
    _state.json_printed = True
    typer.echo(json.dumps(summary, indent=2, default=str))


def _summary(
    exit_code: int,
    *,
    error: BaseException | None = None,
    trace: Any = None,
    message: str | None = None,
) -> dict[str, Any]:
    """The ``--json`` object of a run that did not publish (the keys of
    :meth:`skills.refresh.RunResult.as_dict`).

    ``status`` is the name of the exit code (:data:`skills.errors.EXIT_CODES`),
    ``error`` the error's ``class``, ``message`` and ``exit_code``; ``run_id``,
    ``out_dir``, ``failure_dir`` and ``stages`` (numeric seconds) are what the run got
    to, from its :class:`skills.refresh.RunTrace` (``None`` / empty before it started).
    """
    err = error_summary(error) if error is not None else None
    stages = trace.stages() if trace is not None else []
    return {
        "status": exit_code_name(exit_code),
        "exit_code": exit_code,
        "error": err,
        "run_id": getattr(trace, "run_id", None),
        "out_dir": _str_or_none(getattr(trace, "out_dir", None)),
        "publication": None,
        "failure_dir": _str_or_none(getattr(trace, "failure_dir", None)),
        "message": message if message is not None else (err["message"] if err else ""),
        "seconds": round(float(sum(s["seconds"] for s in stages)), 3),
        "stages": stages,
        "warnings": [],
    }


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _echo_result(result: Any, as_json: bool) -> None:
    if as_json:
        _emit_json(result.as_dict())
        return
    for line in result.warnings:
        typer.echo(f"warning: {line}", err=True)
    typer.echo(result.message)


@contextmanager
def _progress(enabled: bool) -> Iterator[Any]:
    """A stage hook that shows the running stage in a spinner on a terminal, or ``None``.

    The spinner is drawn by the console the log handler prints through, so the log
    lines ("load:x running", warnings) scroll above it and never cut across it; off a
    terminal, or with ``--json``, there is no spinner, only the log lines.
    """
    console = _state.console
    if not enabled or console is None:
        yield None
        return
    with console.status("starting", spinner="dots") as status:

        def hook(stage: str, state: str) -> None:
            if state == "running":
                status.update(f"{stage} ...")

        yield hook
