"""Watches: editors' named queries in config.yml, each with a page per interface and RSS/Atom feeds per language."""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml

from generator.config import ConfigError, Watch, load_config
from generator.demo import copy_skeleton
from generator.kinds.registry import DAILY
from generator.model import DailyIssue, Entry, Paper, Section, Selection
from generator.render.site import render_all
from generator.render.watches import matches
from generator.store import Store


def _entry(pid, title, authors=("Ann One",), topic="imaging", relevance=80, abstract="An abstract.", title_zh="",
           institutions=(), institutions_zh=()):
    p = Paper(id=pid, version=1, title=title, abstract=abstract, authors=list(authors), categories=["eess.IV"])
    e = Entry.from_paper(p, Selection(True, topic, relevance, 6.0, "命中", "matched"))
    e.title_zh, e.institutions, e.institutions_zh = title_zh, list(institutions), list(institutions_zh)
    return e


def _watch(**kw) -> Watch:
    base = dict(id="w", name_zh="清单", name_en="Watch", description_zh="", description_en="", topics=[], keywords=[],
                authors=[], institutions=[], min_relevance=0)
    return Watch(**{**base, **kw})


def test_keywords_match_whole_words_prefixes_and_chinese_folded():
    w = _watch(keywords=["CT", "segment*", "基础模型"])
    assert matches(w, _entry("1", "Liver lesions in contrast CT"))
    assert matches(w, _entry("2", "Ct-based triage"))                        # case folded
    assert not matches(w, _entry("3", "Object detection with CTA-free priors"))  # "detection", "CTA": not the word CT
    assert matches(w, _entry("4", "Retinal vessel segmentation"))            # segment* -> segmentation
    assert matches(w, _entry("5", "A model", title_zh="病理基础模型"))          # Chinese: anywhere in the Chinese title
    assert matches(w, _entry("6", "A model", abstract="We use computed tomography (CT)."))  # the abstract counts
    assert not matches(w, _entry("7", "Wearable ECG monitoring"))
    phrase = _watch(keywords=["large language model*"])
    assert matches(phrase, _entry("8", "Large  Language Models for discharge notes"))
    assert not matches(phrase, _entry("9", "Large models of language"))


def test_every_given_criterion_must_hold_and_any_value_within_one():
    w = _watch(topics=["imaging", "diagnosis"], authors=["Muller", "Zhang Wei"], min_relevance=70)
    assert matches(w, _entry("1", "x", authors=["José Müller"]))              # accents folded
    assert matches(w, _entry("2", "x", authors=["Zhāng Wěi", "B"], topic="diagnosis"))
    assert not matches(w, _entry("3", "x", authors=["José Müller"], topic="monitoring"))
    assert not matches(w, _entry("4", "x", authors=["José Müller"], relevance=69))
    assert not matches(w, _entry("5", "x", authors=["Ann One"]))
    inst = _watch(institutions=["Peking Union", "华西医院"])
    assert matches(inst, _entry("6", "x", institutions=["Peking Union Medical College Hospital"]))
    assert matches(inst, _entry("7", "x", institutions=["West China Hospital"], institutions_zh=["四川大学华西医院"]))
    assert not matches(inst, _entry("8", "x", institutions=["Example University"]))


def _config_with(tmp_path, watches) -> str:
    copy_skeleton(tmp_path)
    raw = yaml.safe_load((tmp_path / "config.yml").read_text(encoding="utf-8"))
    raw["watches"] = watches
    (tmp_path / "config.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return str(tmp_path / "config.yml")


@pytest.mark.parametrize("watch,problem", [
    ({"id": "a", "name_zh": "甲", "name_en": "A"}, "needs at least one of"),
    ({"id": "a", "name_zh": "甲", "name_en": "A", "topics": ["no_such"]}, "no such topic 'no_such'"),
    ({"id": "A b", "name_zh": "甲", "name_en": "A", "keywords": ["x"]}, "must be lower-case"),
    ({"id": "a", "name_zh": "甲", "name_en": "A", "keywords": "x"}, "expected a list"),
    ({"id": "a", "name_zh": "甲", "name_en": "A", "keywords": ["x"], "min_relevance": 101}, "at most"),
    ({"id": "a", "name_zh": "甲", "name_en": "A", "keyword": ["x"]}, "keyword"),
])
def test_a_wrong_watch_is_named_with_what_is_wrong(tmp_path, watch, problem):
    with pytest.raises(ConfigError) as err:
        load_config(_config_with(tmp_path, [watch]), env={})
    assert "watches[0]" in str(err.value) and problem in str(err.value), str(err.value)


def test_duplicate_watch_ids_are_refused(tmp_path):
    w = {"id": "a", "name_zh": "甲", "name_en": "A", "keywords": ["x"]}
    with pytest.raises(ConfigError, match="duplicate watch id 'a'"):
        load_config(_config_with(tmp_path, [w, w]), env={})


HOSTILE = "CT <script>window.__pwned=1</script> [x](javascript:alert(1))"


def test_each_watch_gets_pages_and_feeds_in_both_languages_with_only_its_papers(tmp_path):
    path = _config_with(tmp_path, [
        {"id": "ct", "name_zh": "CT 影像", "name_en": HOSTILE, "description_en": HOSTILE, "topics": ["imaging"],
         "keywords": ["CT"]},
        {"id": "nobody", "name_zh": "无", "name_en": "Nobody", "authors": ["No Such Person"]},
    ])
    cfg = load_config(path, env={})
    store = Store.of(cfg)
    es = [_entry("2506.00001", "Liver tumour segmentation in CT"), _entry("2506.00002", "Wearable ECG", topic="monitoring"),
          _entry("2506.00003", "CT of the chest", topic="diagnosis")]
    store.series(DAILY).save(DailyIssue(date="2025-06-09", number=1, sections=[
        Section("imaging", [es[0]]), Section("monitoring", [es[1]]), Section("diagnosis", [es[2]])]))
    render_all(cfg, store)
    docs, feeds = cfg.paths.docs, cfg.paths.feeds
    for lang, suffix in (("zh", ""), ("en", ".en")):
        page = (docs / "watches" / f"ct{suffix}.md").read_text(encoding="utf-8")
        assert "2599" not in page and "#arxiv-2506.00001" in page and "2506.00002" not in page and "2506.00003" not in page
        body = page.split("---", 2)[2]  # the front matter title is YAML text; MkDocs escapes it (see below)
        assert "<script" not in body and "](javascript:" not in body  # an editor's name is text, not markup
        assert f"feeds/{lang}/watch-ct.rss.xml" in page
        assert "2506.00001" not in (docs / "watches" / f"nobody{suffix}.md").read_text(encoding="utf-8")
        index = (docs / "watches" / f"index{suffix}.md").read_text(encoding="utf-8")
        assert "(ct.md)" in index and "(nobody.md)" in index
        rss = (feeds / lang / "watch-ct.rss.xml").read_text(encoding="utf-8")
        assert "arxiv:2506.00001" in rss and "2506.00002" not in rss and "2506.00003" not in rss
        assert "<script>" not in rss  # feedgen escapes the title as XML text
        assert (feeds / lang / "watch-ct.atom.xml").is_file()
        assert f"watch-ct.rss.xml" in (docs / f"subscribe{suffix}.md").read_text(encoding="utf-8")
    # a watch taken out of config.yml takes its pages and feeds with it
    raw = yaml.safe_load(open(path, encoding="utf-8"))
    raw["watches"] = raw["watches"][:1]
    open(path, "w", encoding="utf-8").write(yaml.safe_dump(raw, allow_unicode=True))
    cfg = load_config(path, env={})
    render_all(cfg, Store.of(cfg))
    assert not (docs / "watches" / "nobody.md").exists() and not (docs / "watches" / "nobody.en.md").exists()
    assert not (feeds / "zh" / "watch-nobody.rss.xml").exists()
    assert (docs / "watches" / "ct.md").exists()


def test_a_hostile_watch_name_is_text_on_the_built_site(tmp_path):
    from generator.sitebuild import mkdocs_build

    cfg = load_config(_config_with(tmp_path, [{"id": "ct", "name_zh": HOSTILE, "name_en": HOSTILE, "keywords": ["CT"]}]),
                      env={})
    render_all(cfg, Store.of(cfg))
    mkdocs_build(cfg, tmp_path / "site")
    for page in ("watches/ct/index.html", "en/watches/ct/index.html", "watches/index.html", "subscribe/index.html"):
        html = (tmp_path / "site" / page).read_text(encoding="utf-8")
        assert "<script>window.__pwned" not in html, page
        assert 'href="javascript:' not in html, page


@pytest.mark.parametrize("watch,problem", [
    ({"id": "a", "name_zh": "甲", "name_en": "A", "keywords": [f"k{n}" for n in range(51)]}, "at most 50 items"),
    ({"id": "a", "name_zh": "甲", "name_en": "A", "authors": ["x" * 121]}, "at most 120 characters"),
])
def test_a_watch_cannot_make_every_render_slow(tmp_path, watch, problem):
    with pytest.raises(ConfigError, match=problem):
        load_config(_config_with(tmp_path, [watch]), env={})
    many = [{"id": f"w{n}", "name_zh": "甲", "name_en": "A", "keywords": ["x"]} for n in range(51)]
    with pytest.raises(ConfigError, match="at most 50 watches"):
        load_config(_config_with(tmp_path, many), env={})
