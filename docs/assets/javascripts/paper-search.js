// Paper search for Medical AI Daily: results are papers, found by English or Chinese words, authors, arXiv ids or
// DOIs. The index is compact JSON per half year (see generator/render/search_index.py): the newest half year loads
// with the page, older ones on request. Every string from the index is inserted as text (textContent), never as HTML.
// It forgives: pasted links and versioned ids name their paper, accents and full-width forms are folded, English
// suffixes are folded (segmenting finds segmentation), and a long word that matches nothing may carry one slip.
(function () {
  "use strict";
  // fold: the comparison form of text; generator/render/search_index.py:fold is the same rule (a test compares them)
  var MARKS = /[\u0300-\u036f]/g;
  var LETTERS = { "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i" };
  function fold(s) {
    return (s || "").toLowerCase().normalize("NFKD").replace(MARKS, "")
      .replace(/[ßæœøłđðþı]/g, function (c) { return LETTERS[c]; }).normalize("NFKC");
  }
  window.__paperSearchFold = fold;
  var box = document.getElementById("paper-search");
  if (!box) return;
  var root = box.getAttribute("data-root") || "../";
  var prefix = box.getAttribute("data-prefix") || "";
  var lang = box.getAttribute("data-lang") === "en" ? "en" : "zh";
  var input = box.querySelector("input");
  var status = box.querySelector(".paper-search-status");
  var list = box.querySelector(".paper-search-results");
  var more = box.querySelector(".paper-search-more");
  var T = {  // a count's phrase is [one, other]: Chinese has one form, English two ("1 paper found")
    zh: { loading: "正在载入索引…", ready: ["已载入 {n} 篇论文（{years}）。", "已载入 {n} 篇论文（{years}）。"],
          none: "没有找到匹配的论文。", found: ["找到 {n} 篇论文", "找到 {n} 篇论文"], shown: "，显示前 {k} 篇",
          older: "搜索更早的论文（{y}）", failed: "索引载入失败，请稍后刷新。" },
    en: { loading: "Loading the index…", ready: ["{n} paper loaded ({years}).", "{n} papers loaded ({years})."],
          none: "No paper matches.", found: ["{n} paper found", "{n} papers found"], shown: ", showing the first {k}",
          older: "Search older papers ({y})", failed: "The index could not be loaded; please reload later." }
  }[lang];
  var SOURCES = { medrxiv: "medRxiv", biorxiv: "bioRxiv" };
  var LIMIT = 50;
  var manifest = null, rows = [], next = 0, years = [], done = {};  // years: the loaded shards' labels
  var CJK = /[\u3400-\u9fff]/;

  function fmt(s, v) { return s.replace(/\{(\w+)\}/g, function (_, k) { return v[k]; }); }
  function plural(forms, n) { return forms[n === 1 ? 0 : 1]; }

  var topicText = {};  // topic id -> both its names, folded: a topic's name finds its papers in either language
  function prepare(r) {
    // r = [id, date, topic, title, title_zh, authors, summary_zh, summary_en, doi(, source)]
    if (!(r[2] in topicText)) topicText[r[2]] = manifest.topics[r[2]] ? fold(manifest.topics[r[2]].join(" \u0001 ")) : "";
    return { r: r, title: fold(r[3]) + " \u0001 " + fold(r[4]), authors: fold(r[5]), topic: topicText[r[2]],
             summary: fold(r[6]) + " \u0001 " + fold(r[7]), ids: fold(r[0]) + " " + fold(r[8]) };
  }

  // the words of the loaded rows (Latin script, 4+ letters), built when a typo first needs them
  var vocab = null;
  function words() {
    if (vocab) return vocab;
    var seen = new Set();
    rows.forEach(function (row) {
      (row.title + " " + row.authors + " " + row.summary + " " + row.topic).split(/[^a-z]+/).forEach(function (w) {
        if (w.length >= 4) seen.add(w);
      });
    });
    return vocab = Array.from(seen);
  }

  function oneEdit(a, b) {  // at most one inserted, dropped or changed letter, or two neighbours swapped
    var la = a.length, lb = b.length, i = 0;
    if (Math.abs(la - lb) > 1) return false;
    while (i < la && i < lb && a[i] === b[i]) i++;
    if (la === lb) {
      return i === la || a.slice(i + 1) === b.slice(i + 1)
        || (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2));
    }
    return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
  }

  // English suffix folding: segmentation, segmenting, segments -> "segment", matched as a word start
  var SUFFIX = /(?:ations?|ings?|ions?|ies|ied|ed|es|[^siu]s)$/;
  function stem(w) {
    if (!/^[a-z]{5,}$/.test(w)) return w;
    var m = SUFFIX.exec(w), s = w;
    if (m) s = w.slice(0, m.index + (m[0].length === 2 && m[0][1] === "s" && m[0] !== "es" ? 1 : 0));
    if (s.length > 4 && /[ey]$/.test(s)) s = s.slice(0, -1);
    if (s.length > 4 && /([^aeious])\1$/.test(s)) s = s.slice(0, -1);  // modell(ing), fibrill(ation)
    return s.length >= 4 ? s : w;
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
      vocab = null;
      done[i] = true;
      years.push(shard.label || shard.year);
    });
  }

  function load(i) {  // the next shard not loaded yet, from shard i on
    while (i < manifest.shards.length && done[i]) i++;
    if (i >= manifest.shards.length) { next = i; return Promise.resolve(); }
    return fetchShard(i).then(function () { next = i + 1; });
  }

  // a pasted link or a prefixed or versioned id: the id it names, as the index writes it (folded), else null
  var ID_FORMS = [
    /^(?:https?:\/\/)?(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf|html)\/([^?#\s]+?)(?:v\d+)?(?:\.pdf)?\/?(?:[?#]\S*)?$/,
    /^(?:https?:\/\/)?(?:dx\.)?doi\.org\/(10\.[^?#\s]+?)\/?(?:[?#]\S*)?$/,
    /^(?:https?:\/\/)?(?:www\.)?(?:med|bio)rxiv\.org\/content\/(10\.\d+\/[^?#\s]+?)(?:v\d+)?(?:\.full(?:\.pdf|-text)?|\.abstract)?\/?(?:[?#]\S*)?$/,
    /^doi:\s*(10\.\S+?)(?:v\d+)?$/, /^(?:arxiv:\s*)?(\d{4}\.\d{4,5})v\d+$/, /^(10\.1101\/[\d.]+)v\d+$/
  ];
  var PMID_FORMS = [/^(?:https?:\/\/)?(?:pubmed\.ncbi\.nlm\.nih\.gov|(?:www\.)?ncbi\.nlm\.nih\.gov\/pubmed)\/(\d+)\/?(?:[?#]\S*)?$/,
                    /^pmid:?\s*(\d+)$/];
  function idOf(q) {
    var s = fold(q).trim(), m, i;
    for (i = 0; i < PMID_FORMS.length; i++) if ((m = PMID_FORMS[i].exec(s))) return "pmid:" + m[1];
    for (i = 0; i < ID_FORMS.length; i++) if ((m = ID_FORMS[i].exec(s))) {
      try { return decodeURIComponent(m[1]); } catch (e) { return m[1]; }
    }
    return null;
  }

  function escape(t) { return t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
  function startRe(alts) {  // Latin script matches at the start of a word ("ct" finds "CT scans", not "prediction")
    return new RegExp("(^|[^\\p{L}\\p{N}])(?:" + alts.map(escape).join("|") + ")", "u");
  }

  function terms(q) {
    var id = idOf(q);
    if (id) return [{ t: id, re: startRe([id]), alts: [], alt: null, idOnly: true }];
    var out = [];
    fold(q).split(/\s+/).forEach(function (t) {
      t = t.replace(/^(?:arxiv|doi|pmid):/, "");
      if (!t) return;
      var term = { t: t, grams: null, re: null, alts: [], alt: null, fuzzy: /^[a-z]{5,}$/.test(t) };
      if (CJK.test(t)) {
        if (t.length > 2) {  // a Chinese phrase typed without spaces: also accept its bigrams
          term.grams = [];
          for (var i = 0; i + 2 <= t.length; i++) term.grams.push(t.slice(i, i + 2));
        }
      } else {
        term.re = startRe([t]);
        var s = stem(t);
        if (s !== t) { term.alts = [s]; term.alt = startRe(term.alts); }
      }
      out.push(term);
    });
    return out;
  }

  // A long word that matches nothing as typed (nor by its stem) is read as the nearest words of the loaded
  // papers, one edit away; a word that matches something is never second-guessed.
  function forgive(ts) {
    var changed = false;
    ts.forEach(function (t) {
      if (!t.fuzzy || rows.some(function (row) { return matchAny(row, t); })) return;
      var st = stem(t.t), near = words().filter(function (w) {
        return oneEdit(t.t, w) || (st !== t.t && w.length >= st.length && oneEdit(st, w.slice(0, st.length)));
      });
      if (!near.length) return;
      t.alts = t.alts.concat(near);
      t.alt = startRe(t.alts);
      changed = true;
    });
    return changed;
  }

  function has(hay, needles) {
    for (var i = 0; i < needles.length; i++) if (hay.indexOf(needles[i]) >= 0) return true;
    return false;
  }

  function scoreField(hay, term) {
    if (term.re) {  // cheap test first; what was typed ranks above its stem or a correction
      if (hay.indexOf(term.t) >= 0 && term.re.test(hay)) return 1;
      return term.alt && has(hay, term.alts) && term.alt.test(hay) ? 0.7 : 0;
    }
    if (hay.indexOf(term.t) >= 0) return 1;
    if (term.grams && term.grams.every(function (g) { return hay.indexOf(g) >= 0; })) return 0.5;
    return 0;
  }

  function matchAny(row, t) {
    return scoreField(row.title, t) || scoreField(row.authors, t) || scoreField(row.summary, t) || scoreField(row.topic, t);
  }

  function score(row, ts) {
    var total = 0;
    for (var i = 0; i < ts.length; i++) {
      var t = ts[i], s = 6 * scoreField(row.ids, t);
      if (!t.idOnly) {
        s += 3 * scoreField(row.title, t) + 2 * scoreField(row.authors, t) + scoreField(row.summary, t)
          + scoreField(row.topic, t);
      }
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
    keep(q);
    var ts = terms(q);
    if (!ts.length) {
      status.textContent = fmt(plural(T.ready, rows.length), { n: rows.length, years: years.join(", ") });
      return;
    }
    var hits = find(ts);
    if (!hits.length && forgive(ts)) hits = find(ts);
    status.textContent = hits.length
      ? fmt(plural(T.found, hits.length), { n: hits.length }) + (hits.length > LIMIT ? fmt(T.shown, { k: LIMIT }) : "")
      : T.none;
    hits.slice(0, LIMIT).forEach(function (h) { list.appendChild(hit(h[1].r)); });
    window.__paperSearchLastQuery = { q: q, hits: hits.length, at: performance.now() };
  }

  function find(ts) {  // [score, row] of every matching row, best first, then newest first
    var hits = [];
    for (var i = 0; i < rows.length; i++) {
      var s = score(rows[i], ts);
      if (s) hits.push([s, rows[i]]);
    }
    return hits.sort(function (a, b) { return b[0] - a[0] || (a[1].r[1] < b[1].r[1] ? 1 : a[1].r[1] > b[1].r[1] ? -1 : 0); });
  }

  function authorsShort(names) {  // the index holds every author; a result shows the first ten
    var all = names ? names.split("; ") : [];
    return all.slice(0, 10).join(", ") + (all.length > 10 ? " et al." : "");
  }

  function hit(r) {
    var li = el("li", "paper-search-hit"), source = r[9] || "arxiv";
    var pmid = r[0].indexOf("PMID:") === 0 ? r[0].slice(5) : null;  // a journal-digest article
    var href = root + prefix + (pmid ? "journal/" : "issues/") + r[1].slice(0, 4) + "/" + r[1] + "/#"
      + (pmid ? "pmid-" + pmid : source + "-" + r[0].replace(/[^A-Za-z0-9._-]/g, "-"));  // Entry.anchor
    var a = el("a", "hit-title", lang === "zh" && r[4] ? r[4] : r[3]);
    a.href = href;
    li.appendChild(a);
    var second = lang === "zh" && r[4] ? r[3] : r[4];
    if (second) li.appendChild(el("div", "hit-second", second));
    var where = pmid ? " · PMID " + pmid : SOURCES[source] ? " · " + SOURCES[source] + " doi:" + r[0] : " · arXiv:" + r[0];
    li.appendChild(el("div", "hit-meta", r[1] + " · " + topicName(r[2]) + where + (r[5] ? " · " + authorsShort(r[5]) : "")));
    return li;
  }

  // The query lives in the address (?q=, so a search can be shared) and in the language switch's links, so the
  // other interface opens on the same results.  Material's own switch handler (on body) maps the current address
  // through the sitemap and, not finding "?q=" there, would open the other home page: a link that carries a query
  // keeps the click to itself.
  function keepClick(e) { if (new URL(this.href).searchParams.get("q")) e.stopPropagation(); }
  function keep(q) {
    var url = new URL(window.location.href);
    if (q) url.searchParams.set("q", q); else url.searchParams.delete("q");
    if (url.href !== window.location.href) history.replaceState(history.state, "", url.href);
    document.querySelectorAll("a.md-select__link[hreflang]").forEach(function (link) {
      var other = new URL(link.getAttribute("href"), window.location.href);
      if (q) other.searchParams.set("q", q); else other.searchParams.delete("q");
      link.href = other.href;
      link.removeEventListener("click", keepClick);
      link.addEventListener("click", keepClick);
    });
  }

  function updateMore() {
    if (manifest && next < manifest.shards.length) {
      more.hidden = false;
      more.textContent = fmt(T.older, { y: manifest.shards[next].label || manifest.shards[next].year });
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

  // an arXiv id names its month (YYMM), a medRxiv/bioRxiv DOI its posting date: load that year's index (and the
  // next, for late announcements) at once, however the id was typed or pasted
  function ensureYearsFor(q) {
    var id = idOf(q) || q, m = /(?:^|\s)(?:arxiv:)?(\d{2})(\d{2})\.\d{4,5}/i.exec(id), y;
    if (m) y = Number("20" + m[1]);
    else if ((m = /^10\.1101\/(20\d\d)\.\d\d\.\d\d\./.exec(id))) y = Number(m[1]);
    if (!y || !manifest) return null;
    var wanted = [String(y), String(y + 1)];
    var todo = [];
    manifest.shards.forEach(function (s, i) {
      if (wanted.indexOf(s.year) >= 0 && !done[i]) todo.push(i);  // an in-flight shard: its one fetch is awaited
    });
    if (!todo.length) return null;
    return Promise.all(todo.map(fetchShard)).then(function () {
      while (next < manifest.shards.length && done[next]) next++;
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
