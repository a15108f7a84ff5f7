"""Typeset every formula of the real corpus in headless Chromium through the site's own MathJax setup.

The page is built from what the site ships: ``vendor_mathjax`` copies MathJax, ``mathjax-config.js`` and
``digest.css`` come from ``docs/assets``, the script tags are the MathJax entries of ``mkdocs.yml``'s
``extra_javascript``, and every title and abstract with math goes through ``text.to_html`` as on an issue page.
Prints the number of texts with math, formulas, MathJax errors (error nodes, console errors, formulas left
untypeset), undefined macros (shown in red by ``noundefined``), formulas wider than the column, and every request
that left 127.0.0.1.

    python bench/math_typeset.py [--shared ../shared] [--width 680] [-v]

(Not named ``math.py``: a script's folder comes first on ``sys.path``, so a ``bench/math.py`` would be imported as
the standard library's ``math`` by every other bench script.)
"""

from __future__ import annotations

import argparse
import functools
import glob
import http.server
import json
import shutil
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.render import text  # noqa: E402
from generator.render.site import vendor_mathjax  # noqa: E402

SHARED = ROOT.parent / "shared"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]
TEXT_TAGS = {"title", "summary", "abstract", "description"}


def corpus_texts(shared: Path = SHARED) -> list[tuple[str, str]]:
    """(label, text) for every title and abstract of the listings and of the raw arXiv API / OAI responses."""
    out: list[tuple[str, str]] = []
    for path in sorted(glob.glob(str(shared / "corpus" / "listings" / "*.jsonl"))):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            out += [(f"{rec['id']} title", rec.get("title") or ""), (f"{rec['id']} abstract", rec.get("abstract") or "")]
    for path in sorted(glob.glob(str(shared / "corpus" / "raw" / "*.xml"))):
        for n, el in enumerate(ET.parse(path).iter()):
            tag = el.tag.rsplit("}", 1)[-1]
            if tag in TEXT_TAGS and el.text and el.text.strip():
                out.append((f"{Path(path).name}#{n} {'title' if tag == 'title' else 'abstract'}", el.text))
    return out


def math_texts(texts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(label, HTML as an issue page shows it) for the texts in which ``to_html`` found math."""
    return [(label, h) for label, t in texts if 'class="arithmatex"' in (h := text.to_html(t))]


class _YamlLenient(yaml.SafeLoader):
    """mkdocs.yml carries ``!!python/name:`` tags for the theme; only the plain lists matter here."""


_YamlLenient.add_multi_constructor("", lambda loader, suffix, node: None)


def math_scripts(root: Path = ROOT) -> list[str]:
    """The MathJax entries of mkdocs.yml's ``extra_javascript``, in order (the configuration, then MathJax)."""
    conf = yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_YamlLenient)
    return [s for s in conf.get("extra_javascript", []) if isinstance(s, str) and "mathjax" in s.lower()]


def site_dir(dest: Path, root: Path = ROOT) -> Path:
    """A folder holding the site's math assets exactly as a build ships them."""
    docs = dest / "docs"
    vendor_mathjax(docs)
    for rel in ("assets/javascripts/mathjax-config.js", "assets/stylesheets/digest.css"):
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / "docs" / rel, docs / rel)
    return docs


def page_html(blocks: list[str], width: int = 680, root: Path = ROOT) -> str:
    """One page, one ``<p data-f=n>`` per block, inside a column of ``width`` px as Material's content area."""
    body = "\n".join(f'<p data-f="{n}">{b}</p>' for n, b in enumerate(blocks))
    scripts = "\n".join(f'<script src="{s}"></script>' for s in math_scripts(root))
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>math</title>
<link rel="stylesheet" href="assets/stylesheets/digest.css">
<style>body {{ margin: 0; font-size: 16px; }} .col {{ width: {width}px; margin: 0 auto; }}</style>
</head><body><article class="md-typeset col" id="col">
{body}
</article>
{scripts}
</body></html>"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(folder: Path):
    """``folder`` over HTTP on 127.0.0.1; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# After MathJax's first typeset (or 30 s): per block, what was typeset and what went wrong; page-wide, what covers
# the viewport.  An error is an merror node / data-mjx-error (noerrors shows the source), an undefined macro is
# noundefined's red mtext, a block is untypeset when one of its arithmatex spans holds no mjx-container; a class
# that is not MathJax's own (mjx-*, MJX-TEX*, TEX-*) or an id could take the page's styles.
_INSPECT = r"""async () => {
  const done = await Promise.race([
    (window.MathJax && MathJax.startup && MathJax.startup.promise
       ? MathJax.startup.promise.then(() => 'ok', e => 'failed: ' + e) : Promise.resolve('no MathJax')),
    new Promise(r => setTimeout(() => r('timeout'), 30000))]);
  const col = document.getElementById('col').getBoundingClientRect();
  const blocks = [...document.querySelectorAll('[data-f]')].map(p => {
    const spans = [...p.querySelectorAll('span.arithmatex')];
    const boxes = [...p.querySelectorAll('mjx-container')].map(c => c.getBoundingClientRect());
    return {
      n: +p.dataset.f,
      spans: spans.length,
      untypeset: spans.filter(s => !s.querySelector('mjx-container')).length,
      errors: p.querySelectorAll('mjx-merror, [data-mjx-error]').length,
      undefined: [...p.querySelectorAll('mjx-mtext')].filter(t => /red/.test(t.getAttribute('style') || '')).length,
      wide: boxes.filter(b => b.left < col.left - 1 || b.right > col.right + 1).length,
      tall: boxes.filter(b => b.height > 400).length,
      // wider than the box the caps allow (a long formula on a phone): it must scroll, not be cut
      clipped: [...p.querySelectorAll('mjx-container')].filter(c => {
        const m = c.querySelector('mjx-math');
        return m && m.getBoundingClientRect().width > c.getBoundingClientRect().width + 1
          && getComputedStyle(c).overflowX !== 'auto';
      }).length,
      links: p.querySelectorAll('mjx-container a, mjx-container [href]').length,
      foreign: [...p.querySelectorAll('mjx-container *')].filter(e =>
        [...e.classList].some(c => !/^(mjx-|MJX-|TEX-)/i.test(c)) || (e.id && !e.id.startsWith('mjx-'))).length,
      styled: [...p.querySelectorAll('mjx-container [style]')].filter(e =>
        /fixed|url\(|v[wh]\b|z-index/i.test(e.getAttribute('style'))).length,
    };
  });
  // what a reader sees at points of the viewport outside every formula's own box: math there covers the page
  const own = [...document.querySelectorAll('mjx-container')].map(c => c.getBoundingClientRect());
  const inside = (x, y) => own.some(b => x >= b.left - 2 && x <= b.right + 2 && y >= b.top - 2 && y <= b.bottom + 2);
  let covered = 0;
  for (let x = 5; x < innerWidth; x += 40) for (let y = 5; y < innerHeight; y += 40) {
    const e = document.elementFromPoint(x, y);
    if (e && e.closest('mjx-container') && !inside(x, y)) covered++;
  }
  const safe = !!(window.MathJax && MathJax.startup && MathJax.startup.document && MathJax.startup.document.safe);
  return {done, blocks, covered, safe, scrollWidth: document.documentElement.scrollWidth, innerWidth,
          scripts: [...document.scripts].map(s => s.src || 'inline'), pwned: window.__pwned || null};
}"""


def typeset(browser, base: str, page_name: str, viewport: dict | None = None) -> dict:
    """Open ``page_name`` and inspect it; every request is recorded, and none may leave 127.0.0.1."""
    context = browser.new_context(viewport=viewport or {"width": 1000, "height": 800})
    page = context.new_page()
    requests: list[str] = []
    console: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    # nothing is fetched from elsewhere: a request that would leave this machine is recorded and refused
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
    try:
        page.goto(base + page_name)
        result = page.evaluate(_INSPECT)
    finally:
        context.close()
    result["base"] = base
    result["requests"] = requests
    result["outbound"] = [u for u in requests if not u.startswith(base)]
    result["console"] = console
    return result


@contextmanager
def chromium_browser(executable: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def measure(browser, shared: Path = SHARED, width: int = 680) -> dict:
    """Typeset the corpus on one page and sum up."""
    texts = corpus_texts(shared)
    blocks = math_texts(texts)
    with tempfile.TemporaryDirectory() as tmp:
        docs = site_dir(Path(tmp))
        (docs / "corpus.html").write_text(page_html([h for _, h in blocks], width), encoding="utf-8")
        with serve(docs) as base:
            t0 = time.monotonic()
            r = typeset(browser, base, "corpus.html")
            r["seconds"] = round(time.monotonic() - t0, 1)
    bad = [(blocks[b["n"]][0], b) for b in r["blocks"] if b["errors"] or b["untypeset"]]
    return {
        "texts": len(texts),
        "texts_with_math": len(blocks),
        "abstracts": sum(1 for label, _ in texts if label.endswith("abstract")),
        "abstracts_with_math": sum(1 for label, _ in blocks if label.endswith("abstract")),
        "formulas": sum(b["spans"] for b in r["blocks"]),
        "errors": sum(b["errors"] for b in r["blocks"]),
        "untypeset": sum(b["untypeset"] for b in r["blocks"]),
        "undefined_macros": sum(b["undefined"] for b in r["blocks"]),
        "wider_than_column": sum(b["wide"] for b in r["blocks"]),
        "clipped": sum(b["clipped"] for b in r["blocks"]),
        "console_errors": r["console"],
        "outbound": r["outbound"],
        "covered_points": r["covered"],
        "done": r["done"],
        "seconds": r["seconds"],
        "failing": bad,
        "undefined_in": [blocks[b["n"]][0] for b in r["blocks"] if b["undefined"]],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--width", type=int, default=680, help="column width in px (Material's content is about 680)")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if not (args.shared / "corpus").is_dir():
        print(f"{args.shared / 'corpus'} not found", file=sys.stderr)
        return 2
    with chromium_browser(args.chromium) as browser:
        m = measure(browser, args.shared, args.width)
    print(f"titles and abstracts: {m['texts']} ({m['abstracts']} abstracts)  with math: {m['texts_with_math']} "
          f"({m['abstracts_with_math']} abstracts)  formulas: {m['formulas']}")
    print(f"MathJax: {m['done']}  errors: {m['errors']}  untypeset: {m['untypeset']}  "
          f"console errors: {len(m['console_errors'])}  undefined macros (red): {m['undefined_macros']}")
    print(f"formulas wider than a {args.width}px column: {m['wider_than_column']} (cut at its edge instead of scrolling: {m['clipped']})  "
          f"requests off 127.0.0.1: {len(m['outbound'])}  covered viewport points: {m['covered_points']}  "
          f"time: {m['seconds']} s")
    if args.verbose:
        for label, b in m["failing"]:
            print("  failing:", label, b)
        for label in m["undefined_in"]:
            print("  undefined macro in:", label)
        for line in m["console_errors"] + m["outbound"]:
            print("  ", line)
    return 0 if not (m["errors"] or m["untypeset"] or m["console_errors"] or m["outbound"]) else 1


if __name__ == "__main__":
    sys.exit(main())
