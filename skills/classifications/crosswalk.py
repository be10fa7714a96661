"""The versioned ITS area -> ISCO-08 crosswalk: shipped versions and user files, validated."""

from __future__ import annotations

import csv
import io
import math
import re
from functools import cache
from pathlib import Path
from typing import Any, Final

import polars as pl

from skills._resources import classification_path
from skills.classifications._shipped import _versions_toml
from skills.classifications.isco import _isco08_groups
from skills.classifications.its import _its_area_map, _its_areas
from skills.errors import ConfigError, InputError

__all__ = [
    "CROSSWALK_COLUMNS",
    "DEFAULT_CROSSWALK",
    "WEIGHT_TOLERANCE",
    "available_crosswalks",
    "its_isco08_crosswalk",
    "read_its_isco08_crosswalk",
]

#: Columns of an ITS area -> ISCO-08 crosswalk file, in this order on output.
CROSSWALK_COLUMNS: Final[tuple[str, ...]] = (
    "crosswalk_version",
    "variant",
    "its_area",
    "isco08",
    "weight",
    "rationale",
)
#: The crosswalk used when none is named.
DEFAULT_CROSSWALK: Final = "its-isco08-v1"
#: Largest accepted gap between 1 and the sum of the weights of one (variant, area).
WEIGHT_TOLERANCE: Final = 1e-9

_VARIANT_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_WEIGHT_RE = re.compile(r"^[+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")


def available_crosswalks() -> list[str]:
    """Return the versions of the ITS area -> ISCO-08 crosswalks shipped, sorted."""
    return sorted(_versions_toml().get("crosswalks", {}))


@cache
def _shipped_crosswalk(version: str) -> pl.DataFrame:
    entry = _versions_toml()["crosswalks"][version]
    frame = read_its_isco08_crosswalk(classification_path(str(entry["file"])))
    versions = set(frame["crosswalk_version"].unique().to_list())
    if versions != {version}:  # pragma: no cover - guarded by the tests
        msg = f"crosswalk file for '{version}' holds versions {sorted(versions)}"
        raise ConfigError(msg, file=classification_path(str(entry["file"])))
    return frame


def its_isco08_crosswalk(
    version: str = DEFAULT_CROSSWALK, variant: str | None = None
) -> pl.DataFrame:
    """Return a shipped ITS area (2023 scheme) -> ISCO-08 minor group crosswalk.

    Parameters
    ----------
    version
        A version listed by :func:`available_crosswalks` (default ``its-isco08-v1``).
    variant
        ``central`` (best judgement), ``narrow`` (core links only) or ``broad`` (adds
        loosely related occupations): three alternative weightings for a sensitivity
        band. None returns all variants.

    Returns
    -------
    polars.DataFrame
        ``crosswalk_version``, ``variant``, ``its_area``, ``isco08`` (3 digits),
        ``weight`` (Float64; sums to 1 per variant and area), ``rationale``. Keep
        ``crosswalk_version`` and ``variant`` on every output row derived from it.

    Raises
    ------
    ConfigError
        If the version or the variant is unknown (the message lists the known ones).
    """
    known = available_crosswalks()
    if version not in known:
        msg = f"crosswalk version {version!r} is not shipped; available: {', '.join(known)}"
        raise ConfigError(msg)
    return _select_variant(_shipped_crosswalk(version), variant, f"crosswalk {version!r}")


def _select_variant(frame: pl.DataFrame, variant: str | None, what: str) -> pl.DataFrame:
    if variant is None:
        return frame.clone()
    variants = sorted(frame["variant"].unique().to_list())
    if variant not in variants:
        msg = f"{what} has no variant {variant!r}; variants: {', '.join(variants)}"
        raise ConfigError(msg)
    return frame.filter(pl.col("variant") == variant)


def read_its_isco08_crosswalk(path: str | Path, *, variant: str | None = None) -> pl.DataFrame:
    """Read and validate a user-supplied ITS area -> ISCO-08 crosswalk CSV.

    The file must be UTF-8 CSV (a byte-order mark and CRLF line ends are accepted)
    with a header holding exactly the columns of :data:`CROSSWALK_COLUMNS`, in any
    order. Checks, each reported with the file, the 1-based physical line (the header
    is line 1) and the column:

    * ``crosswalk_version`` non-empty, ``variant`` lower-case ``[a-z0-9_-]``;
    * ``its_area`` a 2023-scheme area (a 2008 code is refused with its 2023 successor);
    * ``isco08`` an ISCO-08 minor group: 3 digits, listed in :func:`isco08_groups`;
    * ``weight`` a finite decimal number in [0, 1];
    * ``rationale`` non-empty;
    * no duplicated (version, variant, area, occupation);
    * the weights of each (version, variant, area) sum to 1 within
      :data:`WEIGHT_TOLERANCE` (reported at the group's first line).

    Parameters
    ----------
    path
        The CSV file.
    variant
        Keep only this variant (None keeps all).

    Returns
    -------
    polars.DataFrame
        The columns of :data:`CROSSWALK_COLUMNS` (``weight`` Float64), in file order.

    Raises
    ------
    ConfigError
        If the file does not exist, or ``variant`` is not in it.
    InputError
        If the content breaks one of the rules above.
    """
    path = Path(path)
    if not path.is_file():
        msg = "crosswalk file not found"
        raise ConfigError(msg, file=path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(path, f"not UTF-8 text ({exc.reason})", line=line) from exc
    frame = _parse_crosswalk(text, path)
    return _select_variant(frame, variant, f"crosswalk file {path}")


def _parse_crosswalk(text: str, path: Path) -> pl.DataFrame:
    """Validate crosswalk CSV text; return the frame (see read_its_isco08_crosswalk)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InputError(path, f"unreadable CSV header: {exc}", line=1) from exc
    if header is None or not any(cell.strip() for cell in header):
        raise InputError(path, "the file is empty: expected a header row", line=1)
    header = [cell.strip() for cell in header]
    for name in header:
        if header.count(name) > 1:
            raise InputError(path, "duplicated column in the header", line=1, column=name)
        if name not in CROSSWALK_COLUMNS:
            raise InputError(
                path,
                f"unexpected column; expected exactly {', '.join(CROSSWALK_COLUMNS)}",
                line=1,
                column=name,
            )
    for name in CROSSWALK_COLUMNS:
        if name not in header:
            raise InputError(path, "required column missing from the header", line=1, column=name)

    isco_minor = set(_isco08_groups().filter(pl.col("level") == 3)["isco08"].to_list())
    areas = _its_areas()
    new_areas = set(areas.filter(pl.col("scheme") == "2023")["its_area"].to_list())
    links = _its_area_map()
    old_to_new = dict(zip(links["from_area"].to_list(), links["to_area"].to_list(), strict=True))
    old_areas = set(areas.filter(pl.col("scheme") == "2008")["its_area"].to_list())

    records: dict[str, list[Any]] = {name: [] for name in CROSSWALK_COLUMNS}
    seen: dict[tuple[str, str, str, str], int] = {}
    groups: dict[tuple[str, str, str], tuple[int, list[float]]] = {}
    previous_end = reader.line_num
    while True:
        start = previous_end + 1
        try:
            row = next(reader, None)
        except csv.Error as exc:
            raise InputError(path, f"malformed CSV: {exc}", line=start) from exc
        if row is None:
            break
        previous_end = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(
                path, f"{len(row)} fields where the header has {len(header)}", line=start
            )
        cells = {name: value.strip() for name, value in zip(header, row, strict=True)}

        def fail(column: str, reason: str, line: int = start) -> InputError:
            return InputError(path, reason, line=line, column=column)

        version = cells["crosswalk_version"]
        if not version:
            raise fail("crosswalk_version", "empty: every row must record the crosswalk version")
        variant = cells["variant"]
        if not _VARIANT_RE.match(variant):
            raise fail("variant", f"{variant!r} is not a variant name (lower case a-z, 0-9, _ -)")
        area = cells["its_area"]
        if area not in new_areas:
            if area in old_areas:
                hint = (
                    f"; use '{old_to_new[area]}'"
                    if area in old_to_new
                    else "; record the Made in Italy sub-area's 2023 area"
                )
                raise fail("its_area", f"'{area}' is a 2008-scheme ITS area{hint}")
            raise fail(
                "its_area",
                f"'{area}' is not a 2023-scheme ITS area ({', '.join(sorted(new_areas))})",
            )
        isco = cells["isco08"]
        if not re.fullmatch(r"\d{3}", isco):
            raise fail("isco08", f"'{isco}' is not a 3-digit ISCO-08 minor group code")
        if isco not in isco_minor:
            raise fail("isco08", f"'{isco}' is not an ISCO-08 minor group")
        weight_text = cells["weight"]
        if not _WEIGHT_RE.match(weight_text):
            raise fail("weight", f"'{weight_text}' is not a non-negative decimal number")
        weight = float(weight_text)
        if not math.isfinite(weight) or weight > 1.0:
            raise fail("weight", f"{weight_text} is outside [0, 1]")
        if not cells["rationale"]:
            raise fail("rationale", "empty: say why graduates of this area do this job")
        key = (version, variant, area, isco)
        if key in seen:
            raise fail("isco08", f"duplicated link {key}, first on line {seen[key]}")
        seen[key] = start
        first_line, weights = groups.setdefault((version, variant, area), (start, []))
        weights.append(weight)
        for name in CROSSWALK_COLUMNS:
            records[name].append(weight if name == "weight" else cells[name])

    if not seen:
        raise InputError(path, "no data rows after the header", line=2)
    for (version, variant, area), (first_line, weights) in groups.items():
        total = math.fsum(weights)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise InputError(
                path,
                f"weights of version '{version}', variant '{variant}', area '{area}' sum to "
                f"{total!r}, not 1 (within {WEIGHT_TOLERANCE:g})",
                line=first_line,
                column="weight",
            )
    schema = {name: (pl.Float64 if name == "weight" else pl.String) for name in CROSSWALK_COLUMNS}
    return pl.DataFrame(records, schema=schema)
