"""Watches: the editors' named queries over the records (``watches`` in config.yml), each with a page per interface
(``docs/watches/<id>.md``) and RSS/Atom feeds per language (``feeds/<lang>/watch-<id>.*.xml``).

A paper matches a watch when every criterion the watch gives holds; inside one criterion any value is enough.
Matching is on folded text (case, accents and full-width forms, as the search folds them): a keyword matches whole
words of the title, the Chinese title or the abstract (``segment*`` matches words that start so; a Chinese keyword
matches anywhere); an author or institution value matches when it is part of an author's name or of an
institution's English or Chinese name.  Pure: the same records give the same pages and feeds.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from ..config import Config, Watch
from ..model import Entry, Issue
from .messages import PHRASES as L, catalogue
from .pages import issue_page_path, source_url
from .search_index import fold
from .templating import render

FOLDER = "watches"


@lru_cache(maxsize=512)
def _keyword_re(keyword: str) -> re.Pattern:
    k = fold(keyword).strip()
    if any("\u3400" <= ch <= "\u9fff" for ch in k):
        return re.compile(re.escape(k))
    stem = k.endswith("*")
    body = r"\s+".join(re.escape(w) for w in k.rstrip("*").split())
    return re.compile(rf"(?<!\w){body}" + (r"" if stem else r"(?!\w)"))


def _text(e: Entry) -> str:
    return fold(" ".join((e.title or "", e.title_zh or "", e.abstract or "")))


def matches(watch: Watch, e: Entry, folded: Callable[[Entry], str] = _text) -> bool:
    """``folded``: the entry's title, Chinese title and abstract folded (a cache when many watches ask)."""
    if watch.topics and e.topic not in watch.topics:
        return False
    if e.relevance < watch.min_relevance:
        return False
    if watch.keywords:
        text = folded(e)
        if not any(_keyword_re(k).search(text) for k in watch.keywords):
            return False
    if watch.authors:
        names = [fold(a) for a in e.authors]
        if not any(fold(v).strip() in n for v in watch.authors for n in names):
            return False
    if watch.institutions:
        places = [fold(x) for x in (*e.institutions, *e.institutions_zh) if x]
        if not any(fold(v).strip() in p for v in watch.institutions for p in places):
            return False
    return True


def folding_cache() -> Callable[[Entry], str]:
    """Each entry's folded text computed once for every watch of one render (keyed by the entry object)."""
    seen: dict[int, tuple[Entry, str]] = {}

    def folded(e: Entry) -> str:
        hit = seen.get(id(e))
        if hit is None or hit[0] is not e:
            hit = seen[id(e)] = (e, _text(e))
        return hit[1]

    return folded


def watch_entries(watch: Watch, issues: list[Issue], limit: int,
                  folded: Callable[[Entry], str] = _text) -> list[tuple[Issue, Entry]]:
    """Newest issue first, inside an issue the issue's order; at most ``limit``."""
    out: list[tuple[Issue, Entry]] = []
    for issue in sorted(issues, key=lambda i: i.date, reverse=True):
        for e in issue.entries:
            if matches(watch, e, folded):
                out.append((issue, e))
                if len(out) >= limit:
                    return out
    return out


def page_path(watch_id: str, lang: str) -> str:
    return f"{FOLDER}/{watch_id}{'' if lang == 'zh' else '.' + lang}.md"


def _criteria(cfg: Config, w: Watch, lang: str) -> list[tuple[str, str]]:
    t = L[lang]
    zh = lang == "zh"
    rows = []
    if w.topics:
        names = [(cfg.topic(x).name_zh if zh else cfg.topic(x).name_en) if x in cfg.topic_ids else x for x in w.topics]
        rows.append((t["watch_topics"], names))
    for key, label in (("keywords", "watch_keywords"), ("authors", "watch_authors"),
                       ("institutions", "watch_institutions")):
        if getattr(w, key):
            rows.append((t[label], list(getattr(w, key))))
    out = [(label + (t["watch_any"] if len(vals) > 1 else ""), ("、" if zh else ", ").join(vals)) for label, vals in rows]
    if w.min_relevance:
        out.append((t["relevance"], t["watch_min"].format(n=w.min_relevance)))
    return out


def watch_page(cfg: Config, lang: str, w: Watch, items: list[tuple[Issue, Entry]]) -> str:
    zh = lang == "zh"
    rows = [(issue.date, e, f"../{issue_page_path(issue.date)}#{e.anchor}",
             e.title_zh if zh and (e.title_zh or "").strip() else e.title) for issue, e in items]
    return render("watch_page.md.j2", m=catalogue(lang), lang=lang, w=w, criteria=_criteria(cfg, w, lang),
                  title=w.name_zh if zh else w.name_en, other=w.name_en if zh else w.name_zh,
                  description=w.description_zh if zh else w.description_en,
                  feed=f"{cfg.site.url}feeds/{lang}/watch-{w.id}", rows=rows,
                  edit_url=source_url(cfg, "config.yml"))


def watches_index(cfg: Config, lang: str, counts: dict[str, int]) -> str:
    zh = lang == "zh"
    items = [(w.name_zh if zh else w.name_en, f"{w.id}.md", w.description_zh if zh else w.description_en,
              counts.get(w.id, 0), _criteria(cfg, w, lang)) for w in cfg.watches]
    return render("watches_index.md.j2", m=catalogue(lang), lang=lang, items=items,
                  edit_url=source_url(cfg, "config.yml"))


def watch_pages(cfg: Config, issues: list[Issue]) -> dict[str, str]:
    """docs-relative path -> page text: the index and one page per watch, in both interfaces."""
    out: dict[str, str] = {}
    folded = folding_cache()
    found = {w.id: watch_entries(w, issues, cfg.feeds.topic_page_items, folded) for w in cfg.watches}
    counts = {w.id: sum(matches(w, e, folded) for i in issues for e in i.entries) for w in cfg.watches}
    for lang in ("zh", "en"):
        out[page_path("index", lang)] = watches_index(cfg, lang, counts)
        for w in cfg.watches:
            out[page_path(w.id, lang)] = watch_page(cfg, lang, w, found[w.id])
    return out
