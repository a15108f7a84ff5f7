"""Time the paper search in headless Chromium (Debian's, via Playwright) on a built site.

Prints time-to-ready after navigation, the payload fetched before the first result, and for a fixed set of Chinese,
English, author and id queries - and the forgiving ones: a typo, an author typed without accents, the last of many
authors, a versioned id, a pasted arXiv link - the latency from keystroke to rendered results (index warm) and how many
of the papers the query should find (computed independently from the index files) the page reported.

    python bench/search_latency.py --site /path/to/site        # a site built by bench/site_scale.py --keep
    python bench/search_latency.py --issues 200                # or build a synthetic archive first
    python bench/search_latency.py --issues 260 --end 2025-12-31 --lunr   # one full year (1,300-issue density)

With --lunr it also measures the alternative the design card named: a lunr.py-prebuilt index per year shard (the
``bench`` extra: pip install -e '.[bench]'; lunr.js 2.3.9 from npm in a cache outside the repository).  For each
shard it prints the serialized size (raw, gzipped) and build time; then, in the same bare page for both, the load
(ready after navigation, and lunr.Index.load alone) and, for the same queries, latency, hits against the expected
count, agreement of the top results with the current index, and whether the paper a query names is found - once as
typed (``idx.search``) and once prepared the way the page prepares queries (folded, links and versions read as ids,
every term required, word-start prefixes of the stems, one edit when nothing matches).

Measured (--issues 260 --end 2025-12-31: one full-year shard of 13,000 papers, as every shard is at 1,300 issues):
the current rows are 1.23 MB gz before the first result; lunr's index alone is 3.02 MB gz (4.25 MB with the rows the
page still needs to show results, 5.2 MB gz for the index with Chinese as bigram tokens), ready after navigation
668 ms against 330 ms in the same bare page (lunr.Index.load 121 ms).  lunr answers Latin queries faster (0.2-9 ms
against 3-46 ms) and, prepared as the page prepares queries, finds what the page finds; as typed it finds no Chinese
word, misses versioned ids and fails on pasted links (QueryParseError), and prepared Chinese terms (a wildcard scan of
every token) take 2.2-6.8 s.  So the search keeps its own index: lunr wins only where the budget is not at stake.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import re
import shutil
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
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

# ---------------------------------------------------------------------------------------------------------------
# The lunr comparison (--lunr): a lunr.py-prebuilt index per year shard beside the current rows.

LUNR_JS_VERSION = "2.3.9"
LUNR_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "maid-bench"
# the page's search fields and weights (paper-search.js: score); institutions are in the rows for the reading page
# but the search page does not search them, so neither does this index
LUNR_FIELDS = [{"field_name": "ids", "boost": 6}, {"field_name": "title", "boost": 3},
               {"field_name": "title_zh", "boost": 3}, {"field_name": "authors", "boost": 2},
               {"field_name": "summary", "boost": 1}, {"field_name": "topic", "boost": 1}]


def lunr_docs(rows: list[list], topics: dict[str, list[str]]) -> list[dict]:
    """One lunr document per row, ref = the row's position in its shard (the page keeps the rows to show results).
    Text is folded in Python (lunr lowercases but keeps accents), as the page folds the query."""
    return [{"ref": str(i), "ids": fold(r[0] + " " + r[8]), "title": fold(r[3]), "title_zh": fold(r[4]),
             "authors": fold(r[5]), "summary": fold(r[6] + " " + r[7]), "topic": fold(" ".join(topics.get(r[2], [])))}
            for i, r in enumerate(rows)]


CJK_RUN = re.compile(r"[\u3400-\u9fff]{2,}")


def cjk_bigrams(text: str) -> str:
    """Chinese runs as overlapping two-character tokens: what lunr would need (instead of lunr-languages) to find
    a Chinese word by an index look-up rather than a wildcard scan of every token."""
    return CJK_RUN.sub(lambda m: " " + " ".join(m[0][i:i + 2] for i in range(len(m[0]) - 1)) + " ", text)


def display_rows(rows: list[list]) -> list[list]:
    """What a result shows (id, date, topic, both titles, the first ten authors, source): the smallest rows a
    lunr page would still need beside its index."""
    return [r[:5] + ["; ".join(r[5].split("; ")[:10])] + ([r[9]] if len(r) > 9 and r[9] else []) for r in rows]


def lunr_js() -> Path | None:
    """lunr.js from npm in a cache outside the repository (installed there on first use when npm is at hand)."""
    js = LUNR_CACHE / "node_modules" / "lunr" / "lunr.js"
    if js.exists():
        return js
    npm = shutil.which("npm")
    if not npm:
        return None
    print(f"lunr: installing lunr@{LUNR_JS_VERSION} from npm into {LUNR_CACHE}")
    subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(LUNR_CACHE),
                    f"lunr@{LUNR_JS_VERSION}"], check=False, capture_output=True)
    return js if js.exists() else None


HARNESS_CURRENT = """<!doctype html><html><head><meta charset="utf-8"><title>current</title></head><body>
<div id="paper-search" data-root="./" data-lang="zh"><input type="search"><p class="paper-search-status"></p>
<ol class="paper-search-results"></ol><button class="paper-search-more" hidden></button></div>
<script src="paper-search.js"></script></body></html>"""

HARNESS_LUNR = """<!doctype html><html><head><meta charset="utf-8"><title>lunr</title></head><body>
<input type="search"><p id="status"></p><ol id="out"></ol>
<script src="lunr.js"></script>
<script>
(function () {
  "use strict";
  var MARKS = /[\\u0300-\\u036f]/g;  // the page's fold, as in paper-search.js
  var LETTERS = { "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i" };
  function fold(s) {
    return (s || "").toLowerCase().normalize("NFKD").replace(MARKS, "")
      .replace(/[ßæœøłđðþı]/g, function (c) { return LETTERS[c]; }).normalize("NFKC");
  }
  var CJK = /[\\u3400-\\u9fff]/;
  var ID_FORMS = [/^(?:https?:\\/\\/)?(?:www\\.|export\\.)?arxiv\\.org\\/(?:abs|pdf|html)\\/([^?#\\s]+?)(?:v\\d+)?(?:\\.pdf)?\\/?(?:[?#]\\S*)?$/,
                  /^(?:arxiv:\\s*)?(\\d{4}\\.\\d{4,5})v\\d+$/];
  function idOf(s) {
    for (var i = 0; i < ID_FORMS.length; i++) { var m = ID_FORMS[i].exec(s); if (m) return m[1]; }
    return null;
  }
  var idx = null, rows = null, out = document.getElementById("out");
  var P = lunr.Query.presence, W = lunr.Query.wildcard;
  Promise.all(["assets/search/papers-index.json", "assets/search/" + SHARD, "lunr/" + SHARD].map(function (u) {
    return fetch(u).then(function (r) { if (!r.ok) throw new Error(u); return r.json(); });
  })).then(function (a) {
    rows = a[1].papers;
    var t = performance.now();
    idx = lunr.Index.load(a[2]);
    window.__lunrLoadMs = performance.now() - t;
    window.__lunrReady = performance.now();
    document.getElementById("status").textContent = rows.length + " papers";
  }).catch(function (e) { window.__lunrReady = -1; window.__lunrError = String(e); });

  function prepared(q) {  // the page's reading of a query, on lunr's query API
    var s = fold(q).trim(), id = idOf(s);
    var ts = id ? [id] : s.split(/\\s+/).map(function (t) { return t.replace(/^(?:arxiv|doi|pmid):/, ""); })
      .filter(Boolean);
    function run(fuzzy) {
      return idx.query(function (Q) {
        ts.forEach(function (t) {
          if (id) return Q.term(t, { fields: ["ids"], presence: P.REQUIRED, usePipeline: false, wildcard: W.TRAILING });
          var st = lunr.stemmer(new lunr.Token(t)).toString();  // the index holds stems (also of mixed zh/en runs)
          if (CJK.test(t))  // lunr has no CJK tokens: a Chinese term can only be a substring of a whitespace run
            return Q.term(st, { presence: P.REQUIRED, usePipeline: false, wildcard: W.LEADING | W.TRAILING });
          if (fuzzy && /^[a-z]{5,}$/.test(t)) return Q.term(st, { presence: P.REQUIRED, usePipeline: false, editDistance: 1 });
          Q.term(st, { presence: P.REQUIRED, usePipeline: false, wildcard: W.TRAILING });
        });
      });
    }
    var res = run(false);
    return res.length ? res : run(true);
  }

  function render(res) {  // as the page shows a hit: both titles, date, id, the first ten authors
    out.textContent = "";
    res.slice(0, 50).forEach(function (h) {
      var r = rows[+h.ref], li = document.createElement("li"), a = document.createElement("a");
      a.textContent = r[4] || r[3]; li.appendChild(a);
      var d = document.createElement("div"); d.textContent = r[3]; li.appendChild(d);
      var m = document.createElement("div");
      m.textContent = r[1] + " · " + r[0] + " · " + r[5].split("; ").slice(0, 10).join(", "); li.appendChild(m);
      out.appendChild(li);
    });
  }

  window.__lunrSearch = function (q, mode) {
    var t0 = performance.now(), res;
    try { res = mode === "raw" ? idx.search(q) : prepared(q); }
    catch (e) { render([]); return { ms: performance.now() - t0, error: e.name || String(e), hits: 0, top: [] }; }
    render(res);
    return { ms: performance.now() - t0, hits: res.length, top: res.slice(0, 5).map(function (h) { return rows[+h.ref][0]; }) };
  };
})();
</script></body></html>"""


def build_lunr(site: Path, index: dict, out: Path) -> list[dict]:
    """Build and serialize a lunr index per year shard into out/lunr/; size and build time per shard."""
    from lunr import lunr

    (out / "lunr").mkdir(parents=True, exist_ok=True)
    stats = []
    for shard in index["shards"]:
        raw_rows = (site / "assets/search" / shard["file"]).read_bytes()
        rows = json.loads(raw_rows)["papers"]
        t = time.perf_counter()
        idx = lunr(ref="ref", fields=LUNR_FIELDS, documents=lunr_docs(rows, index["topics"]))
        built = time.perf_counter() - t
        data = json.dumps(idx.serialize(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        (out / "lunr" / shard["file"]).write_bytes(data)
        disp = json.dumps({"papers": display_rows(rows)}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        stats.append({"year": shard["year"], "file": shard["file"], "papers": len(rows),
                      "issues": len({r[1] for r in rows}), "build_s": built, "terms": len(idx.inverted_index),
                      "rows_raw": len(raw_rows), "rows_gz": len(gzip.compress(raw_rows)),
                      "lunr_raw": len(data), "lunr_gz": len(gzip.compress(data)), "disp_gz": len(gzip.compress(disp))})
    return stats


def lunr_section(site: Path, index: dict, rows: list[list], queries: list[tuple[str, str]], browser, runs: int,
                 targets: dict[str, set[str]]) -> None:
    """The lunr figures beside the current index's, both measured in the same bare page."""
    try:
        import lunr  # noqa: F401
    except ImportError:
        print("lunr: the lunr package is not installed (pip install -e '.[bench]'): lunr comparison skipped")
        return
    js = lunr_js()
    work = Path(tempfile.mkdtemp(prefix="search-lunr-"))
    try:
        shutil.copytree(site / "assets/search", work / "assets/search")
        stats = build_lunr(site, index, work)
        gz_manifest = len(gzip.compress((site / "assets/search/papers-index.json").read_bytes()))
        print(f"[lunr] lunr.py {lunr.__VERSION__} (lunr.js {lunr.__TARGET_JS_VERSION__} format); fields "
              + ", ".join(f"{f['field_name']}^{f['boost']}" for f in LUNR_FIELDS) + "; text folded before indexing")
        for st in stats:
            print(f"[lunr]   {st['year']}: {st['papers']} papers, {st['issues']} issues, {st['terms']} terms, built in "
                  f"{st['build_s']:.1f} s; current rows {st['rows_raw'] / 1e6:.2f} MB ({st['rows_gz'] / 1e6:.3f} MB gz); "
                  f"lunr index {st['lunr_raw'] / 1e6:.2f} MB ({st['lunr_gz'] / 1e6:.3f} MB gz), "
                  f"{st['lunr_raw'] / st['rows_raw']:.1f}x the rows raw, {st['lunr_gz'] / st['rows_gz']:.1f}x gz")
        total = {k: sum(st[k] for st in stats) for k in ("rows_gz", "lunr_gz", "disp_gz", "issues", "build_s")}
        new = stats[0]
        print(f"[lunr]   all shards: current {total['rows_gz'] / 1e6:.2f} MB gz, lunr {total['lunr_gz'] / 1e6:.2f} MB gz "
              f"(+ the rows it still needs to show results), built in {total['build_s']:.1f} s")
        first_cur = gz_manifest + new["rows_gz"]
        first_lunr = gz_manifest + new["rows_gz"] + new["lunr_gz"]
        first_min = gz_manifest + new["disp_gz"] + new["lunr_gz"]
        print(f"[lunr]   before the first result (manifest + newest shard): current {first_cur / 1e6:.2f} MB gz; "
              f"lunr + rows {first_lunr / 1e6:.2f} MB gz; lunr + display-only rows {first_min / 1e6:.2f} MB gz")
        full = 260  # a full year of weekday issues, as every shard is at 1,300 issues
        k = full / max(new["issues"], 1)
        how = "measured" if new["issues"] >= full - 5 else f"extrapolated x{k:.1f} from {new['issues']} issues"
        print(f"[lunr]   at 1,300 issues (a full-year shard of {full} issues, {how}): before the first result "
              f"current {(gz_manifest + new['rows_gz'] * k) / 1e6:.2f} MB gz, lunr + rows "
              f"{(gz_manifest + (new['rows_gz'] + new['lunr_gz']) * k) / 1e6:.2f} MB gz, lunr + display-only rows "
              f"{(gz_manifest + (new['disp_gz'] + new['lunr_gz']) * k) / 1e6:.2f} MB gz (budget 1.2); all five years: "
              f"current {new['rows_gz'] * k * 5 / 1e6:.1f} MB gz, lunr + rows {(new['rows_gz'] + new['lunr_gz']) * k * 5 / 1e6:.1f} MB gz; "
              f"lunr build {new['build_s'] * k * 5:.0f} s")
        # lunr's own folding, probed on the raw text (lunr.py; the query side is the same in lunr.js): lowercase only
        probe = next(((r, w) for r in rows for w in r[5].replace(";", " ").split() if fold(w) != w.lower()), None)
        rows_new = json.loads((site / "assets/search" / new["file"]).read_bytes())["papers"]
        from lunr import lunr as build
        t = time.perf_counter()
        docs = [{k: cjk_bigrams(v) if k != "ref" else v for k, v in d.items()} for d in lunr_docs(rows_new, index["topics"])]
        bi = json.dumps(build(ref="ref", fields=LUNR_FIELDS, documents=docs).serialize(), ensure_ascii=False,
                        separators=(",", ":")).encode("utf-8")
        print(f"[lunr]   with Chinese as bigram tokens (size only, newest shard): lunr index {len(bi) / 1e6:.2f} MB "
              f"({len(gzip.compress(bi)) / 1e6:.3f} MB gz, {len(gzip.compress(bi)) / new['lunr_gz']:.2f}x the plain lunr "
              f"index), built in {time.perf_counter() - t:.1f} s")
        if probe:
            raw_idx = build(ref="ref", fields=["authors"], documents=[{"ref": "0", "authors": probe[0][5]}])
            print(f"[lunr]   without the page's fold (raw text indexed): {probe[1]!r} finds {len(raw_idx.search(probe[1]))}, "
                  f"{fold(probe[1])!r} finds {len(raw_idx.search(fold(probe[1])))} (lunr lowercases, keeps accents)")
        if js is None:
            print(f"[lunr] lunr.js {LUNR_JS_VERSION} not found in {LUNR_CACHE} and no npm: browser part skipped "
                  f"(npm install --prefix {LUNR_CACHE} lunr@{LUNR_JS_VERSION})")
            return
        shutil.copy(js, work / "lunr.js")
        shutil.copy(ROOT / "docs/assets/javascripts/paper-search.js", work / "paper-search.js")
        (work / "current.html").write_text(HARNESS_CURRENT, encoding="utf-8")
        (work / "lunr.html").write_text(HARNESS_LUNR.replace("SHARD", json.dumps(new["file"])), encoding="utf-8")
        lunr_browser(work, rows, index, queries, browser, runs, targets)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def lunr_browser(work: Path, rows, index, queries, browser, runs: int, targets: dict[str, set[str]]) -> None:
    handler = functools.partial(_QuietHandler, directory=str(work))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    anchor_id = {}
    for r in rows:
        src = r[9] if len(r) > 9 and r[9] else "arxiv"
        a = "pmid-" + r[0][5:] if r[0].startswith("PMID:") else src + "-" + re.sub(r"[^A-Za-z0-9._-]", "-", r[0])
        anchor_id[a] = r[0]
    try:
        cur = browser.new_page()
        lun = browser.new_page()
        for p in (cur, lun):
            p.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
        ready_c, ready_l, loads = [], [], []
        for _ in range(3):
            cur.goto(base + "current.html")
            cur.wait_for_function("window.__paperSearchReady !== undefined", timeout=60000)
            ready_c.append(cur.evaluate("window.__paperSearchReady"))
            lun.goto(base + "lunr.html")
            lun.wait_for_function("window.__lunrReady !== undefined", timeout=120000)
            if lun.evaluate("window.__lunrReady") < 0:
                print(f"[lunr] the lunr page failed: {lun.evaluate('window.__lunrError')}")
                return
            ready_l.append(lun.evaluate("window.__lunrReady"))
            loads.append(lun.evaluate("window.__lunrLoadMs"))
        med = statistics.median
        print(f"[lunr] bare page, newest shard only: search ready after navigation: current median {med(ready_c):.0f} ms "
              f"({', '.join(f'{r:.0f}' for r in ready_c)}); lunr median {med(ready_l):.0f} ms "
              f"({', '.join(f'{r:.0f}' for r in ready_l)}), of which lunr.Index.load {med(loads):.0f} ms")
        print(f"[lunr]   {'query':42s} {'current: ms, found/expected':27s}| {'lunr prepared: ms, found/expected':41s}| "
              "lunr as typed (idx.search)")
        agree1 = agree5 = n = 0
        named = {"current": [0, 0], "prepared": [0, 0], "raw": [0, 0]}  # [top-1, top-5] of the queries naming a paper
        for label, q in queries:
            times = []
            for _ in range(runs):
                times.append(cur.evaluate(
                    """q => { const i = document.querySelector('#paper-search input'); i.value = '';
                              i.dispatchEvent(new Event('input'));
                              const t0 = performance.now(); i.value = q; i.dispatchEvent(new Event('input'));
                              return performance.now() - t0; }""", q))
            hits_c = cur.evaluate("window.__paperSearchLastQuery.hits")
            top_c = [anchor_id.get(h.split("#")[-1], h) for h in cur.evaluate(
                "Array.from(document.querySelectorAll('#paper-search .paper-search-results a.hit-title'))"
                ".slice(0, 5).map(a => a.getAttribute('href'))")]
            res = {}
            for mode in ("prepared", "raw"):
                tl = []
                for _ in range(runs):
                    r = lun.evaluate("([q, m]) => window.__lunrSearch(q, m)", [q, mode])
                    tl.append(r["ms"])
                res[mode] = (r, med(tl))
            want = expected_count(rows, id_query(q), index["topics"])
            target = targets.get(label)

            def mark(top, hits_n, who):
                if not target:
                    return ""
                named[who][0] += bool(top[:1]) and top[0] in target
                named[who][1] += bool(target & set(top))
                return (" top1" if top[:1] and top[0] in target else " top5" if target & set(top) else
                        " (in results)" if hits_n else " MISSED")

            rp, tp = res["prepared"]
            rr, tr = res["raw"]
            if top_c:
                n += 1
                agree1 += rp["top"][:1] == top_c[:1]
                agree5 += len(set(rp["top"]) & set(top_c)) / len(top_c)
            overlap = f"{len(set(rp['top']) & set(top_c))}/{len(top_c)}" if top_c else "-"
            raw = (f"error {rr['error']}" + mark([], 0, "raw") if rr.get("error")
                   else f"{rr['hits']} hits{mark(rr['top'], rr['hits'], 'raw')}")
            print(f"[lunr]   {label:13s} {q[:24]!r:28s} {med(times):5.1f} ms {hits_c:5d}/{want:<5d}"
                  f"{mark(top_c, hits_c, 'current'):6s} | {tp:6.1f} ms {rp['hits']:5d}/{want:<5d}"
                  f"{mark(rp['top'], rp['hits'], 'prepared'):6s} top5 {overlap:4s} | {tr:5.1f} ms {raw}")
        if n:
            k = sum(1 for label, _ in queries if targets.get(label))
            print(f"[lunr]   the paper a query names ({k} queries; its copies in the synthetic archive count): "
                  + "; ".join(f"{who} top-1 {v[0]}/{k}, top-5 {v[1]}/{k}" for who, v in named.items()))
            print(f"[lunr]   lunr prepared vs current over {n} queries: top-1 agreement {agree1}/{n}, mean top-5 overlap "
                  f"{agree5 / n:.0%} (where thousands of papers tie, both orders are arbitrary); hits as found/expected")
        cur.close()
        lun.close()
    finally:
        server.shutdown()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=Path, help="a built site folder")
    ap.add_argument("--issues", type=int, default=200, help="without --site: build a synthetic archive of N issues")
    ap.add_argument("--runs", type=int, default=5, help="timed repetitions per query")
    ap.add_argument("--end", type=date.fromisoformat, default=date(2026, 7, 1),
                    help="without --site: the newest issue's date (2025-12-31 with --issues 260: one full year)")
    ap.add_argument("--lunr", action="store_true",
                    help="also measure a lunr.py-prebuilt index per year shard (the bench extra) beside the current one")
    args = ap.parse_args()
    chromium = shutil.which("chromium")
    if not chromium:
        print("chromium not found (apt-get install chromium)", file=sys.stderr)
        return 2
    if args.lunr:
        try:
            import lunr  # noqa: F401
        except ImportError:
            print("lunr: the lunr package is not installed (pip install -e '.[bench]'): lunr comparison skipped")
            args.lunr = False
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
        synth_archive(Store.of(cfg), cfg, args.issues, 50, end=args.end)
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
    accented_row = next((r for r in rows if accented in r[5].split("; ")), sample)
    accented_word = next((w for w in accented.split() if fold(w) != w.lower()), accented)
    crowded = max(rows, key=lambda r: r[5].count("; "))
    last = f"last of {crowded[5].count('; ') + 1}"
    queries = [("zh word", "分割"), ("zh phrase", "医学图像分割"), ("zh two words", "深度学习 诊断"),
               ("zh title", sample[4]), ("en word", "segmentation"), ("en words", "deep learning"), ("author", author),
               ("typo", "segmantation"), ("suffix", "segmenting"), ("no accents", fold(accented)),
               ("accents", accented_word), (last, crowded[5].split("; ")[-1]),
               # ids last: an id loads its whole year (the older half too), and the counts above are the newest shard's
               ("arXiv id", sample[0]), ("versioned id", sample[0] + "v1"), ("arXiv link", "https://arxiv.org/abs/" + sample[0])]
    # the paper a query names (the lunr comparison checks where it ranks)
    # (the synthetic archive repeats the corpus under new ids: a paper's copies, same title and authors, all count)
    def copies(row: list) -> set[str]:
        return {r[0] for r in rows if r[3] == row[3] and r[5] == row[5]}

    targets = {"zh title": copies(sample), "arXiv id": {sample[0]},
               "no accents": copies(accented_row), last: copies(crowded), "versioned id": {sample[0]},
               "arXiv link": {sample[0]}}

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
                print(f"[{ui}] {sum(s['count'] for s in index['shards'])} papers in {len(index['shards'])} half-year shards; "
                      f"newest shard {index['shards'][0]['year']} ({len(rows)} papers) loads first: "
                      f"{first_payload / 1e6:.2f} MB gzipped before the first result")
                print(f"[{ui}] search ready after navigation: median {statistics.median(readies):.0f} ms "
                      f"(runs: {', '.join(f'{r:.0f}' for r in readies)})")
                for label, q in queries:
                    times = []
                    for _ in range(args.runs):
                        times.append(page.evaluate(
                            """q => new Promise(done => { const i = document.querySelector('#paper-search input');
                                      i.value = ''; i.dispatchEvent(new Event('input'));
                                      window.__paperSearchLastQuery = null;
                                      const t0 = performance.now(); i.value = q; i.dispatchEvent(new Event('input'));
                                      // an id may first load its year's other shard: wait for this query's render
                                      (function wait() { const l = window.__paperSearchLastQuery;
                                        if (l && l.q === q) done(performance.now() - t0); else setTimeout(wait, 1); })();
                                    })""", q))
                    found = page.evaluate("window.__paperSearchLastQuery.hits")
                    want = expected_count(rows, id_query(q), index["topics"])
                    print(f"[{ui}]   {label:13s} {q[:24]!r:28s} median {statistics.median(times):6.1f} ms, "
                          f"max {max(times):6.1f} ms; found {found} of {want} expected")
                page.close()
            if args.lunr:
                lunr_section(site, index, rows, queries, browser, args.runs, targets)
            browser.close()
    finally:
        server.shutdown()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
