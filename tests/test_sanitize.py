"""Editors' text (notes, comments, highlights notes) and the run status: a Markdown subset, nothing that can run.

The corpus below is what a hostile or careless editor could put in a record by pull request.  Every payload is
rendered by ``sanitize.render`` and the result is parsed: only allowlisted elements, no attribute but a link's
``href`` (and the ``rel`` the sanitiser adds), every href http(s)/mailto or inside the site, the text still there,
and ``sanitize.problems`` names what was dropped, so ``validate`` can fail the pull request.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from generator.config import load_config
from generator.model import Article, Entry, DailyIssue, JournalEntry, JournalIssue, Section, Paper, Section, Selection
from generator.render import highlights, journal, pages, sanitize

ROOT = Path(__file__).resolve().parents[1]
SITE_PAGE = "https://digest.example.org/issues/2025/2025-06-09/"

# (payload, the problem it must be named by or None when it renders as written, text a reader must still see)
HOSTILE_EDITOR: list[tuple[str, str | None, str]] = [
    # attribute lists (attr_list is not enabled for editors' text)
    ('![x](x){: onerror="window.__pwned=1"}', "image", '{: onerror="window.__pwned=1"}'),
    ('**bold**{: autofocus onfocus="window.__pwned=2"}', "attribute list", "{: autofocus onfocus="),
    ('para\n{: #id .class style="position:fixed;inset:0" }', "attribute list", 'style="position:fixed;inset:0"'),
    ('[a](https://example.org/){#id .cls onclick="window.__pwned=3"}', "attribute list", 'onclick="window.__pwned=3"'),
    ('text {onmouseover="window.__pwned=4"}', "attribute list", "{onmouseover="),
    ('[x](https://example.org/){: target="_blank"}', "attribute list", 'target="_blank"'),
    # link schemes, in every case and encoding
    ("[a1](javascript:window.__pwned=5)", "link scheme javascript:", "a1"),
    ("[a2](JaVaScRiPt:window.__pwned=6)", "link scheme javascript:", "a2"),
    ("[a3](&#106;avascript:window.__pwned=7)", "link scheme javascript:", "a3"),
    ("[a4](&#x6A;&#x61;vascript:window.__pwned=8)", "link scheme javascript:", "a4"),
    ("[a5](java&#x09;script:window.__pwned=9)", "link scheme javascript:", "a5"),
    ("[a6](java&#10;script:window.__pwned=10)", "link scheme javascript:", "a6"),
    ("[a7](&#32;javascript:window.__pwned=11)", "link scheme javascript:", "a7"),
    ("[a8](\x01\x02javascript:window.__pwned=12)", "link scheme javascript:", "a8"),
    ("[a9](<javascript:window.__pwned=13>)", "link scheme javascript:", "a9"),
    ("[b1](   javascript:window.__pwned=14)", "link scheme javascript:", "b1"),
    ("[b2](javascript&colon;window.__pwned=15)", "link scheme javascript:", "b2"),
    ("[b3](&Tab;javascript:window.__pwned=16)", "link scheme javascript:", "b3"),
    ("[b4](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xNzwvc2NyaXB0Pg==)", "link scheme data:", "b4"),
    ("[b5](DaTa:text/html,x)", "link scheme data:", "b5"),
    ("[b6](vbscript:msgbox(18))", "link scheme vbscript:", "b6"),
    ("[b7](VBScript:msgbox(19))", "link scheme vbscript:", "b7"),
    ("[b8](//evil.example/x)", "link to another site", "b8"),
    ("[b9](/\\evil.example/x)", "link to another site", "b9"),
    # a percent-encoded scheme is no scheme: a relative path inside the site (checked below)
    ("[c1](%6A%61vascript:window.__pwned=20)", None, "c1"),
    # reference-style links and definitions
    ("[c2][r]\n\n[r]: javascript:window.__pwned=21", "link scheme javascript:", "c2"),
    ('[c3][r]\n\n[r]: <JAVASCRIPT:window.__pwned=22> "title"', "link scheme javascript:", "c3"),
    ("[c4]\n\n[c4]: data:text/html,x", "link scheme data:", "c4"),
    # autolinks
    ("<javascript:window.__pwned=23>", "autolink <javascript:", "<javascript:window.__pwned=23>"),
    ("<data:text/html,x>", "autolink <data:", "<data:text/html,x>"),
    # HTML entities: decoded, shown as text
    ("&lt;script&gt;window.__pwned=24&lt;/script&gt;", "raw HTML <script>", "<script>window.__pwned=24</script>"),
    ("&#60;img src=x onerror=window.__pwned=25&#62;", "raw HTML <img>", "<img src=x onerror=window.__pwned=25>"),
    # nested Markdown
    ("[**[c5](javascript:window.__pwned=26)**](https://example.org/)", "link scheme javascript:", "c5"),
    ("[![c6](x)](javascript:window.__pwned=27)", "link scheme javascript:", "c6"),
    # raw HTML and SVG
    ('<img src=x onerror="window.__pwned=28">', "raw HTML <img>", '<img src=x onerror="window.__pwned=28">'),
    ('<svg onload="window.__pwned=29"><circle r="1"/></svg>', "raw HTML <svg>", '<svg onload="window.__pwned=29">'),
    ('<svg><a xlink:href="javascript:window.__pwned=30"><text>t</text></a></svg>', "raw HTML <svg>", "<text>t</text>"),
    ('<iframe src="javascript:window.__pwned=31"></iframe>', "raw HTML <iframe>", "<iframe src="),
    ("<script>window.__pwned=32</script>", "raw HTML <script>", "<script>window.__pwned=32</script>"),
    ("<style>body{display:none}</style>", "raw HTML <style>", "<style>body{display:none}</style>"),
    ('<a href="javascript:window.__pwned=33">d1</a>', "raw HTML <a>", '<a href="javascript:window.__pwned=33">d1</a>'),
    ('<details open ontoggle="window.__pwned=34">d2</details>', "raw HTML <details>", "ontoggle="),
    ("<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=35>", "raw HTML <math>", "<mglyph>"),
    ('"><img src=x onerror=window.__pwned=36>', "raw HTML <img>", '"><img src=x'),
    ("<a href=x onmouseover=window.__pwned=37>d3", "raw HTML <a>", "onmouseover="),
    # MathJax macros: never typeset in editors' text
    ("$\\href{javascript:window.__pwned=38}{x}$", "TeX command \\href", "\\href{javascript:window.__pwned=38}{x}"),
    ("$\\style{position:fixed;inset:0}{x}$", "TeX command \\style", "\\style{"),
    ("\\(\\unicode{x41}\\)", "TeX command \\unicode", "\\unicode{x41}"),
    ("$\\bbox[background:url(https://evil.example/x)]{x}$", "TeX command \\bbox", "\\bbox["),
    ("$$\\class{x}{y}\\cssId{z}{w}$$", "TeX command \\class", "\\cssId{z}{w}"),
    ("$\\rule{3000px}{3000px}$", "TeX command \\rule", "\\rule{3000px}"),
    # markdown="1" and friends
    ('<div markdown="1">**d4** [d5](javascript:window.__pwned=39)</div>', "raw HTML <div>", "d5"),
    ('<span markdown="span">*d6*</span>', "raw HTML <span>", "d6"),
    # comments, CDATA, declarations
    ("<!-- <script>window.__pwned=40</script> -->", "HTML comment", "<!-- <script>window.__pwned=40</script> -->"),
    ("<![CDATA[<script>window.__pwned=41</script>]]>", "CDATA section", "<![CDATA[<script>"),
    ("<?xml-stylesheet href='https://evil.example/x.xsl'?>", "markup declaration", "<?xml-stylesheet"),
    ("<!DOCTYPE html>", "markup declaration", "<!DOCTYPE html>"),
    # a quote inside an https link cannot break out of the attribute
    ('<https://example.org/" onmouseover="window.__pwned=42>', None, "https://example.org/"),
    ('[d7](https://example.org/" onclick="window.__pwned=43)', None, "d7"),
    # HTML inside code is what the editor meant: shown literally, nothing to report
    ("`<img src=x onerror=window.__pwned=44>`", None, "<img src=x onerror=window.__pwned=44>"),
    ("    <script>window.__pwned=45</script>", None, "<script>window.__pwned=45</script>"),
]

BENIGN = [
    ("值得一读 **推荐**", "<p>值得一读 <strong>推荐</strong></p>"),
    ("*emphasis* and __strong__", "<p><em>emphasis</em> and <strong>strong</strong></p>"),
    ("See [the paper](https://arxiv.org/abs/2506.00001).",
     '<p>See <a href="https://arxiv.org/abs/2506.00001" rel="nofollow noopener">the paper</a>.</p>'),
    ("- one\n- two", "<ul> <li>one</li> <li>two</li> </ul>"),
    ("1. first\n2. second", "<ol> <li>first</li> <li>second</li> </ol>"),
    ("use `x < y` here", "<p>use <code>x &lt; y</code> here</p>"),
    ("    code\n    more", "<pre><code>code&#10;more&#10;</code></pre>"),
    ("line one  \nline two", "<p>line one<br> line two</p>"),
    ("> quoted", "<blockquote> <p>quoted</p> </blockquote>"),
    ("[archive](../../archive/) and [top](#top) and <mailto:ed@example.org>",
     '<p><a href="../../archive/" rel="nofollow noopener">archive</a> and <a href="#top" rel="nofollow noopener">top</a>'
     ' and <a href="mailto:ed@example.org" rel="nofollow noopener">ed@example.org</a></p>'),
    ("R&D costs $5 and $10; 3 < 4 # not a heading", "<p>R&amp;D costs $5 and $10; 3 &lt; 4 # not a heading</p>"),
]


class Parsed(HTMLParser):
    """Elements (name, attributes as a browser reads them) and the text a reader sees."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text += data

    def handle_comment(self, data):
        self.elements.append(("#comment", {}))

    def handle_decl(self, decl):
        self.elements.append(("#decl", {}))

    def unknown_decl(self, data):
        self.elements.append(("#cdata", {}))

    def handle_pi(self, data):
        self.elements.append(("#pi", {}))


def scheme_of(href: str) -> str | None:
    """The scheme a browser's URL parser finds (written independently of the sanitiser)."""
    url = re.sub(r"[\t\n\r]", "", href).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13"
                                                "\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f \t\n\r")
    m = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", url)
    return m.group(1).lower() if m else None


def assert_inert(markup: str, site: str = SITE_PAGE) -> Parsed:
    """Only allowlisted elements and attributes; every link http(s)/mailto or resolving inside the site."""
    parsed = Parsed(markup)
    for tag, attrs in parsed.elements:
        assert tag in sanitize.ALLOWED | {"div", "span"}, (tag, markup)
        assert not any(name.lower().startswith("on") for name in attrs), (tag, attrs)
        allowed_attrs = {"a": {"href", "rel"}, "div": {"class"}, "span": {"class"}}.get(tag, set())
        assert set(attrs) <= allowed_attrs, (tag, attrs)
        if tag in ("div", "span"):
            assert attrs.get("class") == sanitize.WRAPPER_CLASS
        if tag == "a":
            href = attrs["href"] or ""
            scheme = scheme_of(href)
            assert scheme in (None, "http", "https", "mailto"), href
            if scheme is None:
                assert urlsplit(urljoin(site, href)).netloc == urlsplit(site).netloc, href
            assert attrs["rel"] == "nofollow noopener"
    assert "arithmatex" not in markup and "\n" not in markup
    return parsed


def test_the_corpus_is_large_and_distinct():
    payloads = [p for p, _, _ in HOSTILE_EDITOR]
    assert len(payloads) >= 40 and len(set(payloads)) == len(payloads)


@pytest.mark.parametrize("payload,problem,visible", HOSTILE_EDITOR, ids=range(len(HOSTILE_EDITOR)))
def test_hostile_editor_text_is_inert_shown_and_named(payload, problem, visible):
    out = sanitize.render(payload)
    parsed = assert_inert(out)
    assert out.startswith(f'<div class="{sanitize.WRAPPER_CLASS}">') and out.endswith("</div>")
    assert [t for t, _ in parsed.elements].count("div") == 1  # only the wrapper
    assert visible in parsed.text, (visible, parsed.text)
    named = sanitize.problems(payload)
    if problem is None:
        assert named == []
    else:
        assert any(n.startswith(problem) for n in named), named


@pytest.mark.parametrize("payload,problem,visible", HOSTILE_EDITOR, ids=range(len(HOSTILE_EDITOR)))
def test_hostile_editor_text_is_inert_in_a_table_cell(payload, problem, visible):
    out = sanitize.inline(payload)
    parsed = assert_inert(out)
    # nothing Markdown (or its extensions on the site) could read as syntax is left in the text
    text_only = re.sub(r"<[^<>]*>", "", out)
    assert not set("<>|`*_[]{}$\\") & set(text_only.replace("&#", "")), text_only
    assert {t for t, _ in parsed.elements} <= sanitize.INLINE | {"span"}
    assert visible in parsed.text.replace("\u2022 ", ""), (visible, parsed.text)


# link addresses that hide Markdown: the page's own Markdown parses a table cell again, and its link rule runs first
HIDDEN_IN_ADDRESSES = [
    "[hover me](http://x/[b](onmouseover=window.__pwned=1//))",
    "[cover](http://x/[c](style=position:fixed;top:0;left:0;width:100vw;height:100vh;z-index:99999;background:red;x:))",
    "[fetch](http://x/[d](style=background-image:url(http://evil.example/leak);x:))",
    "[e](https://x/![i](http://evil.example/i.png))",
    "[f](https://x/*a*_b_`c`<http://evil.example/>)",
    "[g](https://x/$\\href{javascript:alert(1)}{y}$)",
    "[h](mailto:a@b.org?subject=[x](javascript:alert(1)))",
]


def _site_markdown(cell: str) -> str:
    """The cell as the site's Markdown (the extensions of mkdocs.yml) makes it, in a table like the highlights page."""
    import markdown

    extensions = ["attr_list", "md_in_html", "admonition", "pymdownx.details", "tables", "toc",
                  "pymdownx.arithmatex"]
    return markdown.markdown(f"| a |\n|---|\n| {cell} |\n", extensions=extensions,
                             extension_configs={"pymdownx.arithmatex": {"generic": True}})


@pytest.mark.parametrize("payload", [p for p, _, _ in HOSTILE_EDITOR] + HIDDEN_IN_ADDRESSES)
def test_a_table_cell_stays_inert_when_the_page_markdown_reads_it_again(payload):
    cell = sanitize.inline(payload)
    page = _site_markdown(cell)
    body = re.search(r"<td>(.*)</td>", page, re.S).group(1)
    assert body == cell, "the page's Markdown changed the sanitised cell"


def test_a_percent_encoded_scheme_is_a_path_inside_the_site():
    [(_, attrs)] = [el for el in Parsed(sanitize.render("[c1](%6A%61vascript:window.__pwned=20)")).elements if el[0] == "a"]
    assert urljoin(SITE_PAGE, attrs["href"]) == SITE_PAGE + "%6A%61vascript:window.__pwned=20"


def test_the_href_emitted_is_the_href_checked():
    """What is written is the normalised value, so a browser cannot read it differently from the check."""
    assert sanitize.check_href(" \x01https://example.org/a\tb ") == ("https://example.org/ab", None)
    assert sanitize.check_href("java\nscript:x") == (None, "link scheme javascript:")
    assert sanitize.check_href("HTTPS://example.org")[0] == "HTTPS://example.org"
    assert sanitize.check_href("#frag") == ("#frag", None)


@pytest.mark.parametrize("text,expected", BENIGN)
def test_benign_markdown_renders_as_written(text, expected):
    out = sanitize.render(text)
    assert out == f'<div class="{sanitize.WRAPPER_CLASS}">{expected}</div>'
    assert sanitize.problems(text) == []
    assert_inert(out)


def test_inline_keeps_emphasis_links_and_list_markers_on_one_line():
    out = sanitize.inline("**新颖** see [paper](https://arxiv.org/abs/2506.00001)\n\n- a | b\n- c")
    assert out == (f'<span class="{sanitize.WRAPPER_CLASS}"><strong>新颖</strong> see '
                   f'<a href="{_cell_attr("https://arxiv.org/abs/2506.00001")}" rel="{_cell_attr("nofollow noopener")}">'
                   'paper</a><br>• a &#124; b<br>• c</span>')


def _cell_attr(value: str) -> str:
    """An attribute value as a table cell carries it: Markdown's marks as numeric references (the browser decodes)."""
    return "".join(f"&#{ord(c)};" if c in "&<>\"'\\`*_[](){}#+-!|$~^=:.@" else c for c in value)


def test_empty_text():
    assert sanitize.problems("") == [] and sanitize.problems(None) == []
    assert sanitize.render("  ") == f'<div class="{sanitize.WRAPPER_CLASS}"></div>'


# ------------------------------------------------------------------ every page that shows editors' text

ATTACK = ('![x](x){: onerror="window.__pwned=1"} [a](javascript:window.__pwned=2) '
          '<img src=x onerror=window.__pwned=3> **ok**{: autofocus onfocus="window.__pwned=4"}')


@pytest.fixture(scope="module")
def cfg():
    return load_config(ROOT / "config.yml", env={})


def tags_of(page: str) -> list[str]:
    """Every tag a page's HTML (or Markdown with raw HTML) carries, as written."""
    return re.findall(r"<[A-Za-z][^<>]*>", page)


def assert_page_inert(page: str) -> None:
    for tag in tags_of(page):
        assert not re.search(r"\son\w+\s*=", tag), tag
        assert not re.search(r"href\s*=\s*[\"']?\s*javascript:", tag, re.I), tag
        assert not tag.lower().startswith("<img"), tag


def _entry(pid: str) -> Entry:
    p = Paper(id=pid, version=1, title="A title", abstract="An abstract.", authors=["Ann One"], categories=["cs.CV"])
    return Entry.from_paper(p, Selection(True, "imaging", 80, 6.0, "命中", "matched"))


def test_issue_page_editor_notes_are_sanitised(cfg):
    e = _entry("2506.00001")
    e.editor_note = ATTACK
    i = DailyIssue("2025-06-09", 1, [Section("imaging", [e])], editor_note_zh=ATTACK, editor_note_en=ATTACK)
    for lang in ("zh", "en"):  # each interface shows its own language's issue note, and the entry's note
        page = pages.issue_page(i, cfg, lang=lang).combined
        assert_page_inert(page)
        assert page.count("<strong>ok</strong>") == 2 and page.count(sanitize.WRAPPER_CLASS) == 2


def test_journal_editor_comment_and_note_are_sanitised(cfg):
    a = Article("990000101", "A title", "European radiology", "Eur Radiol", ["Ann One"], [], [{"label": "", "text": "x"}],
                doi="10.99999/b.1", published="2025-03-04", citation="2025;35(4):1-9")
    e = JournalEntry.from_article(a, "imaging", 80, "命中", "matched")
    e.editor_comment = ATTACK
    i = JournalIssue("2025-03-07", 1, start="2025-03-01", sections=[Section("imaging", [e])])
    i.editor_note_zh = ATTACK
    page = journal.journal_page(i, cfg).combined
    assert_page_inert(page)
    assert page.count("<strong>ok</strong>") == 2


def test_highlights_note_and_comments_are_sanitised(cfg):
    e = _entry("2506.00001")
    week = highlights.Week("2025-W24", ["2025-06-09"], [highlights.Pick(e, "2025-06-09", comment=ATTACK + " a | b")], 1,
                           note_zh=ATTACK, note_en=ATTACK)
    page = highlights.week_page(cfg, week)
    assert_page_inert(page)
    assert page.count("<strong>ok</strong>") == 3
    row = next(line for line in page.splitlines() if line.startswith("| 1 |"))
    assert row.count(" | ") == 4 and row.endswith("</span> |")  # the "|" in the comment did not split the row
    assert "{" not in row.split("arXiv:")[1]  # no attr_list syntax left for the site's Markdown


@pytest.mark.parametrize("outcome", ["no_announcement", "nothing_selected", "published"])
def test_status_values_are_text_on_the_home_page(cfg, outcome):
    bad = "<img src=x onerror=window.__pwned=5>{: onclick=x} [a](javascript:x) $\\href{javascript:x}{y}$"
    status = {"last_run": {"outcome": outcome, "date": bad, "candidates": bad, "number": bad, "kept": bad}}
    for lang in ("zh", "en"):
        page = pages.home_page(cfg, lang, [], None, status)
        line = next(line for line in page.splitlines() if line.startswith("    ") and "window" in line)
        assert "<" not in line and "[" not in line and "{" not in line and "$" not in line, line
        assert bad in html.unescape(line)  # shown as typed


def test_report_names_the_file_the_field_and_each_construct():
    lines = sanitize.report("data/issues/2025/2025-06-09.yaml: paper 2506.00001", "editor_note",
                            '![x](x){: onerror="a()"} [a](javascript:b()) <img src=x>')
    assert [line.split(" is not allowed")[0] for line in lines] == [
        "data/issues/2025/2025-06-09.yaml: paper 2506.00001: field editor_note: image ![…](…)",
        "data/issues/2025/2025-06-09.yaml: paper 2506.00001: field editor_note: attribute list {: …}",
        "data/issues/2025/2025-06-09.yaml: paper 2506.00001: field editor_note: link scheme javascript:",
        "data/issues/2025/2025-06-09.yaml: paper 2506.00001: field editor_note: raw HTML <img>",
    ]
    assert all(line.endswith(f"({sanitize.HINT})") for line in lines)
    assert sanitize.report("x.yaml", "note.zh", "本周 **推荐** [论文](https://arxiv.org/abs/2506.00001)") == []


def test_highlights_editor_text_is_checked_apart_from_the_file_shape():
    raw = {"pinned": ["2506.00001"], "note": {"zh": "本周 <b>推荐</b>", "en": "fine *text*"},
           "comments": {"2506.00001": "[x](javascript:alert(1))"}}
    path = "data/highlights/2025-W24.yaml"
    assert highlights.check_editor_file(raw, path) == []  # the shape is right: render keeps the editor's pins
    assert [line.split(" is not allowed")[0] for line in highlights.check_editor_text(raw, path)] == [
        f"{path}: field note.zh: raw HTML <b>",
        f"{path}: comments 2506.00001: field comment: link scheme javascript:",
    ]
    assert highlights.check_editor_text({"note": "x", "comments": []}, path) == []  # shape errors: reported elsewhere


PATHOLOGICAL = [
    ("[" * 20000, "more than 200 links or brackets"),  # Python-Markdown scans ahead from every "[": minutes
    ("- " * 3000 + "x", "lists or quotes nested more than 12 deep"),  # one recursion per level: RecursionError
    ("1. " * 3000, "lists or quotes nested more than 12 deep"),
    ("> " * 5000 + "x", "lists or quotes nested more than 12 deep"),
    ("- a\n" + "".join("    " * i + "- x\n" for i in range(1, 40)), "lists or quotes nested more than 12 deep"),
    ("a *b* " * 4000, "text longer than 20000 characters"),
]


@pytest.mark.parametrize("text,problem", PATHOLOGICAL, ids=range(len(PATHOLOGICAL)))
def test_pathological_text_is_plain_text_at_once(text, problem):
    """An editor's text cannot stall or crash a render: beyond the limits it is one paragraph of plain text."""
    import time

    t0 = time.perf_counter()
    out, named, cell = sanitize.render(text), sanitize.problems(text), sanitize.inline(text)
    assert time.perf_counter() - t0 < 2
    assert named == [problem]
    assert_inert(out) and assert_inert(cell)
    assert [t for t, _ in Parsed(out).elements] == ["div", "p"]
    assert Parsed(out).text == html.unescape(html.escape(text)).replace("\n", " ")


def test_within_the_limits_markdown_still_applies():
    nested = "- a\n" + "".join("    " * i + "- x\n" for i in range(1, 12))
    assert sanitize.problems(nested) == [] and sanitize.render(nested).count("<ul>") == 12
    assert sanitize.problems("[a](https://x.org/) " * 150) == []
