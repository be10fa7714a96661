"""The report in every language: one message catalogue, one full page per language.

* the catalogue: every language has the same files, keys and placeholders; every key
  the code names exists (an AST scan of ``skills/`` for ``t("...")``, ``self("...")``
  and ``_h(t, "...")`` calls with a literal key); an unknown key raises; no key is left
  unused (the static keys plus the keys :func:`skills.report.i18n.used_keys` recorded
  while the demo's report was built in Italian and English);
* the pages: Italian ``report.html`` and English ``report.en.html`` with their ``lang``,
  headings, numbers and dates in the language's format, the language switch, and
  chart specs carrying the language's d3 locale; full ITS area names wrap, never cut.
"""

from __future__ import annotations

import ast
import json
import re
import tomllib
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import skills
from skills.errors import ConfigError
from skills.indicators.profile import Headline, profile_statements, regional_profile
from skills.report import ReportResult, build_report
from skills.report import frames as fr
from skills.report.i18n import LANGUAGES, MessageError, Messages, catalogue, used_keys

PACKAGE = Path(skills.__file__).resolve().parent
MESSAGES = PACKAGE / "report" / "messages"
KEY = re.compile(r"^[A-Za-z]\w*(?:\.\w+)+$")
PLACEHOLDER = re.compile(r"(?<!\{)\{(\w+)")
LONG_AREA = "Tecnologie per i beni e le attività artistiche e culturali e per il turismo"


# ----------------------------------------------------------------------------- helpers
def _flat(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def catalogue_files(lang: str) -> dict[str, dict[str, str]]:
    """File name -> its keys and templates, for one language."""
    return {
        path.name: _flat(tomllib.loads(path.read_text(encoding="utf-8")))
        for path in sorted((MESSAGES / lang).glob("*.toml"))
    }


def static_keys() -> dict[str, list[str]]:
    """Every literal message key the package's code names, with where it is named.

    The convention that makes keys findable: the key is the first argument of a call to
    ``t`` (a :class:`~skills.report.i18n.Messages`) or ``self`` (inside ``Messages``),
    or the second of ``_h(t, ...)`` (the page's HTML helper, in skills/report/page/_html.py).
    Keys built at run time
    (``t(f"chart.{chart_id}.heading")``) are covered by :func:`used_keys` instead.
    """
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            if node.func.id in {"t", "self"} and node.args:
                arg = node.args[0]
            elif node.func.id == "_h" and len(node.args) >= 2:
                arg = node.args[1]
            else:
                continue
            value = arg.value if isinstance(arg, ast.Constant) else None
            if isinstance(value, str) and KEY.match(value):
                where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
                found.setdefault(value, []).append(where)
    return found


def literal_keys() -> set[str]:
    """Every string constant in the package's code that is a whole message key (a key
    kept in a variable, ``"summary.a" if x else "summary.b"``, is named there too)."""
    prefixes = {key.split(".", 1)[0] for key in catalogue("en")}
    found: set[str] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value
                if KEY.match(value) and value.split(".", 1)[0] in prefixes:
                    found.add(value)
    return found


def _spec(html: str, chart_id: str) -> dict[str, Any]:
    match = re.search(
        rf'<script type="application/json" id="spec-{chart_id}">(.*?)</script>', html, re.S
    )
    assert match, f"no spec for {chart_id}"
    spec: dict[str, Any] = json.loads(match.group(1))
    return spec


@pytest.fixture(scope="module")
def report(demo_publication: Path, tmp_path_factory: pytest.TempPathFactory) -> ReportResult:
    """The demo's full report (every format) with the languages the refresh recorded."""
    out = tmp_path_factory.mktemp("i18n-report")
    return build_report(demo_publication, out=out, strict=True)


# ----------------------------------------------------------------------------- (a) catalogue
def test_every_language_has_the_same_files_and_keys() -> None:
    files = {lang: catalogue_files(lang) for lang in LANGUAGES}
    reference = files["en"]
    assert "common.toml" in reference
    for lang, found in files.items():
        assert sorted(found) == sorted(reference), f"{lang}: not the same message files"
        for name, keys in reference.items():
            missing = sorted(set(keys) - set(found[name]))
            extra = sorted(set(found[name]) - set(keys))
            assert not missing and not extra, f"messages/{lang}/{name}: {missing=} {extra=}"
    assert set(catalogue("it")) == set(catalogue("en"))


def test_translations_keep_every_placeholder() -> None:
    english = catalogue("en")
    for lang in LANGUAGES:
        texts = catalogue(lang)
        wrong = {
            key: (
                sorted(set(PLACEHOLDER.findall(english[key]))),
                sorted(set(PLACEHOLDER.findall(text))),
            )
            for key, text in texts.items()
            if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(english[key]))
        }
        assert not wrong, f"{lang}: placeholders differ from English: {wrong}"
        empty = [key for key, text in texts.items() if not text.strip()]
        assert not empty, f"{lang}: empty messages {empty}"


# ----------------------------------------------------------------------------- (b) no key missing
@pytest.mark.slow
def test_every_key_the_code_names_exists() -> None:
    keys = static_keys()
    assert len(keys) > 200  # the scan finds the calls (a broken scan finds none)
    for lang in LANGUAGES:
        texts = catalogue(lang)
        missing = {key: where for key, where in keys.items() if key not in texts}
        assert not missing, f"keys missing from messages/{lang}/: {missing}"


def test_an_unknown_key_or_an_unfilled_template_raises() -> None:
    t = Messages("it")
    with pytest.raises(
        MessageError, match=re.escape("'page.no_such_key' is missing from messages/it")
    ):
        t("page.no_such_key")
    with pytest.raises(MessageError, match="cannot fill"):
        t("page.profile.heading", wrong="x")  # the template needs {region}
    with pytest.raises(MessageError, match="no messages for language"):
        Messages("fr")


# ----------------------------------------------------------------------------- (c) no key unused
def test_no_key_is_left_unused(report: ReportResult) -> None:
    assert report.languages == ("it", "en")  # both pages were built (the fixture)
    named = set(static_keys()) | literal_keys() | used_keys()
    unused: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        for name, keys in catalogue_files(lang).items():
            left = sorted(set(keys) - named)
            if left:
                unused[f"messages/{lang}/{name}"] = left
    assert not unused, (
        "keys no code names and building the demo report in every language did not use "
        f"(remove them, or use them): {unused}"
    )


# ----------------------------------------------------------------------------- (d) the pages
def test_one_full_page_per_language(report: ReportResult) -> None:
    assert report.report is not None
    assert [p.name for p in report.pages] == ["report.html", "report.en.html"]
    italian, english = (p.read_text(encoding="utf-8") for p in report.pages)
    assert '<html lang="it">' in italian and '<html lang="en">' in english
    # each page links the other, and names itself in the switch
    assert 'href="report.en.html" hreflang="en" lang="en"' in italian
    assert 'href="report.html" hreflang="it" lang="it"' in english
    assert '<span lang="it" aria-current="page">Italiano</span>' in italian
    # the title in each language ([pipeline] titles of the demo spec)
    assert "<h1>Piemonte (ITC1) - dati dimostrativi sintetici</h1>" in italian
    assert "<h1>Piedmont (ITC1) - synthetic demo data</h1>" in english
    # Italian headings and labels; the English ones are not left on the Italian page
    for text in (
        "Profilo regionale: Piemonte (ITC1)",
        "Per chi programma l'offerta ITS",
        "Divario tra domanda e offerta per area tecnologica",
        "Qualità dei dati",
        "Provenienza",
        "DATI DIMOSTRATIVI SINTETICI",
        "Tasso di disoccupazione (15-74) in Piemonte (ITC1)",
    ):
        assert escape(text) in italian, text
    for text in (
        "Regional profile",
        "For ITS planners",
        "Data quality",
        "Notes on this report",
        "Sources: ",
        "SYNTHETIC DEMO DATA",
        "Showing: ",
        "Province: ",
        "Unemployment rate",
    ):
        assert text not in italian, text
        assert text in english or text == "Notes on this report", text


def test_numbers_and_dates_follow_the_language(
    report: ReportResult, demo_publication: Path
) -> None:
    italian, english = (p.read_text(encoding="utf-8") for p in report.pages)
    # a thousands dot (Italian) or comma (English) in a table cell: the inputs' bytes, rows
    assert re.search(r"<td class=num>\d{1,3}(?:\.\d{3})+</td>", italian)
    assert re.search(r"<td class=num>\d{1,3}(?:,\d{3})+</td>", english)
    manifest = json.loads((demo_publication / "manifest.json").read_text())
    size = max(int(i["bytes"]) for i in manifest["inputs"])  # the largest input's bytes
    assert f"<td class=num>{Messages('it').number(size)}</td>" in italian  # 1.655.317
    assert f"<td class=num>{size:,}</td>" in english  # 1,655,317
    # a decimal comma in the profile table, a percentage with a space in the sentences
    assert re.search(r"<td class=num>\d+,\d</td>", italian)
    assert re.search(r": \d+,\d\u00a0% nel \d{4}", italian)
    started = manifest["started"]
    assert escape(Messages("it").date(started)) in italian  # "4 dicembre 2026, 10:21 UTC"
    assert escape(Messages("en").date(started)) in english


# ----------------------------------------------------------------------------- (e) chart locale
def test_chart_specs_carry_the_language_locale(report: ReportResult) -> None:
    italian, english = (p.read_text(encoding="utf-8") for p in report.pages)
    it_spec = _spec(italian, "its_gap_by_area")
    assert it_spec["config"]["locale"]["number"] == Messages("it").format_locale()
    assert it_spec["config"]["locale"]["number"]["decimal"] == ","
    assert it_spec["config"]["locale"]["number"]["thousands"] == "."
    assert it_spec["config"]["locale"]["time"]["months"][11] == "Dicembre"
    assert it_spec["title"]["subtitle"][0].startswith("Fonte: ")
    en_spec = _spec(english, "its_gap_by_area")
    assert en_spec["config"]["locale"]["number"]["decimal"] == "."
    # the chart files are drawn once, in the first language
    assert report.report is not None
    folder = report.report.parent / "charts"
    exported = json.loads((folder / "its_gap_by_area.vl.json").read_text(encoding="utf-8"))
    assert exported["config"]["locale"]["number"]["decimal"] == ","
    svg = (folder / "its_gap_by_area.svg").read_text(encoding="utf-8")
    assert "1.000" in svg  # an axis label in Italian format
    assert "Files (drawn in Italian)" in english


def test_full_area_names_wrap_and_are_never_cut(report: ReportResult) -> None:
    assert report.report is not None
    italian = report.report.read_text(encoding="utf-8")
    spec = _spec(italian, "its_gap_by_area")
    rows = [r for values in spec["datasets"].values() for r in values if "area" in r]
    assert LONG_AREA in {r["area"] for r in rows}
    axis = spec["layer"][0]["encoding"]["y"]["axis"]
    assert axis["labelLimit"] == 0 and "split(" in axis["labelExpr"]
    # the rendered chart shows every word of the name, on two lines, with no ellipsis
    svg = (report.report.parent / "charts" / "its_gap_by_area.svg").read_text(encoding="utf-8")
    lines = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)
    joined = " ".join(lines)
    assert LONG_AREA in joined
    assert any(line != LONG_AREA and LONG_AREA.startswith(line) for line in lines)
    assert "…" not in svg


# ----------------------------------------------------------------------------- the words
def test_profile_sentences_in_italian_and_english() -> None:
    rows = [
        {
            "indicator": "unemployment_rate",
            "geo": geo,
            "period": period,
            "value": value,
            "unit": "%",
            "flag": "b" if (geo, period) == ("ITC1", "2020") else None,
            "source": "t",
            "sex": "T",
            "age": "Y15-74",
            "note": None,
        }
        for geo, v15, v20 in (("ITC1", 10.0, 7.0), ("ITC4", 8.0, 5.0), ("DE11", 4.0, 3.0))
        for period, value in (("2015", v15), ("2020", v20))
    ]
    head = Headline(
        "unemployment_rate",
        "Unemployment rate",
        {"sex": "T", "age": "Y15-74"},
        False,
        key="profile.headline.unemployment_rate",
    )
    prof = regional_profile(pl.DataFrame(rows), region="ITC1", headlines=[head])
    it = profile_statements(prof, names={"ITC1": "Piemonte"}, t=Messages("it"))[0]
    assert it.startswith(
        "Tasso di disoccupazione (15-74) in Piemonte (ITC1): 7,0\u00a0% nel 2020, in calo di "
        "3,0 punti percentuali rispetto al 2015 (a cavallo di un'interruzione di serie"
    )
    assert "Si colloca al 3° posto su 3" in it and "un valore più basso è migliore" in it
    assert it.endswith("Fonte: t; flag Eurostat: b.")
    en = profile_statements(prof, names={"ITC1": "Piemonte"})[0]  # English by default
    assert en.startswith("Unemployment rate (15-74) in Piemonte (ITC1) was 7.0% in 2020, down 3.0")
    assert en.endswith("Source: t; flags: b.")


def test_frame_labels_follow_the_language() -> None:
    it = Messages("it")
    assert fr.geo_label("DE", {}, it) == "Germania (DE)"
    assert fr.geo_label("EU27_2020", {}, it) == "UE-27 (2020)"
    assert fr.frame_labels(it).demand_series.startswith("Fabbisogno: entrate previste")
    assert fr.data_label_text("synthetic demo data", it) == "dati dimostrativi sintetici"
    assert fr.data_label_text("my label", it) == "my label"
    assert fr.frame_labels().demand_series.startswith("Planned entries")


# ----------------------------------------------------------------------------- languages
def test_languages_are_checked_recorded_and_rebuilt(demo_publication: Path, tmp_path: Path) -> None:
    manifest = json.loads((demo_publication / "manifest.json").read_text())
    assert manifest["pipeline"]["languages"] == ["it", "en"]  # [outputs] languages, default
    for bad, message in (
        (("fr",), "unknown report language"),
        ((), "no report language"),
        (("it", "it"), "given more than once"),
    ):
        with pytest.raises(ConfigError, match=message):
            build_report(demo_publication, out=tmp_path, formats=("html",), languages=bad)
    both = build_report(demo_publication, out=tmp_path, formats=("html",))
    assert [p.name for p in both.pages] == ["report.html", "report.en.html"]
    # one language: no switch, and the other language's page is not left behind
    one = build_report(demo_publication, out=tmp_path, formats=("html",), languages=["en"])
    assert [p.name for p in one.pages] == ["report.html"]
    assert not (tmp_path / "report.en.html").exists()
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and 'class="langs"' not in html


def test_cli_report_language_option(demo_publication: Path, tmp_path: Path) -> None:
    from skills.cli import main

    argv = ["report", str(demo_publication), "--out", str(tmp_path), "-f", "html"]
    try:
        main([*argv, "-l", "en", "--language", "it"])
    except SystemExit as exc:
        assert exc.code in (0, None)
    assert '<html lang="en">' in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<html lang="it">' in (tmp_path / "report.it.html").read_text(encoding="utf-8")
