"""HTML helpers shared by the page's sections: escaping, numbers, tables and captions.

Every cell, number and caption on the page is written through these, so escaping and
the reader's number and date conventions are the same everywhere. ``_h`` is the one
way to put HTML into a message: the message catalogue's key checks
(``tests/test_report_i18n.py``) look for it by name.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from skills.report.frames import data_label_text
from skills.report.i18n import Messages

if TYPE_CHECKING:
    from skills.report._publication import Publication


def script_json(value: Any) -> str:
    """``value`` as JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _safe_script(code: str) -> str:
    """JavaScript that cannot close its ``<script>`` element early."""
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def _e(value: Any) -> str:
    return "" if value is None else escape(str(value))


def _h(t: Messages, key: str, /, **html: Any) -> str:
    """The message ``key`` as HTML: its words escaped, the ``html`` values (already
    escaped HTML) put in as they are."""
    marks = {name: f"\x00{i}\x00" for i, name in enumerate(html)}
    text = escape(t(key, **marks))
    for name, mark in marks.items():
        text = text.replace(mark, str(html[name]))
    return text


def _num(t: Messages, value: Any, digits: int = 4) -> str:
    """A number in ``t``'s convention (``1.234,5678``); very small or large floats in
    scientific notation with the language's decimal mark."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _e(t("page.yes") if value else t("page.no"))
    if isinstance(value, int):
        return t.number(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value != 0 and (abs(value) < 10 ** -(digits - 1) or abs(value) >= 10**7):
            return f"{value:.{digits - 1}e}".replace(".", t.number(0.5, 1)[1])
        return t.number(value, digits)
    return _e(value)


def _p(t: Messages, value: Any, upper_bound: bool = False) -> str:
    """A p-value: ``< 0.001`` below that, ``< p`` when ``p`` is an upper bound (a bootstrap
    with no draw as extreme as the data publishes 1/(B+1))."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if float(value) < 0.001:
        return f"&lt; {t.number(0.001, 3)}"
    text = t.number(float(value), 3)
    return f"&lt; {text}" if upper_bound else text


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """An HTML table; cells are already escaped HTML."""
    num = set(numeric)
    ths = "".join(
        f'<th{" class=num" if i in num else ""} scope="col">{h}</th>' for i, h in enumerate(head)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if i in num else ''}>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="tablewrap"><table><thead><tr>{ths}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _label(pub: Publication, t: Messages) -> str | None:
    """The publication's data label in ``t``'s language, in capitals (None for real data)."""
    label = data_label_text(pub.data_label, t)
    return label.upper() if label else None


def _caption(pub: Publication, sources: str, t: Messages) -> str:
    label = _label(pub, t)
    version = (pub.manifest.get("package") or {}).get("version", "?")
    text = _h(
        t,
        "page.caption",
        sources=_e(sources),
        run_id=f"<code>{_e(pub.run_id)}</code>",
        version=_e(version),
    )
    return f"{text} {_e(label)}." if label else text


def _when(t: Messages, value: Any) -> str:
    """An ISO timestamp as a date in ``t``'s language, the exact value in ``datetime``."""
    if not value:
        return ""
    try:
        text = t.date(str(value))
    except ValueError:
        return _e(value)
    return f'<time datetime="{_e(value)}">{_e(text)}</time>'
