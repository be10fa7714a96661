"""The report page's ``<section id="exports">``: every exported file, linked."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING
from urllib.parse import quote

from skills.report.exports._files import EXPORTS_DIR
from skills.report.exports._text import _shown_label

if TYPE_CHECKING:
    from skills.report.exports import ExportsResult
    from skills.report.i18n import Messages


def _size(n: int, t: Messages) -> str:
    if n < 1024:
        return t("exports.size.bytes", n=t.number(n))
    if n < 1024 * 1024:
        return t("exports.size.kb", n=t.number(n / 1024))
    return t("exports.size.mb", n=t.number(n / (1024 * 1024), 1))


def exports_section(result: ExportsResult, *, t: Messages) -> str:
    """The page's ``<section id="exports">``: every file, linked relatively, with its rows
    and size. Every text is escaped.
    """
    e = escape
    out = [f'<section id="exports"><h2>{e(t("exports.heading"))}</h2>']
    if result.data_label:
        label = t("exports.synthetic", label=_shown_label(result.data_label, t))
        out.append(f'<p class="notes" role="note">{e(label)}</p>')
    out.append(f'<p class="muted">{e(t("exports.lead"))}</p>')
    head = (
        f'<th scope="col">{e(t("exports.html.file"))}</th>'
        f'<th scope="col">{e(t("exports.html.contents"))}</th>'
        f'<th class="num" scope="col">{e(t("exports.html.rows"))}</th>'
        f'<th class="num" scope="col">{e(t("exports.html.size"))}</th>'
    )
    body: list[str] = []
    for item in result.files:
        if item.kind == "table" and item.bytes == 0:
            continue  # a table in the workbook only: the workbook's own row lists it
        href = f"{EXPORTS_DIR}/{quote(item.path.name)}"
        if item.kind == "workbook":
            contents = t("exports.kind.workbook", sheet=t("exports.def.sheet"))
        elif item.kind == "readme":
            contents = t("exports.kind.readme")
        elif item.kind == "chart":
            contents = t("exports.kind.chart", name=item.name)
        else:
            contents = t("exports.kind.table", name=item.name)
            if item.sheet is not None:
                contents += " " + t("exports.kind.sheet", sheet=item.sheet)
        rows = t.number(item.rows) if item.rows is not None else ""
        body.append(
            f'<tr><td><a href="{e(href, quote=True)}">{e(item.path.name)}</a></td>'
            f"<td>{e(contents)}</td><td class=num>{e(rows)}</td>"
            f"<td class=num>{e(_size(item.bytes, t))}</td></tr>"
        )
    out.append(
        f'<div class="tablewrap"><table class="exports"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
    out.append(
        f'<p class="muted">{e(t("exports.encoding"))} {e(t("exports.open_excel"))} '
        f"{e(t('exports.open_libreoffice'))} {e(t('exports.neutralised'))}</p>"
    )
    if result.notes:
        items = "".join(f"<li>{e(n)}</li>" for n in result.notes)
        out.append(f'<div class="notes"><ul>{items}</ul></div>')
    out.append("</section>")
    return "".join(out)
