"""Named points in a refresh where tests can stop the process (no effect in production).

The kill tests set ``SKILLS_KILL_POINT`` to a glob (``publish:mid-write:*``) and
``SKILLS_KILL_MARKER`` to a file path; when the refresh reaches a matching point it writes
the point's name to the marker file and sleeps (``SKILLS_KILL_SLEEP`` seconds, default
120), so the test can SIGKILL or SIGTERM it exactly there. With the variables unset,
:func:`checkpoint` returns at once.
"""

from __future__ import annotations

import fnmatch
import os
import time
from pathlib import Path

__all__ = ["checkpoint"]


def checkpoint(name: str) -> None:
    """Pause at ``name`` if a test asked to (see the module docstring)."""
    pattern = os.environ.get("SKILLS_KILL_POINT")
    if not pattern or not fnmatch.fnmatchcase(name, pattern):
        return
    marker = os.environ.get("SKILLS_KILL_MARKER")
    if marker:
        # written beside and renamed: the test polls for the file, and must never see it
        # before its text is in it
        tmp = Path(f"{marker}.{os.getpid()}.tmp")
        tmp.write_text(name, encoding="utf-8")
        tmp.replace(marker)
    time.sleep(float(os.environ.get("SKILLS_KILL_SLEEP", "120")))
