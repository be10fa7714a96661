"""Tests of the Eurostat fetcher against a local HTTP server on 127.0.0.1.

The server replays a small SDMX-CSV body GENERATED here (:func:`sdmx_csv_body`, in the
layout of Eurostat's ``lfsa_egai2d`` answer: made-up values, the real dimension codes),
filtering its rows by the key and the period like Eurostat does; nothing is read from
../shared/data. The data structure definition it serves is a small, hand-written TEST
document (``TEST_DSD_XML`` below), not Eurostat's. Faults are scripted per request. An
autouse guard fails any test whose code tries to reach a non-loopback address.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from skills.errors import ConfigError, InputError
from skills.sources.eurostat_api import (
    DEFAULT_BASE_URL,
    EurostatAsyncError,
    EurostatRequestError,
    EurostatUnavailableError,
    FetchResult,
    _common,
    dataset_dimensions,
    dataset_url,
    default_cache_dir,
    fetch_eurostat,
    sdmx,
    transfer,
)

DATA_PATH = "/sdmx/2.1/data/LFSA_EGAI2D"
STRUCTURE_PATH = "/sdmx/2.1/datastructure/ESTAT/LFSA_EGAI2D"
IT_TOTAL = "A.TOTAL.Y15-74.T.THS_PER.IT"

# TEST DATA, written by hand for these tests: a minimal SDMX 2.1 structure message with the
# dimension order of lfsa_egai2d as its SDMX-CSV header shows it (freq, isco08, age, sex,
# unit, geo). It is not a copy of Eurostat's definition. The dimensions are listed out of
# order on purpose: the ``position`` attribute, not the document order, gives the key order.
TEST_DSD_XML = """<?xml version="1.0" encoding="UTF-8"?>
<m:Structure xmlns:m="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
             xmlns:s="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure">
  <m:Header><m:ID>TEST-ONLY</m:ID><m:Test>true</m:Test></m:Header>
  <m:Structures>
    <s:DataStructures>
      <s:DataStructure id="LFSA_EGAI2D" agencyID="ESTAT" version="1.0">
        <s:DataStructureComponents>
          <s:DimensionList id="DimensionDescriptor">
            <s:Dimension id="freq" position="1"/>
            <s:Dimension id="isco08" position="2"/>
            <s:Dimension id="geo" position="6"/>
            <s:Dimension id="age" position="3"/>
            <s:Dimension id="sex" position="4"/>
            <s:Dimension id="unit" position="5"/>
            <s:TimeDimension id="TIME_PERIOD" position="7"/>
          </s:DimensionList>
          <s:AttributeList id="AttributeDescriptor">
            <s:Attribute id="OBS_FLAG"/>
          </s:AttributeList>
        </s:DataStructureComponents>
      </s:DataStructure>
    </s:DataStructures>
  </m:Structures>
</m:Structure>
"""

# Eurostat's documented error shapes (S:Fault), reproduced as test answers.
FAULT_413 = (
    '<S:Fault xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><faultcode>413</faultcode>'
    "<faultstring>EXTRACTION_TOO_BIG: The requested extraction is too big, estimated "
    "420709314 rows, max authorised is 5000000, please change your filters to reduce the "
    "extraction size</faultstring></S:Fault>"
)
FAULT_404 = (
    '<S:Fault xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><faultcode>100</faultcode>'
    "<faultstring>No Results Found</faultstring></S:Fault>" + " padding" * 100
)
# The asynchronous-delivery answer. Its exact shape is NOT documented in what we found; this
# envelope (an id and a status) is an assumption, see the module docstring.
ASYNC_BODY = (
    '<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>'
    "<queued><id>98de05ea-540a-43d3-903b-7c9e14faf808</id><status>SUBMITTED</status>"
    "</queued></env:Body></env:Envelope>"
)
HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>Service maintenance</title></head>"
    "<body><h1>The site is under maintenance</h1></body></html>"
)
LAST_MODIFIED = "Tue, 30 Jun 2026 09:00:00 GMT"


# --------------------------------------------------------------------------- network guard


class NetworkGuardError(AssertionError):
    """Code under test tried to reach a non-loopback address."""


def _is_loopback(host: object) -> bool:
    text = str(host).strip("[]").lower()
    return text in {"localhost", "::1"} or text.startswith("127.")


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail the test if anything tries to connect (or resolve) beyond 127.0.0.1."""
    violations: list[str] = []

    def check(address: object) -> None:
        if isinstance(address, tuple) and address and not _is_loopback(address[0]):
            violations.append(repr(address))
            raise NetworkGuardError(f"test tried to reach {address!r}")

    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create = socket.create_connection
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        check(address)
        return real_create(address, *args, **kwargs)

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None:
            check((host, port))
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield violations
    assert not violations, f"code tried to reach non-loopback addresses: {violations}"


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[float]:
    """No proxies, no offline switch, a throw-away default cache; record retry waits."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.delenv("SKILLS_OFFLINE", raising=False)
    monkeypatch.delenv("SKILLS_EUROSTAT_BASE_URL", raising=False)
    monkeypatch.setenv("SKILLS_CACHE_DIR", str(tmp_path / "default-cache"))
    waits: list[float] = []
    monkeypatch.setattr(_common, "_sleep", waits.append)
    return waits


# --------------------------------------------------------------------------- fake Eurostat


@dataclass
class Recorded:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class ServerState:
    csv_text: str
    script: list[str] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    use_etag: bool = False
    gzip: bool = False

    def data_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith(DATA_PATH)]

    def structure_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == STRUCTURE_PATH]


def filter_rows(csv_text: str, key: str | None, query: dict[str, list[str]]) -> str:
    """Keep the rows of the body that match the key and period, as Eurostat would."""
    lines = csv_text.splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    wanted = [set(seg.split("+")) if seg else None for seg in key.split(".")] if key else []
    start = query.get("startPeriod", [None])[0]
    end = query.get("endPeriod", [None])[0]
    kept = [header]
    for line in rows:
        cells = next(csv.reader([line]))
        dims, period = cells[2:8], cells[8]
        if any(w is not None and dims[i] not in w for i, w in enumerate(wanted)):
            continue
        if (start and period < start) or (end and period > end):
            continue
        kept.append(line)
    return "".join(kept)


class FakeEurostatServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: ServerState) -> None:
        self.state = state
        super().__init__(("127.0.0.1", 0), FakeEurostatHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that time out leave broken pipes behind: expected, not worth a trace."""


class FakeEurostatHandler(BaseHTTPRequestHandler):
    server: FakeEurostatServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""

    def do_GET(self) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        state.requests.append(Recorded(parts.path, query, dict(self.headers.items())))
        if parts.path == STRUCTURE_PATH:
            self._send(200, TEST_DSD_XML.encode(), "application/xml")
        elif parts.path == DATA_PATH or parts.path.startswith(DATA_PATH + "/"):
            action = state.script.pop(0) if state.script else "ok"
            key = unquote(parts.path[len(DATA_PATH) + 1 :]) or None
            self._data(action, key, query)
        else:
            self._send(404, FAULT_404.encode(), "application/xml")

    def _data(self, action: str, key: str | None, query: dict[str, list[str]]) -> None:
        state = self.server.state
        body = filter_rows(state.csv_text, key, query).encode()
        name, _, arg = action.partition(":")
        if name == "ok":
            self._ok(body)
        elif name == "alt":  # the same request, answered with one row fewer
            self._ok(body[: body.rstrip(b"\n").rfind(b"\n") + 1])
        elif name == "slow":
            time.sleep(float(arg or 0.6))
            self._ok(body)
        elif name == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(body) + 1000))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
        elif name == "gzip-cut":  # a gzip stream cut short, with a matching Content-Length
            packed = gzip.compress(body)
            self._send(200, packed[: len(packed) // 2], "text/csv", {"Content-Encoding": "gzip"})
        elif name == "html":
            self._send(200, HTML_PAGE.encode(), "text/html")
        elif name == "async":
            self._send(200, ASYNC_BODY.encode(), "application/xml")
        elif name == "429":
            self._send(429, b"Too Many Requests", "text/plain", {"Retry-After": arg or "1"})
        elif name in ("404", "413", "500", "503"):
            fault = {"404": FAULT_404, "413": FAULT_413}.get(name, "Service Unavailable")
            self._send(int(name), fault.encode(), "application/xml")
        else:  # pragma: no cover - a typo in a test script
            raise AssertionError(f"unknown scripted action {action!r}")

    def _ok(self, body: bytes) -> None:
        state = self.server.state
        extra: dict[str, str] = {}
        if state.use_etag:
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            extra = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        if state.gzip and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body)
            extra["Content-Encoding"] = "gzip"
        self._send(200, body, "text/csv; charset=utf-8", extra)

    def _send(
        self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@dataclass
class FakeEurostat:
    base_url: str
    state: ServerState
    stop: Callable[[], None]


#: The generated answer: every occupation x geo x year below, Y15-74, both sexes, thousands.
OCCUPATIONS = ("TOTAL", "OC1", "OC2", "OC9", "NRP")
GEOS = ("EU27_2020", "IT")
YEARS = tuple(str(y) for y in range(2011, 2026))  # 15 years per series
SDMX_HEADER = (
    "DATAFLOW,LAST UPDATE,freq,isco08,age,sex,unit,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG,CONF_STATUS"
)


def sdmx_csv_body() -> str:
    """A small SDMX-CSV answer in the layout of ``lfsa_egai2d`` (TEST DATA, made up here).

    Values follow a fixed formula; 2021 carries the ``b`` (break) flag and one
    ``NRP`` cell is empty and flagged ``u`` (suppressed), as Eurostat writes them.
    """
    lines = [SDMX_HEADER]
    for isco_i, isco in enumerate(OCCUPATIONS):
        for geo_i, geo in enumerate(GEOS):
            for year_i, year in enumerate(YEARS):
                value = f"{100.0 * (isco_i + 1) * (geo_i + 2) + 3.5 * year_i:.1f}"
                flag = "b" if year == "2021" else ""
                if (isco, geo, year) == ("NRP", "IT", "2013"):
                    value, flag = "", "u"
                lines.append(
                    f"ESTAT:LFSA_EGAI2D(1.0),30/06/26 11:00:00,A,{isco},Y15-74,T,THS_PER,"
                    f"{geo},{year},{value},{flag},"
                )
    return "\n".join(lines) + "\n"


@pytest.fixture
def fixture_csv() -> str:
    """The body the fake server replays (generated, no shared data needed)."""
    return sdmx_csv_body()


@pytest.fixture
def server(fixture_csv: str) -> Iterator[FakeEurostat]:
    state = ServerState(csv_text=fixture_csv)
    httpd = FakeEurostatServer(state)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    stopped = False

    def stop() -> None:
        nonlocal stopped
        if not stopped:
            stopped = True
            httpd.shutdown()
            httpd.server_close()
            thread.join(timeout=2)

    port = httpd.server_address[1]
    yield FakeEurostat(f"http://127.0.0.1:{port}", state, stop)
    stop()


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def fetch(server: FakeEurostat, cache: Path, **kwargs: Any) -> FetchResult:
    kwargs.setdefault("key", IT_TOTAL)
    kwargs.setdefault("retries", 0)
    kwargs.setdefault("backoff", 0.0)
    kwargs.setdefault("timeout", 5.0)
    return fetch_eurostat("lfsa_egai2d", base_url=server.base_url, cache_dir=cache, **kwargs)


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def sidecar(result: FetchResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.path.with_suffix(".json").read_text("utf-8"))
    return data


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith("."))


# --------------------------------------------------------------------------- URLs and paths


def test_dataset_url_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    base = "https://ec.europa.eu/eurostat/api/dissemination"
    assert dataset_url("lfsa_egai2d", base_url=base) == (
        f"{base}/sdmx/2.1/data/LFSA_EGAI2D?format=SDMX-CSV"
    )
    assert dataset_url(
        "lfst_r_lfu3rt",
        key="A.PC.T.Y_GE15.ITC1+ITC11",
        start_period="2015",
        end_period="2019",
        base_url=base + "/",
    ) == (
        f"{base}/sdmx/2.1/data/LFST_R_LFU3RT/A.PC.T.Y_GE15.ITC1+ITC11"
        "?format=SDMX-CSV&startPeriod=2015&endPeriod=2019"
    )
    assert dataset_url("x_y", key="..IT").endswith("/sdmx/2.1/data/X_Y/..IT?format=SDMX-CSV")
    assert dataset_url("x_y").startswith(DEFAULT_BASE_URL + "/")
    monkeypatch.setenv("SKILLS_EUROSTAT_BASE_URL", "http://127.0.0.1:9/mirror/")
    assert dataset_url("x_y") == "http://127.0.0.1:9/mirror/sdmx/2.1/data/X_Y?format=SDMX-CSV"


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"dataset": "../etc/passwd"}, "not a Eurostat dataset code"),
        ({"dataset": "x", "key": "A.IT/../../x"}, "not a Eurostat code"),
        ({"dataset": "x", "key": "A.I T"}, "not a Eurostat code"),
        ({"dataset": "x", "start_period": "2015&x=1"}, "not a Eurostat period"),
        ({"dataset": "x", "base_url": "file:///etc"}, r"not an http\(s\) URL"),
    ],
)
def test_dataset_url_rejects_bad_input(kwargs: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        dataset_url(**kwargs)


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SKILLS_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "mine"
    monkeypatch.setenv("SKILLS_CACHE_DIR", "")
    assert default_cache_dir() == tmp_path / "xdg" / "skills" / "eurostat"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "skills" / "eurostat"


def test_no_home_and_no_cache_variable_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A service user without a home folder gets exit 2 naming the variable to set."""
    import altair as alt  # before Path.home is taken away: altair reads it on import

    from skills._fileio import cache_dir
    from skills.report import javascript_bundle

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setenv("SKILLS_CACHE_DIR", "")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    with pytest.raises(ConfigError, match="SKILLS_CACHE_DIR") as info:
        default_cache_dir()
    assert info.value.exit_code == 2
    # the report's Vega bundle cache is only a cache: it is built without one
    vl_version = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    assert "vegaEmbed" in javascript_bundle(vl_version)
    monkeypatch.setenv("SKILLS_CACHE_DIR", str(tmp_path / "svc"))
    assert cache_dir("vl-convert") == tmp_path / "svc" / "vl-convert"
    assert default_cache_dir() == tmp_path / "svc"


def test_last_update_parsing(tmp_path: Path) -> None:
    parsed = sdmx._parse_last_update("30/06/26 11:00:00")
    assert parsed is not None
    assert parsed.isoformat() == "2026-06-30T11:00:00"
    assert sdmx._parse_last_update("not a date") is None
    # Synthetic test rows: the latest of several LAST UPDATE values wins.
    path = tmp_path / "several.csv"
    path.write_text(
        "DATAFLOW,LAST UPDATE,freq,geo,TIME_PERIOD,OBS_VALUE\n"
        "ESTAT:TEST(1.0),30/06/26 11:00:00,A,IT,2020,1\n"
        "ESTAT:TEST(1.0),01/07/26 23:00:00,A,IT,2021,2\n"
        "ESTAT:TEST(1.0),15/01/26 11:00:00,A,IT,2022,3\n",
        encoding="utf-8",
    )
    assert sdmx._scan_last_update(path, "test") == ("2026-07-01T23:00:00", 3)


# --------------------------------------------------------------------------- fetching


def test_whole_dataset_is_cached_byte_for_byte(server: FakeEurostat, cache: Path) -> None:
    result = fetch(server, cache, key=None)
    raw = sdmx_csv_body().encode()
    assert raw.count(b"\n") == 1 + len(OCCUPATIONS) * len(GEOS) * len(YEARS)
    assert result.path.read_bytes() == raw
    assert result.sha256 == hashlib.sha256(raw).hexdigest()
    assert result.bytes == len(raw)
    assert result.url == f"{server.base_url}{DATA_PATH}?format=SDMX-CSV"
    assert result.dataset == "lfsa_egai2d"
    assert result.from_cache is False
    assert result.last_update == "2026-06-30T11:00:00"
    assert result.path.parent == cache / "lfsa_egai2d"
    assert result.path.suffix == ".csv" and len(result.path.stem) == 16
    assert [r.path for r in server.state.requests] == [DATA_PATH]


def test_key_and_periods_and_the_sidecar(server: FakeEurostat, cache: Path) -> None:
    result = fetch(server, cache, start_period="2020", end_period="2021")
    rows = rows_of(result.path)
    assert [(r["geo"], r["isco08"], r["TIME_PERIOD"]) for r in rows] == [
        ("IT", "TOTAL", "2020"),
        ("IT", "TOTAL", "2021"),
    ]
    (request,) = server.state.requests
    assert request.path == f"{DATA_PATH}/{IT_TOTAL}"
    assert request.query == {
        "format": ["SDMX-CSV"],
        "startPeriod": ["2020"],
        "endPeriod": ["2021"],
    }
    assert "gzip" in request.headers["Accept-Encoding"]
    assert request.headers["User-Agent"].startswith("skills/")
    meta = sidecar(result)
    assert (
        meta["url"]
        == result.url
        == f"{server.base_url}{request.path}?format=SDMX-CSV" + ("&startPeriod=2020&endPeriod=2021")
    )
    assert meta["sha256"] == hashlib.sha256(result.path.read_bytes()).hexdigest()
    assert meta["bytes"] == result.path.stat().st_size
    assert meta["fetched_at"] == result.fetched_at
    assert datetime.fromisoformat(result.fetched_at).tzinfo is not None
    assert meta["last_update"] == "2026-06-30T11:00:00"
    assert meta["rows"] == 2
    assert meta["key"] == IT_TOTAL
    assert meta["http"]["etag"] is None


def test_filters_use_the_structure_and_it_is_cached(server: FakeEurostat, cache: Path) -> None:
    first = fetch(server, cache, key=None, filters={"geo": "IT", "ISCO08": ["OC2", "OC1"]})
    assert server.state.data_requests()[0].path == f"{DATA_PATH}/.OC1+OC2....IT"
    rows = rows_of(first.path)
    assert len(rows) == 30
    assert {(r["isco08"], r["geo"]) for r in rows} == {("OC1", "IT"), ("OC2", "IT")}
    second = fetch(server, cache, key=None, filters={"geo": ["EU27_2020"], "isco08": "OC9"})
    assert len(rows_of(second.path)) == 15
    assert len(server.state.structure_requests()) == 1  # reused from the cache
    assert dataset_dimensions(
        "lfsa_egai2d", base_url=server.base_url, cache_dir=cache, offline=True
    ) == ("freq", "isco08", "age", "sex", "unit", "geo")
    structures = list((cache / "lfsa_egai2d").glob("structure-*.xml"))
    assert len(structures) == 1
    assert structures[0].read_text(encoding="utf-8") == TEST_DSD_XML


def test_cache_keying(server: FakeEurostat, cache: Path) -> None:
    a = fetch(server, cache, key=None, filters={"geo": "IT", "isco08": ["OC1", "OC2"]})
    b = fetch(server, cache, key=None, filters={"isco08": ["OC2", "OC1", "OC1"], "geo": "IT"})
    c = fetch(server, cache, key=None, filters={"geo": "IT", "isco08": "OC1"})
    d = fetch(server, cache, key=".OC2+OC1....IT")  # the same request written as a key
    e = fetch(server, cache, key=".OC2+OC1....IT", start_period="2015")
    assert a.path == b.path == d.path
    assert len({a.path, c.path, e.path}) == 3
    assert len(list((cache / "lfsa_egai2d").glob("*.csv"))) == 3


def test_key_and_filters_together_is_a_config_error(cache: Path) -> None:
    with pytest.raises(ConfigError, match="either key= or filters="):
        fetch_eurostat("lfsa_egai2d", key="A", filters={"geo": "IT"}, cache_dir=cache)


def test_unknown_dimension_names_it_and_lists_the_valid_ones(
    server: FakeEurostat, cache: Path
) -> None:
    with pytest.raises(ConfigError) as info:
        fetch(server, cache, key=None, filters={"country": "IT"})
    message = str(info.value)
    assert "'country'" in message
    assert "freq, isco08, age, sex, unit, geo" in message
    assert server.state.data_requests() == []


def test_empty_filter_value_is_a_config_error(server: FakeEurostat, cache: Path) -> None:
    with pytest.raises(ConfigError, match="empty value list"):
        fetch(server, cache, key=None, filters={"geo": []})


# --------------------------------------------------------------------------- faults


def test_503_then_200_is_retried_with_exponential_backoff(
    server: FakeEurostat, cache: Path, isolated_env: list[float]
) -> None:
    server.state.script = ["503", "503", "ok"]
    result = fetch(server, cache, retries=3, backoff=0.25)
    assert result.from_cache is False
    assert len(rows_of(result.path)) == 15
    assert len(server.state.data_requests()) == 3
    assert isolated_env == [0.25, 0.5]


def test_429_respects_retry_after_capped(
    server: FakeEurostat, cache: Path, isolated_env: list[float]
) -> None:
    server.state.script = ["429:2", "429:100000", "ok"]
    result = fetch(server, cache, retries=2, backoff=0.01)
    assert result.from_cache is False
    assert isolated_env == [2.0, transfer._MAX_RETRY_AFTER]


def test_5xx_until_the_retries_run_out(
    server: FakeEurostat, cache: Path, isolated_env: list[float]
) -> None:
    server.state.script = ["500", "503", "503"]
    with pytest.raises(EurostatUnavailableError, match="HTTP 503") as info:
        fetch(server, cache, retries=2)
    assert info.value.exit_code == 3
    assert len(server.state.data_requests()) == 3
    assert not (cache / "lfsa_egai2d").exists() or not list(cache.rglob("*.csv"))


def test_404_is_not_retried_and_names_url_status_and_body(
    server: FakeEurostat, cache: Path
) -> None:
    server.state.script = ["404"]
    with pytest.raises(EurostatRequestError) as info:
        fetch(server, cache, retries=3)
    error = info.value
    assert isinstance(error, ConfigError) and error.exit_code == 2
    assert error.status == 404
    assert error.url == f"{server.base_url}{DATA_PATH}/{IT_TOTAL}?format=SDMX-CSV"
    assert error.url in str(error) and "HTTP 404" in str(error)
    assert "No Results Found" in str(error)
    assert len(error.body) == 300
    assert len(server.state.data_requests()) == 1


def test_413_extraction_too_big(server: FakeEurostat, cache: Path) -> None:
    server.state.script = ["413"]
    with pytest.raises(EurostatRequestError, match="EXTRACTION_TOO_BIG") as info:
        fetch(server, cache, retries=3)
    assert info.value.status == 413
    assert "narrow" in str(info.value)
    assert len(server.state.data_requests()) == 1


def test_slow_answer_times_out_and_is_retried(server: FakeEurostat, cache: Path) -> None:
    # each answer comes after 0.6 s, the client waits 0.2 s: two attempts, both timed out,
    # nothing cached (no wall-clock limit here: a loaded machine must not fail this test)
    server.state.script = ["slow:0.6", "slow:0.6"]
    with pytest.raises(EurostatUnavailableError, match=r"within 0\.2 s"):
        fetch(server, cache, retries=1, timeout=0.2)
    assert len(server.state.data_requests()) == 2
    assert list(cache.rglob("*.csv")) == []
    assert leftovers(cache) == []


def test_truncated_body_is_an_error_and_writes_nothing(server: FakeEurostat, cache: Path) -> None:
    server.state.script = ["truncated", "truncated"]
    with pytest.raises(EurostatUnavailableError, match="cut short"):
        fetch(server, cache, retries=1)
    assert list(cache.rglob("*.csv")) == []
    assert leftovers(cache) == []


def test_gzip_stream_cut_short_is_an_error(server: FakeEurostat, cache: Path) -> None:
    server.state.script = ["gzip-cut"]
    with pytest.raises(EurostatUnavailableError, match="gzip stream ended early"):
        fetch(server, cache)
    assert list(cache.rglob("*.csv")) == []
    assert leftovers(cache) == []


def test_truncated_body_leaves_the_cached_copy_and_falls_back(
    server: FakeEurostat, cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good = fetch(server, cache)
    before = good.path.read_bytes()
    meta_before = good.path.with_suffix(".json").read_bytes()
    server.state.script = ["truncated", "truncated"]
    with caplog.at_level(logging.WARNING, logger="skills.sources.eurostat"):
        again = fetch(server, cache, retries=1)
    assert again.from_cache is True
    assert again.path == good.path and again.sha256 == good.sha256
    assert again.fetched_at == good.fetched_at
    assert good.path.read_bytes() == before
    assert good.path.with_suffix(".json").read_bytes() == meta_before
    assert "falling back on the cached copy" in caplog.text
    assert leftovers(cache) == []


def test_html_page_is_an_input_error_naming_the_url(server: FakeEurostat, cache: Path) -> None:
    server.state.script = ["html"]
    with pytest.raises(InputError) as info:
        fetch(server, cache)
    assert info.value.file == f"{server.base_url}{DATA_PATH}/{IT_TOTAL}?format=SDMX-CSV"
    assert "HTML page" in str(info.value)
    assert list(cache.rglob("*.csv")) == []
    assert leftovers(cache) == []


def test_asynchronous_answer(server: FakeEurostat, cache: Path) -> None:
    server.state.script = ["async"]
    with pytest.raises(EurostatAsyncError) as info:
        fetch(server, cache, retries=2)
    error = info.value
    assert error.request_id == "98de05ea-540a-43d3-903b-7c9e14faf808"
    assert error.status == "SUBMITTED"
    assert error.status_url == f"{server.base_url}/1.0/async/status/{error.request_id}"
    assert "asynchronously" in str(error)
    assert len(server.state.data_requests()) == 1
    assert list(cache.rglob("*.csv")) == []
    # With a cached copy, the asynchronous answer falls back on it.
    good = fetch(server, cache)
    server.state.script = ["async"]
    again = fetch(server, cache)
    assert again.from_cache is True and again.sha256 == good.sha256


def test_gzip_encoding_is_decoded_and_stored_uncompressed(
    server: FakeEurostat, cache: Path
) -> None:
    server.state.gzip = True
    result = fetch(server, cache, key=None)
    raw = sdmx_csv_body().encode()
    assert result.path.read_bytes() == raw
    assert result.sha256 == hashlib.sha256(raw).hexdigest()
    assert sidecar(result)["http"]["content_encoding"] == "gzip"


def test_etag_revalidation_with_304(
    server: FakeEurostat, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.state.use_etag = True
    first = fetch(server, cache)
    etag = sidecar(first)["http"]["etag"]
    assert etag and sidecar(first)["http"]["last_modified"] == LAST_MODIFIED
    later = datetime.now(UTC) + timedelta(hours=3)
    monkeypatch.setattr(_common, "_utcnow", lambda: later)
    second = fetch(server, cache)  # max_age=None: always revalidate
    request = server.state.data_requests()[-1]
    assert request.headers["If-None-Match"] == etag
    assert request.headers["If-Modified-Since"] == LAST_MODIFIED
    assert second.from_cache is True
    assert second.fetched_at == first.fetched_at
    assert second.path.read_bytes() == first.path.read_bytes()
    assert sidecar(second)["checked_at"] == later.isoformat(timespec="seconds")


def test_max_age_serves_a_fresh_copy_without_asking(
    server: FakeEurostat, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = fetch(server, cache)
    again = fetch(server, cache, max_age=timedelta(hours=1))
    assert again.from_cache is True and again.sha256 == first.sha256
    assert len(server.state.data_requests()) == 1
    later = datetime.now(UTC) + timedelta(hours=2)
    monkeypatch.setattr(_common, "_utcnow", lambda: later)
    server.state.script = ["alt"]  # Eurostat has new data meanwhile
    newer = fetch(server, cache, max_age=timedelta(hours=1))
    assert newer.from_cache is False
    assert newer.path == first.path and newer.sha256 != first.sha256
    assert len(rows_of(newer.path)) == 14
    assert len(server.state.data_requests()) == 2


def test_failure_mid_write_keeps_the_old_copy(
    server: FakeEurostat, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = fetch(server, cache)
    before = good.path.read_bytes()
    meta_before = good.path.with_suffix(".json").read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    server.state.script = ["alt"]
    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        fetch(server, cache)
    monkeypatch.undo()
    assert good.path.read_bytes() == before
    assert good.path.with_suffix(".json").read_bytes() == meta_before
    assert leftovers(cache) == []
    assert len(server.state.data_requests()) == 2


def test_network_down_falls_back_on_the_cache(
    server: FakeEurostat, cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good = fetch(server, cache)
    server.stop()
    with caplog.at_level(logging.WARNING, logger="skills.sources.eurostat"):
        again = fetch(server, cache, retries=1)
    assert again.from_cache is True and again.sha256 == good.sha256
    assert "cannot connect" in caplog.text
    with pytest.raises(EurostatUnavailableError, match="no cached copy"):
        fetch(server, cache, key="A.OC1.Y15-74.T.THS_PER.IT")


def test_corrupted_cached_copy_is_not_trusted(
    server: FakeEurostat, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = fetch(server, cache)
    with good.path.open("a", encoding="utf-8") as fh:
        fh.write("ESTAT:LFSA_EGAI2D(1.0),30/06/26 11:00:00,A,TOTAL,Y15-74,T,THS_PER,IT,2026,1,,\n")
    with pytest.raises(ConfigError, match="no cached copy"):
        fetch(server, cache, offline=True)
    again = fetch(server, cache)
    assert again.from_cache is False and again.sha256 == good.sha256
    assert again.path.read_bytes() != b"" and len(rows_of(again.path)) == 15


# --------------------------------------------------------------------------- offline


def test_offline_serves_the_cache_without_any_request(
    server: FakeEurostat, cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good = fetch(server, cache)
    count = len(server.state.requests)
    with caplog.at_level(logging.INFO, logger="skills.sources.eurostat"):
        again = fetch(server, cache, offline=True)
    assert len(server.state.requests) == count
    assert again.from_cache is True
    assert (again.path, again.sha256, again.fetched_at) == (good.path, good.sha256, good.fetched_at)
    assert again.last_update == "2026-06-30T11:00:00"
    assert "offline" in caplog.text and " old" in caplog.text


def test_offline_from_the_environment(
    server: FakeEurostat, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetch(server, cache, key=None, filters={"geo": "IT", "isco08": "OC2"})
    count = len(server.state.requests)
    monkeypatch.setenv("SKILLS_OFFLINE", "1")
    again = fetch(server, cache, key=None, filters={"isco08": ["OC2"], "geo": "IT"})
    assert again.from_cache is True
    assert len(server.state.requests) == count


def test_offline_cache_miss_is_a_config_error_and_sends_nothing(
    server: FakeEurostat, cache: Path
) -> None:
    with pytest.raises(ConfigError) as info:
        fetch(server, cache, offline=True)
    message = str(info.value)
    assert "offline" in message and "lfsa_egai2d" in message and IT_TOTAL in message
    assert "with network access" in message
    with pytest.raises(ConfigError, match=r"offline.*'geo': \['IT'\]"):
        fetch(server, cache, key=None, filters={"geo": "IT"}, offline=True)
    assert server.state.requests == []


# --------------------------------------------------------------------------- the guard


def test_the_guard_blocks_non_loopback_addresses(no_internet: list[str], cache: Path) -> None:
    with pytest.raises(NetworkGuardError):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)
    with pytest.raises(NetworkGuardError):
        fetch_eurostat("lfsa_egai2d", key=IT_TOTAL, base_url="http://192.0.2.1", retries=0)
    assert len(no_internet) == 2
    no_internet.clear()  # the violations were intended here
