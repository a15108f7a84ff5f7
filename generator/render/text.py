"""Paper text is untrusted: turn it into safe HTML (for pages) or safe plain text.

* ``clean`` removes control characters and bidirectional overrides, which
  can hide or reorder text, and folds whitespace.
* ``to_html`` HTML-escapes everything, except that well-formed TeX math
  (``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]``) becomes an
  ``<span class="arithmatex">`` that MathJax typesets - the same markup
  pymdownx.arithmatex emits, with its content escaped too.  An unbalanced ``$``
  stays a literal dollar sign.  Math that uses TeX commands able to emit links,
  classes or styles, define macros, or set sizes, lengths or positions (which
  could cover the page), and TeX that is not well formed, is not treated as
  math: it stays text (``tex_ok``).

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
# TeX commands refused in math (the formula is then shown as its source).  A TeX control word ends at the first
# non-letter (``\kern3000px`` is ``\kern`` then ``3000px``), hence ``(?![A-Za-z])`` rather than ``\b``.
_TEX_REFUSED = (
    # links, classes, ids, styles, colours, tooltips and code a formula could load or run in MathJax
    r"href|url|class|cssId|style|html[A-Za-z]*|data|require|unicode|mmlToken|bbox|enclose|color|textcolor|"
    r"colorbox|fcolorbox|definecolor|toggle|endtoggle|mathtip|texttip|setOptions|"
    # macro definitions: one abstract's \def would change every later formula on the page, and can recurse
    r"def|edef|gdef|xdef|let|futurelet|global|newcommand|renewcommand|providecommand|newenvironment|"
    r"renewenvironment|DeclareMathOperator|DeclarePairedDelimiter[A-Za-z]*|newtagform|renewtagform|usetagform|"
    r"mathtoolsset|newgathered|renewgathered|"
    # sizes, lengths and positions: \rule{3000px}{3000px}, \hspace{5000px}, \raise, \Huge... cover the page
    r"rule|Rule|Space|hspace|vspace|hskip|vskip|kern|mkern|mskip|mspace|raise|lower|raisebox|moveleft|moveright|"
    r"above|abovewithdelims|genfrac|large|Large|LARGE|huge|Huge|mathmakebox|xmathstrut|shoveleft|shoveright|"
    r"llap|rlap|clap|mathllap|mathrlap|mathclap|smash|phantom|hphantom|vphantom"
)
_UNSAFE_TEX = re.compile(r"\\(?:" + _TEX_REFUSED + r")(?![A-Za-z])")
# a length (\\[3000px], \begin{spreadlines}{3000px}, \begin{multlined}[3000px]...): none longer than MAX_TEX_EM
_LENGTH = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*(pt|px|em|ex|mu|mm|cm|in|pc|bp|dd|cc|sp)(?![A-Za-z])", re.I)
_EM = {"em": 1, "ex": 0.43, "mu": 1 / 18, "px": 1 / 16, "pt": 0.1, "pc": 1.2, "bp": 0.1, "dd": 0.11, "cc": 1.3,
       "sp": 0.1 / 65536, "mm": 0.28, "cm": 2.8, "in": 7.2}
MAX_TEX_EM = 5
_TEX_TOKEN = re.compile(r"\\(?:[A-Za-z]+|.)|[{}]", re.S)
_ENV_NAME = re.compile(r"\s*\{\s*([A-Za-z*]+)\s*\}")


def clean(text: str | None) -> str:
    """Remove control/bidi characters and fold whitespace."""
    return _WS.sub(" ", _CONTROL.sub("", text or "")).strip()


def esc(text: str | None) -> str:
    """Plain HTML escape (quotes too, safe inside attribute values)."""
    return html.escape(clean(text), quote=True)


def tex_ok(body: str) -> bool:
    """Whether MathJax may typeset this formula: no refused command, no long length, and well formed.

    Well formed means balanced braces, ``\\begin``/``\\end`` that nest and ``\\left``/``\\right`` in pairs;
    otherwise the pairing of dollar signs went wrong (``$\\texttt{M$^3$Net}$``) or the TeX is broken, and
    the source reads better as text than as MathJax's error box."""
    if _UNSAFE_TEX.search(body):
        return False
    if any(float(n) * _EM[u.lower()] > MAX_TEX_EM for n, u in _LENGTH.findall(body)):
        return False
    depth, envs, lr = 0, [], 0
    for m in _TEX_TOKEN.finditer(body):
        tok = m.group()
        if tok in ("{", "}"):
            depth += 1 if tok == "{" else -1
        elif tok in ("\\begin", "\\end"):
            name = _ENV_NAME.match(body, m.end())
            if not name:
                return False
            if tok == "\\begin":
                envs.append(name.group(1))
            elif not envs or envs.pop() != name.group(1):
                return False
        elif tok in ("\\left", "\\right"):
            lr += 1 if tok == "\\left" else -1
        if depth < 0 or lr < 0:
            return False
    return depth == 0 and not envs and lr == 0


def to_html(text: str | None) -> str:
    """Escape untrusted text for HTML, keeping well-formed math for MathJax."""
    text = clean(text)
    out: list[str] = []
    pos = 0
    for m in _MATH.finditer(text):
        body = next(g for g in (m.group("dd"), m.group("d"), m.group("p"), m.group("b")) if g is not None)
        if not tex_ok(body):
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
