"""Time the paper search in headless Chromium (Debian's, via Playwright) on a built site.

Prints time-to-ready after navigation, the payload fetched before the first result, and for a fixed set of Chinese,
English, author and id queries - and the forgiving ones: a typo, an author typed without accents, the last of many
authors, a versioned id, a pasted arXiv link - the latency from keystroke to rendered results (index warm) and how many
of the papers the query should find (computed independently from the index files) the page reported.

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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generator.render.search_index import fold  # noqa: E402  (the page's folding rule, in Python)

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]


SUFFIX = re.compile(r"(?:ations?|ings?|ions?|ies|ied|ed|es|(?<=[^siu])s)$")


def stem(w: str) -> str:
    """English suffix folding as the page does it (segmenting, segmentation -> segment)."""
    if not re.fullmatch(r"[a-z]{5,}", w):
        return w
    s = SUFFIX.sub("", w, count=1)
    if len(s) > 4 and s[-1] in "ey":
        s = s[:-1]
    if len(s) > 4 and s[-1] == s[-2] and s[-1] not in "aeious":
        s = s[:-1]
    return s if len(s) >= 4 else w


def one_edit(a: str, b: str) -> bool:
    """At most one inserted, dropped or changed letter, or two neighbours swapped."""
    if abs(len(a) - len(b)) > 1:
        return False
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    if len(a) == len(b):
        return i == len(a) or a[i + 1:] == b[i + 1:] or (a[i:i + 2] == b[i:i + 2][::-1] and a[i + 2:] == b[i + 2:])
    return a[i + 1:] == b[i:] if len(a) > len(b) else a[i:] == b[i + 1:]


def expected_count(rows: list[list], query: str, topics: dict[str, list[str]]) -> int:
    """The page's matching rule, independently: every term in some field (ids, titles, authors, summaries, topic
    names), Latin terms at a word start as typed or by their stem; a 5+ letter word found nowhere by its nearest words."""
    terms = [re.sub(r"^(?:arxiv|doi|pmid):", "", t) for t in fold(query).split()]
    texts = [[fold(f) for f in (r[0], r[8] if len(r) > 8 else "", r[3], r[4], r[5], r[6], r[7],
                                " ".join(topics.get(r[2], [])))] for r in rows]
    vocab = {w for fields in texts for f in fields[2:] for w in re.split(r"[^a-z]+", f) if len(w) >= 4}

    def needles(t: str, fuzzy: bool) -> list[str]:
        out = [t] + ([stem(t)] if stem(t) != t else [])
        if fuzzy:
            st = stem(t)
            out += [w for w in vocab if one_edit(t, w) or (st != t and len(w) >= len(st) and one_edit(st, w[:len(st)]))]
        return out

    def hit(fields, t, fuzzy=False):
        cjk = any("\u3400" <= c <= "\u9fff" for c in t)
        if not cjk:  # Latin script matches at the start of a word
            rx = re.compile(r"(?:^|(?<=[^\w]|_))(?:" + "|".join(map(re.escape, needles(t, fuzzy))) + ")")
            return any(rx.search(f) for f in fields)
        if any(t in f for f in fields):
            return True
        if len(t) > 2:
            grams = [t[i:i + 2] for i in range(len(t) - 1)]
            return any(all(g in f for g in grams) for f in fields)
        return False

    found = sum(1 for f in texts if all(hit(f, t) for t in terms))
    if found:
        return found
    fuzzy = {t for t in terms if re.fullmatch(r"[a-z]{5,}", t) and not any(hit(f[2:], t) for f in texts)}
    return sum(1 for f in texts if all(hit(f, t, t in fuzzy) for t in terms)) if fuzzy else 0


def id_query(q: str) -> str:
    """The id a pasted link or versioned id names (the page's rule for the two forms the bench types)."""
    m = re.fullmatch(r"(?:https?://arxiv\.org/abs/)?(\d{4}\.\d{4,5})(?:v\d+)?", q)
    return m.group(1) if m else q


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
    author = sample[5].split("; ")[0]
    accented = next((a for r in rows for a in r[5].split("; ") if fold(a) != a.lower()), author)
    crowded = max(rows, key=lambda r: r[5].count("; "))
    queries = [("zh word", "分割"), ("zh phrase", "医学图像分割"), ("zh two words", "深度学习 诊断"),
               ("en word", "segmentation"), ("en words", "deep learning"), ("author", author), ("arXiv id", sample[0]),
               ("typo", "segmantation"), ("suffix", "segmenting"), ("no accents", fold(accented)),
               (f"last of {crowded[5].count('; ') + 1}", crowded[5].split("; ")[-1]),
               ("versioned id", sample[0] + "v2"), ("arXiv link", "https://arxiv.org/abs/" + sample[0])]

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
                    want = expected_count(rows, id_query(q), index["topics"])
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
