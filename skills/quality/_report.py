"""The typed validation report: one outcome per expectation, and the report around them."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

__all__ = ["ExpectationOutcome", "Severity", "ValidationReport", "jsonable"]

Severity = Literal["error", "warning"]

#: Failing examples kept per outcome.
MAX_EXAMPLES = 5


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: numpy/pandas scalars unwrapped, NaN -> None."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        try:
            return jsonable(item())
        except (TypeError, ValueError):
            pass
    tolist = getattr(value, "tolist", None)  # numpy arrays
    if callable(tolist):
        return jsonable(tolist())
    return str(value)


def _fmt_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class ExpectationOutcome:
    """The result of one expectation of one suite on one table.

    Attributes
    ----------
    suite, table
        The suite (file ``expectations/<suite>.json``) and the table it ran on (a table
        name such as ``indicators`` or ``eurostat__employment``).
    expectation
        The great-expectations type, e.g. ``expect_column_values_to_be_between``.
    columns
        The column(s) the expectation is about (empty for table-level expectations).
    severity
        ``"error"`` (stops the run) or ``"warning"`` (reported).
    success
        Whether the expectation held. A skipped expectation counts as a success.
    observed
        What was observed, as JSON data: ``{"unexpected_count": .., "element_count": ..,
        "unexpected_values": [...]}`` for row checks, ``{"observed_value": ..}`` for
        aggregates.
    examples
        Up to five failing rows as dicts: the key columns, the checked columns and, when
        the table has it, ``_line`` (the row's line in its file); rows of a check table
        for aggregate checks.
    reason
        Why the expectation is set the way it is, for known source quirks.
    source
        The file (path or URL) the table came from, when known.
    check_table
        The table the expectation ran on: ``rows`` (the table itself) or an aggregated
        check table (``steps``, ``gaps``, ``periods``, ``shares``).
    description
        The expectation in words (``value in [0, 100]``).
    engine
        ``"polars"`` (structural checks, the simple value types) or
        ``"great_expectations"`` (:mod:`skills.quality._gx`).
    skipped
        True when the expectation could not apply (an optional column is absent).
    """

    suite: str
    table: str
    expectation: str
    columns: tuple[str, ...]
    severity: Severity
    success: bool
    observed: Any = None
    examples: tuple[Mapping[str, Any], ...] = ()
    reason: str | None = None
    source: str | None = None
    check_table: str = "rows"
    description: str = ""
    engine: str = "great_expectations"
    skipped: bool = False

    @property
    def failed(self) -> bool:
        """True when the expectation did not hold."""
        return not self.success

    def to_dict(self) -> dict[str, Any]:
        """The outcome as plain JSON data."""
        return {
            "suite": self.suite,
            "table": self.table,
            "expectation": self.expectation,
            "columns": list(self.columns),
            "severity": self.severity,
            "success": self.success,
            "observed": jsonable(self.observed),
            "examples": [jsonable(dict(e)) for e in self.examples],
            "reason": self.reason,
            "source": self.source,
            "check_table": self.check_table,
            "description": self.description,
            "engine": self.engine,
            "skipped": self.skipped,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExpectationOutcome:
        """Rebuild an outcome written by :meth:`to_dict`."""
        severity = data["severity"]
        if severity not in ("error", "warning"):
            raise ValueError(f"unknown severity {severity!r}")
        return cls(
            suite=str(data["suite"]),
            table=str(data["table"]),
            expectation=str(data["expectation"]),
            columns=tuple(data.get("columns", ())),
            severity=severity,
            success=bool(data["success"]),
            observed=data.get("observed"),
            examples=tuple(dict(e) for e in data.get("examples", ())),
            reason=data.get("reason"),
            source=data.get("source"),
            check_table=str(data.get("check_table", "rows")),
            description=str(data.get("description", "")),
            engine=str(data.get("engine", "great_expectations")),
            skipped=bool(data.get("skipped", False)),
        )

    def observed_text(self) -> str:
        """The observation in words, e.g. ``3 of 1200 rows unexpected (values 150, 230)``."""
        obs = self.observed
        if not isinstance(obs, Mapping):
            return "" if obs is None else _fmt_value(obs)
        if "message" in obs:
            return str(obs["message"])
        if "unexpected_count" in obs:
            n, total = obs.get("unexpected_count"), obs.get("element_count")
            unit = "rows" if self.check_table == "rows" else f"{self.check_table} rows"
            text = f"{n} of {total} {unit} unexpected"
            values = obs.get("unexpected_values") or []
            if values:
                text += " (values " + ", ".join(_fmt_value(v) for v in values[:5]) + ")"
            return text
        if "observed_value" in obs:
            return _fmt_value(obs["observed_value"])
        return _fmt_value(dict(obs))

    def example_text(self, index: int = 0) -> str:
        """One failing example as ``file:line: col=value, ...`` (or ``file row N``)."""
        if index >= len(self.examples):
            return ""
        row = dict(self.examples[index])
        where = ""
        line = row.pop("_line", None)
        pos = row.pop("_row", None)
        src = self.source or self.table
        if line is not None:
            where = f"{src}:{line}"
        elif pos is not None:
            where = f"{src} (table row {pos})"
        cells = ", ".join(f"{k}={_fmt_value(v)}" for k, v in row.items() if v is not None)
        return f"{where}: {cells}" if where else cells

    def line(self) -> str:
        """One line for a terminal: ``SEVERITY table: expectation on column: observed ...``."""
        cols = ", ".join(self.columns)
        on = f" on {cols}" if cols else ""
        text = f"{self.severity.upper()} {self.table}: {self.expectation}{on}"
        if self.description:
            text += f" ({self.description})"
        observed = self.observed_text()
        if observed:
            text += f": observed {observed}"
        example = self.example_text()
        if example:
            text += f"; e.g. {example}"
        if self.reason:
            text += f" [{self.reason}]"
        return text


@dataclass(frozen=True)
class ValidationReport:
    """Every outcome of a validation run, with what a manifest and an operator need.

    ``passed`` is true when no expectation of severity ``error`` failed; warnings are
    reported but never stop a run.
    """

    outcomes: tuple[ExpectationOutcome, ...]
    tables: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    nuts_version: int | None = None
    duration_s: float | None = None

    @property
    def passed(self) -> bool:
        """True when no error-severity expectation failed."""
        return not any(o.failed and o.severity == "error" for o in self.outcomes)

    def errors(self) -> tuple[ExpectationOutcome, ...]:
        """The failed expectations of severity ``error``."""
        return tuple(o for o in self.outcomes if o.failed and o.severity == "error")

    def warnings(self) -> tuple[ExpectationOutcome, ...]:
        """The failed expectations of severity ``warning``."""
        return tuple(o for o in self.outcomes if o.failed and o.severity == "warning")

    def failures(self) -> tuple[ExpectationOutcome, ...]:
        """Errors first, then warnings."""
        return self.errors() + self.warnings()

    @property
    def counts(self) -> dict[str, int]:
        """``evaluated``, ``succeeded``, ``errors``, ``warnings``, ``skipped`` counts."""
        return {
            "evaluated": len(self.outcomes),
            "succeeded": sum(o.success for o in self.outcomes),
            "errors": len(self.errors()),
            "warnings": len(self.warnings()),
            "skipped": sum(o.skipped for o in self.outcomes),
        }

    def suites(self) -> list[str]:
        """The suites in the report, in first-seen order."""
        return list(dict.fromkeys(o.suite for o in self.outcomes))

    def by_table(self) -> dict[str, list[ExpectationOutcome]]:
        """Outcomes grouped by table, in first-seen order."""
        out: dict[str, list[ExpectationOutcome]] = {}
        for o in self.outcomes:
            out.setdefault(o.table, []).append(o)
        return out

    def per_suite(self) -> list[dict[str, Any]]:
        """One entry per table for ``manifest.json``'s ``validation`` list.

        Each entry: ``table``, ``suite``, ``source``, ``rows``, ``passed``, ``evaluated``,
        ``errors``, ``warnings``.
        """
        entries = []
        for table, outs in self.by_table().items():
            info = dict(self.tables.get(table, {}))
            entries.append(
                {
                    "table": table,
                    "suite": outs[0].suite,
                    "source": info.get("source", outs[0].source),
                    "rows": info.get("rows"),
                    "passed": not any(o.failed and o.severity == "error" for o in outs),
                    "evaluated": len(outs),
                    "errors": sum(o.failed and o.severity == "error" for o in outs),
                    "warnings": sum(o.failed and o.severity == "warning" for o in outs),
                }
            )
        return entries

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON data (what ``quality.json`` holds)."""
        return {
            "passed": self.passed,
            "counts": self.counts,
            "nuts_version": self.nuts_version,
            "duration_s": self.duration_s,
            "tables": {k: jsonable(dict(v)) for k, v in self.tables.items()},
            "outcomes": [o.to_dict() for o in self.outcomes],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> ValidationReport:
        """Rebuild a report from :meth:`to_json` output."""
        data = json.loads(text)
        return cls(
            outcomes=tuple(ExpectationOutcome.from_dict(o) for o in data.get("outcomes", ())),
            tables={k: dict(v) for k, v in data.get("tables", {}).items()},
            nuts_version=data.get("nuts_version"),
            duration_s=data.get("duration_s"),
        )

    @classmethod
    def combine(cls, reports: Iterable[ValidationReport]) -> ValidationReport:
        """One report holding the outcomes of several (e.g. inputs, then outputs)."""
        reports = list(reports)
        outcomes: list[ExpectationOutcome] = []
        tables: dict[str, Mapping[str, Any]] = {}
        duration = 0.0
        for r in reports:
            outcomes.extend(r.outcomes)
            tables.update(r.tables)
            duration += r.duration_s or 0.0
        nuts = next((r.nuts_version for r in reports if r.nuts_version is not None), None)
        return cls(tuple(outcomes), tables, nuts, round(duration, 3))

    def summary_text(self, *, include_warnings: bool = True) -> str:
        """One line per failure (errors first), then a count line."""
        failures: Sequence[ExpectationOutcome] = (
            self.failures() if include_warnings else self.errors()
        )
        lines = [o.line() for o in failures]
        c = self.counts
        status = "passed" if self.passed else "FAILED"
        lines.append(
            f"quality {status}: {c['evaluated']} expectations on {len(self.by_table())} "
            f"tables, {c['errors']} errors, {c['warnings']} warnings"
        )
        return "\n".join(lines)

    def raise_if_failed(self) -> None:
        """Raise :class:`~skills.errors.QualityError` (exit code 1) when an error failed."""
        if not self.passed:
            from skills.errors import QualityError

            raise QualityError(self.summary_text(include_warnings=False), self)
