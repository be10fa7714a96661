"""Pipeline specs: validated completely, with messages naming the spec and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from skills.errors import ConfigError
from skills.spec import load_spec

BASE = """
[pipeline]
name = "t"
region = "ITC1"
benchmarks = ["DE11"]

[sources.unemployment_rate]
path = "rates.tsv"
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "rates.tsv").write_text("unit,geo\\time\t2015 \nPC,ITC1\t9.0 \n", encoding="utf-8")
    return tmp_path


def write(ws: Path, text: str) -> Path:
    path = ws / "pipeline.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_spec_resolves_paths_relative_to_the_spec(workspace: Path) -> None:
    spec = load_spec(write(workspace, BASE))
    src = spec.sources["unemployment_rate"]
    assert src.path == (workspace / "rates.tsv").resolve()
    assert spec.region == "ITC1" and spec.nuts_version == 2021
    assert spec.benchmarks == ("DE11",)
    assert spec.crosswalk == "its-isco08-v1"
    assert spec.data_label is None
    assert len(spec.sha256) == 64


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BASE + "\n[outputs]\nkeep = 3\n", "unknown key 'keep' in [outputs]"),
        (BASE.replace('name = "t"', 'name = "t"\ncolour = "red"'), "unknown key 'colour'"),
        (BASE.replace("rates.tsv", "missing.tsv"), "file not found"),
        (BASE.replace('"ITC1"', '"ITC9"'), "not an Italian NUTS 2 code"),
        (BASE.replace('"ITC1"', '"ITC11"'), "give a NUTS 2 code"),
        (BASE.replace('["DE11"]', '["de11"]'), "not a NUTS or country code"),
        (BASE.replace("unemployment_rate]", "unemployment_rates]"), "unknown source role"),
        (
            BASE.replace('path = "rates.tsv"', 'path = "rates.tsv"\neurostat = "tgs00010"'),
            "exactly one of",
        ),
        (BASE + '\n[crosswalk]\nits_isco08 = "v9"\n', "known versions are"),
        (BASE.replace('region = "ITC1"', 'region = "ITC1"\nnuts_version = 2019'), "nuts_version"),
        (
            BASE.replace('region = "ITC1"', 'region = "ITC1"\nprovinces = ["ITC41"]'),
            "not a NUTS 3 code of ITC1",
        ),
        ("[pipeline\nname=", "not valid TOML"),
        ('[pipeline]\nname = "t"\nregion = "ITC1"\n', "the [sources] table is missing"),
        (BASE + "\n[outputs]\nkeep_runs = 0\n", "keep_runs"),
        (
            BASE.replace('region = "ITC1"', 'region = "ITC1"\ntitles = { fr = "x" }'),
            "titles: unknown language(s) 'fr'",
        ),
        (
            BASE.replace('region = "ITC1"', 'region = "ITC1"\ntitles = { it = " " }'),
            "titles must be a table of non-empty titles",
        ),
        (
            BASE.replace('region = "ITC1"', 'region = "ITC1"\ntitles = "Piemonte"'),
            "titles must be a table",
        ),
        (BASE + "\n[outputs]\nlanguages = []\n", "languages must be a non-empty list"),
        (BASE + '\n[outputs]\nlanguages = "it"\n', "languages must be a non-empty list"),
        (BASE + '\n[outputs]\nlanguages = ["it", "fr"]\n', "unknown language(s) 'fr'"),
        (BASE + '\n[outputs]\nlanguages = ["en", "en"]\n', "'en' listed more than once"),
        (BASE + '\n[models]\npolarisation_unit = "bins"\n', "polarisation_unit = 'bins'"),
        (BASE + '\n[models]\nshare_panel_weights = "pop"\n', "must be one of 'equal'"),
        (
            BASE + '\n[models]\npolarisation_cluster = "occupation"\n',
            'needs polarisation_unit = "percentile"',
        ),
    ],
)
def test_bad_specs_are_rejected_before_any_work(workspace: Path, text: str, message: str) -> None:
    path = write(workspace, text)
    with pytest.raises(ConfigError) as err:
        load_spec(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)
    assert err.value.exit_code == 2


def test_titles_by_language(workspace: Path) -> None:
    text = BASE.replace(
        'region = "ITC1"', 'region = "ITC1"\ntitle = "Piedmont"\ntitles = { it = "Piemonte" }'
    )
    spec = load_spec(write(workspace, text))
    assert (spec.title_in("it"), spec.title_in("en")) == ("Piemonte", "Piedmont")
    assert load_spec(write(workspace, BASE)).title_in("it") == "t"  # the name, as title


def test_report_languages(workspace: Path) -> None:
    # Italian first, then English, for an Italian region unless the spec says otherwise
    assert load_spec(write(workspace, BASE)).languages == ("it", "en")
    spec = load_spec(write(workspace, BASE + '\n[outputs]\nlanguages = ["en", "it"]\n'))
    assert spec.languages == ("en", "it")
    spec = load_spec(write(workspace, BASE + '\n[outputs]\nlanguages = ["en"]\n'))
    assert spec.languages == ("en",)


def test_missing_spec(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="pipeline spec not found"):
        load_spec(tmp_path / "nope.toml")


def test_user_file_options(workspace: Path) -> None:
    (workspace / "c.csv").write_text("x\n", encoding="utf-8")
    text = BASE + '\n[sources.its_courses]\npath = "c.csv"\ndelimiter = ";"\nencoding = "cp1252"\n'
    src = load_spec(write(workspace, text)).sources["its_courses"]
    assert (src.delimiter, src.encoding) == (";", "cp1252")
    bad = text.replace('"cp1252"', '"klingon"')
    with pytest.raises(ConfigError, match="not a known text encoding"):
        load_spec(write(workspace, bad))


def test_shipped_pipelines_are_valid() -> None:
    from skills._resources import bundled_dir

    specs = sorted(bundled_dir("pipelines").glob("*.toml"))
    assert specs, "the package ships at least one pipeline spec"
    for spec in specs:
        loaded = load_spec(spec)
        assert loaded.sources and loaded.region.startswith("IT")
