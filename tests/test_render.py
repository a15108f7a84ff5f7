"""Pages and feeds: untrusted text stays text, output is deterministic, records merge without losing edits."""

from __future__ import annotations

import html
import re
from pathlib import Path

import feedparser
import pytest

from generator.sitebuild import mkdocs_build
from generator.config import load_config
from generator.model import Entry, DailyIssue, Paper, Section, Selection
from generator.issue import merge_issue
from generator.render import feeds as feeds_mod
from generator.render import pages
from generator.render.site import render_all
from generator.render.text import md_escape, to_html
from generator.store import Store
from generator.kinds.registry import DAILY

ROOT = Path(__file__).resolve().parents[1]

HOSTILE_TITLE = "Seg<script>alert(1)</script> & **bold** [x](javascript:alert(1)) # $x<y$ `tick` {% raw %} \u202eevil\x07"
HOSTILE_ABSTRACT = (
    "<img src=x onerror=alert(1)> <a href='javascript:alert(2)'>click</a>\n\n# Heading\n\n<div>block</div> "
    "| a | b |\n|---|---| costs $5 and $10; CO$_2$ at $\\alpha<0.05$; $\\href{javascript:alert(3)}{x}$ &amp; done"
)


@pytest.fixture(scope="module")
def cfg():
    return load_config(ROOT / "config.yml", env={})


def entry(pid="2506.00001", **kw) -> Entry:
    p = Paper(id=pid, version=1, title=kw.pop("title", "Liver tumor segmentation in CT"),
              abstract=kw.pop("abstract", "CT of patients."), authors=kw.pop("authors", ["Ann One"]),
              categories=["eess.IV", "cs.CV"], comment=kw.pop("comment", None))
    e = Entry.from_paper(p, Selection(True, kw.pop("topic", "imaging"), kw.pop("relevance", 90), 9.0, "影像｜命中：CT", "Imaging | matched: CT"))
    for k, v in kw.items():
        setattr(e, k, v)
    return e


def issue(*entries: Entry, day="2025-06-09", number=1) -> DailyIssue:
    by: dict[str, list[Entry]] = {}
    for e in entries:
        by.setdefault(e.topic, []).append(e)
    return DailyIssue(date=day, number=number, sections=[Section(t, es) for t, es in by.items()], candidates=100)


def test_to_html_escapes_everything_but_math():
    out = to_html(HOSTILE_ABSTRACT)
    assert "<img" not in out and "<a " not in out and "<div>" not in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out
    assert '<span class="arithmatex">\\(_2\\)</span>' in out
    assert '<span class="arithmatex">\\(\\alpha&lt;0.05\\)</span>' in out
    assert "costs $5 and $10" in out  # prices are not math
    assert "\\href" in out and '<span class="arithmatex">\\(\\href' not in out  # unsafe TeX stays text
    assert "&amp;amp;" in out  # a literal "&amp;" in the source is shown as such
    tags = set(re.findall(r"<(\w+)", out))
    assert tags <= {"span"}


def test_md_escape_leaves_no_markdown_syntax():
    out = md_escape(HOSTILE_TITLE)
    assert not set("<>*[]`#$|{}_") & set(out.replace("&#", ""))
    assert "\u202e" not in out and "\x07" not in out
    assert html.unescape(out).startswith("Seg<script>")


def _full_entry() -> Entry:
    e = entry(title_zh="肝肿瘤分割", summary_zh="提出一种方法。", summary_en="A method.", abstract_zh="中文摘要内容",
              comment="12 pages", editor_note="值得一读 **推荐**", institutions=["Example University"])
    e.journal_ref, e.doi = "J. Test 2025", "10.1000/xyz"
    return e


DROPPED = [{"id": "2506.00002", "title": "Dropped <b>", "relevance": 30, "reason_zh": "低于阈值", "reason_en": "below threshold"}]


def test_issue_page_has_every_field(cfg):
    for lang in ("zh", "en"):
        page = pages.issue_page(issue(_full_entry()), cfg, DROPPED, lang).combined
        for needle in ("arXiv:2506.00001v1", "2025-06-09", "eess.IV cs.CV", "badge-new", "Liver tumor segmentation in CT",
                       "肝肿瘤分割", "Ann One", "Example University", "12 pages", "J. Test 2025",
                       "https://doi.org/10.1000/xyz", "<strong>推荐</strong>", "https://arxiv.org/pdf/2506.00001v1",
                       "https://arxiv.org/html/2506.00001v1", 'id="arxiv-2506.00001"', "Dropped &lt;b&gt;",
                       "edit/main/data/issues/2025/2025-06-09.yaml", "CT of patients."):
            assert needle in page, (lang, needle)
        assert "待翻译" not in page and "translation pending" not in page


def test_each_interface_has_its_own_face(cfg):
    """zh: Chinese title as the heading, Chinese reason and summary, one 详情 block with the Chinese abstract labelled as
    machine translation and the English abstract.  en: English heading, reason, summary and abstract; the Chinese title
    secondary, the Chinese abstract one link away (not repeated on the page)."""
    zh = pages.issue_page(issue(_full_entry()), cfg, DROPPED, "zh").combined
    en = pages.issue_page(issue(_full_entry()), cfg, DROPPED, "en").combined
    assert re.search(r'<h3 class="paper-title" id="arxiv-2506.00001" lang="zh">肝肿瘤分割</h3>\n'
                     r'<p class="paper-title-en" lang="en">Liver tumor segmentation in CT</p>', zh)
    assert re.search(r'<h3 class="paper-title" id="arxiv-2506.00001" lang="en">Liver tumor segmentation in CT</h3>\n'
                     r'<p class="paper-title-zh" lang="zh">肝肿瘤分割</p>', en)
    assert "<strong>专题命中</strong> 影像｜命中：CT" in zh and "Imaging | matched: CT" not in zh
    assert "<strong>Why</strong> Imaging | matched: CT" in en and "影像｜命中" not in en
    assert "<strong>AI总结</strong> <span lang=\"zh\">提出一种方法。</span>" in zh and "A method." not in zh
    assert "<strong>AI summary</strong> <span lang=\"en\">A method.</span>" in en and "提出一种方法。" not in en
    details = zh[zh.index('<details class="paper-details">'):]
    details = details[:details.index("</details>")]
    assert details.count("<summary>") == 1 and "<summary>详情</summary>" in details
    assert "AI中文摘要" in details and "机器翻译" in details and "中文摘要内容" in details and "CT of patients." in details
    assert "中文摘要内容" not in en and "<summary>Abstract</summary>" in en
    assert 'href="../../../../issues/2025/2025-06-09/#arxiv-2506.00001" hreflang="zh"' in en
    for page, words in ((zh, ("第 1 期 · 2025-06-09", "相关度 90%", "未收录的候选（1 篇）", "低于阈值", "导出本期")),
                        (en, ("Issue 1 · 2025-06-09", "Relevance 90%", "Candidates not included (1)", "below threshold",
                              "Export this issue"))):
        for w in words:
            assert w in page, w
    assert "below threshold" not in zh and "低于阈值" not in en
    assert "相关度" not in en and "Relevance" not in zh


def test_issue_pages_link_previous_and_next_and_exports_relatively(cfg):
    nav = pages.Neighbours(("2025-06-06", 4), ("2025-06-10", 6))
    zh = pages.issue_page(issue(entry(), number=5), cfg, [], "zh", nav).markdown
    en = pages.issue_page(issue(entry(), number=5), cfg, [], "en", nav).markdown
    assert 'rel="prev" href="../../../issues/2025/2025-06-06/">← 上一期 · 第 4 期 · 2025-06-06' in zh
    assert 'rel="next" href="../../../issues/2025/2025-06-10/">下一期 · 第 6 期 · 2025-06-10 →' in zh
    assert 'rel="prev" href="../../../../en/issues/2025/2025-06-06/">← Previous issue · Issue 4 · 2025-06-06' in en
    assert 'href="../../../exports/issues/2025/2025-06-09.bib"' in zh
    assert 'href="../../../../exports/issues/2025/2025-06-09.json"' in en
    assert cfg.site.url not in zh.split("---", 2)[2] and cfg.site.url not in en.split("---", 2)[2]
    first = pages.issue_page(issue(entry()), cfg, [], "zh", pages.Neighbours(None, ("2025-06-10", 2))).markdown
    assert "上一期" not in first and "下一期" in first
    alone = pages.issue_page(issue(entry()), cfg, [], "zh").markdown
    assert "issue-nav" not in alone


def test_neighbours_follow_dates_not_numbers():
    a, b, c = (DailyIssue(date=d, number=n, sections=[]) for d, n in (("2025-06-10", 2), ("2025-06-09", 1), ("2025-06-12", 3)))
    nav = pages.neighbours([a, b, c])
    assert nav["2025-06-09"] == pages.Neighbours(None, ("2025-06-10", 2))
    assert nav["2025-06-10"] == pages.Neighbours(("2025-06-09", 1), ("2025-06-12", 3))
    assert nav["2025-06-12"] == pages.Neighbours(("2025-06-10", 2), None)


def test_untranslated_entry_shows_pending_badge(cfg):
    page = pages.issue_page(issue(entry()), cfg).combined
    assert "待翻译" in page and "AI中文摘要" not in page
    en = pages.issue_page(issue(entry()), cfg, lang="en").combined
    assert "translation pending" not in en and "中文版" not in en  # nothing Chinese to point at


def test_editor_notes_cannot_inject_html(cfg):
    i = issue(entry(editor_note="<script>x()</script> **ok**"))
    i.editor_note_zh = "本期 <iframe src=x> 推荐"
    page = pages.issue_page(i, cfg).combined
    assert "<script>" not in page and "<iframe" not in page and "<strong>ok</strong>" in page


def test_hostile_text_survives_a_real_build(tmp_path, cfg):
    """Through MkDocs (Markdown, attr_list, arithmatex, i18n): no injected element, the text shown literally."""
    from generator.demo import copy_skeleton

    copy_skeleton(tmp_path)
    cfg2 = load_config(tmp_path / "config.yml", env={})
    store = Store(cfg2.paths.data)
    e = entry(title=HOSTILE_TITLE, abstract=HOSTILE_ABSTRACT, authors=["<b>Mallory</b>", "O'Brien & Co"],
              comment="<script>c()</script> see [here](javascript:x)")
    store.series(DAILY).save(issue(e))
    render_all(cfg2, store)
    mkdocs_build(cfg2, tmp_path / "site")
    for page in (tmp_path / "site/issues/2025/2025-06-09/index.html", tmp_path / "site/en/issues/2025/2025-06-09/index.html"):
        text = page.read_text()
        main = text[text.index('<div class="paper"'):text.index("</article>")]
        assert "<script" not in main and "<img" not in main and "<iframe" not in main
        assert "javascript:" not in re.findall(r'href="([^"]*)"', main).__str__()
        assert "onerror=" not in re.sub(r"&lt;img src=x onerror=alert\(1\)&gt;", "", main)
        assert "Seg&lt;script&gt;alert(1)&lt;/script&gt; &amp; **bold**" in main
        assert "&lt;b&gt;Mallory&lt;/b&gt;" in main
        assert '<span class="arithmatex">\\(_2\\)</span>' in main
        assert "<h1" not in main.split("paper-title")[1]  # "# Heading" inside the abstract is no heading
    feed = feedparser.parse((tmp_path / "feeds/zh/papers.rss.xml").read_bytes())
    assert feed.bozo == 0
    assert feed.entries[0].title.startswith("Seg<script>alert(1)</script> & **bold**")  # text, not markup


def test_feeds_valid_deterministic_and_ordered(cfg):
    i1 = issue(entry("2506.00001"), entry("2506.00002", topic="monitoring", title="Wearable ECG"), day="2025-06-09", number=1)
    i2 = issue(entry("2506.00010", title_zh="中文题目"), day="2025-06-10", number=2)
    a = feeds_mod.build_feeds(cfg, [i1, i2])
    b = feeds_mod.build_feeds(cfg, [i2, i1])
    assert [(f.path, f.content) for f in a] == [(f.path, f.content) for f in b]
    files = {f.path: f.content for f in a}
    assert len(files) == 2 * 2 * (2 + len(cfg.topics) + len(cfg.watches))  # papers, issues, topics, watches
    for path, content in files.items():
        parsed = feedparser.parse(content)
        assert parsed.bozo == 0, path
    zh = feedparser.parse(files["zh/papers.rss.xml"])
    assert [e.id.rsplit(":", 1)[1] for e in zh.entries] == ["2506.00010", "2506.00001", "2506.00002"]
    assert zh.entries[0].title == "中文题目 | Liver tumor segmentation in CT"
    assert zh.entries[0].link == "https://example.github.io/medical-ai-daily/issues/2025/2025-06-10/#arxiv-2506.00010"
    en = feedparser.parse(files["en/papers.atom.xml"])
    assert en.entries[0].title == "Liver tumor segmentation in CT"
    assert en.entries[0].link.startswith("https://example.github.io/medical-ai-daily/en/issues/2025/2025-06-10/")
    assert en.feed.updated.startswith("2025-06-10")
    assert any(l.rel == "self" and l.href.endswith("feeds/en/papers.atom.xml") for l in en.feed.links)
    mon = feedparser.parse(files["en/topic-monitoring.rss.xml"])
    assert [e.id.rsplit(":", 1)[1] for e in mon.entries] == ["2506.00002"]
    issues = feedparser.parse(files["zh/issues.atom.xml"])
    assert [e.title for e in issues.entries][0].startswith("第 2 期 · 2025-06-10")


def test_feed_is_capped_at_newest_n(cfg):
    from dataclasses import replace

    small = replace(cfg, feeds=replace(cfg.feeds, max_items=2))
    i1 = issue(entry("2506.00001"), entry("2506.00002"), day="2025-06-09")
    i2 = issue(entry("2506.00010"), day="2025-06-10", number=2)
    files = {f.path: f.content for f in feeds_mod.build_feeds(small, [i1, i2])}
    ids = [e.id.rsplit(":", 1)[1] for e in feedparser.parse(files["zh/papers.atom.xml"]).entries]
    assert ids == ["2506.00010", "2506.00001"]


def test_merge_keeps_enrichment_edits_and_removals(cfg):
    old = entry("2506.00001", title_zh="人工修改的标题", editor_note="好文", relevance=70)
    old.edited = ["title_zh", "topic"]
    old.topic = "diagnosis"
    added_by_editor = entry("2506.00005", topic="biomed")
    existing = issue(old, added_by_editor)
    existing.removed = ["2506.00002"]
    existing.editor_note_zh = "编者按"
    fresh = [entry("2506.00001", relevance=95, comment="new comment"), entry("2506.00002"), entry("2506.00003")]
    merged = merge_issue(DAILY, "2025-06-09", 1, fresh, existing, cfg, candidates=120)
    by_id = {e.id: e for e in merged.entries}
    assert set(by_id) == {"2506.00001", "2506.00003", "2506.00005"}
    e1 = by_id["2506.00001"]
    assert e1.title_zh == "人工修改的标题" and e1.editor_note == "好文" and e1.topic == "diagnosis"
    assert e1.relevance == 95 and e1.comment == "new comment"  # machine fields refreshed
    assert merged.editor_note_zh == "编者按" and merged.removed == ["2506.00002"]
    assert [s.topic for s in merged.sections] == ["diagnosis", "imaging", "biomed"]


def test_record_round_trip_and_stable_bytes(tmp_path, cfg):
    store = Store(tmp_path / "data")
    i = issue(entry(title="Title with 'quotes' and: colons # hash", abstract="Line one\nline two: x"), entry("2506.00009", topic="biomed"))
    assert store.series(DAILY).save(i) is True
    first = store.series(DAILY).path(i.date).read_bytes()
    again = store.series(DAILY).get(i.date)
    assert again.to_dict() == i.to_dict()
    assert store.series(DAILY).save(again) is False  # unchanged: not rewritten
    assert store.series(DAILY).path(i.date).read_bytes() == first


def test_render_twice_changes_nothing(tmp_path):
    from generator.demo import copy_skeleton

    copy_skeleton(tmp_path)
    cfg = load_config(tmp_path / "config.yml", env={})
    store = Store(cfg.paths.data)
    store.series(DAILY).save(issue(entry()))
    first = render_all(cfg, store)
    assert first.written
    second = render_all(cfg, store)
    assert second.written == [] and second.removed == []
    # a record deleted by an editor takes its page with it
    store.series(DAILY).path("2025-06-09").unlink()
    third = render_all(cfg, store)
    assert any("issues/2025/2025-06-09.md" in r for r in third.removed)


def test_stats_page_charts_weekly_counts_per_topic():
    from xml.etree import ElementTree as ET

    from generator.model import Entry, DailyIssue, Paper, Section, Selection
    from generator.render.stats import stats_page

    cfg = load_config(ROOT / "config.yml", env={})

    def entries(n, topic, day):
        out = []
        for i in range(n):
            p = Paper(id=f"{day[2:4]}{day[5:7]}.{day[8:]}{i:03d}", version=1, title="t", abstract="a", authors=[],
                      categories=["cs.CV"])
            out.append(Entry.from_paper(p, Selection(True, topic, 80, 5.0, "r", "r")))
        return out

    # three weeks with a gap week between them; two issues in the first week
    days = {"2025-06-02": {"imaging": 3, "diagnosis": 1}, "2025-06-04": {"imaging": 2},
            "2025-06-18": {"monitoring": 4}, "2025-06-23": {"clinical_llm": 1, "imaging": 1}}
    issues = [DailyIssue(d, n, [Section(t, entries(k, t, d)) for t, k in c.items()]) for n, (d, c) in enumerate(days.items(), 1)]
    page = stats_page(cfg, "zh", issues)
    svg = page[page.index("<svg"): page.index("</svg>") + 6]
    root = ET.fromstring(svg)  # well-formed
    bars = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.find("{http://www.w3.org/2000/svg}title") is not None]
    labels = sorted(r.find("{http://www.w3.org/2000/svg}title").text for r in bars)
    assert labels == ["2025-06-02 · 医学影像: 5", "2025-06-02 · 诊断辅助: 1", "2025-06-16 · 健康监测: 4",
                      "2025-06-23 · 临床大模型: 1", "2025-06-23 · 医学影像: 1"]
    assert "| 2025-06-09 | 0 | 0 | 0 | 0 | 0 | 0 |" in page  # the empty week is shown, not skipped
    assert "| 2025 | 1 | 6 | 4 | 1 | 0 | 12 |" in page
    assert stats_page(cfg, "zh", issues) == page
    assert "Papers per topic per week" in stats_page(cfg, "en", issues)


def test_the_repositorys_own_generated_pages_and_feeds_are_current():
    """docs/ and feeds/ in the repository are what `render` makes of data/ and config.yml (the PR check's rule)."""
    from generator.store import Store
    from generator.validate import check_rendered

    cfg = load_config(ROOT / "config.yml", env={})
    assert check_rendered(cfg, Store(cfg.paths.data)) == []


def test_who_is_where_is_listed_under_the_institutions(cfg):
    e = entry()
    e.institutions = ["Example University"]
    e.author_institutions = [["Ann <b>One</b>", "Example University"], ["Bo Two", "Institute of <i>Things</i>"]]
    html_ = pages.issue_page(issue(e), cfg, []).fragments
    assert "作者单位 (2)" in html_ and "Affiliations (2)" in pages.issue_page(issue(e), cfg, [], "en").fragments
    assert "<li>Ann &lt;b&gt;One&lt;/b&gt; — Example University</li>" in html_
    assert "Institute of &lt;i&gt;Things&lt;/i&gt;" in html_
