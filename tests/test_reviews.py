"""Grounded reviews: the nine corpus days in one archive give review pages whose every paper is an archive entry and
whose every figure equals an independent count; an LLM's theme paragraphs reach a page only when grounded."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from generator.config import load_config
from generator.corpus import load_listing
from generator.demo import copy_skeleton
from generator.enrich import Enricher
from generator.model import Entry, DailyIssue, Paper, Section, Selection
from generator.issue import group_by_topic
from generator.pipeline import select_papers
from generator.render import review, review_model, review_themes
from generator.render.site import Snapshot, render_all, reviews_of, write_exports
from generator.store import Store
from generator.validate import check_records

from .conftest import LISTINGS, require_shared, snapshot
from .fake_llm import FakeLLM
from generator.kinds.registry import DAILY

PERIODS = ("2025", "2025-Q2", "2026", "2026-Q2", "2026-Q3")
LINK = re.compile(r"\]\(\.\./(issues/\d{4}/(\d{4}-\d{2}-\d{2})\.md)#([^)\s]+)\)")


def replay_corpus(root: Path):
    """The nine corpus days as one archive: each day's listing through the selector into an issue record (what
    `run` keeps, without the remotes), numbered in date order, a paper listed once."""
    copy_skeleton(root)
    cfg = load_config(root / "config.yml", env={})
    store = Store.of(cfg)
    published: dict[str, str] = {}
    for n, path in enumerate(sorted(LISTINGS.glob("*.jsonl")), 1):
        kept = select_papers(load_listing(path), cfg, published).kept
        entries = [Entry.from_paper(p, s) for p, s in kept]
        for e in entries:
            published.setdefault(e.id, path.stem)
        sections = group_by_topic(entries, cfg, lambda e: (-e.relevance, e.id))
        store.series(DAILY).save(DailyIssue(date=path.stem, number=n, sections=sections))
    return cfg, store


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    require_shared()
    root = tmp_path_factory.mktemp("reviews-corpus")
    cfg, store = replay_corpus(root)
    render_all(cfg, store)
    return cfg, store, root


def page(root: Path, period: str, lang: str) -> str:
    return (root / "docs" / "review" / (f"{period}.md" if lang == "zh" else f"{period}.{lang}.md")).read_text()


def test_the_corpus_gives_every_year_and_quarter_in_both_interfaces(corpus):
    cfg, store, root = corpus
    for period in PERIODS:
        zh, en = page(root, period, "zh"), page(root, period, "en")
        assert "## 概览" in zh and "## Overview" in en
    assert sorted(p.name for p in (root / "docs/review").glob("*.md")) == sorted(
        [f"{p}.md" for p in PERIODS] + [f"{p}.en.md" for p in PERIODS] + ["index.md", "index.en.md"])
    # a quarter with an issue dated after it is complete; the last one says it is still in progress
    assert "进行中" not in page(root, "2026-Q2", "zh") and "In progress" not in page(root, "2026-Q2", "en")
    assert "（进行中）" in page(root, "2026-Q3", "zh") and "(in progress)" in page(root, "2026-Q3", "en")
    assert "（进行中）" not in page(root, "2025", "zh")
    # linked from the home page and the archive, in both interfaces
    for name in ("index.md", "index.en.md", "archive.md", "archive.en.md"):
        assert "(review/index.md)" in (root / "docs" / name).read_text(), name
    index = (root / "docs/review/index.md").read_text()
    assert all(f"({p}.md)" in index for p in PERIODS)


def test_every_paper_link_resolves_to_an_entry_on_an_issue_page(corpus):
    cfg, store, root = corpus
    checked = 0
    for md in sorted((root / "docs/review").glob("*.md")):
        for rel, day, anchor in LINK.findall(md.read_text()):
            fragments = (root / "docs" / rel.replace(".md", ".entries.html")).read_text()
            assert f'id="{anchor}"' in fragments, (md.name, rel, anchor)
            checked += 1
    assert checked > 200


def _independent_counts(root: Path, start: str, end: str) -> tuple[dict[str, int], dict[str, int]]:
    """Papers per topic and per source of a period, straight from the YAML records (each paper once)."""
    seen: dict[str, dict] = {}
    for path in sorted((root / "data/issues").glob("*/*.yaml")):
        raw = yaml.safe_load(path.read_text())
        if start <= str(raw["date"]) <= end:
            for section in raw["sections"]:
                for p in section["papers"]:
                    seen.setdefault(p["id"], p)
    topics: dict[str, int] = {}
    sources: dict[str, int] = {}
    for p in seen.values():
        topics[p["topic"]] = topics.get(p["topic"], 0) + 1
        sources[p.get("source", "arxiv")] = sources.get(p.get("source", "arxiv"), 0) + 1
    return topics, sources


def test_the_counts_equal_an_independent_count_from_the_records(corpus, tmp_path):
    cfg, store, root = corpus
    write_exports(cfg, tmp_path / "site", store)
    bounds = {"2025": ("2025-01-01", "2025-12-31"), "2025-Q2": ("2025-04-01", "2025-06-30"),
              "2026": ("2026-01-01", "2026-12-31"), "2026-Q2": ("2026-04-01", "2026-06-30"),
              "2026-Q3": ("2026-07-01", "2026-09-30")}
    previous = {"2025": "2024", "2025-Q2": "2025-Q1", "2026": "2025", "2026-Q2": "2026-Q1", "2026-Q3": "2026-Q2"}
    for period, (start, end) in bounds.items():
        topics, sources = _independent_counts(root, start, end)
        before, _ = _independent_counts(root, *bounds.get(previous[period], ("0", "0")))
        doc = json.loads((tmp_path / "site/exports/reviews" / f"{period}.json").read_text())
        assert doc["papers"] == sum(topics.values())
        assert {c["key"]: c["now"] for c in doc["topics"] if c["now"]} == topics
        assert {c["key"]: c["before"] for c in doc["topics"] if c["before"]} == before
        assert {c["key"]: c["now"] for c in doc["sources"] if c["now"]} == sources
        en = page(root, period, "en")
        for t in cfg.topics:
            if topics.get(t.id) or before.get(t.id):
                n, b = topics.get(t.id, 0), before.get(t.id, 0)
                row = f"| {t.name_en} · {t.name_zh} | {n} | {b} | {'+' if n > b else ''}{n - b if n != b else '±0'} |"
                assert row in en, (period, row)
        assert f"| **Total** | **{sum(topics.values())}** | **{sum(before.values())}** |" in en
    assert "2025" in (tmp_path / "site/exports/reviews/index.json").read_text()


def test_term_trends_are_counted_shares_and_stable_across_reruns(corpus):
    cfg, store, root = corpus
    issues = list(store.series(DAILY).all())
    first = review.build_review(cfg, issues, review.Period("2026"))
    review_model._terms.cache_clear()
    again = review.build_review(cfg, list(reversed(issues)), review.Period("2026"))
    assert [(c.key, c.now, c.before) for c in first.rising + first.falling] == \
        [(c.key, c.now, c.before) for c in again.rising + again.falling]
    assert first.rising and first.falling
    # each trend's counts: the papers whose title or abstract the phrase matches, counted independently
    from generator.select import compile_phrase
    for c in first.rising[:3] + first.falling[:3]:
        rx = compile_phrase(c.key)
        now = sum(1 for p in first.papers if rx.search(f"{p.entry.title}\n{p.entry.abstract}"))
        assert now >= c.now  # the selector's context model may only take matches away (names, metaphors, links)
        assert c.points == round(100 * (c.now / len(first.papers) - c.before / first.previous_papers), 1)
    before = snapshot(root, ("docs", "feeds"))
    result = render_all(cfg, store)
    assert not result.written and snapshot(root, ("docs", "feeds")) == before


def test_a_period_without_a_previous_one_says_so_instead_of_inventing_trends(corpus):
    cfg, store, root = corpus
    assert "上一时期（2025-Q1）没有论文，无从比较。" in page(root, "2025-Q2", "zh")
    assert "▲" not in page(root, "2025-Q2", "en")


# ------------------------------------------------------------------ editors


def small_archive(root: Path, llm: FakeLLM | None = None):
    """Four papers on one day: three tumour-segmentation papers (one cluster) with figures in their summaries, and
    one monitoring paper outside it."""
    copy_skeleton(root)
    cfg = load_config(root / "config.yml", env={"LLM_BASE_URL": llm.base_url} if llm else {})
    cfg = replace(cfg, llm=replace(cfg.llm, timeout_seconds=2.0, retries=0))
    store = Store.of(cfg)
    rows = [("2506.00001", "Liver tumor segmentation in CT with a foundation model", "imaging",
             "Dice 0.91 on 120 patients.", "在 120 名患者上 Dice 为 0.91。"),
            ("2506.00002", "Kidney tumor segmentation in contrast-enhanced CT", "imaging",
             "Dice 0.88 on 300 scans.", "在 300 例扫描上 Dice 为 0.88。"),
            ("2506.00003", "Pancreas tumor segmentation in MRI of patients", "imaging",
             "Dice 0.85 across 4 centres.", "在 4 个中心 Dice 为 0.85。"),
            ("2506.00099", "Wearable ECG monitoring of atrial fibrillation in patients", "monitoring",
             "Sensitivity 97.5% in 2,000 recordings.", "在 2000 条记录中灵敏度为 97.5%。")]
    entries = []
    for pid, title, topic, en, zh in rows:
        p = Paper(id=pid, version=1, title=title, abstract=f"{title}. Patients were studied with deep learning.",
                  authors=["A. Author"], categories=["eess.IV"])
        e = Entry.from_paper(p, Selection(True, topic, 80, 6.0, "命中", "matched"))
        e.summary_en, e.summary_zh = en, zh
        entries.append(e)
    store.series(DAILY).save(DailyIssue(date="2025-06-10", number=1, sections=group_by_topic(entries, cfg, lambda e: e.id)))
    return cfg, store


def test_editor_file_pins_removes_and_sanitises(tmp_path):
    cfg, store = small_archive(tmp_path)
    path = tmp_path / "data/reviews/2025-Q2.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump({
        "intro": {"zh": "本季度导语 <script>alert(1)</script> **重点**", "en": "Intro [x](javascript:alert(1))"},
        "comments": {"imaging": {"zh": "影像点评", "en": "Imaging comment"}},
        "pinned": ["2506.00003"], "removed": ["2506.00001"]}, allow_unicode=True))
    before = path.read_bytes()
    render_all(cfg, store)
    zh = page(tmp_path, "2025-Q2", "zh")
    table = zh[zh.index("### 医学影像"):]
    assert "<script>" not in zh and "javascript:" not in page(tmp_path, "2025-Q2", "en")
    assert "本季度导语" in zh and "<strong>重点</strong>" in zh and "影像点评" in table
    assert table.index("2506.00003") < table.index("2506.00002") and "编辑置顶" in table
    assert "#arxiv-2506.00001)" not in table  # removed from the table (still counted: it was published)
    assert path.read_bytes() == before  # nothing generated writes the editor's file
    # validate names a broken file and unknown papers; rendering treats a broken file as empty
    path.write_text("pinned: [not-an-id]\ncomments: {astrology: {zh: x}}\nintro: {zh: 'a <iframe> b'}\n")
    _, problems = check_records(cfg, store)
    joined = "\n".join(problems)
    assert "reviews/2025-Q2.yaml: pinned" in joined and "unknown topic 'astrology'" in joined
    path.write_text("pinned: ['2506.09999']\n")
    _, problems = check_records(cfg, store)
    assert any("2506.09999" in p and "not a paper of" in p for p in problems)


# ------------------------------------------------------------------ themes from a (fake) LLM


@pytest.fixture
def llm():
    with FakeLLM() as server:
        yield server


def themed(tmp_path: Path, llm: FakeLLM, script: list[str]):
    cfg, store = small_archive(tmp_path, llm)
    llm.script["review"] = list(script)
    llm.foreign_id = "2506.00099"  # a real archive paper, outside the tumour-segmentation cluster
    issues = list(store.series(DAILY).all())
    reviews = reviews_of(cfg, Snapshot.load(store))
    found = review_themes.clusters(cfg, reviews[0])
    assert [c.ids for c in found["imaging"]] == [["2506.00001", "2506.00002", "2506.00003"]]
    stats = review_themes.fill_themes(cfg, reviews, issues, Enricher(cfg, "sk-test", sleep=lambda s: None))
    render_all(cfg, store)
    return cfg, store, stats


def all_pages(root: Path) -> str:
    return "\n".join(p.read_text() for p in sorted((root / "docs/review").glob("*.md")))


def test_valid_paragraphs_are_shown_with_links_and_a_rerun_makes_no_call(tmp_path, llm):
    cfg, store, stats = themed(tmp_path, llm, [])
    assert (stats.asked, stats.shown, stats.dropped) == (2, 2, 0) and len(llm.requests) == 2
    zh, en = page(tmp_path, "2025-Q2", "zh"), page(tmp_path, "2025", "en")
    assert "[arXiv:2506.00001](../issues/2025/2025-06-10.md#arxiv-2506.00001)" in zh
    assert "[arXiv:2506.00002](../issues/2025/2025-06-10.md#arxiv-2506.00002)" in en
    assert "[[" not in zh + en and "Dice 0.91" in en
    before = snapshot(tmp_path, ("docs", "feeds"))
    again = review_themes.fill_themes(cfg, reviews_of(cfg, Snapshot.load(store)), list(store.series(DAILY).all()),
                                      Enricher(cfg, "sk-test", sleep=lambda s: None))
    assert again.cached == 2 and again.asked == 0 and len(llm.requests) == 2
    render_all(cfg, store)
    assert snapshot(tmp_path, ("docs", "feeds")) == before


@pytest.mark.parametrize("mode, never", [
    ("invent", ["2599.99999", "A Paper That Was Never Written", "一篇并不存在的论文"]),
    ("foreign", ["[arXiv:2506.00099]", "By contrast", "采用了不同的方法"]),
    ("number", ["0.999", "99.9"]),
    ("bareid", ["The strongest is"]),
])
def test_an_ungrounded_answer_is_asked_once_more_then_dropped(tmp_path, llm, mode, never):
    cfg, store, stats = themed(tmp_path, llm, [mode, mode])  # the year's cluster fails twice; the quarter's is fine
    assert (stats.asked, stats.shown, stats.dropped) == (2, 1, 1) and len(llm.requests) == 3
    retry = llm.requests[1]["messages"][-1]["content"]
    assert "could not be used" in retry
    text = all_pages(tmp_path)
    assert not any(s in text for s in never), mode
    assert "**tumor segmentation**" in page(tmp_path, "2025-Q2", "en")  # the valid paragraph is shown
    assert "**tumor segmentation**" not in page(tmp_path, "2025", "en")  # the data-driven parts stand alone
    assert "## Recommendations per topic" in page(tmp_path, "2025", "en")
    # the drop is cached too: a rerun does not ask again
    review_themes.fill_themes(cfg, reviews_of(cfg, Snapshot.load(store)), list(store.series(DAILY).all()),
                              Enricher(cfg, "sk-test", sleep=lambda s: None))
    assert len(llm.requests) == 3


def test_a_corrected_second_answer_is_shown(tmp_path, llm):
    cfg, store, stats = themed(tmp_path, llm, ["invent"])
    assert (stats.asked, stats.shown, stats.dropped) == (2, 2, 0) and len(llm.requests) == 3
    assert "2599.99999" not in all_pages(tmp_path)
    assert "**tumor segmentation**" in page(tmp_path, "2025", "zh")


def test_a_cache_file_edited_by_hand_cannot_put_an_ungrounded_paragraph_on_a_page(tmp_path, llm):
    cfg, store, _ = themed(tmp_path, llm, [])
    for path in (cfg.paths.cache / "reviews").glob("*.json"):
        doc = json.loads(path.read_text())
        doc["answer"]["en"] += " It beats [[2506.00099]] with 0.999 AUC, see “An Invented Paper Title Here”."
        path.write_text(json.dumps(doc))
    render_all(cfg, store)
    text = all_pages(tmp_path)
    assert "0.999" not in text and "Invented Paper" not in text and "**tumor segmentation**" not in text


def test_the_checks_one_by_one():
    p = [review.Listed(Entry.from_paper(Paper(f"2506.0000{i}", 1, f"Tumor segmentation {i}", "x", [], []),
                                        Selection(True, "imaging", 80, 6.0, "", "")), "2025-06-10") for i in (1, 2)]
    p[0].entry.summary_en = "AUC 0.91 on 120 patients."
    c = review_themes.Cluster("imaging", "tumor segmentation", p, {"papers_in_cluster": 2})
    titles = {review_themes.title_key("Tumor segmentation 2")}

    def problems(text: str) -> list[str]:
        return review_themes.problems_of(text, "en", c, "2025", titles)

    assert problems("The 2 papers: [[2506.00001]] reaches 0.91 on 120 patients in 2025.") == []
    assert problems("No citation at all.")
    assert problems("[[2506.00002]] reaches 0.91.")  # 0.91 is in 2506.00001's summary, which is not cited
    assert problems("[[2506.00001]] and 2506.00002 agree.")  # an id outside brackets
    assert problems("[[2506.00001]] and [[2506.00001v2]].")
    assert problems("[[2506.00001]] builds on 《Tumor segmentation 3》.")
    assert problems("[[2506.00001]] builds on 《Tumor segmentation 2》.") == []
    assert problems("[[2506.00001]] builds on \"A Long Invented Title Of Four Words\".")
    assert problems("[[2506.00001]] is a \"foundation model\".") == []  # a quoted term is not a title


def test_the_themes_command_writes_validated_paragraphs_once_and_is_quiet_without_a_key(tmp_path, llm):
    import os
    import subprocess
    import sys

    small_archive(tmp_path, llm)
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k != "LLM_API_KEY"}
    env.update(PYTHONPATH=str(root), LLM_BASE_URL=llm.base_url)

    def themes(key: bool) -> str:
        e = dict(env, LLM_API_KEY="sk-test") if key else env
        proc = subprocess.run([sys.executable, "-m", "generator", "-c", str(tmp_path / "config.yml"), "themes"],
                              cwd=tmp_path, env=e, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    assert "not written" in themes(key=False) and not llm.requests
    assert "2 asked, 2 shown, 0 dropped" in themes(key=True)
    calls = len(llm.requests)
    assert "0 asked" in themes(key=True) and len(llm.requests) == calls  # cached: a rerun makes no call
