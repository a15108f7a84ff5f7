// Paper search for Medical AI Daily: results are papers, found by English or Chinese words, authors, arXiv ids or
// DOIs. The index is compact per-year JSON (see generator/render/search_index.py): the newest year loads with the
// page, older years on request. Every string from the index is inserted as text (textContent), never as HTML.
(function () {
  "use strict";
  var box = document.getElementById("paper-search");
  if (!box) return;
  var root = box.getAttribute("data-root") || "../";
  var prefix = box.getAttribute("data-prefix") || "";
  var lang = box.getAttribute("data-lang") === "en" ? "en" : "zh";
  var input = box.querySelector("input");
  var status = box.querySelector(".paper-search-status");
  var list = box.querySelector(".paper-search-results");
  var more = box.querySelector(".paper-search-more");
  var T = {
    zh: { loading: "正在载入索引…", ready: "已载入 {n} 篇论文（{years}）。", none: "没有找到匹配的论文。",
          found: "找到 {n} 篇", shown: "，显示前 {k} 篇", older: "搜索更早的年份（{y}）", failed: "索引载入失败，请稍后刷新。" },
    en: { loading: "Loading the index…", ready: "{n} papers loaded ({years}).", none: "No paper matches.",
          found: "{n} papers found", shown: ", showing the first {k}", older: "Search older years ({y})", failed: "The index could not be loaded; please reload later." }
  }[lang];
  var LIMIT = 50;
  var manifest = null, rows = [], next = 0, years = [];
  var CJK = /[\u3400-\u9fff]/;

  function fmt(s, v) { return s.replace(/\{(\w+)\}/g, function (_, k) { return v[k]; }); }
  function norm(s) { return (s || "").normalize("NFKC").toLowerCase(); }

  function prepare(r) {
    // r = [id, date, topic, title, title_zh, authors, summary_zh, summary_en, doi]
    return { r: r, title: norm(r[3]) + " \u0001 " + norm(r[4]), authors: norm(r[5]),
             summary: norm(r[6]) + " \u0001 " + norm(r[7]), ids: norm(r[0]) + " " + norm(r[8]) };
  }

  var inflight = {};  // shard index -> its one fetch, however many keystrokes ask for it

  function fetchShard(i) {
    if (inflight[i]) return inflight[i];
    var shard = manifest.shards[i];
    return inflight[i] = fetch(root + "assets/search/" + shard.file).then(function (res) {
      if (!res.ok) throw new Error("HTTP " + res.status);
      return res.json();
    }).then(function (data) {
      for (var j = 0; j < data.papers.length; j++) rows.push(prepare(data.papers[j]));
      years.push(shard.year);
    });
  }

  function load(i) {  // the next year not loaded yet, from shard i on
    while (i < manifest.shards.length && years.indexOf(manifest.shards[i].year) >= 0) i++;
    if (i >= manifest.shards.length) { next = i; return Promise.resolve(); }
    return fetchShard(i).then(function () { next = i + 1; });
  }

  function terms(q) {
    var out = [];
    norm(q).split(/\s+/).forEach(function (t) {
      t = t.replace(/^arxiv:/, "");
      if (!t) return;
      var grams = null, re = null;
      if (CJK.test(t)) {
        if (t.length > 2) {  // a Chinese phrase typed without spaces: also accept its bigrams
          grams = [];
          for (var i = 0; i + 2 <= t.length; i++) grams.push(t.slice(i, i + 2));
        }
      } else {  // Latin script: match at the start of a word ("ct" finds "CT scans", not "prediction")
        re = new RegExp("(^|[^\\p{L}\\p{N}])" + t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "u");
      }
      out.push({ t: t, grams: grams, re: re });
    });
    return out;
  }

  function scoreField(hay, term) {
    if (term.re) return hay.indexOf(term.t) >= 0 && term.re.test(hay) ? 1 : 0;  // cheap test first
    if (hay.indexOf(term.t) >= 0) return 1;
    if (term.grams && term.grams.every(function (g) { return hay.indexOf(g) >= 0; })) return 0.5;
    return 0;
  }

  function score(row, ts) {
    var total = 0;
    for (var i = 0; i < ts.length; i++) {
      var t = ts[i];
      var s = 6 * scoreField(row.ids, t) + 3 * scoreField(row.title, t) + 2 * scoreField(row.authors, t)
            + scoreField(row.summary, t);
      if (!s) return 0;  // every term must match somewhere
      total += s;
    }
    return total;
  }

  function topicName(id) {
    var t = manifest.topics[id];
    return t ? (lang === "zh" ? t[0] : t[1]) : id;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function render(q) {
    list.textContent = "";
    var ts = terms(q);
    if (!ts.length) { status.textContent = fmt(T.ready, { n: rows.length, years: years.join(", ") }); return; }
    var hits = [];
    for (var i = 0; i < rows.length; i++) {
      var s = score(rows[i], ts);
      if (s) hits.push([s, rows[i]]);
    }
    hits.sort(function (a, b) { return b[0] - a[0] || (a[1].r[1] < b[1].r[1] ? 1 : a[1].r[1] > b[1].r[1] ? -1 : 0); });
    status.textContent = hits.length ? fmt(T.found, { n: hits.length }) + (hits.length > LIMIT ? fmt(T.shown, { k: LIMIT }) : "") : T.none;
    hits.slice(0, LIMIT).forEach(function (h) {
      var r = h[1].r, li = el("li", "paper-search-hit");
      var pmid = r[0].indexOf("PMID:") === 0 ? r[0].slice(5) : null;  // a journal-digest article
      var href = root + prefix + (pmid ? "journal/" : "issues/") + r[1].slice(0, 4) + "/" + r[1] + "/#"
        + (pmid ? "pmid-" + pmid : "arxiv-" + r[0].replace("/", "-"));
      var a = el("a", "hit-title", lang === "zh" && r[4] ? r[4] : r[3]);
      a.href = href;
      li.appendChild(a);
      var second = lang === "zh" && r[4] ? r[3] : r[4];
      if (second) li.appendChild(el("div", "hit-second", second));
      li.appendChild(el("div", "hit-meta", r[1] + " · " + topicName(r[2]) + (pmid ? " · PMID " + pmid : " · arXiv:" + r[0]) + (r[5] ? " · " + r[5] : "")));
      list.appendChild(li);
    });
    window.__paperSearchLastQuery = { q: q, hits: hits.length, at: performance.now() };
  }

  function updateMore() {
    if (manifest && next < manifest.shards.length) {
      more.hidden = false;
      more.textContent = fmt(T.older, { y: manifest.shards[next].year });
    } else {
      more.hidden = true;
    }
  }

  status.textContent = T.loading;
  fetch(root + "assets/search/papers-index.json").then(function (res) {
    if (!res.ok) throw new Error("HTTP " + res.status);
    return res.json();
  }).then(function (m) {
    manifest = m;
    return m.shards.length ? load(0) : null;
  }).then(function () {
    window.__paperSearchReady = performance.now();
    updateMore();
    var q = new URLSearchParams(window.location.search).get("q");
    if (q) input.value = q;
    onQuery();
  }).catch(function () { status.textContent = T.failed; });

  // an arXiv id names its month (YYMM): load that year's index (and the next, for late announcements) at once
  function ensureYearsFor(q) {
    var m = /(?:^|\s)(?:arxiv:)?(\d{2})(\d{2})\.\d{4,5}/i.exec(q);
    if (!m || !manifest) return null;
    var wanted = ["20" + m[1], String(Number("20" + m[1]) + 1)];
    var todo = [];
    manifest.shards.forEach(function (s, i) {
      if (wanted.indexOf(s.year) >= 0 && years.indexOf(s.year) < 0) todo.push(i);
    });
    if (!todo.length) return null;
    return Promise.all(todo.map(fetchShard)).then(function () {
      while (next < manifest.shards.length && years.indexOf(manifest.shards[next].year) >= 0) next++;
      updateMore();
    });
  }

  function onQuery() {
    if (!manifest) return;
    var q = input.value, pending = ensureYearsFor(q);
    if (pending) pending.then(function () { render(input.value); });
    else render(q);
  }

  input.addEventListener("input", onQuery);
  more.addEventListener("click", function () {
    more.disabled = true;
    load(next).then(function () { more.disabled = false; updateMore(); render(input.value); });
  });
})();
