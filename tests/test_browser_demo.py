"""The demo as a newcomer meets it, in Chromium: built by `generator demo` for its default address, served on another
(random) port, crawled from both home pages.  Every page loads without a console error, every link and resource on
this site answers (pages, feeds, exports, assets), every demo paper shows its Chinese title, summary and abstract on
the zh page; and axe-core finds no serious or critical violation on any page kind, in both languages and both
colour schemes, at 1280 and 375 px."""

from __future__ import annotations

import functools
import http.server
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from generator.demo import run_demo

from .conftest import npm_file
from .test_browser import Page, _QuietHandler, browser  # noqa: F401  (browser: the shared Chromium fixture)


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo-browser") / "demo"
    assert run_demo(out) == 0  # built for the default http://127.0.0.1:8000/, served below on whatever port is free
    handler = functools.partial(_QuietHandler, directory=str(out / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    assert server.server_address[1] != 8000
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", out / "site"
    server.shutdown()


LINKS = """() => [...document.querySelectorAll('a[href], link[href]:not([rel=canonical]), script[src], img[src]')]
  .map(e => e.href || e.src).filter(Boolean)"""


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.fixture(scope="module")
def crawl(demo_site, browser):
    """Every page reachable from / and /en/ by links on this site: {page: console errors}, {link: [pages with it]}."""
    base, _ = demo_site
    p = Page(browser, base)
    pages, links, todo = {}, {}, ["", "en/"]
    try:
        while todo:
            path = todo.pop()
            if path in pages:
                continue
            p.errors.clear()
            page = p.goto(path)
            page.wait_for_load_state("load")
            page.wait_for_timeout(150)  # late scripts (search index, reading.js) get to log their errors
            pages[path] = list(p.errors)
            for href in page.evaluate(LINKS):
                url = urllib.parse.urldefrag(href)[0]
                if url.startswith("http://127.0.0.1") and not url.startswith(base):
                    links.setdefault(url, set()).add(path)  # the address the demo was built for: broken here
                if not url.startswith(base):
                    continue
                links.setdefault(url, set()).add(path)
                rel = url[len(base):].split("?")[0]
                if (rel.endswith("/") or rel == "") and rel not in pages:
                    todo.append(rel)
    finally:
        p.close()
    return pages, links


def test_the_crawl_reaches_every_page_kind_in_both_languages(crawl):
    pages, _ = crawl
    for lang in ("", "en/"):
        for kind in ("", "issues/2025/", "journal/2025/", "highlights/", "review/", "topics/imaging/", "search/",
                     "reading/", "archive/", "subscribe/", "stats/", "about/", "maintainers/", "watches/ct/"):
            assert any(p.startswith(lang + kind) for p in pages), lang + kind
    assert len(pages) >= 60, len(pages)


def test_no_page_of_the_demo_logs_a_console_error(crawl):
    pages, _ = crawl
    assert {p: e for p, e in pages.items() if e} == {}


def test_every_link_on_the_demo_answers_on_another_port(crawl):
    _, links = crawl
    assert any("/exports/" in u for u in links) and any("/feeds/" in u for u in links)
    broken = {u: sorted(on)[:3] for u, on in links.items() if _status(u) != 200}
    assert broken == {}, broken


def test_every_demo_paper_shows_chinese_title_summary_and_abstract(demo_site, browser):
    base, site = demo_site
    issues = sorted(str(p.parent.relative_to(site)) + "/" for p in (site / "issues").rglob("index.html"))
    assert len(issues) >= 3
    p = Page(browser, base)
    try:
        for path in issues:
            page = p.goto(path)
            papers = page.query_selector_all(".paper")
            assert papers, path
            for paper in papers:
                pid = paper.get_attribute("data-arxiv")
                title = paper.query_selector('.paper-title[lang="zh"]')
                summary = paper.query_selector(".paper-summary")
                abstract = paper.query_selector(".abstract-zh")
                assert title and any("\u4e00" <= ch <= "\u9fff" for ch in title.inner_text()), (path, pid)
                assert summary and any("\u4e00" <= ch <= "\u9fff" for ch in summary.inner_text()), (path, pid)
                assert abstract and any("\u4e00" <= ch <= "\u9fff" for ch in abstract.text_content()), (path, pid)
                assert "待翻译" not in paper.inner_text(), (path, pid)
    finally:
        p.close()


def _kinds(pages) -> list[str]:
    """One page of each kind: the first page under each distinct path shape (issues/2025/<date>/ → issues/*/*/)."""
    seen, out = set(), []
    for path in sorted(pages):
        parts = path.strip("/").split("/") if path else []
        shape = tuple(p if not any(c.isdigit() for c in p) else "*" for p in parts)
        if shape not in seen:
            seen.add(shape)
            out.append(path)
    return out


AXE_RUN = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 375])
def test_axe_finds_no_serious_or_critical_violation_on_any_page_kind(crawl, demo_site, browser, scheme, width):
    base, _ = demo_site
    axe = npm_file("axe-core/axe.min.js").read_text(encoding="utf-8")
    pages, _ = crawl
    kinds = _kinds(pages)
    assert len(kinds) >= 30, kinds  # both languages' page kinds
    p = Page(browser, base, color_scheme=scheme, viewport={"width": width, "height": 900})
    found = {}
    try:
        for path in kinds:
            page = p.goto(path)
            page.wait_for_load_state("load")
            assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == (
                "slate" if scheme == "dark" else "default"), path
            page.evaluate(axe)
            violations = page.evaluate(AXE_RUN)
            if violations:
                found[path] = violations
    finally:
        p.close()
    assert found == {}, found
