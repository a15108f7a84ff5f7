"""Weekly highlights: picks per topic from a replayed real week, editors' pins and removals, the feed."""

from __future__ import annotations

from pathlib import Path

import feedparser
import yaml

from generator.config import load_config
from generator.model import Entry, DailyIssue, Paper, Section, Selection
from generator.pipeline import run_day
from generator.render.highlights import build_weeks, week_id
from generator.render.site import render_all
from generator.store import Store
from generator.validate import check_records

from .conftest import corpus_day
from generator.kinds.registry import DAILY

ROOT = Path(__file__).resolve().parents[1]
WEEK = ["2025-06-04", "2025-06-05", "2025-06-06"]  # Wednesday to Friday of 2025-W23


def picks_on_page(text: str) -> list[str]:
    import re

    return re.findall(r"\| \d+(?:<br>置顶 · pinned)? \| .*?\[arXiv:([^\]]+)\]", text)


def test_a_replayed_week_gets_picks_per_topic_and_an_editors_pin_survives(project):
    cfg = project.cfg()
    store = Store.of(cfg)
    for day in WEEK[:2]:
        project.server.set_day(day, corpus_day(day))
        run_day(cfg, None, store)
    render_all(cfg, store)
    assert week_id(WEEK[0]) == "2025-W23"
    page_path = project.root / "docs/highlights/2025/2025-W23.md"
    picks = picks_on_page(page_path.read_text())
    issues = list(store.series(DAILY).all())
    by_id = {e.id: e for i in issues for e in i.entries}
    topics = [by_id[p].topic for p in picks]
    assert picks and all(topics.count(t) <= cfg.highlights.per_topic for t in set(topics))
    assert len(picks) <= cfg.highlights.max_items
    best = max(by_id.values(), key=lambda e: e.relevance)
    assert best.id in picks

    # an editor pins a paper that did not make it and removes the best one
    outsider = min((e for e in by_id.values() if e.id not in picks), key=lambda e: e.relevance)
    editor = project.root / "data/highlights/2025-W23.yaml"
    editor.parent.mkdir(parents=True, exist_ok=True)
    editor.write_text(yaml.safe_dump({"pinned": [outsider.id], "removed": [best.id],
                                      "note": {"zh": "本周编者按", "en": "Editor's note"},
                                      "comments": {outsider.id: "编辑推荐：方法新颖。"}}, allow_unicode=True))
    before = editor.read_bytes()
    render_all(cfg, store)
    picks = picks_on_page(page_path.read_text())
    assert picks[0] == outsider.id and best.id not in picks
    assert "编辑推荐：方法新颖。" in page_path.read_text() and "本周编者按" in page_path.read_text()

    # the week goes on: Friday's run and a full re-render keep the editor's choices; the file is never written
    project.server.set_day(WEEK[2], corpus_day(WEEK[2]))
    run_day(cfg, None, store)
    render_all(cfg, store)
    picks = picks_on_page(page_path.read_text())
    assert picks[0] == outsider.id and best.id not in picks and editor.read_bytes() == before
    assert "3 期 issues" in page_path.read_text()

    for lang in ("zh", "en"):
        for fmt in ("rss", "atom"):
            feed = feedparser.parse((project.root / f"feeds/{lang}/highlights.{fmt}.xml").read_bytes())
            assert not feed.bozo and len(feed.entries) == 1
    feed = feedparser.parse((project.root / "feeds/zh/highlights.atom.xml").read_bytes())
    assert "本周编者按" in feed.entries[0].content[0].value and outsider.id in feed.entries[0].content[0].value
    assert (project.root / "docs/highlights/2025.md").read_text().count("置顶 · pinned") == 1
    assert check_records(cfg, store)[1] == []


def test_upvotes_break_ties_and_pins_keep_the_editors_order():
    cfg = load_config(ROOT / "config.yml", env={})

    def entry(pid, rel, votes=None, topic="imaging"):
        e = Entry.from_paper(Paper(id=pid, version=1, title=pid, abstract="a", authors=[], categories=["cs.CV"]),
                             Selection(True, topic, rel, 5.0, "r", "r"))
        e.hf_upvotes = votes
        return e

    issue = DailyIssue("2025-06-09", 1, [Section("imaging", [entry("2506.00001", 80), entry("2506.00002", 80, 40),
                                                         entry("2506.00003", 80, 3), entry("2506.00004", 90),
                                                         entry("2506.00005", 10), entry("2506.00006", 20)])])
    [week] = build_weeks(cfg, [issue], {})
    assert [p.entry.id for p in week.picks] == ["2506.00004", "2506.00002", "2506.00003"]
    [week] = build_weeks(cfg, [issue], {"2025-W24": {"pinned": ["2506.00006", "2506.00005", "2599.99999"]}})
    assert [p.entry.id for p in week.picks][:2] == ["2506.00006", "2506.00005"] and week.picks[0].pinned


def test_a_bad_editor_file_is_named(project):
    cfg = project.cfg()
    store = Store.of(cfg)
    folder = project.root / "data/highlights"
    folder.mkdir(parents=True)
    (folder / "2025-W23.yaml").write_text("pinned: [2506.05361]\npinnned: []\n")
    (folder / "week-23.yaml").write_text("pinned: []\n")
    problems = "\n".join(check_records(cfg, store)[1])
    assert "data/highlights/2025-W23.yaml: unknown key 'pinnned'" in problems
    assert "data/highlights/2025-W23.yaml: pinned: expected a list of arXiv ids in quotes" in problems
    assert "data/highlights/week-23.yaml: name weekly highlight files by ISO week" in problems
