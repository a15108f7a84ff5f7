"""Human-written text (editors' notes and comments, highlights notes): a small Markdown subset and nothing else.

Editors' text arrives by pull request, so it is untrusted like a paper's.  It may use the Markdown readers need in a
note - emphasis, links, lists, inline code and code blocks, paragraphs, line breaks, quotes - and nothing that can run
script, restyle the page or make the reader's browser fetch from elsewhere:

1. Python-Markdown renders it with no extension (no ``attr_list``: ``{: onerror=...}`` stays text) and with raw HTML,
   headings and rules switched off, so ``<img ...>`` or ``# x`` are shown as typed.
2. The HTML it made is walked with an allowlist (``html.parser``): only the tags in ``ALLOWED`` survive, with no
   attribute except a link's ``href``, and that only when its scheme - read as a browser reads it, after entity
   decoding and with tabs, newlines and control characters removed - is http, https or mailto, or when it is a
   site-relative path or fragment.  Images become their alt text.  Anything else is escaped and shown as text.
3. The result sits in an element MathJax ignores and carries no ``arithmatex`` class, so ``$\\href{...}$`` in a note
   is never typeset (the site's MathJax only processes that class: docs/assets/javascripts/mathjax-config.js).

``problems(text)`` names every construct that was dropped or shown as text instead of doing what its author meant,
so that ``validate`` can fail a pull request before it is merged.  The output has no raw newline, so it is safe in a
raw HTML block of a Markdown page as well as in a fragment; ``inline`` makes a one-line variant for a Markdown table
cell (block tags become line breaks, text is Markdown-escaped).
"""

from __future__ import annotations

import functools
import html
import re
from html.parser import HTMLParser

import markdown as md

from .text import _CONTROL, _MD_SPECIAL

# characters written as numeric references in a table cell's attributes: HTML's own and every Markdown syntax mark
_CELL_SPECIAL = frozenset('&<>"\'\\`*_[](){}#+-!|$~^=:.@')

ALLOWED = frozenset({"p", "em", "strong", "a", "ul", "ol", "li", "code", "pre", "br", "blockquote"})
INLINE = frozenset({"em", "strong", "a", "code", "br"})
SCHEMES = frozenset({"http", "https", "mailto"})
REL = "nofollow noopener"
# MathJax skips elements with this class (and the site's config skips every element not marked "arithmatex")
WRAPPER_CLASS = "editor-text mathjax_ignore"
HINT = "it would be shown as text; editors' text may use Markdown emphasis, lists, code and http(s), mailto or site links"

_URL_TAB_NL = re.compile(r"[\t\n\r]")  # a browser's URL parser drops these anywhere in a URL
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
# markup a reader sees as text: comments, CDATA, declarations, autolinks of other schemes, tags
_MARKUP = re.compile(r"<(?:(?P<comment>!--)|(?P<cdata>!\[CDATA\[)|(?P<decl>[!?])|(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*):"
                     r"|/?(?P<tag>[A-Za-z][A-Za-z0-9\-]*))")
# the attr_list syntax: "{: ...}", "{#id ...}", "{.class ...}", "{ key=value }"
_ATTR_LIST = re.compile(r"\{[ \t]*(?::[^}\n]{0,300}|[#.][A-Za-z_][^}\n]{0,300}|[A-Za-z_:][\w:.\-]{0,100}=[^}\n]{0,300})\}")
# TeX commands that emit links, classes, styles, code or page-sized boxes in MathJax
_TEX = re.compile(r"\\(href|url|class|cssId|style|html\w*|data|require|unicode|mmlToken|bbox|enclose|rule|Huge|huge"
                  r"|[hv]space|kern|raise|lower)\b")
# Python-Markdown recurses once per nesting level and scans ahead from every "[": an editor's text beyond these
# limits is shown as plain text (and named), so that no pull request can stall or crash a render
MAX_CHARS = 20_000
MAX_BRACKETS = 200
MAX_DEPTH = 12
_NESTING = re.compile(r"^((?:[ \t]*(?:[-*+]|\d{1,9}[.)]|>)(?:[ \t]+|$))+)", re.M)


def _too_complex(text: str) -> str | None:
    """Why ``text`` is not given to Markdown, or None."""
    if len(text) > MAX_CHARS:
        return f"text longer than {MAX_CHARS} characters"
    if text.count("[") > MAX_BRACKETS:
        return f"more than {MAX_BRACKETS} links or brackets"
    for m in _NESTING.finditer(text):
        prefix = m.group(1).expandtabs(4)
        depth = len(re.findall(r"[-*+>]|\d+[.)]", prefix)) + (len(prefix) - len(prefix.lstrip(" "))) // 4
        if depth > MAX_DEPTH:
            return f"lists or quotes nested more than {MAX_DEPTH} deep"
    for line in text.splitlines():  # nesting by indentation alone
        if (len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))) // 4 > MAX_DEPTH:
            return f"lists or quotes nested more than {MAX_DEPTH} deep"
    return None


@functools.lru_cache(maxsize=1)
def _markdown() -> md.Markdown:
    """Core Markdown without the parts editors may not use (one instance, reset before each use)."""
    m = md.Markdown(output_format="html")
    m.preprocessors.deregister("html_block")  # raw HTML blocks are text
    m.inlinePatterns.deregister("html")  # so are inline tags, comments and CDATA
    for name in ("hashheader", "setextheader", "hr"):  # a note has no headings or rules of its own
        m.parser.blockprocessors.deregister(name)
    return m


def check_href(raw: str) -> tuple[str | None, str | None]:
    """(the href to emit, None) when a link may point there, else (None, the problem).

    ``raw`` is the attribute value as a browser sees it (entities decoded).  The check reads it the way the URL
    parser does - tabs and newlines removed, leading and trailing controls and spaces stripped, scheme case-folded -
    and the value emitted is exactly the one checked.
    """
    url = _URL_TAB_NL.sub("", raw).strip("".join(map(chr, range(0x21))))
    m = _SCHEME.match(url)
    if m:
        scheme = m.group(1).lower()
        return (url, None) if scheme in SCHEMES else (None, f"link scheme {scheme}:")
    if url.replace("\\", "/").startswith("//"):  # "//host" and "/\host" leave the site
        return None, "link to another site without a scheme (//…)"
    return url, None  # a relative path or a #fragment: resolved inside the site


class _Allowlist(HTMLParser):
    """Re-serialise Markdown's HTML keeping only ALLOWED tags and checked hrefs; record what was dropped."""

    def __init__(self, inline: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.inline = inline
        self.out: list[str] = []
        self.problems: list[str] = []
        self.links: list[bool] = []  # per open <a>: whether it was emitted
        self.lists: list[int] = []  # inline mode: per open list, the next item number (0 for a bullet list)
        self.item_start = -1  # inline mode: len(out) right after an item's bullet (no break there)
        self.code = 0  # depth inside <code>/<pre>: text there is meant literally

    def _problem(self, name: str) -> None:
        if name not in self.problems:
            self.problems.append(name)

    def _text(self, data: str) -> str:
        if self.inline:
            return "".join(_MD_SPECIAL.get(c, c) for c in data.replace("\n", " "))
        data = html.escape(data, quote=False)
        return data.replace("\n", "&#10;" if self.code else " ")

    def _attr(self, value: str) -> str:
        if not self.inline:
            return html.escape(value, quote=True)
        # a table cell is read again by the page's Markdown, whose link, emphasis, code and math rules run before its
        # raw-HTML rule - even inside an attribute ("http://x/[b](onmouseover=…)" became a second <a> whose quotes
        # closed ours): every character any of them could read is a numeric reference, which the browser decodes
        return "".join(f"&#{ord(c)};" if c in _CELL_SPECIAL else c for c in value)

    def _break(self) -> None:
        """Inline mode: one line break where a block ended (none at the start, never two in a row)."""
        while self.out and not self.out[-1].strip():
            self.out.pop()
        if self.out and self.out[-1] != "<br>" and len(self.out) != self.item_start:
            self.out.append("<br>")

    def _inline_block_start(self, tag: str) -> None:
        """Inline mode: lists keep their bullets and numbers as text."""
        if tag in ("ul", "ol"):
            self._break()
            self.lists.append(0 if tag == "ul" else 1)
        elif tag == "li" and self.lists:
            n = self.lists[-1]
            self.out.append("• " if n == 0 else f"{n}. ")
            self.item_start = len(self.out)
            self.lists[-1] = n and n + 1
        elif tag in ("p", "pre", "blockquote"):
            self._break()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self._problem("image ![…](…)")
            self.out.append(self._text(dict(attrs).get("alt") or ""))
        elif tag == "a":
            href, problem = check_href(dict(attrs).get("href") or "")
            if problem:
                self._problem(problem)
            emit = href is not None and not any(self.links)  # no link inside a link
            self.links.append(emit)
            if emit:
                self.out.append(f'<a href="{self._attr(href)}" rel="{REL}">')
        elif tag in ALLOWED:
            if tag in ("code", "pre"):
                self.code += 1
            if tag == "br":
                self.out.append("<br>")
            elif not self.inline or tag in INLINE:
                self.out.append(f"<{tag}>")
            else:
                self._inline_block_start(tag)
        else:
            self._problem(f"element <{tag}>")
            self.out.append(self._text(self.get_starttag_text() or ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            if self.links and self.links.pop():
                self.out.append("</a>")
        elif tag in ALLOWED:
            if tag in ("code", "pre"):
                self.code = max(0, self.code - 1)
            if tag == "br":
                return
            if not self.inline or tag in INLINE:
                self.out.append(f"</{tag}>")
            else:
                if tag in ("ul", "ol") and self.lists:
                    self.lists.pop()
                self._break()
        elif tag != "img":
            self.out.append(self._text(f"</{tag}>"))

    def handle_data(self, data: str) -> None:
        if not self.code:
            self._scan(data)
            if self.inline and not data.strip() and (not self.out or self.out[-1] == "<br>"
                                                     or len(self.out) == self.item_start):
                return  # the newline between two blocks
        self.out.append(self._text(data))

    def _scan(self, data: str) -> None:
        """Name the constructs in text that its author may have meant as markup: they are shown as typed."""
        for m in _MARKUP.finditer(data):
            if m.group("comment"):
                self._problem("HTML comment <!-- -->")
            elif m.group("cdata"):
                self._problem("CDATA section <![CDATA[ ]]>")
            elif m.group("decl"):
                self._problem(f"markup declaration <{m.group('decl')}…>")
            elif m.group("scheme"):
                self._problem(f"autolink <{m.group('scheme').lower()}:…>")
            else:
                self._problem(f"raw HTML <{m.group('tag').lower()}>")
        if _ATTR_LIST.search(data):
            self._problem("attribute list {: …}")
        for m in _TEX.finditer(data):
            self._problem(f"TeX command \\{m.group(1)} (editor text is not typeset)")

    # Markdown as configured emits none of these; a total walker still shows them as text
    def handle_comment(self, data: str) -> None:
        self._problem("HTML comment <!-- -->")
        self.out.append(self._text(f"<!--{data}-->"))

    def handle_decl(self, decl: str) -> None:
        self._problem("markup declaration <!…>")
        self.out.append(self._text(f"<!{decl}>"))

    def handle_pi(self, data: str) -> None:
        self._problem("markup declaration <?…>")
        self.out.append(self._text(f"<?{data}>"))

    def unknown_decl(self, data: str) -> None:
        self._problem("CDATA section <![CDATA[ ]]>")
        self.out.append(self._text(f"<![{data}]>"))


def _walk(text: str | None, inline: bool) -> _Allowlist:
    source = _CONTROL.sub("", text or "")
    walker = _Allowlist(inline)
    reason = _too_complex(source)
    if not reason:
        m = _markdown()
        m.reset()
        try:
            made = m.convert(source)
        except RecursionError:  # a nesting the limits above did not foresee
            reason = "text nested too deeply"
    if reason:  # one paragraph of plain text
        walker._problem(reason)
        walker.handle_starttag("p", [])
        walker.handle_data(source)
        walker.handle_endtag("p")
        return walker
    walker.feed(made)
    walker.close()
    while walker.links:  # close what Markdown left open (it does not), so nothing leaks into the page
        if walker.links.pop():
            walker.out.append("</a>")
    return walker


def render(text: str | None) -> str:
    """An editor's text as safe HTML in one line (block elements allowed), wrapped so MathJax leaves it alone."""
    body = "".join(_walk(text, inline=False).out).strip()
    return f'<div class="{WRAPPER_CLASS}">{body}</div>'


def inline(text: str | None) -> str:
    """An editor's text for a Markdown table cell: inline elements only, paragraphs and items become line breaks,
    text Markdown-escaped (numeric references), no "|" that could split the row."""
    out = _walk(text, inline=True).out
    while out and (out[-1] == "<br>" or not out[-1].strip()):
        out.pop()
    return f'<span class="{WRAPPER_CLASS}">{"".join(out).strip()}</span>'


def problems(text: str | None) -> list[str]:
    """Names of the constructs in ``text`` that were dropped or shown as text (empty when it renders as written),
    e.g. ``["raw HTML <img>", "link scheme javascript:"]``; validate reports each with the file and field."""
    return _walk(text, inline=False).problems


def report(where: str, field: str, text: str | None) -> list[str]:
    """``validate``'s lines for one human-written field, e.g.
    ``data/issues/2025/2025-06-09.yaml: paper 2506.00001: field editor_note: raw HTML <img> is not allowed (…)``."""
    return [f"{where}: field {field}: {p} is not allowed ({HINT})" for p in problems(text)]
