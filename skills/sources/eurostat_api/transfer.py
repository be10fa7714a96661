"""HTTP: one download with retries, ``Retry-After``, conditional requests and gzip,
streamed to a fsynced temporary file beside its destination (hashed on the way).

Eurostat's refusals become :class:`~skills.sources.eurostat_api.errors.EurostatRequestError`
(4xx other than 429); transient failures (network, timeout, 429, 5xx) are retried with
exponential back-off and then reported to the cache layer as ``_UnavailableError``.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from email.message import Message
from pathlib import Path

from skills.errors import InputError
from skills.sources.eurostat_api import _common
from skills.sources.eurostat_api._common import _CHUNK, _ERROR_BODY_CHARS, _USER_AGENT, logger
from skills.sources.eurostat_api.errors import (
    EurostatRequestError,
    _TransferError,
    _UnavailableError,
)

_MAX_RETRY_AFTER = 120.0  # seconds: the most a Retry-After header can make us wait


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
                _common._sleep(delay)
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
    return max((when - _common._utcnow()).total_seconds(), 0.0)
