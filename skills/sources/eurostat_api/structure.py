"""A dataset's data structure definition, fetched through the cache: the order of the
dimensions in an SDMX key (for turning ``filters`` into a key).

A cached definition younger than ``max_age`` is used without asking Eurostat; offline,
any cached one is; when Eurostat cannot be reached a cached one is used with a warning.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from skills.sources.eurostat_api._common import (
    _SCHEMA,
    STRUCTURE_MAX_AGE,
)
from skills.sources.eurostat_api.cache import (
    _age,
    _load_meta,
    _refresh,
    _Slot,
    _warn_fallback,
)
from skills.sources.eurostat_api.errors import (
    _FILL_HINT,
    EurostatNotCachedError,
    EurostatUnavailableError,
    _AsyncPendingError,
    _UnavailableError,
)
from skills.sources.eurostat_api.sdmx import _dims_of, _validate_structure

_DATASET_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_$-]*$")


# --------------------------------------------------------------------------- the structure


def _dimensions(
    code: str,
    *,
    root: Path,
    base: str,
    offline: bool,
    max_age: timedelta | None,
    timeout: float,
    retries: int,
    backoff: float,
    what: str,
) -> tuple[str, ...]:
    url = f"{base}/sdmx/2.1/datastructure/ESTAT/{code.upper()}"
    digest = hashlib.sha256(f"datastructure\n{code}\n{base}".encode()).hexdigest()[:16]
    slot = _Slot(root / code, f"structure-{digest}", ".xml")
    cached = _load_meta(slot)
    if offline:
        if cached is None:
            raise EurostatNotCachedError(
                f"offline mode (--offline or SKILLS_OFFLINE=1) and no cached copy of "
                f"{what}: even the data structure definition of {code}, needed to turn "
                f"filters into a key, is not cached in {root}. " + _FILL_HINT.format(code=code)
            )
        return _dims_of(cached)
    limit = max_age if max_age is not None else STRUCTURE_MAX_AGE
    if cached is not None and _age(cached) <= limit:
        return _dims_of(cached)
    base_meta: dict[str, Any] = {
        "schema": _SCHEMA,
        "kind": "datastructure",
        "dataset": code,
        "base_url": base,
    }
    try:
        meta, _ = _refresh(
            slot,
            url,
            cached,
            base_meta,
            _validate_structure,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
        )
    except (_UnavailableError, _AsyncPendingError) as exc:
        reason = (
            exc.reason if isinstance(exc, _UnavailableError) else f"asynchronous ({exc.status})"
        )
        if cached is None:
            raise EurostatUnavailableError(
                url,
                reason,
                f"could not read the data structure definition of {code} ({reason}), "
                f"needed to turn the filters of {what} into a key, and none is cached. "
                "Try again later, or read a local file: `skills refresh --eurostat-dir DIR` "
                f'or `path = "FILE"` in the source ({code}.tsv or {code}.csv in DIR).',
            ) from None
        _warn_fallback(f"the structure of {code}", reason, cached)
        return _dims_of(cached)
    return _dims_of(meta)
