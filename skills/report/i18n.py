"""The report's languages: one message catalogue, locale-aware numbers and dates.

Every word the report shows a reader (headings, leads, chart titles, axis titles, legend
entries, tooltips, notes, table headers, sentences) comes from the message catalogue in
``skills/report/messages/<lang>/*.toml``: one TOML file per part of the report (the page,
the charts, the planner summary, the map, the exports), each a table of dotted keys.
The files of a language are merged; a key defined twice is an error, and every language
must define the same keys (a test checks both, and that no key is left unused).

Messages are ``str.format`` templates: ``t("gap.sentence", area="Energia", n=12)``.
Numbers and dates are formatted by :class:`Messages` in the language's convention
(Italian: ``1.234,5`` and ``4 dicembre 2026``), and the charts get the matching d3
locale (``vl_convert.get_format_locale``) so axis and tooltip numbers follow it too.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "LANGUAGES",
    "MessageError",
    "Messages",
    "catalogue",
    "default_languages",
    "used_keys",
]

#: Languages the catalogue has, and their d3/vl-convert locale names.
LOCALES: Mapping[str, str] = {"it": "it-IT", "en": "en-US"}
LANGUAGES: tuple[str, ...] = tuple(LOCALES)

_MONTHS: Mapping[str, tuple[str, ...]] = {
    "it": (
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
#: Every key looked up in this process (the catalogue test reads it).
_USED: set[str] = set()


class MessageError(KeyError):
    """A key the catalogue does not have, or a template its values do not fill."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "message error"


def _flatten(table: Mapping[str, Any], prefix: str, where: str, out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, f"{full}.", where, out)
        elif isinstance(value, str):
            if full in out:
                raise MessageError(f"message {full!r} is defined twice ({where})")
            out[full] = value
        else:
            raise MessageError(f"message {full!r} in {where} must be text")


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """Every message of ``lang``: dotted key -> template (all files of the language merged)."""
    if lang not in LOCALES:
        raise MessageError(f"no messages for language {lang!r}; languages: {', '.join(LANGUAGES)}")
    out: dict[str, str] = {}
    folder = resources.files("skills.report") / "messages" / lang
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".toml"):
            where = f"messages/{lang}/{item.name}"
            _flatten(tomllib.loads(item.read_text(encoding="utf-8")), "", where, out)
    return out


def used_keys() -> frozenset[str]:
    """The keys looked up so far in this process."""
    return frozenset(_USED)


def default_languages(region: str | None) -> tuple[str, ...]:
    """Italian first for an Italian region, then English; English alone elsewhere."""
    return ("it", "en") if (region or "").upper().startswith("IT") else ("en",)


@dataclass(frozen=True)
class Messages:
    """The messages and number/date formats of one language.

    Parameters
    ----------
    lang
        ``"it"`` or ``"en"``.
    """

    lang: str
    _texts: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_texts", catalogue(self.lang))

    @property
    def locale(self) -> str:
        """The d3 / vl-convert locale name (``it-IT``)."""
        return LOCALES[self.lang]

    def __call__(self, key: str, /, **values: Any) -> str:
        """The message ``key`` with ``values`` filled in.

        Raises
        ------
        MessageError
            The key is not in the catalogue, or the template needs a value not given.
        """
        _USED.add(key)
        try:
            template = self._texts[key]
        except KeyError:
            raise MessageError(
                f"message {key!r} is missing from messages/{self.lang}/*.toml"
            ) from None
        if not values:
            return template
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            raise MessageError(f"message {key!r} ({self.lang}): cannot fill {exc}") from None

    def has(self, key: str) -> bool:
        """Whether the catalogue has ``key`` (does not count as a use)."""
        return key in self._texts

    # ------------------------------------------------------------------ formats
    def number(self, value: float | int | None, digits: int = 0) -> str:
        """``value`` with the language's grouping and decimal marks ('' for null/NaN).

        >>> Messages("it").number(12345.678, 1), Messages("en").number(12345.678, 1)
        ('12.345,7', '12,345.7')
        """
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        text = f"{value:,.{digits}f}"
        if self.lang == "it":
            text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
        # a rounded zero keeps no sign: "-0" reads as a negative value
        return text.lstrip("-") if set(text) <= set("-0,.") else text

    def signed(self, value: float | int | None, digits: int = 0) -> str:
        """Like :meth:`number`, with an explicit ``+`` for positive values."""
        text = self.number(value, digits)
        positive = value is not None and value > 0 and text != self.number(0, digits)
        return f"+{text}" if positive else text

    def percent(self, value: float | None, digits: int = 0) -> str:
        """A percentage (``value`` already in %): ``56 %`` in Italian, ``56%`` in English."""
        text = self.number(value, digits)
        if not text:
            return ""
        return f"{text}\u00a0%" if self.lang == "it" else f"{text}%"

    def date(self, value: str | datetime | None, *, time: bool = True) -> str:
        """An ISO timestamp as ``4 dicembre 2026, 10:17 UTC`` / ``4 December 2026, 10:17 UTC``."""
        if value is None or value == "":
            return ""
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        month = _MONTHS[self.lang][when.month - 1]
        text = f"{when.day} {month} {when.year}"
        if time:
            zone = " UTC" if when.utcoffset() is not None and not when.utcoffset() else ""
            text += f", {when:%H:%M}{zone}"
        return text

    def format_locale(self) -> dict[str, Any]:
        """The d3 number-format locale for the charts (``vl_convert.get_format_locale``)."""
        import vl_convert as vlc

        return dict(vlc.get_format_locale(self.locale))  # type: ignore[arg-type]

    def time_format_locale(self) -> dict[str, Any]:
        """The d3 time-format locale for the charts."""
        import vl_convert as vlc

        return dict(vlc.get_time_format_locale(self.locale))  # type: ignore[arg-type]

    def join(self, items: Sequence[str], sep: str = ", ") -> str:
        """``a, b and c`` / ``a, b e c`` (``sep`` between all but the last two)."""
        items = [i for i in items if i]
        if len(items) <= 1:
            return "".join(items)
        return f"{sep.join(items[:-1])} {self('common.and')} {items[-1]}"
