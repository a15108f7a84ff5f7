"""A hostile editor, in a real browser: every payload of the corpus in every human-written field, one site build.

Each payload sits in a paper's editor_note, a journal article's editor_comment and a highlights comment (one field
each), and all of them together in the issue notes (zh and en), the journal issue note, the highlights note and the
values of data/status.yaml.  In Debian's Chromium, on the zh and the en page of each: no payload runs (they set
``window.__pwned`` or open a dialog), no request leaves 127.0.0.1, no element carries an ``on*`` attribute or a
``javascript:``/``data:``/``vbscript:`` URL, MathJax typesets the papers' math but nothing of the editors', and
the editors' text is on the page.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from urllib.parse import urlsplit

import pytest
import yaml

from generator.config import load_config
from generator.demo import copy_skeleton
from generator.model import Article, Entry, DailyIssue, JournalEntry, JournalIssue, Section, Paper, Section, Selection
from generator.render.site import render_all
from generator.store import Store

from .test_browser import _QuietHandler, browser  # noqa: F401  (browser: the shared Chromium fixture)
from .test_sanitize import HIDDEN_IN_ADDRESSES, HOSTILE_EDITOR
from generator.kinds.registry import DAILY, JOURNAL

PAYLOADS = [p for p, _, _ in HOSTILE_EDITOR] + HIDDEN_IN_ADDRESSES
VISIBLE = [v for _, _, v in HOSTILE_EDITOR]
ALL = "\n\n".join(PAYLOADS)
STATUS_BAD = '<img src=x onerror="window.__pwned=100"> [s](javascript:window.__pwned=101) {: onclick=x} $\\href{x}{y}$'
DAY, WEEK, JOURNAL_DAY = "2025-06-09", "2025-W24", "2025-06-13"
IDS = [f"2506.{n:05d}" for n in range(1, len(PAYLOADS) + 1)]
PMIDS = [str(990000100 + n) for n in range(1, len(PAYLOADS) + 1)]

PAGES = {  # page -> (zh path, en path)
    "home": ("", "en/"),
    "issue": (f"issues/2025/{DAY}/", f"en/issues/2025/{DAY}/"),
    "journal": (f"journal/2025/{JOURNAL_DAY}/", f"en/journal/2025/{JOURNAL_DAY}/"),
    "highlights": (f"highlights/2025/{WEEK}/", f"en/highlights/2025/{WEEK}/"),
}


def _entry(pid: str, note: str) -> Entry:
    p = Paper(id=pid, version=1, title=f"Paper {pid}", abstract="Dice $x^2 + y^2 = z^2$ on CT.", authors=["Ann One"],
              categories=["cs.CV"])
    e = Entry.from_paper(p, Selection(True, "imaging", 80, 6.0, "命中", "matched"))
    e.editor_note = note
    return e


def _journal() -> JournalIssue:
    entries = []
    for pmid, payload in zip(PMIDS, PAYLOADS):
        a = Article(pmid, f"Article {pmid}", "European radiology", "Eur Radiol", ["Ann One"], [],
                    [{"label": "RESULTS", "category": "RESULTS", "text": "AUC 0.91."}], doi=f"10.99999/h.{pmid}",
                    published="2025-06-10", citation="2025;35(6):1-9")
        e = JournalEntry.from_article(a, "imaging", 80, "命中", "matched")
        e.editor_comment = payload
        entries.append(e)
    return JournalIssue(JOURNAL_DAY, 1, start="2025-06-07", sections=[Section("imaging", entries)], editor_note_zh=ALL,
                        editor_note_en=ALL)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site, built to be served from 127.0.0.1 (its URL and repository too, so that no theme feature - repository
    facts, sitemap prefetches - has a reason to leave the machine: any outside request is a payload's)."""
    root = tmp_path_factory.mktemp("hostile-editor-site")
    copy_skeleton(root)
    handler = functools.partial(_QuietHandler, directory=str(root / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    raw = yaml.safe_load((root / "config.yml").read_text())
    raw["site"].update(url=base, repo_url=base + "repo")
    (root / "config.yml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
    cfg = load_config(root / "config.yml", env={})
    store = Store.of(cfg)
    store.series(DAILY).save(DailyIssue(DAY, 1, [Section("imaging", [_entry(pid, p) for pid, p in zip(IDS, PAYLOADS)])],
                           editor_note_zh=ALL, editor_note_en=ALL))
    store.series(JOURNAL).save(_journal())
    week_file = store.highlights_dir / f"{WEEK}.yaml"
    week_file.parent.mkdir(parents=True, exist_ok=True)
    week_file.write_text(yaml.safe_dump({"pinned": IDS, "note": {"zh": ALL, "en": ALL},
                                         "comments": dict(zip(IDS, PAYLOADS))}, allow_unicode=True))
    store.save_status({"last_run": {"outcome": "published", "date": STATUS_BAD, "number": STATUS_BAD,
                                    "kept": STATUS_BAD, "candidates": STATUS_BAD}})
    render_all(cfg, store)
    from generator.sitebuild import mkdocs_build

    mkdocs_build(cfg, root / "site")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield base
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def visits(site, browser):  # noqa: F811
    """Every page of PAGES in both interfaces, in one browser context: what each page did and what its DOM holds."""
    context = browser.new_context()
    requests: list[str] = []
    dialogs: list[str] = []
    errors: list[str] = []

    def route(r):
        if urlsplit(r.request.url).hostname == "127.0.0.1":
            return r.continue_()
        return r.abort()  # recorded by the listener below; there is no internet here anyway

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    out = {}
    for name, paths in PAGES.items():
        for lang, path in zip(("zh", "en"), paths):
            page.goto(site + path)
            page.wait_for_load_state("load")
            page.wait_for_function("!!(window.MathJax && MathJax.startup && MathJax.startup.promise)", timeout=15000)
            typeset = page.evaluate("MathJax.startup.promise.then(() => 'ok', e => String(e))")
            if typeset != "ok":
                errors.append(f"{path}: MathJax: {typeset}")
            # poke every element of the content: hover, focus, open (a handler, were there one, would fire)
            page.evaluate("""() => { for (const el of document.querySelectorAll('.md-content *')) {
                for (const t of ['mouseover', 'mouseenter', 'focus', 'toggle', 'animationstart'])
                    el.dispatchEvent(new Event(t));
                if (el.tagName === 'DETAILS') el.open = true; } }""")
            page.wait_for_timeout(50)
            out[name, lang] = page.evaluate("""() => ({
                pwned: window.__pwned,
                handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
                    .filter(a => /^on/i.test(a.name)).map(a => e.tagName + ' ' + a.name)),
                urls: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
                    .filter(a => /^(href|src|action|formaction|xlink:href|srcdoc|data)$/i.test(a.name))
                    .map(a => a.value)),
                editorMath: document.querySelectorAll('.editor-text mjx-container').length,
                math: document.querySelectorAll('mjx-container').length,
                editorElements: [...document.querySelectorAll('.editor-text *')].map(e => e.tagName.toLowerCase()),
                text: document.querySelector('.md-content').textContent,
            })""")
    context.close()
    return out, requests, dialogs, errors


def test_no_payload_runs_and_nothing_leaves_the_machine(visits):
    pages, requests, dialogs, errors = visits
    assert len(pages) == 2 * len(PAGES)
    assert {k: v["pwned"] for k, v in pages.items() if v["pwned"] is not None} == {}
    assert dialogs == []
    assert [u for u in requests if urlsplit(u).hostname != "127.0.0.1"] == []
    assert errors == []


@pytest.mark.parametrize("name,lang", [(n, lang) for n in PAGES for lang in ("zh", "en")])
def test_the_dom_holds_no_handler_and_no_script_url(visits, name, lang):
    page = visits[0][name, lang]
    assert page["handlers"] == []
    bad = [u for u in page["urls"] if re.match(r"\s*(javascript|data|vbscript):", re.sub(r"[\t\n\r]", "", u), re.I)]
    assert bad == []
    assert page["editorMath"] == 0  # an editor's $\href{...}$ is text, never typeset
    assert set(page["editorElements"]) <= {"p", "em", "strong", "a", "ul", "ol", "li", "code", "pre", "br",
                                           "blockquote"}


@pytest.mark.parametrize("name", ["issue", "journal", "highlights"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_editors_text_is_shown(visits, name, lang):
    page = visits[0][name, lang]
    text = page["text"].replace("\u2022 ", "")
    missing = [v for v in VISIBLE if v not in text]
    assert missing == []
    if name == "issue":
        assert page["math"] > 0  # MathJax ran: the papers' math is typeset, the editors' is not


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_status_is_shown_as_typed(visits, lang):
    text = " ".join(visits[0]["home", lang]["text"].split())
    assert " ".join(STATUS_BAD.split()) in text
