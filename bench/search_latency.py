"""Time the paper search in headless Chromium (Debian's, via Playwright) on a built site.

Prints time-to-ready after navigation, the payload fetched before the first result, and for a fixed set of Chinese,
English, author and id queries: the latency from keystroke to rendered results (index warm) and how many of the
papers the query should find (computed independently from the index files) the page reported.

    python bench/search_latency.py --site /path/to/site        # a site built by bench/site_scale.py --keep
    python bench/search_latency.py --issues 200                # or build a synthetic archive first
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import re
import shutil
import statistics
import sys
import tempfile
import threading
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]


def norm(s: str) -> str:
    return unicodedata.normalize("NFKC", s or "").lower()


def expected_count(rows: list[list], query: str) -> int:
    """The page's matching rule, independently: every term in some field (ids, titles, authors, summaries)."""
    terms = [t.removeprefix("arxiv:") for t in norm(query).split()]

    def hit(row, t):
        fields = [row[0], row[8], row[3], row[4], row[5], row[6], row[7]]
        cjk = any("\u3400" <= c <= "\u9fff" for c in t)
        if not cjk:  # Latin script matches at the start of a word
            rx = re.compile(r"(?:^|(?<=[\W_]))" + re.escape(t))
            return any(rx.search(norm(f)) for f in fields)
        if any(t in norm(f) for f in fields):
            return True
        if len(t) > 2:
            grams = [t[i:i + 2] for i in range(len(t) - 1)]
            return any(all(g in norm(f) for g in grams) for f in fields)
        return False

    return sum(1 for r in rows if all(hit(r, t) for t in terms))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=Path, help="a built site folder")
    ap.add_argument("--issues", type=int, default=200, help="without --site: build a synthetic archive of N issues")
    ap.add_argument("--runs", type=int, default=5, help="timed repetitions per query")
    args = ap.parse_args()
    chromium = shutil.which("chromium")
    if not chromium:
        print("chromium not found (apt-get install chromium)", file=sys.stderr)
        return 2
    tmp = None
    site = args.site
    if site is None:
        from tests.synthetic import synth_archive

        from generator.sitebuild import mkdocs_build
        from generator.config import load_config
        from generator.demo import copy_skeleton
        from generator.render.site import render_all
        from generator.store import Store

        tmp = Path(tempfile.mkdtemp(prefix="search-latency-"))
        copy_skeleton(tmp)
        cfg = load_config(tmp / "config.yml", env={})
        synth_archive(Store.of(cfg), cfg, args.issues, 50)
        render_all(cfg)
        mkdocs_build(cfg, tmp / "site")
        site = tmp / "site"

    index = json.loads((site / "assets/search/papers-index.json").read_text())
    newest = json.loads((site / "assets/search" / index["shards"][0]["file"]).read_text())
    rows = newest["papers"]
    first_payload = sum(len(gzip.compress((site / "assets/search" / f).read_bytes()))
                        for f in ("papers-index.json", index["shards"][0]["file"]))
    sample = rows[len(rows) // 2]
    author = sample[5].split(",")[0]
    queries = [("zh word", "分割"), ("zh phrase", "医学图像分割"), ("zh two words", "深度学习 诊断"),
               ("en word", "segmentation"), ("en words", "deep learning"), ("author", author), ("arXiv id", sample[0])]

    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            for ui in ("search/", "en/search/"):
                page = browser.new_page()
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.fulfill(status=200, body="{}"))
                readies = []
                for _ in range(3):
                    page.goto(base + ui)
                    page.wait_for_function("window.__paperSearchReady !== undefined", timeout=30000)
                    readies.append(page.evaluate("window.__paperSearchReady"))
                print(f"[{ui}] {sum(s['count'] for s in index['shards'])} papers in {len(index['shards'])} year shards; "
                      f"newest shard {index['shards'][0]['year']} ({len(rows)} papers) loads first: "
                      f"{first_payload / 1e6:.2f} MB gzipped before the first result")
                print(f"[{ui}] search ready after navigation: median {statistics.median(readies):.0f} ms "
                      f"(runs: {', '.join(f'{r:.0f}' for r in readies)})")
                for label, q in queries:
                    times = []
                    for _ in range(args.runs):
                        times.append(page.evaluate(
                            """q => { const i = document.querySelector('#paper-search input'); i.value = '';
                                      i.dispatchEvent(new Event('input'));
                                      const t0 = performance.now(); i.value = q; i.dispatchEvent(new Event('input'));
                                      return performance.now() - t0; }""", q))
                    found = page.evaluate("window.__paperSearchLastQuery.hits")
                    want = expected_count(rows, q)
                    print(f"[{ui}]   {label:13s} {q[:24]!r:28s} median {statistics.median(times):6.1f} ms, "
                          f"max {max(times):6.1f} ms; found {found} of {want} expected")
                page.close()
            browser.close()
    finally:
        server.shutdown()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
