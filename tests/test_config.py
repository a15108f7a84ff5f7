from pathlib import Path

import pytest
import yaml

from generator.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, raw) -> Path:
    p = tmp_path / "config.yml"
    p.write_text(raw if isinstance(raw, str) else yaml.safe_dump(raw, allow_unicode=True))
    return p


def base() -> dict:
    return yaml.safe_load((ROOT / "config.yml").read_text())


def problems(tmp_path, raw, env=None) -> list[str]:
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, raw), env=env or {})
    return e.value.problems


def test_project_config_is_valid_and_has_the_default_topics():
    cfg = load_config(ROOT / "config.yml", env={})
    assert cfg.topic_ids == ["diagnosis", "imaging", "monitoring", "clinical_llm", "biomed"]
    assert cfg.topic("imaging").name_zh == "医学影像"
    assert cfg.arxiv.categories[:4] == ["cs.CV", "cs.LG", "cs.AI", "cs.CL"]
    assert "physics.med-ph" in cfg.arxiv.categories
    assert cfg.arxiv.rss_url == "https://rss.arxiv.org/rss/"
    assert cfg.paths.data == ROOT / "data"


def test_unknown_key_names_file_key_and_suggests(tmp_path):
    raw = base()
    raw["selection"]["treshold"] = 40
    [msg] = problems(tmp_path, raw)
    assert msg.startswith("config.yml: selection.treshold: unknown key")
    assert "did you mean 'threshold'" in msg


def test_unknown_section(tmp_path):
    raw = base()
    raw["feed"] = {}
    [msg] = problems(tmp_path, raw)
    assert "config.yml: feed: unknown section (did you mean 'feeds'?)" in msg


@pytest.mark.parametrize(
    "section,key,value,expect",
    [
        ("selection", "threshold", "high", "selection.threshold: expected a number"),
        ("selection", "threshold", 250, "selection.threshold: must be at most 100"),
        ("arxiv", "categories", ["cs.CV", "not a category"], "arxiv.categories: item 2: 'not a category' is not an arXiv category"),
        ("arxiv", "categories", [], "arxiv.categories: must not be empty"),
        ("arxiv", "rss_url", "ftp://x", "arxiv.rss_url: expected an http(s) URL"),
        ("arxiv", "include_replacements", "yes", "arxiv.include_replacements: expected true or false"),
        ("feeds", "max_items", 0, "feeds.max_items: must be at least 1"),
        ("selection", "topic_priors", {"cs.CV": {"nosuch": 1}}, "selection.topic_priors.cs.CV.nosuch: no such topic"),
    ],
)
def test_bad_values_name_the_key(tmp_path, section, key, value, expect):
    raw = base()
    raw[section][key] = value
    msgs = problems(tmp_path, raw)
    assert any(expect in m for m in msgs), msgs
    assert all(m.startswith("config.yml: ") for m in msgs)


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    raw = base()
    raw["selection"]["threshold"] = -1
    raw["feeds"]["max_items"] = "many"
    raw["site"]["colour"] = "red"
    msgs = problems(tmp_path, raw)
    assert len(msgs) == 3


def test_topic_problems_name_the_topic(tmp_path):
    raw = base()
    raw["topics"][1]["include"] = {"CT": "heavy"}
    raw["topics"][2]["id"] = "Bad-Id"
    raw["topics"].append(dict(raw["topics"][0]))
    msgs = problems(tmp_path, raw)
    assert any("topics[1] (imaging).include: weight of 'CT' must be a number" in m for m in msgs), msgs
    assert any("topics[2] (Bad-Id).id" in m for m in msgs), msgs
    assert any("duplicate topic id 'diagnosis'" in m for m in msgs), msgs


def test_invalid_yaml_names_the_line(tmp_path):
    msgs = problems(tmp_path, "site:\n  url: [unclosed\n")
    assert msgs[0].startswith("config.yml: not valid YAML (line")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yml", env={})


def test_environment_overrides_endpoints(tmp_path):
    p = write(tmp_path, base())
    cfg = load_config(p, env={"ARXIV_RSS_URL": "http://127.0.0.1:9/rss/", "ARXIV_API_URL": "http://127.0.0.1:9/api/query",
                               "LLM_BASE_URL": "http://127.0.0.1:9/v1", "SITE_URL": "https://x.example/site"})
    assert cfg.arxiv.rss_url == "http://127.0.0.1:9/rss/"
    assert cfg.arxiv.api_url == "http://127.0.0.1:9/api/query"
    assert cfg.llm.base_url == "http://127.0.0.1:9/v1"
    assert cfg.site.url == "https://x.example/site/"


def test_bad_environment_override_is_reported_under_its_key(tmp_path):
    msgs = problems(tmp_path, base(), env={"ARXIV_RSS_URL": "not a url"})
    assert any("arxiv.rss_url: expected an http(s) URL" in m for m in msgs)


def test_preprints_section_is_on_and_env_overrides_the_api(tmp_path):
    cfg = load_config(ROOT / "config.yml", env={}).preprints
    assert cfg.enabled is True and cfg.servers == ["medrxiv", "biorxiv"]
    assert cfg.api_url == "https://api.biorxiv.org/"
    assert cfg.prior("medrxiv", "Health Informatics") == cfg.categories["medrxiv"]["health informatics"] > 0
    assert cfg.prior("biorxiv", "plant biology") is None  # not in bioRxiv's filter
    assert cfg.prior("medrxiv", "rheumatology") == cfg.categories["medrxiv"]["*"]  # medRxiv reads every category
    cfg = load_config(write(tmp_path, base()), env={"BIORXIV_API_URL": "http://127.0.0.1:9/api"}).preprints
    assert cfg.api_url == "http://127.0.0.1:9/api/"


def test_a_server_without_categories_keeps_every_category(tmp_path):
    raw = base()
    raw["preprints"]["categories"] = {"medrxiv": {"radiology and imaging": 1}}
    cfg = load_config(write(tmp_path, raw), env={}).preprints
    assert cfg.prior("biorxiv", "plant biology") == 0.0 and cfg.prior("medrxiv", "Radiology_and_Imaging") == 1.0
    assert cfg.prior("medrxiv", "oncology") is None  # a filter without "*" leaves the rest out


@pytest.mark.parametrize("key,value,expect", [
    ("servers", ["medrxiv", "arxiv"], "preprints.servers: item 2: expected one of medrxiv, biorxiv, got 'arxiv'"),
    ("servers", [], "preprints.servers: must not be empty"),
    ("api_url", "api.biorxiv.org", "preprints.api_url: expected an http(s) URL"),
    ("categories", {"chemrxiv": {"x": 1}}, "preprints.categories: 'chemrxiv' is not a preprint server"),
    ("categories", {"medrxiv": {"oncology": "high"}}, "preprints.categories: medrxiv: weight of 'oncology' must be a number"),
    ("categories", {"medrxiv": {"Oncology": 1, "oncology": 2}}, "preprints.categories: medrxiv: 'oncology' is listed twice"),
    ("window_days", 0, "preprints.window_days: must be at least 1"),
    ("page_delay_seconds", -1, "preprints.page_delay_seconds: must be at least 0"),
    ("max_records", 2.5, "preprints.max_records: expected a whole number"),
    ("enable", True, "preprints.enable: unknown key (did you mean 'enabled'?)"),
])
def test_preprints_problems_name_the_key(tmp_path, key, value, expect):
    raw = base()
    raw["preprints"][key] = value
    msgs = problems(tmp_path, raw)
    assert any(m.startswith("config.yml: ") and expect in m for m in msgs), msgs


def test_preprint_categories_for_a_server_not_read(tmp_path):
    raw = base()
    raw["preprints"]["servers"] = ["medrxiv"]
    [msg] = problems(tmp_path, raw)
    assert msg == "config.yml: preprints.categories.biorxiv: not in preprints.servers (medrxiv)"


def test_bad_biorxiv_url_from_the_environment_is_reported_under_its_key(tmp_path):
    msgs = problems(tmp_path, base(), env={"BIORXIV_API_URL": "not a url"})
    assert any("preprints.api_url: expected an http(s) URL" in m for m in msgs)


def test_topic_cues_name_an_unknown_topic(tmp_path):
    raw = base()
    raw["selection"]["topic_cues"] = {"segmentation": {"imaging": 1.5, "astrology": 2}}
    msgs = problems(tmp_path, raw)
    assert any("selection.topic_cues.segmentation.astrology: no such topic" in m for m in msgs), msgs
