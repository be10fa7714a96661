"""One refresh per output folder at a time.

The lock is an advisory ``flock(2)`` on ``DIR/.lock``. The kernel releases it when the
process that holds it exits for any reason, SIGKILL included, so a lock left by a killed
run is never stale: the next run simply takes it. The file also records who holds the
lock (pid, host, start time, command) so that a second run can say who it is waiting
for. POSIX only (Linux, macOS).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from skills.errors import OutputDirError, SkillsError

__all__ = ["LockedError", "RefreshLock"]


class LockedError(SkillsError):
    """Another refresh holds the output folder's lock (exit code 4: try again later)."""

    exit_code = 4


class RefreshLock:
    """Exclusive lock on an output folder.

    Parameters
    ----------
    out_dir
        The output folder (created if missing).
    timeout
        Seconds to wait for a running refresh to finish; ``0`` fails at once.
    poll
        Seconds between attempts while waiting.
    """

    def __init__(self, out_dir: Path, *, timeout: float = 0.0, poll: float = 0.2) -> None:
        self.path = out_dir / ".lock"
        self.timeout = timeout
        self.poll = poll
        self._fd: int | None = None

    def holder(self) -> dict[str, Any] | None:
        """Who holds (or last held) the lock, as recorded in the lock file."""
        try:
            text = self.path.read_text(encoding="utf-8")
            data: dict[str, Any] = json.loads(text) if text.strip() else {}
        except (OSError, ValueError):
            return None
        return data or None

    def acquire(self) -> None:
        """Take the lock, waiting up to ``timeout`` seconds.

        Raises
        ------
        LockedError
            Another refresh holds the lock (exit code 4).
        skills.errors.OutputDirError
            ``DIR/.lock`` is not a regular file (a folder made by hand, ...): exit code 5,
            with the command that repairs it.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.is_symlink() or (self.path.exists() and not self.path.is_file()):
            kind = "a folder" if self.path.is_dir() else "not a regular file"
            raise OutputDirError(
                self.path,
                f"the lock file is {kind}; nothing was done. Remove it "
                f"(rm -r {self.path}) after checking no refresh is running, and rerun",
            )
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    who = self.holder() or {}
                    since = who.get("started", "?")
                    raise LockedError(
                        f"{self.path.parent}: another refresh is running (pid "
                        f"{who.get('pid', '?')} on {who.get('host', '?')}, since {since}); "
                        f"waited {self.timeout:g} s. Use --wait SECONDS to wait longer."
                    ) from None
                time.sleep(self.poll)
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join(sys.argv),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Release the lock (the file stays; its content says who held it last)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RefreshLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
