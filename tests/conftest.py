"""Shared fixtures: where the real Eurostat fixtures live, and small helpers."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests assert invariants, not speed: a wall-clock deadline only makes them flaky
# on a loaded 2-core CI machine (benchmarks measure speed, in their own harness).
settings.register_profile("skills", deadline=None)
settings.load_profile("skills")

REPO = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path | None:
    """The shared real-data folder: ``$SKILLS_SHARED_DATA`` or ``<repo>/../shared/data``."""
    env = os.environ.get("SKILLS_SHARED_DATA")
    candidate = Path(env) if env else REPO.parent / "shared" / "data"
    return candidate if (candidate / "eurostat").is_dir() else None


TRUTHY = {"1", "true", "yes"}


def in_ci() -> bool:
    """True when ``$CI`` says so (``true``, ``1``, ``yes``), as CI services set it."""
    return os.environ.get("CI", "").strip().lower() in TRUTHY


def shared_data_required(environ: Mapping[str, str] | None = None) -> bool:
    """True when real-data tests must run: ``$SKILLS_REQUIRE_SHARED_DATA`` (set by
    ``.ci/run``) or ``$CI`` is ``1``, ``true`` or ``yes``."""
    env = os.environ if environ is None else environ
    return any(env.get(name, "").strip().lower() in TRUTHY for name in REQUIRE_VARIABLES)


REQUIRE_VARIABLES = ("SKILLS_REQUIRE_SHARED_DATA", "CI")

MISSING_SHARED_DATA = (
    "real Eurostat fixtures not found: set SKILLS_SHARED_DATA to the shared 'data' "
    "folder (with eurostat/ and classifications/) to run this test"
)


def resolve_shared_data(path: Path | None, environ: Mapping[str, str] | None = None) -> Path:
    """``path`` when the real data is there; otherwise FAIL the test when
    :func:`shared_data_required` (a CI job without the real data would pass by skipping),
    else skip it with the reason."""
    if path is not None:
        return path
    if shared_data_required(environ):
        pytest.fail(
            MISSING_SHARED_DATA + " (SKILLS_REQUIRE_SHARED_DATA or CI is set: real-data "
            "tests must run here, not skip)",
            pytrace=False,
        )
    pytest.skip(MISSING_SHARED_DATA)


#: Fixtures whose first use is a full demo refresh (30-80 s on a loaded 2-core machine):
#: a test that asks for one belongs to the slow lane, whatever its own time.
SESSION_BUILDS = ("warm_workspace",)


@pytest.hookimpl(tryfirst=True)  # before ``-m`` selects: the marks added here count
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the lane markers true: ``realdata`` on exactly the tests that read the shared
    data (through :func:`shared_data`), ``slow`` on every test of a session build."""
    stray = []
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "shared_data" in fixtures:
            item.add_marker(pytest.mark.realdata)
        elif item.get_closest_marker("realdata") is not None:
            stray.append(item.nodeid)
        if any(name in fixtures for name in SESSION_BUILDS):
            item.add_marker(pytest.mark.slow)
        if "spark" in fixtures:
            item.add_marker(pytest.mark.spark)
            item.add_marker(pytest.mark.slow)
    if stray:
        raise pytest.UsageError(
            "marked realdata but never reads ../shared/data (no shared_data or "
            "eurostat_dir fixture): " + ", ".join(stray)
        )


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of the real-data folder (see :func:`resolve_shared_data`: skipped on a
    workstation without it, a failure in CI)."""
    return resolve_shared_data(shared_data_dir())


@pytest.fixture(scope="session")
def eurostat_dir(shared_data: Path) -> Path:
    return shared_data / "eurostat"


def publication_snapshot(out: Path) -> dict[str, str]:
    """Every file of ``out/latest`` with its sha256, and where ``latest`` points."""
    latest = out / "latest"
    files = {
        str(p.relative_to(latest)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(latest.rglob("*"))
        if p.is_file()
    }
    files["-> target"] = latest.resolve().name
    return files


@pytest.fixture
def snapshot() -> Callable[[Path], dict[str, str]]:
    """:func:`publication_snapshot`, to compare a publication before and after a run."""
    return publication_snapshot


def published_demo_workspace(root: Path) -> Path:
    """A demo workspace in ``root`` with one publication in ``root/out`` and a warm stage
    cache; the report is HTML only (its PNG/SVG rendering is tested elsewhere), so that
    tests that refresh many times stay quick."""
    from skills.demo import write_demo
    from skills.refresh import refresh

    spec = write_demo(root)
    spec.write_text(
        spec.read_text().replace("keep_runs = 5", 'keep_runs = 5\nreport_formats = ["html"]')
    )
    assert refresh(spec, root / "out").exit_code == 0
    return root


def copy_workspace(base: Path, target: Path) -> Path:
    """A private copy of a workspace (symlinks such as ``out/latest`` kept as links)."""
    import shutil

    shutil.copytree(base, target, symlinks=True)
    return target


def workspace_snapshot(root: Path) -> dict[str, str]:
    """:func:`publication_snapshot` of ``root/out`` plus the spec and every data file."""
    files = publication_snapshot(root / "out")
    for path in sorted([root / "pipeline.toml", *(root / "data").rglob("*")]):
        if path.is_file():
            files[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


@pytest.fixture(scope="session")
def warm_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """THE demo publication of the session: one demo workspace published once (HTML
    report only) with a warm stage cache, shared by every test that reads the demo's
    publication (``ROOT/out/latest``), its spec (``ROOT/pipeline.toml``) or its data
    (``ROOT/data``).

    Never change it: a test that refreshes, edits or rebuilds copies it first with
    :func:`copy_workspace` (the copy keeps the warm cache, so only the stages the test
    changes run again). At the end of the session the workspace must be as it was built:
    a test that wrote into it is reported as an error here.
    """
    root = published_demo_workspace(tmp_path_factory.mktemp("warm-demo"))
    before = workspace_snapshot(root)
    yield root
    after = workspace_snapshot(root)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, (
        f"a test changed the shared demo workspace {root} (copy it first): {changed}"
    )


@pytest.fixture(scope="session")
def demo_publication(warm_workspace: Path) -> Path:
    """The shared demo publication, ``OUT/latest`` of :func:`warm_workspace` (read only:
    build reports with ``out=`` a folder of your own, or copy it first)."""
    return warm_workspace / "out" / "latest"


SPARK_REQUIRED_VARIABLE = "SKILLS_REQUIRE_SPARK"


def spark_unavailable() -> str | None:
    """Why a local Spark session cannot start here (no PySpark, no Java), or None."""
    import importlib.util
    import shutil

    if importlib.util.find_spec("pyspark") is None:
        return "PySpark is not installed (pip install -e '.[spark]')"
    home = os.environ.get("JAVA_HOME")
    if not (home and (Path(home) / "bin" / "java").is_file()) and shutil.which("java") is None:
        return "no Java (JAVA_HOME or java on the PATH) for a local Spark session"
    return None


def require_spark() -> None:
    """Skip the calling test when Spark cannot run here (the reason given), or FAIL it
    when ``$SKILLS_REQUIRE_SPARK`` is set (``.ci/run`` sets it when Java is present)."""
    reason = spark_unavailable()
    if reason is not None:
        if os.environ.get(SPARK_REQUIRED_VARIABLE, "").strip().lower() in TRUTHY:
            pytest.fail(f"{reason} ({SPARK_REQUIRED_VARIABLE} is set)", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """One local Spark session (``local[2]``, loopback only) for the whole run.

    Skipped with its reason when PySpark or Java is missing, unless
    ``$SKILLS_REQUIRE_SPARK`` is set (``.ci/run`` sets it when Java is present): then it
    is a failure, so that CI cannot pass by skipping the Spark tests.
    """
    require_spark()
    from skills.sources.records.engines import spark_session

    session = spark_session("local[2]")
    session.conf.set("spark.sql.shuffle.partitions", "4")  # tiny test data
    yield session
    session.stop()
