"""Demo refresh against the import time of its libraries, for one or more source trees.

Standalone (standard library only; it runs each tree's ``skills`` in subprocesses with
``PYTHONPATH=<tree>``), so that two checkouts - before and after a change - are measured
in the same run, repetitions interleaved::

    python benchmarks/refresh_overhead.py --tree before=/work/main --tree after=. --reps 3

Per tree:

1. ``python -m skills.cli demo WS --no-run`` writes the demo workspace once.
2. A probe runs one full refresh in-process and lists the third-party modules it loaded
   (every module in ``sys.modules`` outside the standard library and ``skills``, in import
   order).
3. ``reps`` times: a full ``python -m skills.cli refresh WS/pipeline.toml --out NEW --json``
   (a new output folder each time: no stage cache, no previous publication), then
   ``python -c "import <those modules>"`` and ``python -c pass``.

It prints a Markdown table (medians: refresh, imports, their ratio, the refresh's own
``seconds``) and, with ``--json FILE``, writes every measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROBE = r"""
import json, sys
target = sys.argv[1]
sys.argv = ["skills", "refresh", *sys.argv[2:]]
from skills.cli import main
try:
    main()
except SystemExit:
    pass
std = set(sys.stdlib_module_names)
mods = [
    m for m in list(sys.modules)
    if m.split(".")[0] not in std and m.split(".")[0] not in ("skills", "__main__")
    and not m.split(".")[0].startswith("_") and sys.modules[m] is not None
]
with open(target, "w") as fh:
    json.dump(mods, fh)
"""

IMPORTER = r"""
import importlib, json, sys
for name in json.load(open(sys.argv[1])):
    try:
        importlib.import_module(name)
    except Exception:
        pass
"""


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall time of a whole process, and its result.

    Run from the temporary folder: ``python -m`` and ``python -c`` put the working folder
    first on ``sys.path``, ahead of ``PYTHONPATH``, so from inside a checkout every tree
    would run that checkout's ``skills``.
    """
    start = time.perf_counter()
    done = subprocess.run(
        cmd, env=env, capture_output=True, text=True, check=False, cwd=tempfile.gettempdir()
    )
    return time.perf_counter() - start, done


def _summary(stdout: str) -> dict[str, Any]:
    """The ``--json`` summary object the refresh printed (whole output or last line)."""
    for text in (stdout, *reversed(stdout.strip().splitlines()[-1:])):
        try:
            found = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(found, dict):
            return found
    return {}


def tree_env(tree: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLS_")}
    env["PYTHONPATH"] = str(tree)
    return env


def prepare(name: str, tree: Path, work: Path, python: str) -> dict[str, Any]:
    """Write the tree's demo workspace and find the modules a refresh imports."""
    env = tree_env(tree)
    ws = work / name / "ws"
    _s, done = run([python, "-m", "skills.cli", "demo", str(ws), "--no-run"], env)
    if done.returncode != 0:
        raise SystemExit(f"{name}: skills demo failed:\n{done.stderr[-2000:]}")
    mods_file = work / name / "modules.json"
    probe_out = work / name / "probe"
    _s, done = run(
        [python, "-c", PROBE, str(mods_file), str(ws / "pipeline.toml"), "--out", str(probe_out)],
        env,
    )
    if not mods_file.is_file():
        raise SystemExit(f"{name}: the probe refresh failed:\n{done.stderr[-2000:]}")
    modules = json.loads(mods_file.read_text())
    tops = sorted({m.split(".")[0] for m in modules})
    return {"tree": str(tree), "ws": ws, "env": env, "modules_file": mods_file, "tops": tops}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", required=True, help="NAME=PATH (repeat)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: temp)")
    parser.add_argument("--json", type=Path, default=None, help="write every measurement here")
    args = parser.parse_args(argv)

    work = (args.work or Path(tempfile.mkdtemp(prefix="refresh-overhead-"))).resolve()
    trees: dict[str, dict[str, Any]] = {}
    for item in args.tree:
        name, _, path = item.partition("=")
        trees[name] = prepare(name, Path(path).resolve(), work, args.python)
        print(f"{name}: {len(trees[name]['tops'])} libraries: {', '.join(trees[name]['tops'])}")

    results: dict[str, dict[str, list[Any]]] = {
        n: {"refresh": [], "imports": [], "startup": [], "reported": [], "status": []}
        for n in trees
    }
    for rep in range(args.reps):
        for name, t in trees.items():
            out = work / name / f"out{rep}"
            cmd = [args.python, "-m", "skills.cli", "refresh", str(t["ws"] / "pipeline.toml")]
            seconds, done = run([*cmd, "--out", str(out), "--json"], t["env"])
            summary = _summary(done.stdout)
            results[name]["refresh"].append(seconds)
            results[name]["reported"].append(summary.get("seconds"))
            results[name]["status"].append(done.returncode)
            imp, _ = run([args.python, "-c", IMPORTER, str(t["modules_file"])], t["env"])
            results[name]["imports"].append(imp)
            start, _ = run([args.python, "-c", "pass"], t["env"])
            results[name]["startup"].append(start)
            shutil.rmtree(out, ignore_errors=True)
            print(f"rep {rep + 1} {name}: refresh {seconds:.2f} s, imports {imp:.2f} s")

    print()
    print("| tree | full demo refresh | imports of its libraries | ratio | refresh's own seconds |")
    print("|---|---:|---:|---:|---:|")
    table: dict[str, Any] = {}
    for name, r in results.items():
        refresh = statistics.median(r["refresh"])
        imports = statistics.median(r["imports"])
        reported = [s for s in r["reported"] if isinstance(s, int | float)]
        own = statistics.median(reported) if reported else None
        table[name] = {"refresh_s": refresh, "imports_s": imports, "ratio": refresh / imports}
        own_txt = f"{own:.2f} s" if own is not None else "-"
        print(
            f"| {name} | {refresh:.2f} s | {imports:.2f} s | {refresh / imports:.2f}x | {own_txt} |"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "python": args.python,
                    "reps": args.reps,
                    "load_average": os.getloadavg(),
                    "trees": {
                        n: {"tree": t["tree"], "libraries": t["tops"]} for n, t in trees.items()
                    },
                    "runs": results,
                    "medians": table,
                },
                indent=2,
            )
        )
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
