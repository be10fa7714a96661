"""Declared stages, and the one cached step that runs each of them.

A :class:`Stage` says what a step of the build is a function of: the upstream stages
whose results it reads, the :class:`~skills.spec.PipelineSpec` fields it reads (by
name, dotted for a nested entry: ``sources.hires``, ``analyses.sectors``), the run
options it reads (``validate``) and, through ``inputs``, the digests of anything else
(a source file's SHA-256, an extra analysis' code). Its cache key is derived from that
declaration alone (:func:`stage_key`): the values of the declared spec fields, the
keys of the upstream stages, the input digests and the code fingerprint
(:func:`skills.stagecache.code_fingerprint`). A spec option that no declaration names
cannot change a key, which is why ``tests/test_stages.py`` requires every field of
:class:`~skills.spec.PipelineSpec` to be declared by a stage or listed, with a reason,
among the fields that do not change any stage's result, and checks, on a real build,
that no stage reads a field it did not declare.

:func:`run_stages` runs a list of stages in order; each goes through
:func:`cached_step`: derive the key, load the entry, on a hit record ``cached``, on a
miss emit ``running``, compute, store, record ``ran``. A stage declared with
``cached=False`` (a cheap check or assembly) is computed every time and records
nothing. Within its computation a stage reads only the upstream results it declared
(:meth:`Run.__getitem__` refuses others), so a data dependency cannot be left out of a
key either.

Example
-------
>>> from skills.stages import Stage
>>> shares = Stage(
...     "shares",
...     compute=lambda run: run["panel"].height,
...     upstream=("panel",),
...     spec_fields=("region", "benchmarks"),
... )
"""

from __future__ import annotations

import contextvars
import dataclasses
import fnmatch
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from skills._fileio import file_sha256
from skills._killpoints import checkpoint
from skills.spec import PipelineSpec, SourceSpec
from skills.stagecache import StageCache

__all__ = [
    "CURRENT_STAGE",
    "Run",
    "Stage",
    "StageHook",
    "cached_step",
    "declared_fields",
    "emit",
    "run_stages",
    "spec_value",
    "stage_key",
]

log = logging.getLogger("skills.refresh")

#: ``(stage, status)`` callback: ``running``, ``cached``, ``ran`` or ``skipped``.
StageHook = Callable[[str, str], None]

#: Tables and JSON metadata, as :meth:`skills.stagecache.StageCache.store` keeps them.
Entry = tuple[Mapping[str, pl.DataFrame], Mapping[str, Any]]

#: The name of the stage being computed (``None`` outside a computation); tests use it
#: to attribute the spec fields a computation reads to its stage.
CURRENT_STAGE: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "skills_current_stage", default=None
)


def _encode_table(result: Any) -> Entry:
    return {"table": result}, {}


def _decode_table(tables: Mapping[str, pl.DataFrame], meta: Mapping[str, Any]) -> Any:
    return tables["table"]


@dataclass(frozen=True)
class Stage:
    """One step of the build, declared with what its result is a function of.

    Attributes
    ----------
    name
        The stage's name (``load:{role}`` in a template, bound by :meth:`bind`).
    compute
        ``compute(run) -> result``; reads upstream results as ``run["<stage>"]`` and the
        spec as ``run.spec``.
    upstream
        Stages whose results it reads; their keys are part of its key. An entry with
        ``*`` names every stage before it that matches (``load:*``).
    spec_fields
        :class:`~skills.spec.PipelineSpec` fields it reads, dotted for an entry of a
        mapping field (``sources.{role}``).
    options
        Run options it reads (keys of :attr:`Run.options`, e.g. ``validate``).
    inputs
        ``inputs(run) -> JSON-able``: digests of what it reads besides the spec and its
        upstream stages (a file's SHA-256, a plug-in's code digest).
    outputs
        The tables it produces (for readers and for tests).
    cached
        ``False``: computed every time, no cache entry and no stage event.
    encode, decode
        The result to cache entry (tables, JSON metadata) and back. ``encode`` returning
        ``None`` stores nothing (a failed check is recomputed next time);
        ``decode(run, tables, meta)``.
    then
        ``then(run, result) -> result``: run after the result is computed or read from
        the cache (checks that are not cached, merging into running totals).
    skip
        ``skip(run) -> result or None``: a result standing in for the stage when it
        cannot run (an extra analysis whose inputs are not in the spec); recorded as
        ``skipped``.
    params
        Values bound into the template by :meth:`bind` (``{"role": "hires"}``).
    """

    name: str
    compute: Callable[[Run], Any]
    upstream: tuple[str, ...] = ()
    spec_fields: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    inputs: Callable[[Run], object] | None = None
    outputs: tuple[str, ...] = ()
    cached: bool = True
    encode: Callable[[Any], Entry | None] = _encode_table
    decode: Callable[[Run, Mapping[str, pl.DataFrame], Mapping[str, Any]], Any] = (
        lambda run, tables, meta: tables["table"]
    )
    then: Callable[[Run, Any], Any] | None = None
    skip: Callable[[Run], Any] | None = None
    params: Mapping[str, str] = field(default_factory=dict)

    def bind(self, **params: str) -> Stage:
        """The template with ``{param}`` filled in its name, upstream and spec fields."""

        def fill(text: str) -> str:
            return text.format(**params)

        return dataclasses.replace(
            self,
            name=fill(self.name),
            upstream=tuple(fill(u) for u in self.upstream),
            spec_fields=tuple(fill(f) for f in self.spec_fields),
            outputs=tuple(fill(o) for o in self.outputs),
            params={**self.params, **params},
        )


@dataclass
class Run:
    """The state of one build: the spec, the cache and every stage's result and key."""

    spec: PipelineSpec
    cache: StageCache
    hook: StageHook | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    #: The stage being run and the upstream stages it declared (expanded).
    stage: Stage | None = None
    reads: tuple[str, ...] = ()

    @property
    def params(self) -> Mapping[str, str]:
        """The bound parameters of the stage being run."""
        return self.stage.params if self.stage is not None else {}

    def __getitem__(self, name: str) -> Any:
        """The result of upstream stage ``name`` (it must be declared in ``upstream``)."""
        if self.stage is not None and name not in self.reads:
            raise KeyError(
                f"stage {self.stage.name!r} reads {name!r} without declaring it in its "
                f"upstream {list(self.stage.upstream)}: its cache key would not follow it"
            )
        return self.results[name]

    def get(self, name: str, default: Any = None) -> Any:
        """The result of upstream stage ``name``, or ``default`` when it did not run."""
        return self[name] if name in self.results else default

    def upstream(self, stage: Stage) -> tuple[str, ...]:
        """The stage's upstream names, ``*`` patterns expanded against earlier stages."""
        names: list[str] = []
        for entry in stage.upstream:
            if "*" in entry:
                names += [n for n in self.keys if fnmatch.fnmatchcase(n, entry)]
            else:
                names.append(entry)
        return tuple(dict.fromkeys(names))


def _canonical(value: Any) -> Any:
    """A JSON-able form of a spec value for a key.

    A file path counts by its content (its SHA-256), so a moved workspace reuses its
    cache. A source counts by its selection without its path: the load stage adds the
    file's digest as an input (hashing it once per run).
    """
    if isinstance(value, SourceSpec):
        return {k: _canonical(v) for k, v in vars(value).items() if k != "path"}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Path):
        return file_sha256(value) if value.is_file() else str(value)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_canonical(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return value


def spec_value(spec: PipelineSpec, dotted: str) -> Any:
    """The value of a spec field (``region``) or of a mapping entry (``sources.hires``).

    An entry that is not there is ``None`` (an optional source the run skipped).
    """
    head, *rest = dotted.split(".")
    if head not in {f.name for f in dataclasses.fields(PipelineSpec)}:
        raise ValueError(f"{dotted!r}: PipelineSpec has no field {head!r}")
    value: Any = getattr(spec, head)
    for part in rest:
        value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
    return _canonical(value)


def stage_key(stage: Stage, run: Run) -> str:
    """The cache key of ``stage``, from its declaration alone.

    It hashes the stage's name, the code fingerprint, the values of its spec fields,
    its run options, the keys of its upstream stages (``None`` for one that did not
    run) and its input digests.
    """
    return run.cache.key(
        stage.name,
        {
            "spec": {f: spec_value(run.spec, f) for f in stage.spec_fields},
            "options": {o: run.options.get(o) for o in stage.options},
            "upstream": {u: run.keys.get(u) for u in run.upstream(stage)},
            "inputs": stage.inputs(run) if stage.inputs is not None else None,
        },
    )


def emit(hook: StageHook | None, stage: str, status: str) -> None:
    """Tell the log, the caller's hook and the kill points where a stage is."""
    log.info("%s %s", stage, status)
    if hook is not None:
        hook(stage, status)
    checkpoint(f"stage:{stage}:{status}")


def cached_step(
    cache: StageCache,
    stage: str,
    key: str,
    compute: Callable[[], Any],
    *,
    encode: Callable[[Any], Entry | None] = _encode_table,
    decode: Callable[[Mapping[str, pl.DataFrame], Mapping[str, Any]], Any] = _decode_table,
    hook: StageHook | None = None,
) -> Any:
    """Load ``stage``'s entry under ``key``; on a miss compute and store it.

    Records ``cached`` or ``ran`` (with the seconds) in ``cache.events`` and emits
    ``cached``, or ``running`` before computing.
    """
    started = time.perf_counter()
    hit = cache.load(stage, key)
    if hit is not None:
        result = decode(*hit)
        cache.record(stage, "cached", time.perf_counter() - started)
        emit(hook, stage, "cached")
        return result
    emit(hook, stage, "running")
    result = compute()
    entry = encode(result)
    if entry is not None:
        cache.store(stage, key, *entry)
    cache.record(stage, "ran", time.perf_counter() - started)
    return result


def _run_one(run: Run, stage: Stage) -> Any:
    run.stage, run.reads = stage, run.upstream(stage)
    token = CURRENT_STAGE.set(stage.name)
    try:
        key = stage_key(stage, run)
        run.keys[stage.name] = key
        substitute = stage.skip(run) if stage.skip is not None else None
        if substitute is not None:
            run.cache.record(stage.name, "skipped", 0.0)
            emit(run.hook, stage.name, "skipped")
            result = substitute
        elif not stage.cached:
            result = stage.compute(run)
        else:
            result = cached_step(
                run.cache,
                stage.name,
                key,
                lambda: stage.compute(run),
                encode=stage.encode,
                decode=lambda tables, meta: stage.decode(run, tables, meta),
                hook=run.hook,
            )
        if stage.then is not None:
            result = stage.then(run, result)
    finally:
        CURRENT_STAGE.reset(token)
        run.stage, run.reads = None, ()
    run.results[stage.name] = result
    return result


def run_stages(run: Run, stages: Iterable[Stage]) -> Run:
    """Run ``stages`` in order (each through :func:`cached_step` unless uncached)."""
    seen: set[str] = set()
    for stage in stages:
        if stage.name in seen:
            raise ValueError(f"stage {stage.name!r} is declared twice")
        seen.add(stage.name)
        _run_one(run, stage)
    return run


def declared_fields(stages: Sequence[Stage]) -> set[str]:
    """The top-level spec fields the stages declare (``sources`` for ``sources.hires``)."""
    return {f.split(".")[0] for s in stages for f in s.spec_fields}
