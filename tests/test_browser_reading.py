"""Personal reading in Chromium (reading.js): follows, "for you", new since the last visit, read marks, the reading
list and its exports, a shared view from the address, keyboard-only use - in both interfaces, at 1280 and 375 px,
light and dark, each surviving a reload (the state lives in the browser's localStorage, nowhere else)."""

from __future__ import annotations

import functools
import http.server
import json
import threading

import pytest

from generator.config import load_config
from generator.demo import copy_skeleton
from generator.kinds.registry import DAILY
from generator.model import DailyIssue, Section
from generator.render.site import render_all
from generator.store import Store

from .test_browser import Page, _QuietHandler, browser, entry  # noqa: F401  (browser: the shared Chromium fixture)

DAYS = {
    "2024-12-02": [("2412.10001", "A Clinical Large Language Model for Discharge Summaries", "用于出院小结的临床大模型",
                    ["Chen Demo"], "clinical_llm", [])],
    "2025-06-10": [("2506.10001", "Whole-Slide Image Segmentation with a Pathology Model", "全切片图像分割",
                    ["Li Wei", "Ana Example"], "imaging", ["Example University"]),
                   ("2506.10002", "Wearable ECG Monitoring for Atrial Fibrillation", "可穿戴心电监测",
                    ["Bo Sample"], "monitoring", ["Sample Institute of Technology"]),
                   ("2506.10003", "Retinal Fundus Screening with {Braces} & 100% Recall", "眼底筛查",
                    ["José Müller"], "diagnosis", [])],
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("reading-site")
    copy_skeleton(root)
    cfg = load_config(root / "config.yml", env={})
    store = Store.of(cfg)
    for n, (day, rows) in enumerate(sorted(DAYS.items()), 1):
        es = []
        for pid, title, title_zh, authors, topic, places in rows:
            e = entry(pid, title, title_zh, authors, topic, summary_zh="一句话总结。", summary_en="One line.")
            e.institutions = places
            es.append(e)
        topics = list(dict.fromkeys(e.topic for e in es))
        store.series(DAILY).save(DailyIssue(date=day, number=n, sections=[
            Section(t, [e for e in es if e.topic == t]) for t in topics]))
    render_all(cfg, store)
    from generator.sitebuild import mkdocs_build

    mkdocs_build(cfg, root / "site")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def ready(page):
    page.wait_for_function("window.__maidReadingReady === true", timeout=10000)
    return page


def stored(page) -> dict:
    return json.loads(page.evaluate("localStorage.getItem('maid-reading-v1')") or "{}")


VIEWS = [("", 1280, "light"), ("en/", 375, "dark"), ("", 375, "dark"), ("en/", 1280, "light")]


@pytest.mark.parametrize("ui,width,scheme", VIEWS)
def test_save_and_read_marks_survive_a_reload_and_read_ones_can_be_hidden(site, browser, ui, width, scheme):
    p = Page(browser, site, viewport={"width": width, "height": 800}, color_scheme=scheme)
    try:
        page = ready(p.goto(f"{ui}issues/2025/2025-06-10/"))
        assert page.evaluate("document.querySelectorAll('.paper .reading-tools').length") == 3
        page.click(".paper[data-arxiv='2506.10001'] .reading-save")
        page.click(".paper[data-arxiv='2506.10002'] .reading-read")
        page.reload()
        ready(page)
        assert page.get_attribute(".paper[data-arxiv='2506.10001'] .reading-save", "aria-pressed") == "true"
        assert page.get_attribute(".paper[data-arxiv='2506.10002'] .reading-read", "aria-pressed") == "true"
        assert page.evaluate("[...document.querySelectorAll('.paper.is-read')].map(p => p.dataset.arxiv)") == ["2506.10002"]
        page.check(".reading-bar input[type=checkbox] >> nth=0")
        page.reload()
        ready(page)
        assert page.evaluate("[...document.querySelectorAll('.paper')].filter(p => p.hidden).map(p => p.dataset.arxiv)") == ["2506.10002"]
        assert stored(page)["saved"] == [{"id": "2506.10001", "date": "2025-06-10"}]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing sideways at 375
        assert p.errors == []
    finally:
        p.close()


@pytest.mark.parametrize("ui", ["", "en/"])
def test_follows_mark_entries_and_fill_for_you_and_the_home_page(site, browser, ui):
    p = Page(browser, site)
    try:
        page = ready(p.goto(f"{ui}reading/"))
        for kind, value in (("keywords", "segmentation"), ("authors", "Bo Sample"), ("institutions", "Example University")):
            page.fill(f"#reading-{kind}", value)
            page.press(f"#reading-{kind}", "Enter")
        page.check(".reading-topics input[value='clinical_llm']")
        hits = page.evaluate("[...document.querySelectorAll('.reading-for-you li a')].map(a => a.getAttribute('href'))")
        # newest first: segmentation + Example University -> 10001, Bo Sample -> 10002; the older year is not loaded
        assert [h.rsplit("#", 1)[1] for h in hits] == ["arxiv-2506.10001", "arxiv-2506.10002"]
        assert all(h.startswith(("../" if not ui else "../../") + ui + "issues/2025/2025-06-10/") for h in hits)
        page.click(".reading-for-you .reading-more")
        page.wait_for_function("document.querySelectorAll('.reading-for-you li').length === 3")
        page.reload()
        ready(page)
        assert stored(page)["follow"] == {"topics": ["clinical_llm"], "keywords": ["segmentation"], "authors": ["Bo Sample"],
                                          "institutions": ["Example University"]}
        issue = ready(p.goto(f"{ui}issues/2025/2025-06-10/"))
        assert issue.evaluate("[...document.querySelectorAll('.paper.is-followed')].map(p => p.dataset.arxiv)") == [
            "2506.10001", "2506.10002"]
        issue.check(".reading-bar input[type=checkbox] >> nth=1")  # followed only, kept in the address
        assert "only=followed" in issue.url
        assert issue.evaluate("[...document.querySelectorAll('.paper')].filter(p => !p.hidden).length") == 2
        home = ready(p.goto(ui))
        assert home.is_visible("#for-you")
        assert home.evaluate("[...document.querySelectorAll('#for-you li a')].length") == 2
        assert p.errors == []
    finally:
        p.close()


def test_new_since_the_last_visit_is_marked_until_the_next_visit(site, browser):
    p = Page(browser, site)
    try:
        page = ready(p.goto("issues/2024/2024-12-02/"))
        assert page.evaluate("document.querySelectorAll('.badge-unseen').length") == 0  # a first visit marks nothing
        # the last visit was long ago and had seen the 2024-12-02 issue
        page.evaluate("""localStorage.setItem('maid-reading-v1', JSON.stringify({v: 1, follow: {topics: [], keywords: [],
            authors: [], institutions: []}, read: {}, saved: [], hideRead: false,
            visit: {since: '', latest: '2024-12-02', at: Date.now() - 86400000}}))""")
        page = ready(p.goto("issues/2025/2025-06-10/"))
        assert page.evaluate("document.querySelectorAll('.paper.is-new').length") == 3
        assert "3" in page.inner_text(".reading-new-count")
        page.reload()  # the same visit: still new
        ready(page)
        assert page.evaluate("document.querySelectorAll('.paper.is-new').length") == 3
        older = ready(p.goto("issues/2024/2024-12-02/"))
        assert older.evaluate("document.querySelectorAll('.paper.is-new').length") == 0
        home = ready(p.goto(""))
        assert "3" in home.inner_text("#for-you .reading-new-count")
        # the next visit: what this one saw is no longer new
        home.evaluate("(() => { const s = JSON.parse(localStorage.getItem('maid-reading-v1')); s.visit.at -= 86400000;"
                      " localStorage.setItem('maid-reading-v1', JSON.stringify(s)); })()")
        again = ready(p.goto("issues/2025/2025-06-10/"))
        assert again.evaluate("document.querySelectorAll('.paper.is-new').length") == 0
        assert p.errors == []
    finally:
        p.close()


def test_the_home_page_counts_new_papers_back_to_the_last_visit_across_a_half_year_shard(site, browser):
    """The index is sharded per half year: a visit before the newest shard's first day needs the older one too."""
    p = Page(browser, site)
    try:
        page = ready(p.goto(""))
        page.evaluate("""localStorage.setItem('maid-reading-v1', JSON.stringify({v: 1, follow: {topics: [], keywords: [],
            authors: [], institutions: []}, read: {}, saved: [], hideRead: false,
            visit: {since: '', latest: '2024-11-29', at: Date.now() - 86400000}}))""")
        home = ready(p.goto(""))
        assert "4" in home.inner_text("#for-you .reading-new-count")  # 3 of 2025-06-10 and 1 of 2024-12-02
        assert p.errors == []
    finally:
        p.close()


def test_the_reading_list_exports_as_bibtex_ris_and_json(site, browser):
    bibtexparser = pytest.importorskip("bibtexparser")
    rispy = pytest.importorskip("rispy")
    p = Page(browser, site, accept_downloads=True)
    try:
        page = ready(p.goto("issues/2025/2025-06-10/"))
        page.click(".paper[data-arxiv='2506.10003'] .reading-save")
        old = ready(p.goto("issues/2024/2024-12-02/"))
        old.click(".paper[data-arxiv='2412.10001'] .reading-save")
        page = ready(p.goto("reading/"))  # the older year's shard is loaded for the saved paper
        assert page.evaluate("document.querySelectorAll('.reading-saved li').length") == 2
        got = {}
        for ext in ("bib", "ris", "json"):
            with page.expect_download() as dl:
                page.click(f".reading-export-{ext}")
            got[ext] = open(dl.value.path(), encoding="utf-8").read()
        lib = bibtexparser.parse_string(got["bib"])
        assert not lib.failed_blocks
        by = {e.key: e for e in lib.entries}
        assert set(by) == {"arxiv250610003", "arxiv241210001"}
        e = by["arxiv250610003"]
        assert e["eprint"] == "2506.10003" and e["year"] == "2025" and e["author"] == "José Müller"
        assert "Braces" in e["title"] and "\\&" in e["title"] and "\\%" in e["title"]
        refs = rispy.loads(got["ris"])
        assert [r["title"] for r in refs] == ["Retinal Fundus Screening with {Braces} & 100% Recall",
                                              "A Clinical Large Language Model for Discharge Summaries"]
        assert refs[0]["authors"] == ["José Müller"] and refs[0]["urls"] == ["https://arxiv.org/abs/2506.10003"]
        doc = json.loads(got["json"])
        assert [d["id"] for d in doc] == ["2506.10003", "2412.10001"] and doc[0]["authors"] == ["José Müller"]
        assert p.errors == []
    finally:
        p.close()


@pytest.mark.parametrize("ui", ["", "en/"])
def test_a_view_shared_by_its_address_shows_its_filters_and_can_be_adopted(site, browser, ui):
    p = Page(browser, site)
    try:
        page = ready(p.goto(f"{ui}reading/?author=Bo%20Sample&kw=Fundus"))
        hits = page.evaluate("[...document.querySelectorAll('.reading-for-you li a')].map(a => a.hash)")
        assert hits == ["#arxiv-2506.10002", "#arxiv-2506.10003"]
        assert stored(page).get("follow", {}).get("authors", []) == []  # looking is not following
        page.click(".reading-adopt")
        assert stored(page)["follow"]["authors"] == ["Bo Sample"] and stored(page)["follow"]["keywords"] == ["Fundus"]
        assert "?" not in page.url
        share = page.get_attribute(".reading-share", "href")
        assert "author=Bo+Sample" in share and "kw=Fundus" in share
        assert p.errors == []
    finally:
        p.close()


def test_keyboard_only_reader_saves_a_paper_and_adds_a_follow(site, browser):
    p = Page(browser, site)
    try:
        page = ready(p.goto("issues/2025/2025-06-10/"))

        def tab_to(selector: str) -> None:
            for _ in range(300):
                page.keyboard.press("Tab")
                if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
                    return
            raise AssertionError(f"{selector} cannot be reached with Tab")

        tab_to(".reading-save")
        page.keyboard.press("Enter")
        assert page.get_attribute(".paper .reading-save", "aria-pressed") == "true"
        tab_to(".reading-read")
        page.keyboard.press("Space")
        assert page.evaluate("document.querySelectorAll('.paper.is-read').length") == 1
        page = ready(p.goto("reading/"))
        tab_to("#reading-keywords")
        page.keyboard.type("ECG")
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "reading-keywords"  # focus stays where the reader typed
        assert "ECG" in page.inner_text(".reading-chips")
        tab_to(".reading-remove")
        page.keyboard.press("Enter")
        assert stored(page)["follow"]["keywords"] == []
        assert p.errors == []
    finally:
        p.close()


@pytest.mark.parametrize("path", ["", "en/", "issues/2025/2025-06-10/", "en/issues/2025/2025-06-10/", "reading/", "search/"])
def test_pages_ask_nothing_of_any_other_host_and_fail_no_request(site, browser, path):
    """No third-party request from a reader's browser (Material's GitHub star counter is replaced by a plain link;
    feeds and exports are linked relatively), and no request of the page's own fails (no sitemap.xml 404s)."""
    p = Page(browser, site)
    elsewhere, failed = [], []
    p.page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith((site, "data:", "blob:")) else None)
    p.page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        page = ready(p.goto(path))
        page.wait_for_load_state("networkidle")
        assert elsewhere == [] and failed == [] and p.errors == []
        heads = page.evaluate("[...document.querySelectorAll('head link[href]:not([rel=canonical])')].map(l => l.getAttribute('href'))")
        assert heads and not [h for h in heads if h.startswith("http")], heads  # relative: the site works at any address
    finally:
        p.close()
