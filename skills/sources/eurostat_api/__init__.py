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

Modules
-------
:mod:`~skills.sources.eurostat_api.fetch` (the public API and its argument checks),
:mod:`~skills.sources.eurostat_api.cache` (the on-disk cache),
:mod:`~skills.sources.eurostat_api.transfer` (HTTP), :mod:`~skills.sources.eurostat_api.sdmx`
(parsing what Eurostat sends), :mod:`~skills.sources.eurostat_api.errors` (the errors).
Import the public names from this package: the modules' layout is not part of the API.
"""

from __future__ import annotations

from skills.sources.eurostat_api._common import DEFAULT_BASE_URL, STRUCTURE_MAX_AGE
from skills.sources.eurostat_api.cache import FetchResult, default_cache_dir
from skills.sources.eurostat_api.errors import (
    EurostatAsyncError,
    EurostatNotCachedError,
    EurostatRequestError,
    EurostatUnavailableError,
)
from skills.sources.eurostat_api.fetch import dataset_dimensions, dataset_url, fetch_eurostat

__all__ = [
    "DEFAULT_BASE_URL",
    "STRUCTURE_MAX_AGE",
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
