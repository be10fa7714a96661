"""The report on any screen and on paper, in every language: headless Chromium at 390,
1024 and 1400 px wide and printed to A4.

At each width and in print media: the page never scrolls sideways, every chart is drawn
at a non-zero size with marks and fits its container, no text is cut by the edge of its
chart, and no title, axis or legend label is shortened with an ellipsis (only a value
printed beside a bar may be, on a phone: its tooltip has it whole). The planners' table
sorts in the page.
Screenshots and the PDF are kept in ``test-artifacts/`` for a person to look at.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_report_demo import ARTIFACTS, DevTools, _chromium

WIDTHS = (390, 1024, 1400)
#: Emulate a phone (mobile viewport) at the narrow width; a narrow desktop window too.
MOBILE = True
#: A4 at 96 CSS px per inch, less the page margins (12 mm left and right).
A4_CONTENT_PX = round((210 - 24) / 25.4 * 96)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def pages(demo_publication: Path) -> list[Path]:
    """The session demo publication's report pages, one per language (the first is
    report.html); read only."""
    latest = demo_publication
    found = [latest / "report.html", *sorted(latest.glob("report.*.html"))]
    return [p for p in found if p.is_file()]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    executable = _chromium()
    if executable is None:
        pytest.skip(
            "chromium not found (or $SKILLS_CHROMIUM is not a file): install it (Debian: "
            "apt-get install -y chromium) to run the browser tests of report.html"
        )
    tools = DevTools(executable, tmp_path_factory.mktemp("chromium-profile-widths"))
    try:
        yield tools
    finally:
        tools.close()


class Page:
    """One page open in its own target, with the helpers the checks need."""

    def __init__(self, browser: DevTools, url: str, width: int) -> None:
        self.browser = browser
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for method in ("Page.enable", "Runtime.enable"):
            browser.call(method, session=self.session)
        self.resize(width)
        loaded: list[bool] = []

        def handle(event: dict[str, Any]) -> None:
            if event.get("method") == "Page.loadEventFired":
                loaded.append(True)

        browser.send("Page.navigate", {"url": url}, self.session)
        browser.pump(handle, lambda: bool(loaded), timeout=30)
        browser.pump(
            lambda _e: None,
            lambda: self.evaluate("document.body.getAttribute('data-charts-ready')") == "true",
            timeout=60,
        )

    def resize(self, width: int, height: int = 900) -> None:
        self.browser.call(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": width,
                "height": height,
                "deviceScaleFactor": 1,
                "mobile": MOBILE and width < 600,
            },
            session=self.session,
        )

    def evaluate(self, expression: str) -> Any:
        result = self.browser.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self.session,
        )
        return result["result"].get("value")

    def settle(self) -> None:
        """Let the charts draw themselves again after a size or media change."""
        self.evaluate(
            "new Promise(function (r) { window.dispatchEvent(new Event('resize'));"
            " setTimeout(r, 1200); })"
        )

    def screenshot(self, path: Path) -> None:
        size = self.browser.call("Page.getLayoutMetrics", session=self.session)["cssContentSize"]
        shot = self.browser.call(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {
                    "x": 0,
                    "y": 0,
                    "width": size["width"],
                    "height": min(size["height"], 16000),
                    "scale": 1,
                },
            },
            session=self.session,
            timeout=90,
        )
        path.write_bytes(base64.b64decode(shot["data"]))


LAYOUT = """(function () {
  var doc = document.documentElement;
  var out = {scrollWidth: doc.scrollWidth, width: window.innerWidth, charts: [], cut: []};
  document.querySelectorAll('figure[data-chart-id]').forEach(function (f) {
    var id = f.getAttribute('data-chart-id');
    var svg = f.querySelector('.vis svg');
    var box = svg ? svg.getBoundingClientRect() : {left: 0, right: 0, width: 0, height: 0};
    var holder = f.querySelector('.vis').getBoundingClientRect();
    out.charts.push({id: id, state: f.getAttribute('data-rendered'), width: box.width,
      height: box.height, overflow: box.right - holder.right,
      marks: f.querySelectorAll('.vis svg path, .vis svg rect.mark-rect').length});
    if (!svg) { return; }
    svg.querySelectorAll('.role-axis-label text, .role-legend-label text, .role-title text,'
        + ' .role-axis-title text, .role-legend-title text').forEach(function (t) {
      if (/\u2026$/.test(t.textContent.trim())) {
        out.cut.push(id + ': "' + t.textContent.slice(0, 60) + '" truncated');
      }
    });
    svg.querySelectorAll('text').forEach(function (t) {
      if (!t.textContent.trim()) { return; }
      var r = t.getBoundingClientRect();
      if (r.width === 0) { return; }
      if (r.left < box.left - 1 || r.right > box.right + 1) {
        out.cut.push(id + ': "' + t.textContent.slice(0, 60) + '" '
          + Math.round(r.left - box.left) + '..' + Math.round(r.right - box.left)
          + ' of ' + Math.round(box.width));
      }
    });
  });
  return out;
})()"""


def check_layout(page: Page, label: str) -> None:
    layout = page.evaluate(LAYOUT)
    assert layout["scrollWidth"] <= layout["width"], (
        f"{label}: the page scrolls sideways ({layout['scrollWidth']} > {layout['width']} px)"
    )
    assert layout["charts"], f"{label}: no chart"
    for chart in layout["charts"]:
        assert chart["state"] == "true", (label, chart)
        assert chart["width"] > 0 and chart["height"] > 0 and chart["marks"] > 0, (label, chart)
        assert chart["overflow"] <= 1, f"{label}: chart {chart['id']} wider than its box"
    assert not layout["cut"], f"{label}: text cut at the chart's edge: {layout['cut'][:8]}"


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_the_screen(browser: DevTools, pages: list[Path], width: int) -> None:
    assert pages
    ARTIFACTS.mkdir(exist_ok=True)
    for path in pages:
        page = Page(browser, path.resolve().as_uri(), width)
        page.settle()
        lang = page.evaluate("document.documentElement.lang")
        check_layout(page, f"{path.name} ({lang}) at {width} px")
        page.screenshot(ARTIFACTS / f"report-{lang}-{width}.png")
        # a window resized (a phone turned) after the charts were drawn: they fit again
        other = WIDTHS[(WIDTHS.index(width) + 1) % len(WIDTHS)]
        page.resize(other)
        page.settle()
        check_layout(page, f"{path.name} ({lang}) drawn at {width} px, resized to {other} px")


def test_every_page_prints_to_a4(browser: DevTools, pages: list[Path]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for path in pages:
        page = Page(browser, path.resolve().as_uri(), A4_CONTENT_PX)
        page.browser.call("Emulation.setEmulatedMedia", {"media": "print"}, session=page.session)
        page.settle()
        lang = page.evaluate("document.documentElement.lang")
        check_layout(page, f"{path.name} ({lang}) printed")
        pdf = page.browser.call(
            "Page.printToPDF",
            {"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": True},
            session=page.session,
            timeout=120,
        )
        target = ARTIFACTS / f"report-{lang}.pdf"
        target.write_bytes(base64.b64decode(pdf["data"]))
        assert target.stat().st_size > 10_000
        if shutil.which("pdftoppm"):  # the first two pages as PNG, for a person to look at
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "60",
                    "-f",
                    "1",
                    "-l",
                    "2",
                    str(target),
                    str(ARTIFACTS / f"report-{lang}-print"),
                ],
                check=True,
                timeout=120,
            )


def test_planner_table_sorts_in_the_page(browser: DevTools, pages: list[Path]) -> None:
    page = Page(browser, pages[0].resolve().as_uri(), 1400)
    values = """(function (column) {
      var rows = document.querySelectorAll('#planner-table tbody tr');
      return Array.prototype.map.call(rows, function (r) {
        var v = r.cells[column].getAttribute('data-value');
        return v === '' || v === null ? null : parseFloat(v);
      });
    })(2)"""
    assert page.evaluate("document.querySelectorAll('#planner-table tbody tr').length") > 10
    page.evaluate("document.querySelectorAll('#planner-table thead th button')[2].click()")
    up = [v for v in page.evaluate(values) if v is not None]
    assert up == sorted(up)
    page.evaluate("document.querySelectorAll('#planner-table thead th button')[2].click()")
    down = [v for v in page.evaluate(values) if v is not None]
    assert down == sorted(down, reverse=True)
    assert (
        page.evaluate(
            "document.querySelectorAll('#planner-table thead th')[2].getAttribute('aria-sort')"
        )
        == "descending"
    )
