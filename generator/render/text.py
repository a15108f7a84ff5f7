"""Paper text is untrusted: turn it into safe HTML (for pages) or safe plain text.

* ``clean`` removes control characters and bidirectional overrides, which
  can hide or reorder text, and folds whitespace.
* ``to_html`` HTML-escapes everything, except that well-formed TeX math
  (``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]``) becomes an
  ``<span class="arithmatex">`` that MathJax typesets - the same markup
  pymdownx.arithmatex emits, with its content escaped too.  An unbalanced ``$``
  stays a literal dollar sign.  Math that uses TeX commands able to emit links,
  classes or styles is not treated as math.

Pages embed paper text only through ``to_html`` inside raw HTML blocks, so no
Markdown syntax in a title or abstract is ever interpreted.
"""

from __future__ import annotations

import html
import re

# control characters, bidi marks/overrides/isolates, and what XML 1.0 cannot carry (surrogates, U+FFFE, U+FFFF)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
_WS = re.compile(r"\s+")
_MATH = re.compile(
    r"(?<!\\)\$\$(?P<dd>[^$]{1,2000}?)(?<!\\)\$\$"
    # a "$" that starts an amount ("$5 and", "$10;") opens no math; "$5$" and "$10^{-3}$" do
    r"|(?<![\\$])\$(?!\d+(?:[.,]\d+)*(?:[\s;,.)!?]|$))(?P<d>[^\s$](?:[^$]{0,1000}?[^\s\\$])?)\$(?!\$)"
    r"|\\\((?P<p>.{1,1000}?)\\\)"
    r"|\\\[(?P<b>.{1,2000}?)\\\]",
    re.S,
)
# TeX commands that can emit links, classes, styles or load code in MathJax
_UNSAFE_TEX = re.compile(r"\\(?:href|url|class|cssId|style|html\w*|data|require|unicode|mmlToken)\b")


def clean(text: str | None) -> str:
    """Remove control/bidi characters and fold whitespace."""
    return _WS.sub(" ", _CONTROL.sub("", text or "")).strip()


def esc(text: str | None) -> str:
    """Plain HTML escape (quotes too, safe inside attribute values)."""
    return html.escape(clean(text), quote=True)


def to_html(text: str | None) -> str:
    """Escape untrusted text for HTML, keeping well-formed math for MathJax."""
    text = clean(text)
    out: list[str] = []
    pos = 0
    for m in _MATH.finditer(text):
        body = next(g for g in (m.group("dd"), m.group("d"), m.group("p"), m.group("b")) if g is not None)
        if _UNSAFE_TEX.search(body):
            continue
        out.append(html.escape(text[pos : m.start()], quote=True))
        display = m.group("dd") is not None or m.group("b") is not None
        opener, closer = (r"\[", r"\]") if display else (r"\(", r"\)")
        out.append(f'<span class="arithmatex">{opener}{html.escape(body, quote=True)}{closer}</span>')
        pos = m.end()
    out.append(html.escape(text[pos:], quote=True))
    return "".join(out)


_MD_SPECIAL = {c: f"&#{ord(c)};" for c in "&<>\\`*_[](){}#+!|$~^=:"}


def md_escape(text: str | None) -> str:
    """Text for a Markdown inline context (link text, headings, table cells).

    Every character Markdown or its extensions could read as syntax becomes a
    numeric character reference, which Markdown passes through as text.
    """
    return "".join(_MD_SPECIAL.get(c, c) for c in clean(text))


def truncate(text: str, limit: int) -> str:
    text = clean(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def authors_short(names: list[str], limit: int = 10) -> str:
    """"A, B, C et al.": the first ``limit`` names, cleaned."""
    return ", ".join(clean(n) for n in names[:limit]) + (" et al." if len(names) > limit else "")
