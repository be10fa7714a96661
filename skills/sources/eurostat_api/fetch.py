"""The public fetch API: :func:`fetch_eurostat`, :func:`dataset_url` and
:func:`dataset_dimensions`, with the checks of their arguments and the turning of
``filters`` into an SDMX key (through the cached data structure definition).
"""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from skills.errors import ConfigError
from skills.sources.eurostat_api._common import (
    _SCHEMA,
    _TRUE,
    DEFAULT_BASE_URL,
    logger,
)
from skills.sources.eurostat_api.cache import (
    FetchResult,
    _age,
    _format_age,
    _load_meta,
    _refresh,
    _request_hash,
    _result,
    _Slot,
    _warn_fallback,
    default_cache_dir,
)
from skills.sources.eurostat_api.errors import (
    _FILL_HINT,
    EurostatAsyncError,
    EurostatNotCachedError,
    EurostatUnavailableError,
    _AsyncPendingError,
    _UnavailableError,
)
from skills.sources.eurostat_api.sdmx import _validate_sdmx_csv
from skills.sources.eurostat_api.structure import _dimensions

_DATASET_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_$-]*$")


_CODE_RE = re.compile(r"^[A-Za-z0-9_$@*-]+$")


_PERIOD_RE = re.compile(r"^[0-9]{4}[A-Za-z0-9/-]*$")


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
