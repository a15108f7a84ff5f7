// Personal reading for Medical AI Daily, without an account: everything is kept in this browser (localStorage).
// Readers follow topics, keywords, authors and institutions; entries that match are marked, the home page shows a
// "for you" list, entries of issues published since the last visit are marked new, entries can be marked read (and
// read ones hidden), and saved to a reading list that exports as BibTeX, RIS or JSON. The reading page's view can be
// shared: its filters live in the address (?topic=imaging&kw=segmentation&author=…&inst=…).
// Paper text from the index or the page is only ever inserted as text (textContent), never as HTML.
(function () {
  "use strict";
  var KEY = "maid-reading-v1", SESSION_GAP = 30 * 60 * 1000;  // a visit ends after 30 idle minutes
  var fold = window.__paperSearchFold || function (s) { return (s || "").toLowerCase(); };
  var zh = (document.documentElement.getAttribute("lang") || "zh").indexOf("en") !== 0;
  var T = zh ? {
    save: "收藏", saved: "已收藏", read: "标为已读", isRead: "已读", hideRead: "隐藏已读", onlyFollowed: "只看关注",
    isNew: "新", newTip: "你上次访问之后发布", newCount: "自你上次访问以来有 {n} 篇新论文", followed: "关注：",
    following: "我的关注", topics: "专题", keywords: "关键词", authors: "作者", institutions: "机构", add: "添加",
    remove: "移除", forYou: "为你推荐", list: "阅读列表", empty: "阅读列表是空的：在任一期的论文下点「收藏」。",
    noFollow: "还没有关注任何内容：在下面添加专题、关键词、作者或机构。", noMatch: "已载入的论文中没有匹配你关注的。",
    export: "导出：", clearRead: "清除已读标记", share: "分享这个视图", followThese: "关注这些条件",
    viewing: "正在查看链接中的条件：", more: "查看全部", invite: "关注专题、关键词、作者或机构，这里就会列出为你挑选的论文：",
    page: "我的阅读", loading: "正在载入…", older: "载入更早的论文（{y}）", of: "{n} 篇"
  } : {
    save: "Save", saved: "Saved", read: "Mark read", isRead: "Read", hideRead: "Hide read", onlyFollowed: "Followed only",
    isNew: "New", newTip: "published since your last visit", newCount: "{n} new papers since your last visit",
    followed: "Follows: ", following: "Following", topics: "Topics", keywords: "Keywords", authors: "Authors",
    institutions: "Institutions", add: "Add", remove: "Remove", forYou: "For you", list: "Reading list",
    empty: "Your reading list is empty: press “Save” under any paper of an issue.",
    noFollow: "You follow nothing yet: add topics, keywords, authors or institutions below.",
    noMatch: "No loaded paper matches what you follow.", export: "Export: ", clearRead: "Clear read marks",
    share: "Share this view", followThese: "Follow these", viewing: "Viewing the filters of a shared link: ",
    more: "See all", invite: "Follow topics, keywords, authors or institutions and the papers picked for you show here: ",
    page: "My reading", loading: "Loading…", older: "Load older papers ({y})", of: "{n} papers"
  };
  var KINDS = ["topics", "keywords", "authors", "institutions"];
  var PARAM = { topics: "topic", keywords: "kw", authors: "author", institutions: "inst" };

  function blank() {
    return { v: 1, follow: { topics: [], keywords: [], authors: [], institutions: [] }, read: {}, saved: [],
             hideRead: false, visit: { since: "", latest: "", at: 0 } };
  }
  function load() {
    var s = blank();
    try {
      var got = JSON.parse(localStorage.getItem(KEY) || "null");
      if (got && got.v === 1) {
        KINDS.forEach(function (k) {
          if (got.follow && Array.isArray(got.follow[k])) s.follow[k] = got.follow[k].filter(function (x) { return typeof x === "string"; });
        });
        if (got.read && typeof got.read === "object") s.read = got.read;
        if (Array.isArray(got.saved)) s.saved = got.saved.filter(function (x) { return x && typeof x.id === "string"; });
        s.hideRead = !!got.hideRead;
        if (got.visit && typeof got.visit === "object") s.visit = { since: String(got.visit.since || ""), latest: String(got.visit.latest || ""), at: Number(got.visit.at) || 0 };
      }
    } catch (e) { /* storage unavailable or damaged: start empty */ }
    return s;
  }
  var state = load();
  function store() { try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode: this page only */ } }
  window.__maidReading = { state: function () { return state; } };

  function fmt(s, v) { return s.replace(/\{(\w+)\}/g, function (_, k) { return v[k]; }); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function button(cls, text, onClick) {
    var b = el("button", "md-button reading-button " + cls, text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  // The visit: "new" means an issue dated after the newest issue seen in the previous visit.
  function visit(newest) {
    var now = Date.now();
    if (now - state.visit.at > SESSION_GAP) state.visit.since = state.visit.latest;
    if (newest && newest > state.visit.latest) state.visit.latest = newest;
    state.visit.at = now;
    store();
  }
  function isNew(date) { return !!state.visit.since && date > state.visit.since; }

  // What a follow matches: Latin-script terms at a word start, Chinese anywhere (like the search page)
  function escapeRe(t) { return t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
  function matcher(term) {
    var t = fold(term).trim();
    if (!t) return function () { return false; };
    if (/[\u3400-\u9fff]/.test(t)) return function (hay) { return hay.indexOf(t) >= 0; };
    var re = new RegExp("(^|[^\\p{L}\\p{N}])" + escapeRe(t), "u");
    return function (hay) { return hay.indexOf(t) >= 0 && re.test(hay); };
  }
  // item: {topic, text, authors, institutions} (folded): the follows it matches, as "kind: term"
  function follows(item, f) {
    var hits = [];
    f.topics.forEach(function (t) { if (item.topic === t) hits.push(t); });
    [["keywords", "text"], ["authors", "authors"], ["institutions", "institutions"]].forEach(function (p) {
      f[p[0]].forEach(function (t) { if (matcher(t)(item[p[1]])) hits.push(t); });
    });
    return hits;
  }
  function anyFollow(f) { return KINDS.some(function (k) { return f[k].length; }); }
  function topicLabel(id, topics) { var t = topics && topics[id]; return t ? (zh ? t[0] : t[1]) : id; }

  function toggleSaved(id, date) {
    var at = state.saved.findIndex(function (x) { return x.id === id; });
    if (at >= 0) state.saved.splice(at, 1); else state.saved.push({ id: id, date: date });
    store();
    return at < 0;
  }
  function isSaved(id) { return state.saved.some(function (x) { return x.id === id; }); }

  // ---------------------------------------------------------------- issue pages: marks and tools on each entry
  function entryId(p) { return p.getAttribute("data-arxiv") || (p.getAttribute("data-pmid") ? "PMID:" + p.getAttribute("data-pmid") : ""); }
  function pageDate() { var m = /(\d{4}-\d{2}-\d{2})\/?$/.exec(location.pathname); return m ? m[1] : ""; }
  function text(node, sel) { var n = node.querySelector(sel); return n ? n.textContent : ""; }

  function setupEntries() {
    var papers = Array.prototype.slice.call(document.querySelectorAll(".md-content .paper"));
    if (!papers.length) return;
    var date = pageDate();
    visit(date);
    var bar = el("div", "reading-bar"), fresh = 0;
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", T.page);
    var hide = el("label", "reading-toggle"), box = el("input");
    box.type = "checkbox"; box.checked = state.hideRead;
    hide.appendChild(box); hide.appendChild(document.createTextNode(" " + T.hideRead));
    var only = el("label", "reading-toggle"), obox = el("input");
    obox.type = "checkbox"; obox.checked = new URLSearchParams(location.search).get("only") === "followed";
    only.appendChild(obox); only.appendChild(document.createTextNode(" " + T.onlyFollowed));
    bar.appendChild(hide); bar.appendChild(only);
    var link = el("a", "reading-link", T.page + " →");
    link.href = rootOf() + (zh ? "" : "en/") + "reading/";
    bar.appendChild(link);

    function apply() {
      papers.forEach(function (p) {
        var read = !!state.read[entryId(p)];
        p.classList.toggle("is-read", read);
        p.hidden = (state.hideRead && read) || (obox.checked && !p.classList.contains("is-followed"));
      });
    }
    papers.forEach(function (p) {
      var id = entryId(p);
      if (!id) return;
      var item = { topic: p.getAttribute("data-topic") || "",
                   text: fold(text(p, ".paper-title") + " " + text(p, ".paper-title-en") + " " + text(p, ".paper-title-zh")
                              + " " + text(p, ".paper-summary") + " " + text(p, ".abstract")),
                   authors: fold(text(p, ".paper-authors")),
                   institutions: fold(text(p, ".paper-institutions") + " " + text(p, ".paper-affiliations")) };
      var meta = p.querySelector(".paper-meta");
      if (isNew(date)) {
        fresh++;
        p.classList.add("is-new");
        var b = el("span", "badge badge-unseen", T.isNew);
        b.title = T.newTip;
        meta.insertBefore(b, meta.firstChild);
      }
      var hits = follows(item, state.follow);
      if (hits.length) {
        p.classList.add("is-followed");
        meta.appendChild(el("span", "badge badge-followed", T.followed + hits.join(", ")));
      }
      var tools = el("div", "reading-tools");
      var save = button("reading-save", isSaved(id) ? T.saved : T.save, function () {
        var now = toggleSaved(id, date);
        save.textContent = now ? T.saved : T.save;
        save.setAttribute("aria-pressed", String(now));
      });
      save.setAttribute("aria-pressed", String(isSaved(id)));
      var read = button("reading-read", state.read[id] ? T.isRead : T.read, function () {
        if (state.read[id]) delete state.read[id]; else state.read[id] = 1;
        store();
        read.textContent = state.read[id] ? T.isRead : T.read;
        read.setAttribute("aria-pressed", String(!!state.read[id]));
        apply();
      });
      read.setAttribute("aria-pressed", String(!!state.read[id]));
      tools.appendChild(save); tools.appendChild(read);
      p.appendChild(tools);
    });
    if (fresh) bar.appendChild(el("span", "reading-new-count", fmt(T.newCount, { n: fresh })));
    box.addEventListener("change", function () { state.hideRead = box.checked; store(); apply(); });
    obox.addEventListener("change", function () {
      var url = new URL(location.href);
      if (obox.checked) url.searchParams.set("only", "followed"); else url.searchParams.delete("only");
      history.replaceState(history.state, "", url.href);
      apply();
    });
    var first = document.querySelector(".md-content .issue-toc") || papers[0];
    first.parentNode.insertBefore(bar, first);
    apply();
  }

  // ---------------------------------------------------------------- the index (the search page's half-year shards)
  function rootOf() {
    var s = document.querySelector("script[src$='assets/javascripts/reading.js']");
    return s ? s.getAttribute("src").replace(/assets\/javascripts\/reading\.js$/, "") : "/";
  }
  function Index(root) {
    this.root = root; this.manifest = null; this.rows = []; this.loaded = 0;
  }
  Index.prototype.open = function () {
    var self = this;
    return fetch(self.root + "assets/search/papers-index.json").then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (m) { self.manifest = m; return self.more(); });
  };
  Index.prototype.hasMore = function () { return this.manifest && this.loaded < this.manifest.shards.length; };
  Index.prototype.more = function () {
    var self = this;
    if (!self.hasMore()) return Promise.resolve();
    var shard = self.manifest.shards[self.loaded++];
    return fetch(self.root + "assets/search/" + shard.file).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (d) { d.papers.forEach(function (r) { self.rows.push(r); }); });
  };
  // r = [id, date, topic, title, title_zh, authors, summary_zh, summary_en, doi(, source(, institutions))]
  function itemOf(r) {
    return { topic: r[2], text: fold(r[3] + " " + r[4] + " " + r[6] + " " + r[7]), authors: fold(r[5]),
             institutions: fold(r[10] || "") };
  }
  function hrefOf(root, r) {
    var pmid = r[0].indexOf("PMID:") === 0 ? r[0].slice(5) : null, source = r[9] || "arxiv";
    return root + (zh ? "" : "en/") + (pmid ? "journal/" : "issues/") + r[1].slice(0, 4) + "/" + r[1] + "/#"
      + (pmid ? "pmid-" + pmid : source + "-" + r[0].replace(/[^A-Za-z0-9._-]/g, "-"));
  }
  function rowItem(root, r, topics, extra) {
    var li = el("li", "reading-hit");
    if (isNew(r[1])) { var b = el("span", "badge badge-unseen", T.isNew); b.title = T.newTip; li.appendChild(b); li.appendChild(document.createTextNode(" ")); }
    var a = el("a", "hit-title", zh && r[4] ? r[4] : r[3]);
    a.href = hrefOf(root, r);
    li.appendChild(a);
    var authors = (r[5] || "").split("; ").filter(Boolean);
    li.appendChild(el("div", "hit-meta", r[1] + " · " + topicLabel(r[2], topics) + " · " + r[0]
      + (authors.length ? " · " + authors.slice(0, 6).join(", ") + (authors.length > 6 ? " et al." : "") : "")
      + (extra ? " · " + extra : "")));
    return li;
  }

  // ---------------------------------------------------------------- exports of the reading list
  function bibEscape(s) {
    return String(s || "").replace(/[\\{}]/g, "").replace(/([&%$#_])/g, "\\$1").replace(/[~^]/g, "");
  }
  function bibtex(rows) {
    return rows.map(function (r) {
      var pmid = r[0].indexOf("PMID:") === 0, source = r[9] || "arxiv", year = r[1].slice(0, 4);
      var key = (pmid ? "pmid" : source) + r[0].replace(/^PMID:/, "").replace(/[^A-Za-z0-9]/g, "");
      var f = [["title", "{" + bibEscape(r[3]) + "}"], ["author", bibEscape((r[5] || "").split("; ").join(" and "))], ["year", year]];
      if (pmid) f.push(["pmid", r[0].slice(5)]);
      else if (source === "arxiv") { f.push(["eprint", r[0]]); f.push(["archiveprefix", "arXiv"]); f.push(["url", "https://arxiv.org/abs/" + r[0]]); }
      if (r[8]) f.push(["doi", bibEscape(r[8])]);
      return "@" + (pmid ? "article" : "misc") + "{" + key + ",\n" + f.map(function (x) { return "  " + x[0] + " = {" + x[1] + "}"; }).join(",\n") + "\n}\n";
    }).join("\n");
  }
  function ris(rows) {
    return rows.map(function (r) {
      var pmid = r[0].indexOf("PMID:") === 0, source = r[9] || "arxiv", clean = function (s) { return String(s || "").replace(/[\r\n]+/g, " "); };
      var out = ["TY  - " + (pmid ? "JOUR" : "GEN"), "TI  - " + clean(r[3])];
      (r[5] || "").split("; ").filter(Boolean).forEach(function (a) { out.push("AU  - " + clean(a)); });
      out.push("PY  - " + r[1].slice(0, 4));
      if (r[8]) out.push("DO  - " + clean(r[8]));
      if (pmid) out.push("AN  - " + r[0].slice(5));
      else if (source === "arxiv") out.push("UR  - https://arxiv.org/abs/" + r[0]);
      out.push("ER  - ");
      return out.join("\r\n");
    }).join("\r\n") + "\r\n";
  }
  function jsonOf(rows) {
    return JSON.stringify(rows.map(function (r) {
      return { id: r[0], issue_date: r[1], topic: r[2], title: r[3], title_zh: r[4],
               authors: (r[5] || "").split("; ").filter(Boolean), doi: r[8] || null, source: r[9] || (r[0].indexOf("PMID:") === 0 ? "pubmed" : "arxiv") };
    }), null, 2) + "\n";
  }
  window.__maidReading.exports = { bibtex: bibtex, ris: ris, json: jsonOf };
  function download(name, type, body) {
    var a = el("a");
    a.href = URL.createObjectURL(new Blob([body], { type: type }));
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  // ---------------------------------------------------------------- the reading page
  function filtersFromUrl() {
    var q = new URLSearchParams(location.search), f = { topics: [], keywords: [], authors: [], institutions: [] }, any = false;
    KINDS.forEach(function (k) { q.getAll(PARAM[k]).forEach(function (v) { if (v.trim()) { f[k].push(v.trim()); any = true; } }); });
    return any ? f : null;
  }
  function shareUrl(f) {
    var url = new URL(location.href.split("?")[0].split("#")[0]);
    KINDS.forEach(function (k) { f[k].forEach(function (v) { url.searchParams.append(PARAM[k], v); }); });
    return url.href;
  }

  function setupReadingPage(app) {
    var root = app.getAttribute("data-root") || "../", index = new Index(root);
    var shared = filtersFromUrl();
    var followBox = app.querySelector(".reading-follows"), forYou = app.querySelector(".reading-for-you"),
        listBox = app.querySelector(".reading-list");
    var status = el("p", "reading-status", T.loading);
    status.setAttribute("aria-live", "polite");
    forYou.appendChild(status);
    var hits = el("ol", "reading-hits");
    forYou.appendChild(hits);
    var more = button("reading-more", "", function () { index.more().then(draw); });
    more.hidden = true;
    forYou.appendChild(more);

    function current() { return shared || state.follow; }
    function drawFollows() {
      followBox.textContent = "";
      var f = current();
      if (shared) {
        var p = el("p", "reading-shared", T.viewing);
        p.appendChild(button("reading-adopt", T.followThese, function () {
          KINDS.forEach(function (k) { shared[k].forEach(function (v) { if (state.follow[k].indexOf(v) < 0) state.follow[k].push(v); }); });
          store(); shared = null; history.replaceState(history.state, "", location.pathname); draw();
        }));
        followBox.appendChild(p);
      }
      var topics = index.manifest ? index.manifest.topics : {};
      var tl = el("fieldset", "reading-topics"), legend = el("legend", null, T.topics);
      tl.appendChild(legend);
      Object.keys(topics).forEach(function (id) {
        var lab = el("label", "reading-topic"), cb = el("input");
        cb.type = "checkbox"; cb.value = id; cb.checked = f.topics.indexOf(id) >= 0; cb.disabled = !!shared;
        cb.addEventListener("change", function () {
          var at = state.follow.topics.indexOf(id);
          if (cb.checked && at < 0) state.follow.topics.push(id);
          if (!cb.checked && at >= 0) state.follow.topics.splice(at, 1);
          store(); draw();
        });
        lab.appendChild(cb); lab.appendChild(document.createTextNode(" " + topicLabel(id, topics)));
        tl.appendChild(lab);
      });
      followBox.appendChild(tl);
      ["keywords", "authors", "institutions"].forEach(function (k) {
        var row = el("div", "reading-kind"), label = el("label", null, T[k]), form = el("form", "reading-add"),
            input = el("input"), chips = el("ul", "reading-chips");
        input.type = "text"; input.name = k; input.id = "reading-" + k; label.htmlFor = input.id;
        form.appendChild(input);
        var add = el("button", "md-button", T.add); add.type = "submit"; form.appendChild(add);
        input.disabled = add.disabled = !!shared;
        form.addEventListener("submit", function (e) {
          e.preventDefault();
          var v = input.value.trim();
          if (v && state.follow[k].indexOf(v) < 0) { state.follow[k].push(v); store(); }
          draw();
          var again = document.getElementById("reading-" + k);
          if (again) again.focus();
        });
        f[k].forEach(function (v) {
          var li = el("li", "reading-chip", v + " ");
          if (!shared) {
            var x = button("reading-remove", "×", function () {
              state.follow[k].splice(state.follow[k].indexOf(v), 1); store(); draw();
            });
            x.setAttribute("aria-label", T.remove + " " + v);
            li.appendChild(x);
          }
          chips.appendChild(li);
        });
        row.appendChild(label); row.appendChild(form); row.appendChild(chips);
        followBox.appendChild(row);
      });
      if (anyFollow(f)) {
        var share = el("a", "reading-share", T.share);
        share.href = shareUrl(f);
        followBox.appendChild(share);
      }
    }
    function drawForYou() {
      hits.textContent = "";
      var f = current(), topics = index.manifest ? index.manifest.topics : {};
      if (!anyFollow(f)) { status.textContent = T.noFollow; more.hidden = true; return; }
      var found = [];
      index.rows.forEach(function (r) { var h = follows(itemOf(r), f); if (h.length) found.push([r, h]); });
      found.sort(function (a, b) { return a[0][1] < b[0][1] ? 1 : a[0][1] > b[0][1] ? -1 : 0; });
      status.textContent = found.length ? fmt(T.of, { n: found.length }) : T.noMatch;
      found.slice(0, 100).forEach(function (x) {
        var li = rowItem(root, x[0], topics, T.followed + x[1].join(", "));
        var id = x[0][0], save = button("reading-save", isSaved(id) ? T.saved : T.save, function () {
          var now = toggleSaved(id, x[0][1]); save.textContent = now ? T.saved : T.save; save.setAttribute("aria-pressed", String(now)); drawList();
        });
        save.setAttribute("aria-pressed", String(isSaved(id)));
        li.appendChild(save);
        hits.appendChild(li);
      });
      more.hidden = !index.hasMore();
      if (!more.hidden) {
        var nextShard = index.manifest.shards[index.loaded];
        more.textContent = fmt(T.older, { y: nextShard.label || nextShard.year });
      }
    }
    function savedRows() {
      var by = {};
      index.rows.forEach(function (r) { by[r[0]] = r; });
      return state.saved.map(function (s) { return by[s.id] || [s.id, s.date || "", "", s.id, "", "", "", "", ""]; });
    }
    function drawList() {
      listBox.textContent = "";
      if (!state.saved.length) { listBox.appendChild(el("p", null, T.empty)); return; }
      var rows = savedRows(), ol = el("ol", "reading-saved"), topics = index.manifest ? index.manifest.topics : {};
      rows.forEach(function (r) {
        var li = rowItem(root, r, topics);
        var x = button("reading-remove", T.remove, function () { toggleSaved(r[0]); drawList(); drawForYou(); });
        li.appendChild(x);
        ol.appendChild(li);
      });
      var bar = el("p", "reading-exports", T.export);
      bar.appendChild(button("reading-export-bib", "BibTeX", function () { download("reading-list.bib", "application/x-bibtex", bibtex(savedRows())); }));
      bar.appendChild(button("reading-export-ris", "RIS", function () { download("reading-list.ris", "application/x-research-info-systems", ris(savedRows())); }));
      bar.appendChild(button("reading-export-json", "JSON", function () { download("reading-list.json", "application/json", jsonOf(savedRows())); }));
      bar.appendChild(button("reading-clear-read", T.clearRead, function () { state.read = {}; store(); }));
      listBox.appendChild(ol);
      listBox.appendChild(bar);
    }
    function draw() { drawFollows(); drawForYou(); drawList(); }
    // saved papers from older years: load their years too
    function loadSavedYears() {
      var years = state.saved.map(function (s) { return (s.date || "").slice(0, 4); });
      var need = index.manifest.shards.filter(function (s, i) { return i >= index.loaded && years.indexOf(s.year) >= 0; });
      if (!need.length) return Promise.resolve();
      return index.more().then(loadSavedYears);
    }
    index.open().then(function () {
      visit(index.manifest.shards.length ? index.rows.reduce(function (m, r) { return r[1] > m ? r[1] : m; }, "") : "");
      return loadSavedYears();
    }).then(function () { draw(); window.__maidReadingReady = true; })
      .catch(function () { status.textContent = "—"; draw(); window.__maidReadingReady = true; });
  }

  // ---------------------------------------------------------------- the home page's "for you"
  function setupHome(box) {
    var root = box.getAttribute("data-root") || "./", index = new Index(root);
    var f = state.follow;
    // the shards back to the last visit (a visit before a half year's first day needs the older half too)
    function sinceLastVisit() {
      var oldest = index.rows.reduce(function (m, r) { return !m || r[1] < m ? r[1] : m; }, "");
      if (index.hasMore() && state.visit.since && oldest > state.visit.since) return index.more().then(sinceLastVisit);
      return null;
    }
    index.open().then(function () {
      visit(index.rows.reduce(function (m, r) { return r[1] > m ? r[1] : m; }, ""));
      return sinceLastVisit();
    }).then(function () {
      var link = el("a", null, T.page + " →");
      link.href = root + (zh ? "" : "en/") + "reading/";
      box.appendChild(el("h2", null, T.forYou));
      var fresh = index.rows.filter(function (r) { return isNew(r[1]); }).length;
      if (fresh) box.appendChild(el("p", "reading-new-count", fmt(T.newCount, { n: fresh })));
      if (!anyFollow(f)) {
        var p = el("p", null, T.invite); p.appendChild(link); box.appendChild(p);
      } else {
        var found = index.rows.filter(function (r) { return follows(itemOf(r), f).length; })
          .sort(function (a, b) { return a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0; });
        if (!found.length) box.appendChild(el("p", null, T.noMatch));
        var ol = el("ol", "reading-hits");
        found.slice(0, 5).forEach(function (r) { ol.appendChild(rowItem(root, r, index.manifest.topics, T.followed + follows(itemOf(r), f).join(", "))); });
        box.appendChild(ol);
        var more = el("p"); more.appendChild(link); box.appendChild(more);
      }
      box.hidden = false;
      window.__maidReadingReady = true;
    }).catch(function () { window.__maidReadingReady = true; });
  }

  var app = document.getElementById("reading-app"), home = document.getElementById("for-you");
  if (app) setupReadingPage(app);
  else if (home) setupHome(home);
  else setupEntries();
  if (!app && !home && !document.querySelector(".md-content .paper")) window.__maidReadingReady = true;
  else if (!app && !home) window.__maidReadingReady = true;
})();
