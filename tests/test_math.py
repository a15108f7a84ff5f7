"""Math on the site's pages, typeset in headless Chromium through the site's own MathJax setup (bench/math_typeset.py).

Real abstracts typeset without a MathJax error; hostile TeX in a title or abstract - whether ``to_html`` refuses it
or it reaches MathJax anyway - loads nothing from elsewhere, adds no link, class, style or script, and no formula
grows past its column or covers the page.
"""

from __future__ import annotations

import html
import importlib.util
import tempfile
from pathlib import Path

import pytest

from generator.render.text import tex_ok, to_html
from tests.conftest import ROOT, SHARED, require_shared
from tests.test_browser import chromium

_spec = importlib.util.spec_from_file_location("bench_math_typeset", ROOT / "bench" / "math_typeset.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

# TeX that real abstracts use (boldsymbol and friends): each must typeset, with no error and no undefined macro
COMMON = [
    r"$\boldsymbol{\theta}^\top \boldsymbol{x}$",
    r"$\bm{x} \sim \mathcal{N}(\bm\mu, \Sigma)$",
    r"$f \coloneqq g \circ h$",
    r"$\cancel{x} + \bcancel{y}$",
    r"$\upalpha + \upbeta$",
    r"$p_\text{noise}$ and $\text{\textbf{bold} and \emph{it}}$",
    r"$\begin{aligned} a &= b \\ c &\le d \end{aligned}$",
    r"$\mathbb{E}[\log p_\theta(x)] \geq \operatorname{ELBO}$",
    r"$\texttt{M$^3$FinMeeting}$ and $37\,^{\circ}\mathrm{C}$",
    r"$\ket{\psi} = \frac{1}{\sqrt 2}(\ket{0} + \ket{1})$",
    r"$\mathrm{SSIM} = 0.91 \pm 0.02$, $R^2 = 0.8$",
]

# (payload, what must not happen); every payload sits in a title and in an abstract
HOSTILE = [
    r"$\bbox[position:fixed;top:0;left:0;width:100vw;height:100vh;background:url(http://198.51.100.7/b.png)]{x}$",
    r"$\bbox[red,5000px,border:4px solid red]{x}$",
    r"$\style{position:fixed;top:0;left:0;width:100vw;height:100vh;background:red}{x}$",
    r"$\href{javascript:window.__pwned=1}{click}$",
    r"$\href{http://198.51.100.7/}{x}$",
    r"$\unicode[Arial; http://198.51.100.7/f.woff]{x41}$",
    r"$\require{html}\class{md-header}{x}$",
    r"$\class{md-header}{x}\cssId{__md_scroll}{y}$",
    r"$\html{<img src=x onerror=window.__pwned=2>}$",
    r"$\rule{3000px}{3000px}$",
    r"$\mathrel{\rule{3000px}{3000px}}$",
    r"$\rule3000px3000px$",
    r"$\Huge{\Huge{\Huge{\Huge{\Huge{\Huge{\Huge{\Huge x}}}}}}}$",
    r"$\LARGE\huge\Huge{\Huge x}$",
    r"$\large{\large{\large{\large{\large{\large{\large{\large{\large{\large{\large{\large{\large{\large x}}}}}}}}}}}}}$",
    r"$a\hspace{5000px}b$",
    r"$a\kern3000px b\mkern-9000mu c\mskip 9000mu d$",
    r"$\raise{3000px}{x}\lower 3000px\hbox{y}$",
    r"$\moveleft 3000px \hbox{x}$",
    r"$\vphantom{\rule{1px}{3000px}}x$",
    r"$\begin{array}{c} a \\[3000px] b \end{array}$",
    r"$\genfrac{}{}{3000px}{}{a}{b}$",
    r"$a \above 3000px b$",
    r"$\text{\rule{3000px}{3000px}}$",
    r"$\text{\color{white}hidden \href{javascript:window.__pwned=3}{x}}$",
    r"$\mmlToken{mi}[style=position:fixed;top:0;left:0;width:100vw;height:100vh;background:red]{x}$",
    r"$\def\a{\a\a}\a$",
    r"$\def\x{\x x}\x$",
    r"$\newcommand{\frac}[2]{\rule{3000px}{3000px}}\frac12$",
    r"$\renewcommand{\alpha}{\beta}\alpha$",
    r"$\DeclareMathOperator{\alpha}{evil}\alpha$",
    r"$\DeclarePairedDelimiter{\abs}{\lvert}{\rvert}\abs{x}$",
    r"$\let\sum\int \sum$",
    r"$\color{white}{hidden}\textcolor{white}{x}\colorbox{red}{x}$",
    r"$\enclose{circle}[data-padding=3000]{x}$",
    r"$\toggle{a}{b}\endtoggle \mathtip{x}{tip}$",
    r"$\setOptions{tags=all}x$",
    r"$\mathtoolsset{multlined-width=3000px}x$",
    r"\(\rule{3000px}{3000px}\)",
    r"\[\rule{3000px}{3000px}\]",
    r"$$\Huge{\Huge{\Huge{\Huge x}}}$$",
    r"$\boldsymbol{\rule{3000px}{3000px}}$",
]


@pytest.mark.parametrize("body", [
    r"\Huge2", r"\kern3000px x", r"x\hspace{1em}", r"\color{white}x", r"\def\a{b}", r"\let\a\b",
    r"\begin{array}{c}a\\[3000px]b\end{array}", r"\begin{spreadlines}{9000pt}a\end{spreadlines}",
    r"\begin{multlined}[3000px]a\\b\end{multlined}", r"\texttt{M", r"x}", r"\left( x", r"x \right)",
    r"\begin{aligned} a \end{array}", r"\begin{aligned} a", r"\end{aligned}",
])
def test_tex_ok_refuses(body):
    """Refused: styling, macro definitions, sizes and positions (a control word ends at the first non-letter), any
    length over MAX_TEX_EM, and TeX that is not well formed (mispaired dollars)."""
    assert not tex_ok(body)


@pytest.mark.parametrize("body", [
    r"\boldsymbol{\theta}", r"\left( \frac{a}{b} \right)", r"\{x\}", r"a \\ b", r"5\,\mathrm{mm}",
    r"\begin{aligned} a &= b \\[2pt] c &= d \end{aligned}", r"\colon", r"\ruler", r"\lefteqn", r"x_{\text{def}}",
])
def test_tex_ok_accepts_ordinary_math(body):
    assert tex_ok(body)


@pytest.fixture(scope="module")
def browser():
    exe = chromium()
    pytest.importorskip("playwright.sync_api", reason="playwright is installed by `pip install -e '.[test]'`")
    with bench.chromium_browser(exe) as b:
        yield b


@pytest.fixture(scope="module")
def site():
    """The site's math assets (vendored MathJax, config, stylesheet) served on 127.0.0.1."""
    with tempfile.TemporaryDirectory() as tmp:
        docs = bench.site_dir(Path(tmp))
        with bench.serve(docs) as base:
            yield docs, base


def typeset(browser, site, name: str, blocks: list[str], **kw) -> dict:
    docs, base = site
    (docs / name).write_text(bench.page_html(blocks), encoding="utf-8")
    return bench.typeset(browser, base, name, **kw)


def test_every_corpus_formula_typesets_without_error(browser):
    """Every title and abstract with math in ../shared/corpus: 0 MathJax errors, nothing left untypeset."""
    require_shared()
    m = bench.measure(browser, SHARED)
    assert m["done"] == "ok"
    assert m["formulas"] > 500 and m["texts_with_math"] > 200  # the corpus was read
    assert m["errors"] == 0 and m["untypeset"] == 0, m["failing"]
    assert m["console_errors"] == [] and m["outbound"] == []
    assert m["covered_points"] == 0 and m["wider_than_column"] == 0 and m["clipped"] == 0
    assert m["seconds"] < 60


def test_macros_of_real_abstracts_typeset(browser, site):
    """\\boldsymbol, \\bm, mathtools, cancel, upgreek, textmacros, braket: typeset, no error, no red macro."""
    r = typeset(browser, site, "common.html", [to_html(t) for t in COMMON])
    assert r["done"] == "ok"
    for b in r["blocks"]:
        assert b["spans"] >= 1 and b["untypeset"] == 0 and b["errors"] == 0 and b["undefined"] == 0, (COMMON[b["n"]], b)
    assert r["console"] == [] and r["outbound"] == []


def _assert_inert(r: dict, payloads: list[str]) -> None:
    assert r["done"] == "ok" and r["safe"]  # MathJax's safe filter is on
    assert r["outbound"] == [], r["outbound"]  # nothing requested but this site
    assert r["pwned"] is None  # no script ran, and the only scripts are the site's own files
    assert r["scripts"] and all(src.startswith(r["base"] + "assets/") for src in r["scripts"]), r["scripts"]
    assert r["covered"] == 0  # no formula paints outside its own box
    assert r["scrollWidth"] <= r["innerWidth"]  # nor widens the page
    for b in r["blocks"]:
        what = payloads[b["n"] // 2]
        assert b["wide"] == 0 and b["tall"] == 0, (what, b)  # no formula larger than its column
        assert b["links"] == 0 and b["foreign"] == 0, (what, b)  # no link, no class or id of the page's own
        assert b["styled"] == 0, (what, b)  # no style a formula chose (fixed position, viewport sizes, URLs)
    assert not [c for c in r["console"] if "pageerror" in c], r["console"]


def test_hostile_math_in_titles_and_abstracts_is_inert(browser, site):
    """Through ``to_html``, as on an issue page: refused TeX is shown as its source, the rest is contained."""
    blocks = []
    for t in HOSTILE:
        blocks += [f"<b>title</b> Seg {to_html(t)} net", f"abstract: we show {to_html(t)} works."]
    r = typeset(browser, site, "hostile.html", blocks)
    _assert_inert(r, HOSTILE)
    assert [t for t in HOSTILE if 'class="arithmatex"' in to_html(t)] == []  # every one is refused...
    assert all(t.strip("$") in html.unescape(to_html(t)) for t in HOSTILE)  # ...and shown as its source


def test_hostile_math_that_reaches_mathjax_is_contained(browser, site):
    """The same TeX put straight into math spans (as if ``to_html`` had missed it): the MathJax configuration and
    the stylesheet alone keep it inert - no extension that emits links, styles or classes is there to load."""
    blocks = []
    for t in HOSTILE:
        body = t.strip("$")
        body = body[2:-2] if body[:2] in ("\\(", "\\[") else body
        span = f'<span class="arithmatex">\\({body.replace("&", "&amp;").replace("<", "&lt;")}\\)</span>'
        blocks += [f"Seg {span} net", f"we show {span} works."]
    r = typeset(browser, site, "raw.html", blocks)
    _assert_inert(r, HOSTILE)


# the line's baseline: a zero-size inline-block sits on it; a formula keeps its place relative to it
_BASELINES = """() => [...document.querySelectorAll('[data-f]')].map(p => {
  const c = p.querySelector('mjx-math'), m = p.querySelector('.mark');
  return c && m ? c.getBoundingClientRect().bottom - m.getBoundingClientRect().top : null;
})"""


def _baselines(browser, base: str, name: str, width: int) -> tuple[dict, list]:
    context = browser.new_context(viewport={"width": max(width + 40, 400), "height": 700})
    try:
        page = context.new_page()
        page.goto(base + name)
        r = page.evaluate(bench._INSPECT)
        return r, page.evaluate(_BASELINES)
    finally:
        context.close()


@pytest.mark.parametrize("width", [360, 680])
def test_inline_math_keeps_its_baseline_and_long_formulas_stay_in_the_column(browser, site, width):
    """The size caps leave ordinary math where MathJax puts it (same offset from the text's baseline as without the
    site's stylesheet), and a formula longer than the column stays inside it, at phone and desktop widths."""
    mark = '<span class="mark" style="display:inline-block;width:0;height:0"></span>'
    formulas = [r"$x^2$", r"$\frac{a}{b}$", r"$\sum_{i=1}^{n} \frac{\partial^2 f}{\partial x_i^2}$", r"$y_{t}$",
                r"$$\begin{pmatrix} a & b \\ c & d \end{pmatrix}$$",
                "$" + " + ".join(f"x_{{{i}}}^{{2}}" for i in range(60)) + "$"]
    blocks = [f"a {to_html(f)}{mark} b" for f in formulas]
    docs, base = site
    page = bench.page_html(blocks, width)
    (docs / f"styled{width}.html").write_text(page, encoding="utf-8")
    (docs / f"plain{width}.html").write_text(page.replace('<link rel="stylesheet"', '<link rel="x"'), encoding="utf-8")
    r, styled = _baselines(browser, base, f"styled{width}.html", width)
    _, plain = _baselines(browser, base, f"plain{width}.html", width)
    assert r["done"] == "ok" and r["scrollWidth"] <= r["innerWidth"]
    assert all(b["wide"] == 0 and b["errors"] == 0 and b["untypeset"] == 0 for b in r["blocks"]), r["blocks"]
    assert all(b["clipped"] == 0 for b in r["blocks"]), r["blocks"]  # the long one scrolls in its column
    for f, a, b in list(zip(formulas, styled, plain))[:4]:  # inline formulas that fit: not moved
        assert a is not None and abs(a - b) < 0.5, (f, a, b)
