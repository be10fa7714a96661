"""Reading what Eurostat sends: SDMX-CSV bodies (checked, ``LAST UPDATE`` scanned),
SDMX 2.1 data structure definitions (the key's dimension order) and the XML of an
asynchronous answer. No network and no cache here."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from skills.errors import InputError
from skills.sources.eurostat_api._common import _ERROR_BODY_CHARS, logger
from skills.sources.eurostat_api.errors import _AsyncPendingError

_ASYNC_STATES = frozenset({"SUBMITTED", "PROCESSING", "QUEUED", "AVAILABLE", "EXPIRED"})


def _dims_of(meta: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(d) for d in meta.get("dimensions", ()))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _dimensions_from_dsd(root: ET.Element) -> tuple[str, ...]:
    for element in root.iter():
        if _local(element.tag) != "DimensionList":
            continue
        found: list[tuple[str, str | None]] = []
        for child in element:
            if _local(child.tag) not in ("Dimension", "MeasureDimension"):
                continue
            dim_id = child.get("id")
            if dim_id and dim_id.upper() != "TIME_PERIOD":
                found.append((dim_id, child.get("position")))
        if found and all(pos is not None and pos.isdigit() for _, pos in found):
            found.sort(key=lambda item: int(item[1] or 0))
        if found:
            return tuple(dim_id for dim_id, _ in found)
    return ()


def _validate_structure(path: Path, url: str) -> dict[str, Any]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise InputError(
            url, f"the data structure definition is not XML ({exc}): {_head(path)!r}"
        ) from exc
    dims = _dimensions_from_dsd(root)
    if not dims:
        raise InputError(
            url,
            "the answer has no DimensionList/Dimension: not a data structure definition "
            f"({_head(path)!r})",
        )
    return {"dimensions": list(dims)}


# --------------------------------------------------------------------------- validating data


def _validate_sdmx_csv(path: Path, url: str) -> dict[str, Any]:
    head = _head(path, 4096)
    stripped = head.lstrip("\ufeff").lstrip()
    if stripped.startswith("<"):
        pending = _async_info(path)
        if pending is not None:
            raise _AsyncPendingError(*pending)
    first_line = stripped.split("\n", 1)[0].rstrip("\r")
    columns = [c.strip().strip('"') for c in first_line.split(",")]
    if "OBS_VALUE" not in columns or not {"DATAFLOW", "STRUCTURE"} & set(columns):
        kind = "an HTML page" if "<html" in head[:1000].lower() else "not SDMX-CSV"
        raise InputError(
            url,
            f"the answer is {kind}: its first line has no DATAFLOW (or STRUCTURE) and "
            f"OBS_VALUE columns; it starts with {head[:_ERROR_BODY_CHARS]!r}",
            line=1,
        )
    last_update, rows = _scan_last_update(path, url)
    return {"last_update": last_update, "rows": rows}


def _scan_last_update(path: Path, label: str) -> tuple[str | None, int]:
    """Return the latest ``LAST UPDATE`` in an SDMX-CSV file (ISO 8601) and its row count."""
    seen: set[str] = set()
    rows = 0
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        index = header.index("LAST UPDATE") if "LAST UPDATE" in header else None
        for row in reader:
            if not row:
                continue
            rows += 1
            if index is not None and index < len(row) and row[index]:
                seen.add(row[index])
    stamps = []
    for text in seen:
        parsed = _parse_last_update(text)
        if parsed is None:
            logger.warning("%s: LAST UPDATE %r is not a date; it is ignored", label, text)
        else:
            stamps.append(parsed)
    return (max(stamps).isoformat() if stamps else None), rows


def _parse_last_update(text: str) -> datetime | None:
    """Parse Eurostat's ``LAST UPDATE`` (``30/06/26 11:00:00``: day/month/2-digit year)."""
    for fmt in ("%d/%m/%y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    return None


def _async_info(path: Path) -> tuple[str | None, str] | None:
    """Return (request id, status) if the file is Eurostat's asynchronous-delivery answer."""
    if path.stat().st_size > 1 << 20:
        return None
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return None
    status: str | None = None
    request_id: str | None = None
    for element in root.iter():
        name = _local(element.tag).lower()
        text = (element.text or "").strip()
        if not text:
            continue
        if name == "status" and status is None:
            status = text.upper()
        elif name in ("id", "key", "requestid", "uuid") and request_id is None:
            request_id = text
    if status in _ASYNC_STATES:
        return request_id, status
    return None


def _head(path: Path, size: int = _ERROR_BODY_CHARS) -> str:
    with path.open("rb") as fh:
        return fh.read(size).decode("utf-8", errors="replace")
