"""Watches: the editors' named queries over the records (``watches`` in config.yml), each with a page per interface
(``docs/watches/<id>.md``) and RSS/Atom feeds per language (``feeds/<lang>/watch-<id>.*.xml``).

A paper matches a watch when every criterion the watch gives holds; inside one criterion any value is enough.
Matching is on folded text (case, accents and full-width forms, as the search folds them): a keyword matches whole
words of the title, the Chinese title or the abstract (``segment*`` matches words that start so; a Chinese keyword
matches anywhere; a Chinese character ends a Latin word, as on the search page); an author or institution value
matches when it is part of an author's name or of an institution's English or Chinese name.  Each entry is folded and
split into words once for all watches, and the archive is read once for every watch's page, count and feeds.  Pure: the same records give the same pages and feeds.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property, lru_cache

from ..config import Config, Watch
from ..model import Entry, Issue
from .messages import PHRASES as L, catalogue
from .pages import issue_page_path, source_url
from .search_index import fold
from .templating import render

FOLDER = "watches"


_TOKEN = re.compile(r"[^\W_\u3400-\u9fff]+")  # runs of letters and digits; a Chinese character ends one


@dataclass(frozen=True)
class Keyword:
    """A watch keyword, ready to compare: its folded words (the last one a prefix with ``*``), or Chinese text."""

    words: tuple[str, ...]
    prefix: bool
    cjk: str

    @classmethod
    @lru_cache(maxsize=4096)
    def of(cls, keyword: str) -> "Keyword":
        k = fold(keyword).strip()
        if any("\u3400" <= ch <= "\u9fff" for ch in k):
            return cls((), False, k)
        return cls(tuple(_TOKEN.findall(k)), k.endswith("*"), "")


class Folded:
    """An entry's text as the watches compare it, folded and split into words once however many watches ask."""

    def __init__(self, entry: Entry):
        self.entry = entry

    @cached_property
    def text(self) -> str:
        e = self.entry
        return fold(" ".join((e.title or "", e.title_zh or "", e.abstract or "")))

    @cached_property
    def words(self) -> list[str]:
        return _TOKEN.findall(self.text)

    @cached_property
    def word_set(self) -> frozenset[str]:
        return frozenset(self.words)

    @cached_property
    def sorted_words(self) -> list[str]:
        return sorted(self.word_set)

    @cached_property
    def positions(self) -> dict[str, list[int]]:
        at: dict[str, list[int]] = {}
        for i, w in enumerate(self.words):
            at.setdefault(w, []).append(i)
        return at

    @cached_property
    def authors(self) -> list[str]:
        return [fold(a) for a in self.entry.authors]

    @cached_property
    def places(self) -> list[str]:
        return [fold(x) for x in (*self.entry.institutions, *self.entry.institutions_zh) if x]

    def _has_prefix(self, p: str) -> bool:
        i = bisect_left(self.sorted_words, p)
        return i < len(self.sorted_words) and self.sorted_words[i].startswith(p)

    def has(self, k: Keyword) -> bool:
        if k.cjk:
            return k.cjk in self.text
        if not k.words:
            return False
        if len(k.words) == 1:
            return self._has_prefix(k.words[0]) if k.prefix else k.words[0] in self.word_set
        n, ws = len(k.words), self.words
        for i in self.positions.get(k.words[0], ()):
            tail = ws[i + 1:i + n]
            if len(tail) == n - 1 and tail[:-1] == list(k.words[1:-1]) and (
                    tail[-1].startswith(k.words[-1]) if k.prefix else tail[-1] == k.words[-1]):
                return True
        return False


@lru_cache(maxsize=1024)
def _needles(values: tuple[str, ...]) -> tuple[str, ...]:
    """A watch's author or institution values as they are compared (folded once, not once per paper)."""
    return tuple(fold(v).strip() for v in values)


def matches(watch: Watch, e: Entry, folded: Folded | None = None) -> bool:
    f = folded or Folded(e)
    if watch.topics and e.topic not in watch.topics:
        return False
    if e.relevance < watch.min_relevance:
        return False
    if watch.keywords and not any(f.has(Keyword.of(k)) for k in watch.keywords):
        return False
    if watch.authors and not any(v in n for v in _needles(tuple(watch.authors)) for n in f.authors):
        return False
    if watch.institutions and not any(v in p for v in _needles(tuple(watch.institutions)) for p in f.places):
        return False
    return True


def all_matches(cfg: Config, issues: list[Issue]) -> dict[str, list[tuple[Issue, Entry]]]:
    """Every watch's papers, newest issue first (inside an issue, the issue's order): found in one pass over the
    archive, for the pages, the counts and the feeds of both languages."""
    out: dict[str, list[tuple[Issue, Entry]]] = {w.id: [] for w in cfg.watches}
    if not cfg.watches:
        return out
    for issue in sorted(issues, key=lambda i: i.date, reverse=True):
        for e in issue.entries:
            f = Folded(e)
            for w in cfg.watches:
                if matches(w, e, f):
                    out[w.id].append((issue, e))
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


def watch_pages(cfg: Config, issues: list[Issue],
                found: dict[str, list[tuple[Issue, Entry]]] | None = None) -> dict[str, str]:
    """docs-relative path -> page text: the index and one page per watch, in both interfaces."""
    found = all_matches(cfg, issues) if found is None else found
    out: dict[str, str] = {}
    counts = {w.id: len(found[w.id]) for w in cfg.watches}
    for lang in ("zh", "en"):
        out[page_path("index", lang)] = watches_index(cfg, lang, counts)
        for w in cfg.watches:
            out[page_path(w.id, lang)] = watch_page(cfg, lang, w, found[w.id][: cfg.feeds.topic_page_items])
    return out
