"""The report of the demo publication: files, sizes, and the page in a real browser.

The browser test drives headless Chromium through the DevTools protocol over a pipe
(``--remote-debugging-pipe``: JSON messages separated by NUL bytes on file descriptors
3 and 4), so it needs no Python dependency beyond the standard library. Every request
the page makes is recorded and every non-file request is failed on purpose (Fetch
interception), on top of a host resolver that resolves nothing.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from skills.errors import ConfigError
from skills.report import CHART_IDS, build_report

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def publication(demo_publication: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the session's demo publication (tests/conftest.py): ``built``
    writes the report and its charts into it."""
    target = tmp_path_factory.mktemp("report-demo") / "latest"
    shutil.copytree(demo_publication, target)
    return target


@pytest.fixture(scope="module")
def built(publication: Path) -> Any:
    # English first (report.html), then Italian (report.it.html): the checks below read
    # the English words; tests/test_report_i18n.py checks the Italian-first default
    return build_report(publication, strict=True, languages=("en", "it"))


# ----------------------------------------------------------------------------- the files
def test_report_and_chart_files(publication: Path, built: Any) -> None:
    assert built.report == publication / "report.html"
    assert built.chart_ids == CHART_IDS
    assert built.notes == ()
    names = {p.name for p in built.charts}
    for chart_id in CHART_IDS:
        for ext in (".vl.json", ".svg", ".png"):
            assert f"{chart_id}{ext}" in names
            assert (publication / "charts" / f"{chart_id}{ext}").stat().st_size > 1000
    png = (publication / "charts" / "its_gap_by_area.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    spec = json.loads((publication / "charts" / "its_gap_by_area.vl.json").read_text())
    assert spec["width"] == 760  # "container" is fixed for the exports
    assert built.bytes == built.report.stat().st_size
    assert built.bytes < 2_500_000


def test_report_is_self_contained(built: Any) -> None:
    html = built.report.read_text(encoding="utf-8")
    assert "<script src" not in html.lower()
    assert '<link rel="stylesheet"' not in html and "@import" not in html
    assert "@font-face" not in html
    assert html.count("window.vegaEmbed=") == 1  # one inlined bundle for the page
    assert html.count('type="application/json" id="spec-') == len(CHART_IDS)
    assert "SYNTHETIC DEMO DATA" in html
    assert 'id="data-label-banner"' in html


def test_every_chart_carries_run_id_and_sources(publication: Path, built: Any) -> None:
    manifest = json.loads((publication / "manifest.json").read_text())
    run_id = manifest["run_id"]
    html = built.report.read_text(encoding="utf-8")
    for chart_id in CHART_IDS:
        spec = json.loads((publication / "charts" / f"{chart_id}.vl.json").read_text())
        subtitle = spec["title"]["subtitle"]
        assert subtitle[0].startswith("Source: ")
        assert run_id in subtitle[1] and "SYNTHETIC DEMO DATA" in subtitle[1]
        for rows in spec.get("datasets", {}).values():
            assert len(rows) < 5000
        figure = html.split(f'id="chart-{chart_id}"', 1)[1].split("</figure>", 1)[0]
        assert run_id in figure and "Sources: " in figure
    # a Eurostat SDMX-CSV input's vintage is named where its data is drawn
    spec = json.loads((publication / "charts" / "skill_shares_trend.vl.json").read_text())
    assert "lfsa_egai2d (vintage 15 October 2026)" in spec["title"]["subtitle"][0]


def test_profile_quality_and_provenance_sections(publication: Path, built: Any) -> None:
    html = built.report.read_text(encoding="utf-8")
    profile = pl.read_parquet(publication / "profile.parquet")
    assert html.count('<li data-indicator="') == profile.height
    assert "Piemonte (ITC1)" in html
    assert "Validation <span" in html and "expectations on" in html
    assert 'href="quality.html"' in html
    assert "ratio_to_median" in html  # the demo's known warning is listed
    manifest = json.loads((publication / "manifest.json").read_text())
    for item in manifest["inputs"]:
        assert item["sha256"][:12] in html
    assert "its-isco08-v1" in html
    assert "Analyses log" in html
    for model_id in pl.read_parquet(publication / "models.parquet")["model_id"].unique():
        assert model_id in html


def test_missing_quality_json_is_a_note(publication: Path, tmp_path: Path) -> None:
    pub = tmp_path / "pub"
    shutil.copytree(publication, pub, ignore=shutil.ignore_patterns("charts", "report.html"))
    (pub / "quality.json").unlink()
    (pub / "quality.html").unlink()
    (pub / "polarisation_percentiles.parquet").unlink()
    result = build_report(pub, formats=("html",), strict=True, languages=("en",))
    assert result.charts == ()
    assert "polarisation_percentiles" not in result.chart_ids
    assert any("quality.json is not in this publication" in n for n in result.notes)
    html = result.report.read_text(encoding="utf-8") if result.report else ""
    assert "quality.json is not in this publication" in html
    assert "Change by skill percentile (polarisation_percentiles)" in html


def test_build_report_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a publication folder"):
        build_report(tmp_path / "nowhere")
    with pytest.raises(ConfigError, match="unknown report format"):
        build_report(tmp_path, formats=("pdf",))


# ----------------------------------------------------------------------------- the browser
def _chromium() -> str | None:
    """``$SKILLS_CHROMIUM`` if set, else Debian's chromium binary or one on the PATH."""
    chosen = os.environ.get("SKILLS_CHROMIUM")
    if chosen is not None:
        return chosen if Path(chosen).is_file() else None
    for candidate in ("/usr/lib/chromium/chromium", "chromium", "chromium-browser"):
        path = shutil.which(candidate) or (candidate if Path(candidate).is_file() else None)
        if path:
            return path
    return None


class DevTools:
    """A minimal Chrome DevTools Protocol client over ``--remote-debugging-pipe``."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        # move the child's ends above 3/4 so that dup2 onto 3 and 4 cannot clobber them
        child_in = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_browser_r)
        os.close(from_browser_w)

        def wire() -> None:  # runs in the child before exec
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        args = [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--allow-file-access-from-files",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire,  # noqa: PLW1509 (only dup2 calls, before exec)
            close_fds=False,
        )
        os.close(child_in)
        os.close(child_out)
        self._out = os.fdopen(to_browser_w, "wb", buffering=0)
        self._in = os.fdopen(from_browser_r, "rb", buffering=0)
        self._next = 0
        self._replies: dict[int, dict[str, Any]] = {}
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        while True:
            chunk = self._in.read(65536)
            if not chunk:
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    with self._lock:
                        self._replies[message["id"]] = message
                        self._lock.notify_all()
                else:
                    self._events.put(message)

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> int:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._out.write(json.dumps(message).encode() + b"\0")
        return self._next

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        ident = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        with self._lock:
            while ident not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{method}: no reply in {timeout} s")
                self._lock.wait(left)
            reply = self._replies.pop(ident)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return dict(reply.get("result", {}))

    def pump(self, handler: Any, until: Any, timeout: float) -> None:
        """Hand events to ``handler`` until ``until()`` is true (or fail after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while not until():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the page did not get ready in time")
            try:
                event = self._events.get(timeout=min(left, 0.1))
            except queue.Empty:
                continue
            self.events.append(event)
            handler(event)

    def drain(self, handler: Any, seconds: float) -> None:
        """Hand events to ``handler`` for ``seconds`` (late console messages, requests)."""
        end = time.monotonic() + seconds
        self.pump(handler, lambda: time.monotonic() >= end, timeout=seconds + 1)

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.call("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._out.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    executable = _chromium()
    if executable is None:
        pytest.skip(
            "chromium not found (or $SKILLS_CHROMIUM is not a file): install it (Debian: "
            "apt-get install -y chromium) to run the browser test of report.html"
        )
    tools = DevTools(executable, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield tools
    finally:
        tools.close()


@pytest.mark.browser
def test_report_renders_offline_in_chromium(browser: DevTools, built: Any) -> None:
    url = built.report.resolve().as_uri()
    target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    for method in ("Page.enable", "Runtime.enable", "Log.enable", "Network.enable"):
        browser.call(method, session=session)
    browser.call(
        "Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, session=session
    )  # every request pauses here first
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
        session=session,
    )
    requests: list[str] = []
    blocked: list[str] = []
    errors: list[str] = []
    loaded: list[bool] = []

    def local(u: str) -> bool:
        return u.startswith(("file://", "data:", "about:", "blob:"))

    def handle(event: dict[str, Any]) -> None:
        method, params = event.get("method"), event.get("params", {})
        if method == "Fetch.requestPaused":
            request_url = params["request"]["url"]
            if local(request_url):
                browser.send("Fetch.continueRequest", {"requestId": params["requestId"]}, session)
            else:
                blocked.append(request_url)
                browser.send(
                    "Fetch.failRequest",
                    {"requestId": params["requestId"], "errorReason": "BlockedByClient"},
                    session,
                )
        elif method == "Network.requestWillBeSent":
            requests.append(params["request"]["url"])
        elif method == "Runtime.consoleAPICalled" and params.get("type") in {"error", "assert"}:
            errors.append(
                " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
            )
        elif method == "Runtime.exceptionThrown":
            errors.append(json.dumps(params["exceptionDetails"])[:500])
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            errors.append(params["entry"].get("text", ""))
        elif method == "Page.loadEventFired":
            loaded.append(True)

    def evaluate(expression: str) -> Any:
        result = browser.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=session,
        )
        return result["result"].get("value")

    browser.send("Page.navigate", {"url": url}, session)
    browser.pump(handle, lambda: bool(loaded), timeout=30)
    ready: list[bool] = []

    def charts_ready() -> bool:
        if not ready and evaluate("document.body.getAttribute('data-charts-ready')") == "true":
            ready.append(True)
        return bool(ready)

    browser.pump(handle, charts_ready, timeout=30)
    browser.drain(handle, 0.3)

    rendered = evaluate(
        """Array.from(document.querySelectorAll('figure[data-chart-id]')).map(function (f) {
             var el = f.querySelector('.vis svg, .vis canvas');
             var box = el ? el.getBoundingClientRect() : {width: 0, height: 0};
             return {id: f.getAttribute('data-chart-id'), state: f.getAttribute('data-rendered'),
                     width: box.width, height: box.height,
                     marks: f.querySelectorAll('.vis svg .mark-rect path,'
                       + ' .vis svg .mark-symbol path, .vis svg .mark-line path,'
                       + ' .vis svg .mark-area path').length};
           })"""
    )
    ids = [r["id"] for r in rendered]
    assert ids == list(CHART_IDS)
    for r in rendered:
        assert r["state"] == "true", r
        assert r["width"] > 100 and r["height"] > 100, r
        assert r["marks"] > 0, r
    assert evaluate("!!document.getElementById('data-label-banner')") is True
    banner = evaluate("document.getElementById('data-label-banner').getBoundingClientRect().height")
    assert banner > 10
    assert "SYNTHETIC DEMO DATA" in evaluate(
        "document.getElementById('data-label-banner').textContent"
    )

    # the province selector is a bound Vega-Lite parameter: choosing Torino redraws the chart
    before = evaluate("document.querySelector('#chart-its_gap_by_area .vis svg').textContent")
    assert "Showing: Piemonte (ITC1, sum of provinces)" in before
    evaluate(
        """(function () {
             var s = document.querySelector('#chart-its_gap_by_area .vega-bindings select');
             s.value = 'ITC11'; s.dispatchEvent(new Event('change')); return s.options.length;
           })()"""
    )
    after: list[str] = []

    def redrawn() -> bool:
        text = evaluate("document.querySelector('#chart-its_gap_by_area .vis svg').textContent")
        if "Showing: Torino (ITC11)" in text:
            after.append(text)
        return bool(after)

    browser.pump(handle, redrawn, timeout=5)

    # screenshot of the whole page, kept as a test artifact
    metrics = browser.call("Page.getLayoutMetrics", session=session)
    size = metrics["cssContentSize"]
    shot = browser.call(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        },
        session=session,
        timeout=60,
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report.png").write_bytes(base64.b64decode(shot["data"]))

    # print: the banner stays, the contents list goes
    browser.call("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
    assert (
        evaluate("getComputedStyle(document.getElementById('data-label-banner')).display") != "none"
    )
    assert evaluate("getComputedStyle(document.querySelector('nav.toc')).display") == "none"
    pdf = browser.call("Page.printToPDF", {"printBackground": True}, session=session, timeout=60)
    assert base64.b64decode(pdf["data"])[:5] == b"%PDF-"

    assert not blocked, f"requests left the file: {blocked}"
    leaving = [u for u in requests if not local(u)]
    assert not leaving, f"requests left the file: {leaving}"
    assert url in requests
    assert not errors, errors
