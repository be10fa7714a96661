"""Constants and test hooks shared by the modules of :mod:`skills.sources.eurostat_api`.

``_sleep`` and ``_utcnow`` are looked up here at call time (``_common._utcnow()``), so
that a test can stand in for the clock and for the waits between retries by patching
this one module.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from skills._version import __version__

DEFAULT_BASE_URL = "https://ec.europa.eu/eurostat/api/dissemination"


logger = logging.getLogger("skills.sources.eurostat")


#: How long a cached data structure definition is trusted without asking again, when the
#: caller gives no ``max_age`` (structures change rarely; data twice a day).
STRUCTURE_MAX_AGE = timedelta(days=1)


_CHUNK = 1 << 16


_ERROR_BODY_CHARS = 300


_SCHEMA = "skills.eurostat-cache/1"


_USER_AGENT = f"skills/{__version__} (labour-market analytics; Python urllib)"


_TRUE = frozenset({"1", "true", "yes", "on"})


# Module-level hooks so tests can stand in for the clock and for sleeping between retries.
_sleep: Callable[[float], None] = time.sleep


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
