"""The ``skills`` command.

Exit codes (for schedulers): :data:`skills.errors.EXIT_CODES`, listed by ``--help``.

The operator contract: ``--json`` prints exactly one JSON object on stdout whatever the
outcome (see :func:`skills.cli._common._summary`); log lines go to stderr, as plain
timestamped lines when stderr is not a terminal and through the progress display's
console when it is (so the spinner and the log lines never interleave); third-party
loggers speak only at WARNING and above (``-v`` shows the package's DEBUG lines).

Heavy libraries (polars, great_expectations, statsmodels, linearmodels, altair) are
imported inside the commands that need them, so ``skills --help`` stays fast.

Modules: :mod:`~skills.cli._app` (the Typer app, ``--version``, ``--verbose``),
:mod:`~skills.cli._common` (invocation state, logging, the ``--json`` summary, the
progress spinner), one module per command group (:mod:`~skills.cli.pipeline`: refresh,
validate, demo; :mod:`~skills.cli.manifest`; :mod:`~skills.cli.report`;
:mod:`~skills.cli.schema`: catalogue, schema; :mod:`~skills.cli.fetch`;
:mod:`~skills.cli.bench`), and this one: :func:`main`, which maps errors to exit codes.
Importing a command module adds its commands to :data:`app`; the order of the imports
below is the order of ``--help``.
"""

from __future__ import annotations

import signal
import sys
import traceback
from types import FrameType

import typer

from skills.cli._app import app
from skills.cli._common import (
    LOG_DATEFMT,
    LOG_FORMAT,
    _emit_json,
    _state,
    _summary,
    log,
    setup_logging,
    teardown_logging,
)
from skills.errors import EXIT_CODES, TerminatedError

# isort: off
# Each import adds its commands to ``app``, in this order: the order of ``--help``.
from skills.cli import pipeline, manifest, report, schema, fetch, bench  # noqa: F401

# isort: on
from skills.cli.bench import bench_app
from skills.cli.manifest import manifest_app
from skills.cli.pipeline import validation_text

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_UNEXPECTED",
    "LOG_DATEFMT",
    "LOG_FORMAT",
    "app",
    "bench_app",
    "log",
    "main",
    "manifest_app",
    "setup_logging",
    "teardown_logging",
    "validation_text",
]

EXIT_UNEXPECTED = 3
EXIT_INTERRUPTED = 130
assert {EXIT_UNEXPECTED, EXIT_INTERRUPTED} <= {c.code for c in EXIT_CODES}


def _sigterm(signum: int, frame: FrameType | None) -> None:
    raise TerminatedError("terminated by SIGTERM: nothing published, latest unchanged")


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and map errors to the documented exit codes.

    SIGTERM becomes exit 143 for the whole command (a refresh also cleans its temporary
    files). With ``--json`` every exit path prints one summary object on stdout, also a
    usage error or a fault before the run started; the error goes to stderr too.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    _state.json_wanted = "--json" in args
    _state.json_printed = False
    try:
        previous = signal.signal(signal.SIGTERM, _sigterm)
    except ValueError:  # not the main thread: leave signals alone
        previous = None
    try:
        code = _main(args)
    finally:
        teardown_logging()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    sys.exit(code)


def _main(args: list[str]) -> int:
    """Run the app; print the error (and its ``--json`` summary); return the exit code."""
    from skills.errors import SkillsError

    try:
        # without standalone mode, click returns the code a command exits with
        code = app(args=args, standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except SkillsError as exc:
        typer.echo(f"error: {exc}", err=True)
        _json_error(exc.exit_code, exc)
        return exc.exit_code
    except (KeyboardInterrupt, typer.Abort) as exc:
        typer.echo("interrupted", err=True)
        _json_error(EXIT_INTERRUPTED, KeyboardInterrupt() if isinstance(exc, typer.Abort) else exc)
        return EXIT_INTERRUPTED
    except Exception as exc:
        # Usage errors (typer's vendored click.UsageError and friends) know how to show
        # themselves and carry exit code 2.
        show, usage_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(usage_code, int):
            show()
            _json_error(usage_code, exc)
            return usage_code
        traceback.print_exc()
        typer.echo(f"unexpected error ({type(exc).__name__}): {exc}", err=True)
        _json_error(EXIT_UNEXPECTED, exc)
        return EXIT_UNEXPECTED
    return code if isinstance(code, int) else 0


def _json_error(code: int, exc: BaseException) -> None:
    """The ``--json`` summary of an error no command summarised (a usage error, a bad
    spec, a fault before the run started)."""
    if _state.json_wanted:
        summary = _summary(code, error=exc)
        if summary["error"] is not None:
            summary["error"]["exit_code"] = code
        _emit_json(summary)
