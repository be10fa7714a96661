"""Fetch Eurostat datasets as SDMX-CSV over HTTP, through an on-disk cache, with an offline mode.

What the fetcher talks to (Eurostat's dissemination API, SDMX 2.1 REST)
-----------------------------------------------------------------------
These notes follow Eurostat's API help pages, read while this module was written:

* Data query: ``{base}/sdmx/2.1/data/{DATASET}/{key}?format=SDMX-CSV&startPeriod=..&endPeriod=..``
  where ``{base}`` is ``https://ec.europa.eu/eurostat/api/dissemination``. ``format=SDMX-CSV``
  gives "SDMX-CSV 1.0 flat format"; ``compressed=true`` would give a ``.gz`` file (this module
  asks for HTTP ``Accept-Encoding: gzip`` instead and stores the file uncompressed). The key is
  "the combination of dimension values identifying the slice of the cube"; "wildcarding is
  supported via entering no value". Eurostat's examples write the dataset code in upper case
  (``.../data/NAMA_10_GDP``, ``.../data/BOP_EU6_M?format=TSV&compressed=true``).
  (*API - Detailed guidelines - SDMX2.1 API - data query*,
  https://ec.europa.eu/eurostat/web/user-guides/data-browser/api-data-access/api-detailed-guidelines/sdmx2-1/data-query;
  *Transition from Bulk Download to API - Differences to consider*, https://wikis.ec.europa.eu/x/DeyhAg.)
* Key syntax: "a dot ('.') separated list of dimension filtered values" in the order of the
  dimensions' positions; unfiltered dimensions are left empty (``.CP_MEUR.B1GQ.LU``); the OR of
  several values is written with ``+`` (``A.CP_MEUR.B1GQ.BE+LU``). Time is filtered with
  ``startPeriod`` / ``endPeriod`` (``YYYY``, ``YYYY-Qn``, ``YYYY-MM``, ...).
  (*API SDMX 2.1 - data filtering*, https://wikis.ec.europa.eu/pages/viewpage.action?pageId=44165592.)
  The dimension order is the ``position`` of each ``Dimension`` in the dataset's data structure
  definition (*SDMX Web Services - examples of queries*,
  https://ec.europa.eu/eurostat/web/sdmx-web-services/example-queries), which is served by the
  structure query ``{base}/sdmx/2.1/datastructure/ESTAT/{DATASET}``
  (*SDMX2.1 API - structure queries*,
  https://ec.europa.eu/eurostat/web/user-guides/data-browser/api-data-access/api-detailed-guidelines/sdmx2-1/structure-queries).
* Errors: a key with a code the dataset does not have is rejected with HTTP 400 and an XML
  ``S:Fault`` body (``INVALID_QUERY_DIMENSION_VALUE``) (*API - FAQ*,
  https://wikis.ec.europa.eu/x/5giyBQ). An extraction too big to prepare is HTTP 413 with
  ``EXTRACTION_TOO_BIG: ... please change your filters``; a large one may be answered
  *asynchronously*: HTTP 200 whose body is not the data but an XML message with a key and a
  status (``SUBMITTED``, ``PROCESSING``, ``AVAILABLE``, ``EXPIRED``) to be polled on the ASYNC
  endpoint; Eurostat answers an identical, already prepared request from its own cache
  (*API - Detailed guidelines - Asynchronous API*,
  https://ec.europa.eu/eurostat/web/user-guides/data-browser/api-data-access/api-detailed-guidelines/asynchronous-api).
  This module does not poll: it raises :class:`EurostatAsyncError` with the request id and the
  status and data URLs (``{base}/1.0/async/status/{id}``, ``{base}/1.0/async/data/{id}``), or
  serves the cached copy when there is one.
* Vintage: datasets are updated twice a day (11:00 and 23:00 CET) and "there is no versioning"
  (*API - Introduction*,
  https://ec.europa.eu/eurostat/web/user-guides/data-browser/api-data-access/api-introduction).
  The SDMX-CSV column ``LAST UPDATE`` (``30/06/26 11:00:00``: day/month/2-digit year) is the
  only vintage stamp, and this cache is the only record of what a run used.

The cache
---------
``cache_dir/<dataset>/<hash16>.csv`` is the SDMX-CSV body as received (decompressed if it was
sent gzip-encoded); ``<hash16>.json`` beside it records the URL, the download time, the
SHA-256, the size, ``LAST UPDATE``, the HTTP validators (``ETag``, ``Last-Modified``) and the
request. ``hash16`` is the first 16 hex digits of the SHA-256 of the normalised request
(dataset, key, start and end period, base URL). The data structure definition used to turn
``filters`` into a key is cached the same way as ``structure-<hash16>.xml`` / ``.json``.
Every write goes to a temporary file in the same folder, is fsynced and then moved over the
old file with :func:`os.replace`, so a broken download never replaces a good copy; a copy
whose bytes no longer match the SHA-256 in its sidecar is ignored.

Environment variables
---------------------
``SKILLS_EUROSTAT_BASE_URL`` (another API root, e.g. a mirror or a test server),
``SKILLS_OFFLINE=1`` (never touch the network), ``SKILLS_CACHE_DIR`` / ``XDG_CACHE_HOME``
(cache location, see :func:`default_cache_dir`); proxies come from the usual
``HTTPS_PROXY`` / ``NO_PROXY`` variables (read by :mod:`urllib.request`).
"""

from __future__ import annotations

import contextlib
import csv
import email.utils
import hashlib
import http.client
import json
import logging
import os
import re
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

from skills._version import __version__
from skills.errors import ConfigError, InputError, SkillsError

__all__ = [
    "DEFAULT_BASE_URL",
    "EurostatAsyncError",
    "EurostatNotCachedError",
    "EurostatRequestError",
    "EurostatUnavailableError",
    "FetchResult",
    "dataset_dimensions",
    "dataset_url",
    "default_cache_dir",
    "fetch_eurostat",
]

DEFAULT_BASE_URL = "https://ec.europa.eu/eurostat/api/dissemination"

logger = logging.getLogger("skills.sources.eurostat")

#: How long a cached data structure definition is trusted without asking again, when the
#: caller gives no ``max_age`` (structures change rarely; data twice a day).
STRUCTURE_MAX_AGE = timedelta(days=1)

_MAX_RETRY_AFTER = 120.0  # seconds: the most a Retry-After header can make us wait
_CHUNK = 1 << 16
_ERROR_BODY_CHARS = 300
_ASYNC_STATES = frozenset({"SUBMITTED", "PROCESSING", "QUEUED", "AVAILABLE", "EXPIRED"})
_SCHEMA = "skills.eurostat-cache/1"
_USER_AGENT = f"skills/{__version__} (labour-market analytics; Python urllib)"

_DATASET_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_$-]*$")
_CODE_RE = re.compile(r"^[A-Za-z0-9_$@*-]+$")
_PERIOD_RE = re.compile(r"^[0-9]{4}[A-Za-z0-9/-]*$")
_TRUE = frozenset({"1", "true", "yes", "on"})

# Module-level hooks so tests can stand in for the clock and for sleeping between retries.
_sleep: Callable[[float], None] = time.sleep


def _utcnow() -> datetime:
    return datetime.now(UTC)


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


class EurostatRequestError(ConfigError):
    """Eurostat refused the request (HTTP 4xx other than 429): bad code, bad key, too big.

    Attributes
    ----------
    url
        The URL requested.
    status
        The HTTP status code.
    body
        The first 300 characters of Eurostat's answer (an XML ``S:Fault`` or JSON message).
    """

    def __init__(self, url: str, status: int, body: str, hint: str = "") -> None:
        self.url = url
        self.status = status
        self.body = body
        message = f"Eurostat answered HTTP {status}"
        message += f": {body}" if body else " with an empty body"
        if hint:
            message += f" ({hint})"
        super().__init__(message, file=url)


class EurostatNotCachedError(ConfigError):
    """Offline, and the cache holds no copy of the request (nor, with ``filters``, the
    dataset's structure definition). A :class:`ConfigError` (exit 2): fill the cache or
    give a local file."""


#: How to get a dataset that is not cached, in words the CLI and the spec accept.
_FILL_HINT = (
    "Fill the cache once with network access (`skills fetch {code}` with the source's "
    "filters as --filter DIM=VALUE,... and its periods as --start/--end, or the same "
    "`skills refresh` without --offline), point SKILLS_CACHE_DIR at a cache "
    "that has it, or read a local Eurostat file instead: `skills refresh --eurostat-dir DIR` "
    'or `eurostat_dir = "DIR"` under [pipeline] (a file named {code}.tsv, {code}.csv or '
    '{code}_*.tsv in DIR), or `path = "FILE"` in the source.'
)


class EurostatUnavailableError(SkillsError):
    """Eurostat could not be reached (network, timeout, HTTP 429/5xx after the retries).

    Raised only when there is no cached copy to fall back on. The exit code is the one of
    an unexpected fault (3): the run may succeed later, or offline with a filled cache.
    """

    def __init__(self, url: str, reason: str, message: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {message}")


class EurostatAsyncError(EurostatUnavailableError):
    """Eurostat chose to prepare the extraction asynchronously instead of answering now.

    Attributes
    ----------
    request_id
        Eurostat's key for the queued extraction (``None`` if the answer had none).
    status
        The status Eurostat gave (``SUBMITTED``, ``PROCESSING``, ...).
    status_url, data_url
        Where the status can be polled and the prepared file downloaded.
    """

    def __init__(
        self, url: str, request_id: str | None, status: str, base_url: str, what: str
    ) -> None:
        self.request_id = request_id
        self.status = status
        ident = request_id or "<none given>"
        self.status_url = f"{base_url}/1.0/async/status/{ident}"
        self.data_url = f"{base_url}/1.0/async/data/{ident}"
        message = (
            f"Eurostat is preparing this extraction asynchronously (status {status}, "
            f"request id {ident}) instead of sending the data, and there is no cached copy "
            f"of {what}. Run the same fetch again in a few minutes (Eurostat answers an "
            f"identical, prepared request from its own cache), or download {self.data_url} "
            f"once {self.status_url} says AVAILABLE, or narrow the key or the period so "
            "that Eurostat answers at once."
        )
        super().__init__(url, f"asynchronous answer ({status})", message)


# --------------------------------------------------------------------------- public API


def default_cache_dir() -> Path:
    """Return the folder where Eurostat downloads are cached.

    ``$SKILLS_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/skills/eurostat``, else
    ``~/.cache/skills/eurostat``. Empty variables count as unset, and a relative
    ``XDG_CACHE_HOME`` is ignored, as the XDG base-directory specification asks.
    """
    env = os.environ.get("SKILLS_CACHE_DIR", "").strip()
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "skills" / "eurostat"
    return Path.home() / ".cache" / "skills" / "eurostat"


def dataset_url(
    dataset: str,
    *,
    key: str | None = None,
    start_period: str | None = None,
    end_period: str | None = None,
    base_url: str | None = None,
) -> str:
    """Return the SDMX 2.1 data-query URL for a dataset as SDMX-CSV.

    Parameters
    ----------
    dataset
        Dataset code in any case (``"lfsa_egai2d"``); it is written upper-case in the URL,
        as in Eurostat's examples.
    key
        Dot-separated key in the dataset's dimension order: an empty segment selects every
        value, ``+`` joins several (``"A.PC.T.Y_GE15.ITC1+ITC11"``). ``None`` or ``""``: the
        whole dataset.
    start_period, end_period
        ``startPeriod`` / ``endPeriod`` (``"2015"``, ``"2015-Q1"``, ``"2015-01"``).
    base_url
        API root; default ``$SKILLS_EUROSTAT_BASE_URL``, else :data:`DEFAULT_BASE_URL`.

    Returns
    -------
    str
        ``{base}/sdmx/2.1/data/{DATASET}[/{key}]?format=SDMX-CSV[&startPeriod=..][&endPeriod=..]``

    Raises
    ------
    ConfigError
        A malformed dataset code, key or period, or a base URL that is not http(s).

    Examples
    --------
    >>> dataset_url("lfsa_egai2d", key="A.OC2.Y15-74.T.THS_PER.IT", start_period="2020",
    ...             base_url="https://ec.europa.eu/eurostat/api/dissemination")
    'https://ec.europa.eu/eurostat/api/dissemination/sdmx/2.1/data/LFSA_EGAI2D/A.OC2.Y15-74.T.THS_PER.IT?format=SDMX-CSV&startPeriod=2020'
    """
    code = _check_dataset(dataset)
    base = _resolve_base_url(base_url)
    url = f"{base}/sdmx/2.1/data/{code.upper()}"
    if key:
        _check_key(key)
        url += "/" + urllib.parse.quote(key, safe=".+-_$@*")
    params = {"format": "SDMX-CSV"}
    if start_period is not None:
        params["startPeriod"] = _check_period(start_period, "start_period")
    if end_period is not None:
        params["endPeriod"] = _check_period(end_period, "end_period")
    return url + "?" + urllib.parse.urlencode(params)


def dataset_dimensions(
    dataset: str,
    *,
    cache_dir: Path | None = None,
    offline: bool = False,
    max_age: timedelta | None = None,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 1.0,
    base_url: str | None = None,
) -> tuple[str, ...]:
    """Return a dataset's dimension ids in key order (``TIME_PERIOD`` excluded).

    They are read from the data structure definition
    (``{base}/sdmx/2.1/datastructure/ESTAT/{DATASET}``), cached beside the data. A cached
    structure younger than ``max_age`` (default :data:`STRUCTURE_MAX_AGE`) is used without
    asking Eurostat; offline, the cached one is used whatever its age.

    Raises
    ------
    ConfigError
        Offline with no cached structure, or a malformed argument.
    InputError
        The answer is not a data structure definition with dimensions.
    EurostatRequestError, EurostatUnavailableError
        As for :func:`fetch_eurostat`.
    """
    code = _check_dataset(dataset)
    _check_options(timeout, retries, backoff)
    return _dimensions(
        code,
        root=Path(cache_dir) if cache_dir is not None else default_cache_dir(),
        base=_resolve_base_url(base_url),
        offline=offline or _env_offline(),
        max_age=max_age,
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        what=code,
    )


def fetch_eurostat(
    dataset: str,
    *,
    filters: Mapping[str, str | Sequence[str]] | None = None,
    key: str | None = None,
    start_period: str | None = None,
    end_period: str | None = None,
    cache_dir: Path | None = None,
    offline: bool = False,
    max_age: timedelta | None = None,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 1.0,
    base_url: str | None = None,
) -> FetchResult:
    """Fetch a Eurostat dataset (or a slice) as SDMX-CSV into the cache and return where it is.

    Parameters
    ----------
    dataset
        Dataset code, e.g. ``"lfsa_egai2d"`` (any case).
    filters
        Dimension id -> value or values, e.g. ``{"geo": ["IT", "EU27_2020"], "isco08":
        "OC2"}``; turned into a key in the dataset's dimension order, read from its data
        structure definition (fetched and cached). Dimension ids match case-insensitively.
    key
        A ready-made dot-separated key instead of ``filters`` (see :func:`dataset_url`).
    start_period, end_period
        Time filter (``startPeriod`` / ``endPeriod``).
    cache_dir
        Cache folder; default :func:`default_cache_dir`.
    offline
        Never touch the network; also switched on by ``SKILLS_OFFLINE=1``. The cached copy is
        served whatever its age.
    max_age
        A cached copy checked less than ``max_age`` ago is served without asking Eurostat.
        ``None``: always revalidate online (a conditional request with ``If-None-Match`` /
        ``If-Modified-Since`` when Eurostat sent validators, else a new download).
    timeout
        Seconds allowed for connecting and for each read.
    retries
        Further attempts after a connection error, a timeout, a cut-short body or HTTP
        429/5xx; waits ``backoff * 2**attempt`` seconds, or ``Retry-After`` (at most 120 s)
        when Eurostat sends a longer one.
    backoff
        Base wait in seconds (``0`` in tests).
    base_url
        API root; default ``$SKILLS_EUROSTAT_BASE_URL``, else :data:`DEFAULT_BASE_URL`.

    Returns
    -------
    FetchResult
        The cached file and its provenance.

    Raises
    ------
    ConfigError
        Both ``key`` and ``filters``; an unknown dimension in ``filters``; a malformed
        argument; offline mode with no cached copy.
    EurostatRequestError
        Eurostat refused the request (HTTP 4xx other than 429, including 413 "too big").
        A subclass of :class:`ConfigError`.
    InputError
        The answer is not SDMX-CSV (e.g. an HTML error page).
    EurostatUnavailableError
        The network or Eurostat failed after the retries and nothing is cached
        (:class:`EurostatAsyncError` when Eurostat queued the extraction instead).

    Notes
    -----
    When the network fails (or Eurostat answers asynchronously) and a cached copy exists,
    that copy is returned with ``from_cache=True`` and a warning is logged on the
    ``skills.sources.eurostat`` logger.
    """
    code = _check_dataset(dataset)
    if key is not None and filters is not None:
        raise ConfigError(
            f"fetch_eurostat({code!r}): give either key= or filters=, not both "
            f"(key={key!r}, filters={dict(filters)!r})"
        )
    _check_options(timeout, retries, backoff)
    start = _check_period(start_period, "start_period") if start_period is not None else None
    end = _check_period(end_period, "end_period") if end_period is not None else None
    base = _resolve_base_url(base_url)
    is_offline = offline or _env_offline()
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    what = _describe(code, key, filters, start, end)

    if filters:  # an empty mapping selects the whole dataset, like no key
        dims = _dimensions(
            code,
            root=root,
            base=base,
            offline=is_offline,
            max_age=max_age,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            what=what,
        )
        key = _key_from_filters(filters, dims, code)
    norm_key = _normalise_key(key) if key else None
    url = dataset_url(code, key=norm_key, start_period=start, end_period=end, base_url=base)
    digest = _request_hash(code, norm_key, start, end, base)
    slot = _Slot(root / code, digest, ".csv")
    cached = _load_meta(slot)

    if is_offline:
        if cached is None:
            raise EurostatNotCachedError(
                f"offline mode (--offline or SKILLS_OFFLINE=1) and no cached copy of "
                f"{what} in {root} (looked for {slot.body.name}). " + _FILL_HINT.format(code=code)
            )
        logger.info(
            "offline: serving %s from the cache (%s), downloaded %s, %s old",
            what,
            slot.body,
            cached.get("fetched_at"),
            _format_age(_age(cached, "fetched_at")),
        )
        return _result(code, slot, cached, from_cache=True)

    if cached is not None and max_age is not None and _age(cached) <= max_age:
        logger.info(
            "using the cached copy of %s (checked %s ago, max_age %s)",
            what,
            _format_age(_age(cached)),
            _format_age(max_age),
        )
        return _result(code, slot, cached, from_cache=True)

    base_meta: dict[str, Any] = {
        "schema": _SCHEMA,
        "kind": "data",
        "dataset": code,
        "format": "SDMX-CSV",
        "key": norm_key,
        "filters": _filters_for_json(filters),
        "start_period": start,
        "end_period": end,
        "base_url": base,
        "request_hash": digest,
    }
    try:
        meta, downloaded = _refresh(
            slot,
            url,
            cached,
            base_meta,
            _validate_sdmx_csv,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
        )
    except _AsyncPendingError as exc:
        if cached is None:
            raise EurostatAsyncError(url, exc.request_id, exc.status, base, what) from None
        _warn_fallback(what, f"Eurostat answered asynchronously ({exc.status})", cached)
        return _result(code, slot, cached, from_cache=True)
    except _UnavailableError as exc:
        if cached is None:
            raise EurostatUnavailableError(
                url,
                exc.reason,
                f"Eurostat could not be reached after {retries + 1} attempt(s) "
                f"({exc.reason}) and there is no cached copy of {what} in {root}. Check the "
                "network (or the proxy: HTTPS_PROXY), try again later, or run offline "
                "(SKILLS_OFFLINE=1) with a filled cache.",
            ) from None
        _warn_fallback(what, exc.reason, cached)
        return _result(code, slot, cached, from_cache=True)

    if downloaded:
        logger.info(
            "downloaded %s: %d bytes, LAST UPDATE %s, into %s",
            what,
            meta["bytes"],
            meta.get("last_update"),
            slot.body,
        )
    else:
        logger.info("Eurostat says the cached copy of %s is current (HTTP 304)", what)
    return _result(code, slot, meta, from_cache=not downloaded)


# --------------------------------------------------------------------------- checks


def _check_dataset(dataset: str) -> str:
    text = dataset.strip() if isinstance(dataset, str) else ""
    if not _DATASET_RE.match(text):
        raise ConfigError(
            f"{dataset!r} is not a Eurostat dataset code (letters, digits, '_' or '-', "
            "starting with a letter, e.g. 'lfsa_egai2d')"
        )
    return text.lower()


def _check_key(key: str) -> None:
    for segment in key.split("."):
        for value in segment.split("+") if segment else []:
            if not _CODE_RE.match(value):
                raise ConfigError(
                    f"key {key!r}: {value!r} is not a Eurostat code; a key is dimension "
                    "values joined by '.', with '+' between alternatives (e.g. "
                    "'A.PC.T.Y_GE15.ITC1+ITC11')"
                )


def _check_period(value: str, name: str) -> str:
    text = str(value).strip()
    if not _PERIOD_RE.match(text):
        raise ConfigError(
            f"{name}={value!r} is not a Eurostat period (e.g. '2015', '2015-Q1', '2015-01')"
        )
    return text


def _check_options(timeout: float, retries: int, backoff: float) -> None:
    if not timeout > 0:
        raise ConfigError(f"timeout must be a positive number of seconds, not {timeout!r}")
    if retries < 0:
        raise ConfigError(f"retries must be 0 or more, not {retries!r}")
    if backoff < 0:
        raise ConfigError(f"backoff must be 0 or more seconds, not {backoff!r}")


def _resolve_base_url(base_url: str | None) -> str:
    base = base_url or os.environ.get("SKILLS_EUROSTAT_BASE_URL", "").strip() or DEFAULT_BASE_URL
    parts = urllib.parse.urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        source = "base_url" if base_url else "SKILLS_EUROSTAT_BASE_URL"
        raise ConfigError(
            f"{source}={base!r} is not an http(s) URL (expected e.g. {DEFAULT_BASE_URL!r})"
        )
    return base.rstrip("/")


def _env_offline() -> bool:
    return os.environ.get("SKILLS_OFFLINE", "").strip().lower() in _TRUE


# --------------------------------------------------------------------------- keys


def _normalise_key(key: str) -> str:
    """Strip blanks, sort and de-duplicate the values of each segment (OR is unordered)."""
    segments = []
    for segment in key.strip().split("."):
        values = sorted({v.strip() for v in segment.split("+") if v.strip()})
        segments.append("+".join(values))
    return ".".join(segments)


def _key_from_filters(
    filters: Mapping[str, str | Sequence[str]], dims: tuple[str, ...], dataset: str
) -> str:
    position = {dim.upper(): i for i, dim in enumerate(dims)}
    segments: list[list[str]] = [[] for _ in dims]
    used: dict[int, str] = {}
    for name, wanted in filters.items():
        index = position.get(str(name).strip().upper())
        if index is None:
            raise ConfigError(
                f"filters for {dataset}: unknown dimension {name!r}; the valid ones, in key "
                f"order, are: {', '.join(dims)} (time is filtered with start_period / "
                "end_period)"
            )
        if index in used:
            raise ConfigError(
                f"filters for {dataset}: {used[index]!r} and {name!r} name the same dimension"
            )
        used[index] = str(name)
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        cleaned = sorted({str(v).strip() for v in values})
        if not cleaned or "" in cleaned:
            raise ConfigError(
                f"filters for {dataset}: dimension {name!r} has an empty value list "
                f"({wanted!r}); leave the dimension out to select all its values"
            )
        for value in cleaned:
            if not _CODE_RE.match(value):
                raise ConfigError(
                    f"filters for {dataset}: {value!r} (dimension {name!r}) is not a Eurostat code"
                )
        segments[index] = cleaned
    return ".".join("+".join(values) for values in segments)


def _filters_for_json(
    filters: Mapping[str, str | Sequence[str]] | None,
) -> dict[str, list[str]] | None:
    if filters is None:
        return None
    return {
        str(k): sorted([v] if isinstance(v, str) else [str(x) for x in v])
        for k, v in filters.items()
    }


def _describe(
    dataset: str,
    key: str | None,
    filters: Mapping[str, str | Sequence[str]] | None,
    start: str | None,
    end: str | None,
) -> str:
    parts = [dataset]
    if key:
        parts.append(f"key {key!r}")
    if filters:
        parts.append(f"filters {_filters_for_json(filters)!r}")
    if start or end:
        parts.append(f"periods {start or '...'} to {end or '...'}")
    return " + ".join(parts)


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


def _dims_of(meta: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(d) for d in meta.get("dimensions", ()))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _dimensions_from_dsd(root: ET.Element) -> tuple[str, ...]:
    for element in root.iter():
        if _local(element.tag) != "DimensionList":
            continue
        found: list[tuple[str, str | None]] = []
        for child in element:
            if _local(child.tag) not in ("Dimension", "MeasureDimension"):
                continue
            dim_id = child.get("id")
            if dim_id and dim_id.upper() != "TIME_PERIOD":
                found.append((dim_id, child.get("position")))
        if found and all(pos is not None and pos.isdigit() for _, pos in found):
            found.sort(key=lambda item: int(item[1] or 0))
        if found:
            return tuple(dim_id for dim_id, _ in found)
    return ()


def _validate_structure(path: Path, url: str) -> dict[str, Any]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise InputError(
            url, f"the data structure definition is not XML ({exc}): {_head(path)!r}"
        ) from exc
    dims = _dimensions_from_dsd(root)
    if not dims:
        raise InputError(
            url,
            "the answer has no DimensionList/Dimension: not a data structure definition "
            f"({_head(path)!r})",
        )
    return {"dimensions": list(dims)}


# --------------------------------------------------------------------------- validating data


def _validate_sdmx_csv(path: Path, url: str) -> dict[str, Any]:
    head = _head(path, 4096)
    stripped = head.lstrip("\ufeff").lstrip()
    if stripped.startswith("<"):
        pending = _async_info(path)
        if pending is not None:
            raise _AsyncPendingError(*pending)
    first_line = stripped.split("\n", 1)[0].rstrip("\r")
    columns = [c.strip().strip('"') for c in first_line.split(",")]
    if "OBS_VALUE" not in columns or not {"DATAFLOW", "STRUCTURE"} & set(columns):
        kind = "an HTML page" if "<html" in head[:1000].lower() else "not SDMX-CSV"
        raise InputError(
            url,
            f"the answer is {kind}: its first line has no DATAFLOW (or STRUCTURE) and "
            f"OBS_VALUE columns; it starts with {head[:_ERROR_BODY_CHARS]!r}",
            line=1,
        )
    last_update, rows = _scan_last_update(path, url)
    return {"last_update": last_update, "rows": rows}


def _scan_last_update(path: Path, label: str) -> tuple[str | None, int]:
    """Return the latest ``LAST UPDATE`` in an SDMX-CSV file (ISO 8601) and its row count."""
    seen: set[str] = set()
    rows = 0
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        index = header.index("LAST UPDATE") if "LAST UPDATE" in header else None
        for row in reader:
            if not row:
                continue
            rows += 1
            if index is not None and index < len(row) and row[index]:
                seen.add(row[index])
    stamps = []
    for text in seen:
        parsed = _parse_last_update(text)
        if parsed is None:
            logger.warning("%s: LAST UPDATE %r is not a date; it is ignored", label, text)
        else:
            stamps.append(parsed)
    return (max(stamps).isoformat() if stamps else None), rows


def _parse_last_update(text: str) -> datetime | None:
    """Parse Eurostat's ``LAST UPDATE`` (``30/06/26 11:00:00``: day/month/2-digit year)."""
    for fmt in ("%d/%m/%y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    return None


def _async_info(path: Path) -> tuple[str | None, str] | None:
    """Return (request id, status) if the file is Eurostat's asynchronous-delivery answer."""
    if path.stat().st_size > 1 << 20:
        return None
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return None
    status: str | None = None
    request_id: str | None = None
    for element in root.iter():
        name = _local(element.tag).lower()
        text = (element.text or "").strip()
        if not text:
            continue
        if name == "status" and status is None:
            status = text.upper()
        elif name in ("id", "key", "requestid", "uuid") and request_id is None:
            request_id = text
    if status in _ASYNC_STATES:
        return request_id, status
    return None


def _head(path: Path, size: int = _ERROR_BODY_CHARS) -> str:
    with path.open("rb") as fh:
        return fh.read(size).decode("utf-8", errors="replace")


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
    digest, size = _sha256_file(slot.body)
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


def _sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


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
    return max(_utcnow() - when, timedelta(0))


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


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a fsynced temporary file and :func:`os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(name).replace(path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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
    now = _iso(_utcnow())
    if download is None:
        if cached is None:  # a 304 we did not ask for
            raise _UnavailableError("HTTP 304 Not Modified to an unconditional request")
        meta = {**cached, "checked_at": now}
        _write_atomic(slot.meta, _dump(meta))
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
        _write_atomic(slot.meta, _dump(meta))
    finally:
        download.path.unlink(missing_ok=True)
    return meta, True


def _dump(meta: Mapping[str, Any]) -> bytes:
    return (json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


# --------------------------------------------------------------------------- HTTP


class _TransferError(Exception):
    """One attempt failed in transit (broken connection, cut-short or corrupt body)."""


class _UnavailableError(Exception):
    """Every attempt failed for a reason worth retrying later (network, 429, 5xx)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class _AsyncPendingError(Exception):
    """Eurostat answered with an asynchronous-delivery message instead of the data."""

    def __init__(self, request_id: str | None, status: str) -> None:
        self.request_id = request_id
        self.status = status
        super().__init__(f"{status} ({request_id})")


@dataclass(frozen=True)
class _Downloaded:
    path: Path  # a temporary file beside the final one, fsynced
    sha256: str
    size: int
    headers: Message


def _download(
    url: str,
    folder: Path,
    conditional: Mapping[str, str],
    *,
    timeout: float,
    retries: int,
    backoff: float,
) -> _Downloaded | None:
    """GET ``url`` into a temporary file in ``folder``, with retries; ``None`` means HTTP 304."""
    headers = {"Accept-Encoding": "gzip", "User-Agent": _USER_AGENT, **conditional}
    opener = urllib.request.build_opener()
    reason = "no attempt made"
    for attempt in range(retries + 1):
        delay = backoff * 2**attempt
        request = urllib.request.Request(url, headers=headers, method="GET")
        try:
            with opener.open(request, timeout=timeout) as response:
                return _stream_to_temp(response, folder, url)
        except urllib.error.HTTPError as exc:
            try:
                if exc.code == 304:
                    return None
                body = _error_body(exc)
            finally:
                exc.close()
            if exc.code != 429 and exc.code < 500:
                raise EurostatRequestError(url, exc.code, body, _hint(exc.code)) from None
            reason = f"HTTP {exc.code}" + (f": {body}" if body else "")
            wait = _retry_after(exc.headers.get("Retry-After"))
            if wait is not None:
                delay = max(delay, min(wait, _MAX_RETRY_AFTER))
        except urllib.error.URLError as exc:
            reason = f"cannot connect: {exc.reason}"
        except (TimeoutError, ConnectionError, http.client.HTTPException) as exc:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if isinstance(exc, TimeoutError):
                reason = f"no answer within {timeout:g} s"
        except _TransferError as exc:
            reason = str(exc)
        if attempt < retries:
            logger.warning(
                "Eurostat request failed (%s); retry %d of %d in %.3g s: %s",
                reason,
                attempt + 1,
                retries,
                delay,
                url,
            )
            if delay > 0:
                _sleep(delay)
    raise _UnavailableError(reason)


def _stream_to_temp(response: http.client.HTTPResponse, folder: Path, url: str) -> _Downloaded:
    """Copy a response body (gunzipped if needed) to a fsynced temporary file in ``folder``."""
    encoding = (response.headers.get("Content-Encoding") or "").strip().lower()
    if encoding not in ("", "identity", "gzip", "x-gzip"):
        raise InputError(url, f"unsupported Content-Encoding {encoding!r} (gzip was asked for)")
    expected = _content_length(response.headers.get("Content-Length"))
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix=".download-", suffix=".part")
    temp = Path(name)
    try:
        digest = hashlib.sha256()
        size = 0
        received = 0
        gunzip: _Gunzip | None = None
        with os.fdopen(fd, "wb") as fh:
            while True:
                try:
                    chunk = response.read(_CHUNK)
                except (OSError, http.client.HTTPException) as exc:
                    raise _TransferError(
                        f"the connection broke after {received} bytes ({exc!r})"
                    ) from exc
                if not chunk:
                    break
                if received == 0 and (encoding in ("gzip", "x-gzip") or chunk[:2] == b"\x1f\x8b"):
                    gunzip = _Gunzip()
                received += len(chunk)
                data = gunzip.feed(chunk) if gunzip is not None else chunk
                if data:
                    fh.write(data)
                    digest.update(data)
                    size += len(data)
            if expected is not None and received < expected:
                raise _TransferError(
                    f"the answer was cut short: {received} of {expected} bytes received"
                )
            if gunzip is not None:
                tail = gunzip.finish()
                if tail:
                    fh.write(tail)
                    digest.update(tail)
                    size += len(tail)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return _Downloaded(temp, digest.hexdigest(), size, response.headers)


class _Gunzip:
    """Incremental gzip decoder that notices a stream cut short (and multi-member files)."""

    def __init__(self) -> None:
        self._decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, data: bytes) -> bytes:
        out = []
        while data:
            try:
                out.append(self._decoder.decompress(data))
            except zlib.error as exc:
                raise _TransferError(f"the gzip stream is corrupt ({exc})") from exc
            if self._decoder.eof and self._decoder.unused_data:
                data = self._decoder.unused_data
                self._decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
            else:
                data = b""
        return b"".join(out)

    def finish(self) -> bytes:
        if not self._decoder.eof:
            raise _TransferError("the gzip stream ended early (the download was cut short)")
        return self._decoder.flush()


def _content_length(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _error_body(exc: urllib.error.HTTPError) -> str:
    try:
        raw = exc.read(64 * 1024)
    except (OSError, http.client.HTTPException):
        return ""
    if raw[:2] == b"\x1f\x8b":
        with contextlib.suppress(zlib.error):
            raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw)
    text = " ".join(raw.decode("utf-8", errors="replace").split())
    return text[:_ERROR_BODY_CHARS]


def _hint(status: int) -> str:
    if status == 400:
        return (
            "Eurostat rejects a key whose codes are not in the dataset or whose length does "
            "not match its dimensions; check the key or the filters"
        )
    if status == 404:
        return "check the dataset code; Eurostat also answers 404 when nothing matches the key"
    if status == 413:
        return (
            "the extraction is too big for Eurostat; narrow the key / filters or the period, "
            "or fetch it in parts"
        )
    return ""


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - _utcnow()).total_seconds(), 0.0)
