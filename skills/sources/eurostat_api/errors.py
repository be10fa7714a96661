"""The errors :func:`~skills.sources.eurostat_api.fetch_eurostat` raises (public), and the
internal signals between the HTTP layer and the cache (private)."""

from __future__ import annotations

from skills.errors import ConfigError, SkillsError


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
