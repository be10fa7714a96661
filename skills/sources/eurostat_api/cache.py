"""The on-disk cache: where it lives, one slot (body + JSON sidecar) per request, the
checksum check on read, atomic writes (:mod:`skills._fileio`), and a refresh of a slot
through :mod:`~skills.sources.eurostat_api.transfer`. The layout is described in
:mod:`skills.sources.eurostat_api`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from skills._fileio import atomic_write_bytes, cache_dir, file_sha256
from skills.errors import ConfigError
from skills.sources.eurostat_api import _common
from skills.sources.eurostat_api._common import _iso, logger
from skills.sources.eurostat_api.errors import _UnavailableError
from skills.sources.eurostat_api.transfer import _download

# --------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class FetchResult:
    """A Eurostat dataset (or a slice of it) held in the cache, with its provenance.

    Attributes
    ----------
    dataset
        Lower-case dataset code, e.g. ``"lfst_r_lfu3rt"``.
    path
        The cached SDMX-CSV file, uncompressed, byte for byte as Eurostat sent it.
    url
        The exact URL requested (or, when served from the cache, the one that produced it).
    sha256, bytes
        SHA-256 (hex) and size of ``path``.
    fetched_at
        ISO 8601 UTC time of the download (from the cache metadata when served from cache).
    from_cache
        ``True`` when no new body was downloaded by this call (fresh cache hit, HTTP 304,
        offline mode, or fallback after a network failure).
    last_update
        Eurostat's ``LAST UPDATE`` (the dataset's vintage) as ISO 8601 without a zone, as
        Eurostat writes it (the latest one if the file has several); ``None`` if absent.
    """

    dataset: str
    path: Path
    url: str
    sha256: str
    bytes: int
    fetched_at: str
    from_cache: bool
    last_update: str | None

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as JSON-ready values (``path`` as a string), for manifests."""
        out = asdict(self)
        out["path"] = str(self.path)
        return out


# --------------------------------------------------------------------------- public API


def default_cache_dir() -> Path:
    """Return the folder where Eurostat downloads are cached.

    ``$SKILLS_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/skills/eurostat``, else
    ``~/.cache/skills/eurostat``. Empty variables count as unset, and a relative
    ``XDG_CACHE_HOME`` is ignored, as the XDG base-directory specification asks.

    Raises :class:`~skills.errors.ConfigError` (exit 2) naming ``SKILLS_CACHE_DIR`` when
    none resolves (a service user without a home folder).
    """
    try:
        return cache_dir("eurostat", env_is_folder=True)
    except RuntimeError as exc:
        raise ConfigError(str(exc)) from exc


def _request_hash(
    dataset: str, key: str | None, start: str | None, end: str | None, base: str
) -> str:
    payload = json.dumps(
        {
            "base_url": base,
            "dataset": dataset,
            "end_period": end or "",
            "format": "SDMX-CSV",
            "key": key or "",
            "start_period": start or "",
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


# --------------------------------------------------------------------------- the cache


@dataclass(frozen=True)
class _Slot:
    """A cached body and its JSON sidecar: ``folder/<stem><suffix>`` and ``folder/<stem>.json``."""

    folder: Path
    stem: str
    suffix: str

    @property
    def body(self) -> Path:
        return self.folder / f"{self.stem}{self.suffix}"

    @property
    def meta(self) -> Path:
        return self.folder / f"{self.stem}.json"


def _load_meta(slot: _Slot) -> dict[str, Any] | None:
    """Return the sidecar of a cached copy, or ``None`` if absent or failing its checksum."""
    if not (slot.body.is_file() and slot.meta.is_file()):
        return None
    try:
        meta = json.loads(slot.meta.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        logger.warning("ignoring the cached copy %s: unreadable sidecar (%s)", slot.body, exc)
        return None
    if not isinstance(meta, dict):
        logger.warning("ignoring the cached copy %s: its sidecar is not an object", slot.body)
        return None
    digest, size = file_sha256(slot.body), slot.body.stat().st_size
    if digest != meta.get("sha256") or size != meta.get("bytes"):
        logger.warning(
            "ignoring the cached copy %s: its content (sha256 %s, %d bytes) does not match "
            "its sidecar (sha256 %s, %s bytes)",
            slot.body,
            digest,
            size,
            meta.get("sha256"),
            meta.get("bytes"),
        )
        return None
    return meta


def _result(code: str, slot: _Slot, meta: Mapping[str, Any], *, from_cache: bool) -> FetchResult:
    last_update = meta.get("last_update")
    return FetchResult(
        dataset=code,
        path=slot.body,
        url=str(meta["url"]),
        sha256=str(meta["sha256"]),
        bytes=int(meta["bytes"]),
        fetched_at=str(meta["fetched_at"]),
        from_cache=from_cache,
        last_update=str(last_update) if last_update is not None else None,
    )


def _age(meta: Mapping[str, Any], field: str = "checked_at") -> timedelta:
    """Time since the copy was last confirmed current (or downloaded, with ``fetched_at``)."""
    stamp = meta.get(field) or meta.get("fetched_at")
    try:
        when = datetime.fromisoformat(str(stamp))
    except ValueError:
        return timedelta.max
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(_common._utcnow() - when, timedelta(0))


def _format_age(age: timedelta) -> str:
    if age == timedelta.max:
        return "of unknown age"
    seconds = int(age.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} s"
    return f"{seconds} s"


def _warn_fallback(what: str, reason: str, cached: Mapping[str, Any]) -> None:
    logger.warning(
        "Eurostat could not be used for %s (%s); falling back on the cached copy "
        "downloaded %s (%s old)",
        what,
        reason,
        cached.get("fetched_at"),
        _format_age(_age(cached, "fetched_at")),
    )


def _refresh(
    slot: _Slot,
    url: str,
    cached: Mapping[str, Any] | None,
    base_meta: Mapping[str, Any],
    validate: Callable[[Path, str], dict[str, Any]],
    *,
    timeout: float,
    retries: int,
    backoff: float,
) -> tuple[dict[str, Any], bool]:
    """Download ``url`` into ``slot`` (conditionally if cached); return (sidecar, downloaded)."""
    conditional: dict[str, str] = {}
    if cached is not None:
        validators = cached.get("http") or {}
        if validators.get("etag"):
            conditional["If-None-Match"] = str(validators["etag"])
        if validators.get("last_modified"):
            conditional["If-Modified-Since"] = str(validators["last_modified"])
    download = _download(
        url, slot.folder, conditional, timeout=timeout, retries=retries, backoff=backoff
    )
    now = _iso(_common._utcnow())
    if download is None:
        if cached is None:  # a 304 we did not ask for
            raise _UnavailableError("HTTP 304 Not Modified to an unconditional request")
        meta = {**cached, "checked_at": now}
        atomic_write_bytes(slot.meta, _dump(meta))
        return meta, False
    try:
        extra = validate(download.path, url)
        headers = download.headers
        meta = {
            **base_meta,
            "url": url,
            "fetched_at": now,
            "checked_at": now,
            "sha256": download.sha256,
            "bytes": download.size,
            **extra,
            "http": {
                "status": 200,
                "etag": headers.get("ETag"),
                "last_modified": headers.get("Last-Modified"),
                "date": headers.get("Date"),
                "content_type": headers.get("Content-Type"),
                "content_encoding": headers.get("Content-Encoding"),
            },
        }
        download.path.replace(slot.body)
        atomic_write_bytes(slot.meta, _dump(meta))
    finally:
        download.path.unlink(missing_ok=True)
    return meta, True


def _dump(meta: Mapping[str, Any]) -> bytes:
    return (json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
