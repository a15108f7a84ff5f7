"""config.yml is editors' text too: a pull request may change a name, a title or the edit branch.  It may change the
content, but never run script in a reader's browser, crash the render or make it outlast the runner.  Found by an
adversarial review of the watches (each case here ran script or crashed before its fix)."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

import pytest
import yaml

from generator.config import ConfigError, load_config
from generator.demo import copy_skeleton
from generator.kinds.registry import DAILY, JOURNAL
from generator.render.site import render_all
from generator.store import Store

from .test_browser import entry, journal_issue

BREAKOUT = "x\n---\n\nHOVER\n{: onmouseover=alert('attr') }\n\n[clickme](javascript:alert%28'js'%29)\n\nrest"
QUOTE = "T\"><img src=x onerror=alert('q')>"


def _project(tmp_path, change):
    copy_skeleton(tmp_path)
    path = tmp_path / "config.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _built(tmp_path, change, inject=None):
    from generator.sitebuild import mkdocs_build

    cfg = load_config(_project(tmp_path, change), env={})
    if inject:
        cfg = inject(cfg)
    store = Store.of(cfg)
    from generator.model import DailyIssue, Section

    e = entry("2506.11111", "Liver CT segmentation", "肝脏 CT 分割", ["Li Wei"], "imaging", summary_zh="总结。",
              summary_en="Summary.")
    store.series(DAILY).save(DailyIssue(date="2025-06-10", number=1, sections=[Section("imaging", [e])]))
    store.series(JOURNAL).save(journal_issue())
    render_all(cfg, store)
    mkdocs_build(cfg, tmp_path / "site")
    return {str(p.relative_to(tmp_path / "site")): p.read_text(encoding="utf-8")
            for p in (tmp_path / "site").rglob("*.html")}


class _Vectors(HTMLParser):
    """Every element attribute that runs script, as the browser would parse the page."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") and not (tag == "form" and value == "return false"):  # the search page's form
                self.found.append(f"<{tag} {name}={value[:40]}>")
            if name in ("href", "src", "action", "formaction") and value.startswith(("javascript:", "data:text")):
                self.found.append(f"<{tag} {name}={value[:40]}>")
        if tag in ("script", "iframe", "object", "embed") and any("pwned" in (v or "") or "alert" in (v or "")
                                                                    for _, v in attrs):
            self.found.append(f"<{tag}>")

    def handle_data(self, data):
        pass


def _script_vectors(html: str) -> list[str]:
    parser = _Vectors()
    parser.feed(html)
    found = parser.found
    found += [m for m in re.findall(r"<script[^>]*>[^<]*alert\(", html)]  # an inline script an editor wrote
    return found


def test_names_titles_and_descriptions_from_config_run_no_script(tmp_path):
    def change(raw):
        raw["watches"] = [{"id": "ct", "name_zh": QUOTE, "name_en": QUOTE, "description_en": QUOTE,
                           "keywords": ["CT"]}]
        raw["topics"][0]["name_zh"] = QUOTE
        raw["journal"]["title_en"] = QUOTE
        raw["site"]["title_en"] = QUOTE

    def breakout(cfg):  # config.yml refuses a line break in a name (below); the pages must not depend on that alone
        from dataclasses import replace

        topics = [replace(cfg.topics[0], name_en=BREAKOUT)] + cfg.topics[1:]
        return replace(cfg, topics=topics, watches=(replace(cfg.watches[0], name_en=BREAKOUT, name_zh=BREAKOUT),))

    pages = _built(tmp_path, change, breakout)
    assert "watches/ct/index.html" in pages and "en/watches/ct/index.html" in pages
    bad = {name: v for name, html in pages.items() if (v := _script_vectors(html))}
    assert bad == {}


@pytest.mark.parametrize("key,value,problem", [
    ("edit_branch", "main\"><img src=x onerror=alert('branch')>", "branch name"),
    ("repo_url", "https://github.com/x/y\"><img src=x>", "URL"),
    ("url", "https://x.org/\" onmouseover=\"alert(1)", "URL"),
])
def test_site_addresses_and_the_edit_branch_are_refused_unless_plain(tmp_path, key, value, problem):
    with pytest.raises(ConfigError, match=problem):
        load_config(_project(tmp_path, lambda raw: raw["site"].__setitem__(key, value)), env={})


@pytest.mark.parametrize("watch,problem", [
    ({"id": "index", "name_zh": "甲", "name_en": "A", "keywords": ["x"]}, "reserved"),
    ({"id": "a" * 65, "name_zh": "甲", "name_en": "A", "keywords": ["x"]}, "at most 64"),
    ({"id": "a", "name_zh": "甲", "name_en": "Bell\a here", "keywords": ["x"]}, "control character"),
    ({"id": "a", "name_zh": "甲", "name_en": "A" * 201, "keywords": ["x"]}, "at most 200"),
    ({"id": "a", "name_zh": "甲", "name_en": "A", "description_en": "d" * 2001, "keywords": ["x"]}, "at most 2000"),
    ({"id": "a", "name_zh": "甲", "name_en": "A", "keywords": ["**"]}, "matches every paper"),
    ({"id": "a", "name_zh": "甲", "name_en": "A", "authors": ["\u0301"]}, "matches every paper"),
])
def test_a_watch_that_would_collide_crash_or_match_everything_is_refused(tmp_path, watch, problem):
    with pytest.raises(ConfigError, match=problem):
        load_config(_project(tmp_path, lambda raw: raw.__setitem__("watches", [watch])), env={})


@pytest.mark.parametrize("value", ["Bell\a", BREAKOUT])
def test_a_topic_name_with_a_control_character_or_a_line_break_is_refused(tmp_path, value):
    with pytest.raises(ConfigError, match="control character or line break"):
        load_config(_project(tmp_path, lambda raw: raw["topics"][0].__setitem__("name_en", value)), env={})


def test_the_largest_allowed_watches_render_in_seconds(tmp_path):
    """50 watches x 50 keywords that match nothing, over 3,000 papers: each watch's matches are found once for its
    page, its count and its two feeds, and its keywords are one expression."""
    from generator.model import DailyIssue, Section
    from generator.render import feeds, watches

    cfg = load_config(_project(tmp_path, lambda raw: raw.__setitem__("watches", [
        {"id": f"w{n}", "name_zh": "甲", "name_en": "A", "keywords": [f"zz{n}x{k}" for k in range(50)]}
        for n in range(50)])), env={})
    issues = [DailyIssue(date=f"2025-{1 + d // 28:02d}-{1 + d % 28:02d}", number=d + 1, sections=[Section("imaging", [
        entry(f"25{d:02d}.{k:05d}", "Liver CT segmentation " * 3, "肝脏 CT 分割", ["Li Wei", "Ana Example"], "imaging",
              abstract="We segment the liver on CT. " * 40) for k in range(50)])]) for d in range(60)]
    t = time.perf_counter()
    found = watches.all_matches(cfg, issues)
    watches.watch_pages(cfg, issues, found)
    feeds.build_feeds(cfg, issues, found)
    took = time.perf_counter() - t
    assert all(v == [] for v in found.values())
    assert took < 20, f"{took:.1f} s"
