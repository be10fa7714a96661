"""Error types with the location of the problem and the exit code the CLI maps them to.

The contract for operators (see the README):

* exit 0 - published;
* exit 1 - a data-quality failure: an input or an output failed its checks, nothing was
  published (:class:`InputError`, :class:`QualityError`);
* exit 2 - a usage or configuration error (:class:`ConfigError`);
* exit 3 - an unexpected fault: a bug, a full disk, ..., or an extra analysis of the
  spec (``[analyses.<name>]``) that raised or broke its contract (:class:`ExtensionError`);
* exit 4 - another refresh holds the output folder (:class:`skills.lock.LockedError`);
* exit 5 - the output folder or its file system is unusable: ``--out`` is a file, the
  folder is read-only or full, or its layout was changed by hand (``.lock`` a folder,
  ``latest`` a real folder, ``latest/manifest.json`` damaged); nothing published was
  changed (:class:`OutputDirError`);
* exit 130 - interrupted (Ctrl-C); exit 143 - stopped by SIGTERM (:class:`TerminatedError`):
  temporary files removed, nothing published.

:data:`EXIT_CODES` is the one list of these codes: ``skills --help``, the docs' tables and
the scheduler examples (which codes alert) are checked against it.

Every message names the file and, where known, the line (or spreadsheet row) and column,
in the ``file:line: column 'x': message`` shape compilers use, so that it can be read in a
terminal and parsed by a scheduler.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "EXIT_CODES",
    "MAX_REPORTED",
    "ConfigError",
    "ExitCode",
    "ExtensionError",
    "InputError",
    "OutputDirError",
    "QualityError",
    "SkillsError",
    "TerminatedError",
    "error_summary",
    "exit_code_name",
    "exit_codes_help",
]


@dataclass(frozen=True)
class ExitCode:
    """One exit code of the ``skills`` command.

    Attributes
    ----------
    code
        The process exit status.
    name
        A short name (the ``status`` of a ``--json`` summary that ends with this code).
    meaning
        What it means, in a few words (``skills --help``).
    alert
        Whether a scheduler should alert an operator: false for the codes that are a
        normal outcome of an unattended run (published or nothing changed, another
        refresh holds the folder, a normal stop by SIGTERM or Ctrl-C).
    """

    code: int
    name: str
    meaning: str
    alert: bool


#: Every code the command can exit with (a test checks the code and ``--help`` agree).
EXIT_CODES: tuple[ExitCode, ...] = (
    ExitCode(0, "published", "published, or nothing changed since OUT/latest", alert=False),
    ExitCode(1, "quality", "data-quality failure or rows lost: nothing published", alert=True),
    ExitCode(2, "config", "usage or configuration error (bad spec, file, option)", alert=True),
    ExitCode(3, "fault", "unexpected fault (a bug, Eurostat down and nothing cached)", alert=True),
    ExitCode(4, "locked", "another refresh holds OUT: this run did nothing", alert=False),
    ExitCode(5, "output", "OUT unusable (a file, read-only, full, edited by hand)", alert=True),
    ExitCode(130, "interrupted", "interrupted (Ctrl-C): temporary files removed", alert=False),
    ExitCode(143, "terminated", "stopped by SIGTERM: temporary files removed", alert=False),
)


def exit_codes_help() -> str:
    """The exit codes, one line each, for ``skills --help``."""
    return "Exit codes:\n" + "\n".join(f"  {c.code:>3}  {c.meaning}" for c in EXIT_CODES)


def exit_code_name(code: int) -> str:
    """The :attr:`ExitCode.name` of ``code`` (``"error"`` for a code not in the list)."""
    return next((c.name for c in EXIT_CODES if c.code == code), "error")


def error_summary(exc: BaseException) -> dict[str, Any]:
    """``class``, ``message`` and ``exit_code`` of an error, for a ``--json`` summary."""
    code = getattr(exc, "exit_code", None)
    if isinstance(exc, KeyboardInterrupt):
        code = 130
    elif not isinstance(code, int):
        code = 3
    message = str(exc) if not isinstance(exc, KeyboardInterrupt) else "interrupted"
    return {"class": type(exc).__name__, "message": message, "exit_code": code}


#: How many bad cells of one file a read reports in one message (the rest are counted).
MAX_REPORTED = 20


class SkillsError(Exception):
    """Base class of every error the package raises on purpose."""

    exit_code: int = 3


class TerminatedError(SkillsError):
    """The run received SIGTERM; temporary files were removed (exit 143)."""

    exit_code = 143


class ConfigError(SkillsError):
    """A usage or configuration error: a bad pipeline spec, a missing file, a bad option."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | Path | None = None) -> None:
        self.file = str(file) if file is not None else None
        self.reason = message
        super().__init__(f"{self.file}: {message}" if self.file else message)


class OutputDirError(SkillsError):
    """The output folder cannot be used as it is; nothing published was changed (exit 5).

    ``--out`` names a file, the folder or its file system is read-only or full, or the
    layout the package keeps in it was changed by hand. The message names the path and
    says how to repair it.

    Attributes
    ----------
    path
        The file or folder at fault.
    reason
        What is wrong and what to do, in words.
    """

    exit_code = 5

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class InputError(SkillsError):
    """An input file whose content is wrong: bad header, bad value, duplicated key, ...

    Attributes
    ----------
    file
        The file (path or URL) the problem is in.
    line
        1-based physical line in a text file (the header is line 1), or the 1-based row
        of a spreadsheet, when known.
    column
        The column name (or header cell) the problem is in, when known.
    reason
        The problem, in words a planner can act on.
    more
        Further problems of the same file found in the same read, each an
        :class:`InputError` (at most :data:`MAX_REPORTED` - 1 of them); the message lists
        them one per line after the first.
    total
        How many problems the read found in all (``1 + len(more)`` unless some were left
        out of the message).
    """

    exit_code = 1

    def __init__(
        self,
        file: str | Path,
        reason: str,
        *,
        line: int | None = None,
        column: str | None = None,
        sheet: str | None = None,
        more: Sequence[InputError] = (),
        total: int | None = None,
    ) -> None:
        self.file = str(file)
        self.line = line
        self.column = column
        self.sheet = sheet
        self.reason = reason
        self.more = tuple(more)
        self.total = max(total or 0, 1 + len(self.more))
        super().__init__(self._format())

    @classmethod
    def of_many(cls, problems: Sequence[InputError], total: int | None = None) -> InputError:
        """One error for several problems of one file (in file order): the first is the
        headline, the next up to :data:`MAX_REPORTED` - 1 follow it, and ``total`` (the
        number found, default ``len(problems)``) is counted in the message."""
        shown = list(problems[:MAX_REPORTED])
        head = shown[0]
        return cls(
            head.file,
            head.reason,
            line=head.line,
            column=head.column,
            sheet=head.sheet,
            more=shown[1:],
            total=len(problems) if total is None else total,
        )

    def _format(self) -> str:
        where = self.file
        if self.sheet is not None:
            where += f"[{self.sheet}]"
        if self.line is not None:
            where += f":{self.line}"
        col = f" column '{self.column}':" if self.column is not None else ""
        text = f"{where}:{col} {self.reason}"
        if not self.more:
            return text
        lines = [text, *(str(e) for e in self.more)]
        shown = len(lines)
        tail = (
            f"{self.total} problems in all; the first {shown} are shown"
            if self.total > shown
            else f"{self.total} problems in all"
        )
        return "\n".join(lines) + f"\n{self.file}: {tail}"


class QualityError(SkillsError):
    """One or more data-quality expectations of severity ``error`` failed."""

    exit_code = 1

    def __init__(self, message: str, report: object | None = None) -> None:
        self.report = report
        super().__init__(message)


class ExtensionError(SkillsError):
    """An extra analysis (``[analyses.<name>]`` of a pipeline spec) failed in its own code.

    It raised, returned something other than an
    :class:`~skills.extensions.AnalysisResult`, or returned rows that break the contract
    (undeclared indicator ids, wrong columns, a table name that is taken). Nothing is
    published; exit code 3, as for any fault in code.

    Attributes
    ----------
    analysis
        The analysis' name (``<name>`` of ``[analyses.<name>]``).
    function
        Its import path, ``package.module:function``.
    reason
        What went wrong, in words.
    details
        The traceback of the extension's exception, when it raised (for the failure
        report, ``DIR/failures/<run_id>/error.txt``).
    """

    exit_code = 3

    def __init__(
        self,
        analysis: str,
        function: str,
        reason: str,
        *,
        file: str | Path | None = None,
        details: str | None = None,
    ) -> None:
        self.analysis = analysis
        self.function = function
        self.reason = reason
        self.details = details
        self.file = str(file) if file is not None else None
        where = f"[analyses.{analysis}] function = {function!r}"
        text = f"{where}: {reason}"
        super().__init__(f"{self.file}: {text}" if self.file else text)
