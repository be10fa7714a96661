"""Resolving ``[analyses.NAME] function = "pkg.module:fn"``: import the function, check it
accepts the context and the options, digest its package's code.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from skills._fileio import file_sha256
from skills.errors import ConfigError, ExtensionError

if TYPE_CHECKING:
    from skills.spec import AnalysisSpec, PipelineSpec

__all__ = ["Extension", "resolve_extension", "resolve_extensions"]


@dataclass(frozen=True)
class Extension:
    """An ``[analyses.<name>]`` whose function was imported, with the digest of its code.

    Attributes
    ----------
    spec
        The spec's table.
    function
        The imported callable.
    module_file
        The file of the function's module.
    code_sha256
        SHA-256 over the function's import path and every ``.py`` file of its top-level
        package (the module's file for a top-level module): part of the stage key and of
        the run's fingerprint, so that editing the code reruns the analysis.
    code_files
        How many files the digest covers.
    """

    spec: AnalysisSpec
    function: Callable[..., Any]
    module_file: str | None
    code_sha256: str
    code_files: int

    @property
    def name(self) -> str:
        """The analysis' name."""
        return self.spec.name

    @property
    def path(self) -> str:
        """The import path, ``package.module:function``."""
        return self.spec.function

    def identity(self) -> dict[str, Any]:
        """What the analysis' stage result is a function of, besides its inputs."""
        return {
            "name": self.spec.name,
            "function": self.spec.function,
            "inputs": list(self.spec.inputs),
            "options": dict(self.spec.options),
            "code_sha256": self.code_sha256,
        }


def resolve_extensions(spec: PipelineSpec) -> tuple[Extension, ...]:
    """Import the function of every ``[analyses.<name>]`` of ``spec``, in spec order.

    Raises
    ------
    skills.errors.ConfigError
        When a module cannot be imported, has no such function, or the function does
        not accept the context and the options (exit 2).
    skills.errors.ExtensionError
        When importing the module raises something else than an ImportError: a bug in
        the module (exit 3).
    """
    return tuple(resolve_extension(a, spec_path=spec.path) for a in spec.analyses.values())


def resolve_extension(analysis: AnalysisSpec, *, spec_path: str | Path | None = None) -> Extension:
    """Import one extra analysis' function and digest its code (see
    :func:`resolve_extensions`)."""
    module_name, _, attr = analysis.function.partition(":")
    where = f"{analysis.where} function = {analysis.function!r}"

    def config_error(reason: str) -> ConfigError:
        return ConfigError(f"{where}: {reason}", file=spec_path)

    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise config_error(
            f"cannot import module {module_name!r} ({type(exc).__name__}: {exc}); install "
            "its package or put its folder on PYTHONPATH"
        ) from exc
    except Exception as exc:
        raise ExtensionError(
            analysis.name,
            analysis.function,
            f"importing module {module_name!r} raised {_exception_text(exc, [])}",
            file=spec_path,
            details=traceback.format_exc(),
        ) from exc
    function = getattr(module, attr, None)
    if function is None:
        public = sorted(
            n for n, v in vars(module).items() if callable(v) and not n.startswith("_")
        )[:10]
        raise config_error(
            f"module {module_name!r} has no {attr!r} (it has {', '.join(public) or 'none'})"
        )
    if not callable(function):
        raise config_error(f"{module_name}.{attr} is a {type(function).__name__}, not a function")
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        signature = None
    if signature is not None:
        try:
            signature.bind(None, **analysis.options)
        except TypeError as exc:
            raise config_error(
                f"{attr}{signature} cannot be called as {attr}(context"
                + "".join(f", {k}=..." for k in analysis.options)
                + f") ({exc}); its first parameter receives the context and "
                f"[analyses.{analysis.name}.options] its keyword arguments"
            ) from exc
    files = _code_files(module)
    return Extension(
        spec=analysis,
        function=function,
        module_file=getattr(module, "__file__", None),
        code_sha256=_digest_files(analysis.function, files),
        code_files=len(files),
    )


def _code_files(module: ModuleType) -> list[Path]:
    """The ``.py`` files of the module's top-level package (or the module's own file)."""
    top = sys.modules.get(module.__name__.partition(".")[0], module)
    roots = [Path(p) for p in getattr(top, "__path__", ())]
    if roots:
        return sorted(
            {
                f
                for root in roots
                if root.is_dir()
                for f in root.rglob("*.py")
                if "__pycache__" not in f.parts
            }
        )
    file = getattr(module, "__file__", None)
    return [Path(file)] if file else []


def _digest_files(function: str, files: Sequence[Path]) -> str:
    h = hashlib.sha256(function.encode())
    for path in files:
        h.update(path.name.encode())
        h.update(bytes.fromhex(file_sha256(path)))
    return h.hexdigest()


def _code_files_of(extension: Extension) -> list[Path]:
    module = sys.modules.get(extension.path.partition(":")[0])
    return _code_files(module) if module is not None else []


def _exception_text(exc: BaseException, files: Sequence[str]) -> str:
    """``ValueError: message (at file.py:12 in f)``: the innermost frame in the
    extension's files, else the innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if f.filename in files] or list(frames)
    where = f" (at {own[-1].filename}:{own[-1].lineno} in {own[-1].name})" if own else ""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}{where}" if message else f"{type(exc).__name__}{where}"
