"""Charts that fit their box: on a phone, a desktop screen, a PNG export and A4 paper.

Vega-Lite draws a chart ``width: "container"`` wide, but by default adds axis labels,
titles and legends *outside* that width, and it never wraps a title. :func:`fit_spec`
(Python, for the static PNG/SVG exports) and :data:`FIT_JS` (the same rules in the page,
applied with the width of each chart's box before it is drawn) make a spec fit:

* ``autosize: fit-x, contains padding``: labels, titles and legends count in the width.
  Faceted and concatenated views, which Vega-Lite cannot fit, get narrower panels, and
  side-by-side panels that do not fit are stacked.
* Chart titles and subtitles, and axis, legend and header titles, are broken into lines
  that fit (about ``0.6 x font size`` pixels per character, a safe bound for the
  sans-serif fonts of the page and of vl-convert).
* Axis labels take at most 40 % of the width; labels a chart wraps itself (a
  ``labelExpr`` that splits them into lines of ``{1,N}`` characters) are wrapped into
  shorter lines when the box is narrow, and their bands made taller to hold them.
* On a narrow box (under :data:`NARROW` px): x-axis titles end at the plot's right edge
  and run left over the label column; legend labels wrap at half the width; a value
  printed beside a bar takes at most a third of the width (the tooltip has it whole); the
  "Showing: ..." line above a plot is left out (the drop-down under the chart names the
  choice), and the right padding leaves room for values printed past a bar's end.

Nothing here changes what a chart shows, only where its words go.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["FIT_JS", "NARROW", "fit_spec", "wrap_text"]

#: Pixels per character, as a fraction of the font size (conservative for sans-serif).
CHAR_WIDTH = 0.62
#: Bold text is about this much wider than regular text.
BOLD = 1.15
#: Share of the width axis labels may take.
LABEL_SHARE = 0.4
#: Below this chart width (px) the narrow-screen rules apply.
NARROW = 700
#: Keys whose ``title`` is a tooltip's column name, not drawn text: never wrapped.
_SKIP = frozenset({"tooltip", "data", "datasets", "transform", "params", "selection"})
#: Encoding channels drawn as legends.
_LEGEND_CHANNELS = frozenset(
    {"color", "fill", "stroke", "shape", "size", "opacity", "strokeDash", "strokeWidth"}
)
_WRAP_RE = re.compile(r"\{1,(\d+)\}")
#: A Vega expression that breaks a legend label into lines of at most %d characters.
_LEGEND_WRAP = r"split(trim(replace(datum.label, regexp('(.{1,%d})(\\s+|$)', 'g'), '$1\n')), '\n')"


def wrap_text(text: str, max_chars: int) -> str | list[str]:
    """``text`` broken at spaces into lines of at most ``max_chars`` (one string if it fits).

    >>> wrap_text("Planned entries at ITS level minus graduates", 20)
    ['Planned entries at', 'ITS level minus', 'graduates']
    """
    max_chars = max(8, max_chars)
    if len(text) <= max_chars:
        return text
    lines: list[str] = []
    line = ""
    for whole in text.split(" "):
        word = whole
        while len(word) > max_chars:  # a word longer than a line is cut where it must be
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:max_chars])
            word = word[max_chars:]
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= max_chars:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def _is_showing(view: Any) -> bool:
    """The "Showing: ..." line of a chart: a text mark pinned at x = 0 of the plot."""
    if not isinstance(view, Mapping):
        return False
    mark, encoding = view.get("mark"), view.get("encoding")
    x = encoding.get("x") if isinstance(encoding, Mapping) else None
    return (
        isinstance(mark, Mapping)
        and mark.get("type") == "text"
        and isinstance(x, Mapping)
        and x.get("value") == 0
    )


def _chars(width: float, font_size: float) -> int:
    return max(8, math.floor(width / (font_size * CHAR_WIDTH)))


def _wrap_title(title: Any, width: float) -> Any:
    if isinstance(title, str):
        return wrap_text(title, _chars(width, BOLD * 15))
    if isinstance(title, Mapping):
        out = dict(title)
        text = out.get("text")
        if isinstance(text, str):  # titles are bold: wider letters
            out["text"] = wrap_text(text, _chars(width, BOLD * float(out.get("fontSize", 15))))
        sub = out.get("subtitle")
        if isinstance(sub, str):
            sub = [sub]
        if isinstance(sub, list):
            size = float(out.get("subtitleFontSize", 11))
            lines: list[str] = []
            for part in sub:
                wrapped = wrap_text(str(part), _chars(width, size))
                lines.extend([wrapped] if isinstance(wrapped, str) else wrapped)
            out["subtitle"] = lines
        return out
    return title


class _Fit:
    """One pass over a spec for one width."""

    def __init__(self, width: float) -> None:
        self.width = width
        self.narrow = width < NARROW
        self.label_chars = _chars(width * 0.38, 11)
        self.stretch = 1  # how much taller wrapped label bands must become
        self.legend_wrap = _LEGEND_WRAP % _chars(width * 0.5 - 30, 11)

    def rewrap(self, expr: str) -> str:
        def shorter(match: re.Match[str]) -> str:
            wanted = int(match.group(1))
            chars = min(wanted, self.label_chars)
            self.stretch = max(self.stretch, math.ceil(wanted / chars))
            return "{1," + str(chars) + "}"

        return _WRAP_RE.sub(shorter, expr)

    def walk(self, node: Any, key: str | None = None) -> Any:
        if isinstance(node, list):
            kept = [v for v in node if not (self.narrow and _is_showing(v))]
            return [self.walk(v, key) for v in kept]
        if not isinstance(node, Mapping):
            return node
        out: dict[str, Any] = {}
        for k, v in node.items():
            if k in _SKIP:
                out[k] = v
            elif k == "title" and isinstance(v, str) and key != "root":
                share = 0.5 if key in _LEGEND_CHANNELS else 0.6 if self.narrow else 0.9
                out[k] = wrap_text(v, _chars(self.width * share, 12))
            elif k == "labelExpr" and isinstance(v, str):
                out[k] = self.rewrap(v)
            elif k == "labelOffset" and isinstance(v, Mapping) and isinstance(v.get("expr"), str):
                out[k] = {**v, "expr": self.rewrap(str(v["expr"]))}
            else:
                out[k] = self.walk(v, k)
        mark = out.get("mark")
        if isinstance(mark, Mapping) and mark.get("type") == "text":
            self.fit_text(out)
        if self.narrow and key in _LEGEND_CHANNELS and "field" in out:
            legend = out.get("legend", {})
            if isinstance(legend, Mapping):  # a legend is drawn (null: none)
                out["legend"] = {**legend, "labelExpr": self.legend_wrap}
        return out

    def fit_text(self, view: dict[str, Any]) -> None:
        """A text mark stays inside the chart."""
        mark = dict(view["mark"])
        # on a narrow box a label printed beside a bar may take a third of the width
        # (the full text stays in the tooltip and the exports)
        share = 0.3 if self.narrow else 1.0
        mark.setdefault("limit", max(60, round(self.width * share - 10)))
        view["mark"] = mark

    def stretch_steps(self, node: Any) -> None:
        """Make bands holding re-wrapped labels taller (``height: {"step": s}``)."""
        if isinstance(node, list):
            for v in node:
                self.stretch_steps(v)
        elif isinstance(node, dict):
            height = node.get("height")
            if isinstance(height, Mapping) and isinstance(height.get("step"), int | float):
                node["height"] = {**height, "step": height["step"] * self.stretch}
            for k, v in node.items():
                if k not in _SKIP:
                    self.stretch_steps(v)

    def views(self, out: dict[str, Any]) -> None:
        margin = round(self.width * LABEL_SHARE) + 40
        inner = max(120, round(self.width - margin))
        if "facet" in out or "repeat" in out:
            panel = out.get("spec")
            if isinstance(panel, dict) and isinstance(panel.get("width"), int | float):
                panel["width"] = min(panel["width"], inner)
        elif "hconcat" in out:
            parts = [p for p in out["hconcat"] if isinstance(p, dict)]
            total = sum(float(p.get("width", 0)) for p in parts) + 20 * (len(parts) - 1) + margin
            if total > self.width:
                out["vconcat"] = out.pop("hconcat")
                for p in parts:
                    if isinstance(p.get("width"), int | float):
                        p["width"] = inner
        elif "vconcat" in out:
            for p in out["vconcat"]:
                if isinstance(p, dict) and isinstance(p.get("width"), int | float):
                    p["width"] = min(p["width"], inner)
        else:
            out["autosize"] = {"type": "fit-x", "contains": "padding"}
        if self.narrow:  # room for a value printed just past the end of a bar
            out["padding"] = {"left": 5, "top": 5, "bottom": 5, "right": 24}

    def config(self, out: dict[str, Any]) -> None:
        config = dict(out.get("config") or {})
        axis = dict(config.get("axis") or {})
        if axis.get("labelLimit") != 0:  # 0: the chart wraps its labels itself
            axis["labelLimit"] = max(60, round(self.width * LABEL_SHARE))
        config["axis"] = axis
        legend = dict(config.get("legend") or {})
        if self.narrow:
            legend["labelLimit"] = max(80, round(self.width * 0.5))
            axis_x = dict(config.get("axisX") or {})
            axis_x["titleAnchor"] = "end"
            config["axisX"] = axis_x
        else:
            legend["labelLimit"] = max(80, round(self.width - 40))
        legend["titleLimit"] = max(80, round(self.width - 10))
        config["legend"] = legend
        out["config"] = config


def fit_spec(spec: Mapping[str, Any], width: float) -> dict[str, Any]:
    """A copy of the Vega-Lite ``spec`` whose words fit a chart ``width`` pixels wide."""
    fit = _Fit(width)
    out: dict[str, Any] = fit.walk(copy.deepcopy(dict(spec)), "root")
    if "title" in out:
        out["title"] = _wrap_title(out["title"], width)
    if fit.stretch > 1:
        fit.stretch_steps(out)
    fit.views(out)
    fit.config(out)
    return out


#: The same rules in the page: ``window.skillsFit(spec, width)`` returns a fitted copy.
FIT_JS = (
    r"""
(function () {
  "use strict";
  var CHAR = __CHAR__, BOLD = __BOLD__, SHARE = __SHARE__, NARROW = __NARROW__;
  var SKIP = {tooltip: 1, data: 1, datasets: 1, transform: 1, params: 1, selection: 1};
  var LEGEND = {color: 1, fill: 1, stroke: 1, shape: 1, size: 1, opacity: 1,
    strokeDash: 1, strokeWidth: 1};
  var LEGEND_WRAP = "split(trim(replace(datum.label, regexp('(.{1,N})(\\\\s+|$)', 'g'),"
    + " '$1\\n')), '\\n')";
  function chars(width, size) { return Math.max(8, Math.floor(width / (size * CHAR))); }
  function wrap(text, max) {
    max = Math.max(8, max);
    if (text.length <= max) { return text; }
    var lines = [], line = "";
    text.split(" ").forEach(function (word) {
      while (word.length > max) {
        if (line) { lines.push(line); line = ""; }
        lines.push(word.slice(0, max)); word = word.slice(max);
      }
      var candidate = line ? line + " " + word : word;
      if (candidate.length <= max) { line = candidate; } else { lines.push(line); line = word; }
    });
    if (line) { lines.push(line); }
    return lines;
  }
  function fitTitle(title, width) {
    if (typeof title === "string") { return wrap(title, chars(width, BOLD * 15)); }
    if (!title || typeof title !== "object") { return title; }
    var out = Object.assign({}, title);
    if (typeof out.text === "string") {
      out.text = wrap(out.text, chars(width, BOLD * (out.fontSize || 15)));
    }
    var sub = typeof out.subtitle === "string" ? [out.subtitle] : out.subtitle;
    if (Array.isArray(sub)) {
      var lines = [];
      sub.forEach(function (part) {
        lines = lines.concat(wrap(String(part), chars(width, out.subtitleFontSize || 11)));
      });
      out.subtitle = lines;
    }
    return out;
  }
  function Fit(width) {
    var self = this;
    self.width = width;
    self.narrow = width < NARROW;
    self.labelChars = chars(width * 0.38, 11);
    self.stretch = 1;
    self.legendWrap = LEGEND_WRAP.replace("N", String(chars(width * 0.5 - 30, 11)));
    self.rewrap = function (expr) {
      return expr.replace(/\{1,(\d+)\}/g, function (m, n) {
        var wanted = parseInt(n, 10), c = Math.min(wanted, self.labelChars);
        self.stretch = Math.max(self.stretch, Math.ceil(wanted / c));
        return "{1," + c + "}";
      });
    };
    function isShowing(v) {
      return v && typeof v === "object" && v.mark && v.mark.type === "text" && v.encoding
        && v.encoding.x && v.encoding.x.value === 0;
    }
    self.walk = function (node, key) {
      if (Array.isArray(node)) {
        return node.filter(function (v) { return !(self.narrow && isShowing(v)); })
          .map(function (v) { return self.walk(v, key); });
      }
      if (!node || typeof node !== "object") { return node; }
      var out = {};
      Object.keys(node).forEach(function (k) {
        var v = node[k];
        if (SKIP[k]) { out[k] = v; }
        else if (k === "title" && typeof v === "string" && key !== "root") {
          var share = LEGEND[key] ? 0.5 : (self.narrow ? 0.6 : 0.9);
          out[k] = wrap(v, chars(self.width * share, 12));
        } else if (k === "labelExpr" && typeof v === "string") { out[k] = self.rewrap(v); }
        else if (k === "labelOffset" && v && typeof v.expr === "string") {
          out[k] = Object.assign({}, v, {expr: self.rewrap(v.expr)});
        } else { out[k] = self.walk(v, k); }
      });
      if (self.narrow && LEGEND[key] && out.field !== undefined && out.legend !== null) {
        out.legend = Object.assign({}, out.legend || {}, {labelExpr: self.legendWrap});
      }
      if (out.mark && typeof out.mark === "object" && out.mark.type === "text") {
        var mark = Object.assign({}, out.mark);
        if (mark.limit === undefined) {
          mark.limit = Math.max(60, Math.round(self.width * (self.narrow ? 0.3 : 1) - 10));
        }
        out.mark = mark;
      }
      return out;
    };
    self.stretchSteps = function (node) {
      if (Array.isArray(node)) { node.forEach(self.stretchSteps); return; }
      if (!node || typeof node !== "object") { return; }
      if (node.height && typeof node.height.step === "number") {
        node.height = Object.assign({}, node.height, {step: node.height.step * self.stretch});
      }
      Object.keys(node).forEach(function (k) { if (!SKIP[k]) { self.stretchSteps(node[k]); } });
    };
    self.views = function (out) {
      var margin = Math.round(self.width * SHARE) + 40;
      var inner = Math.max(120, Math.round(self.width - margin));
      function isNum(v) { return typeof v === "number"; }
      if (out.facet || out.repeat) {
        if (out.spec && isNum(out.spec.width)) {
          out.spec.width = Math.min(out.spec.width, inner);
        }
      } else if (out.hconcat) {
        var total = margin + 20 * (out.hconcat.length - 1);
        out.hconcat.forEach(function (p) { total += isNum(p.width) ? p.width : 0; });
        if (total > self.width) {
          out.vconcat = out.hconcat; delete out.hconcat;
          out.vconcat.forEach(function (p) { if (isNum(p.width)) { p.width = inner; } });
        }
      } else if (out.vconcat) {
        out.vconcat.forEach(function (p) {
          if (isNum(p.width)) { p.width = Math.min(p.width, inner); }
        });
      } else {
        out.autosize = {type: "fit-x", contains: "padding"};
      }
      if (self.narrow) { out.padding = {left: 5, top: 5, bottom: 5, right: 24}; }
    };
    self.config = function (out) {
      var config = Object.assign({}, out.config || {});
      config.axis = Object.assign({}, config.axis || {});
      if (config.axis.labelLimit !== 0) {
        config.axis.labelLimit = Math.max(60, Math.round(self.width * SHARE));
      }
      config.legend = Object.assign({}, config.legend || {});
      if (self.narrow) {
        config.legend.labelLimit = Math.max(80, Math.round(self.width * 0.5));
        config.axisX = Object.assign({}, config.axisX || {}, {titleAnchor: "end"});
      } else {
        config.legend.labelLimit = Math.max(80, Math.round(self.width - 40));
      }
      config.legend.titleLimit = Math.max(80, Math.round(self.width - 10));
      out.config = config;
    };
  }
  window.skillsFit = function (spec, width) {
    var fit = new Fit(width);
    var out = fit.walk(spec, "root");
    if (out.title !== undefined) { out.title = fitTitle(out.title, width); }
    if (fit.stretch > 1) { fit.stretchSteps(out); }
    fit.views(out);
    fit.config(out);
    return out;
  };
})();
""".replace("__CHAR__", str(CHAR_WIDTH))
    .replace("__SHARE__", str(LABEL_SHARE))
    .replace("__BOLD__", str(BOLD))
    .replace("__NARROW__", str(NARROW))
)
