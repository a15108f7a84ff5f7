"""RSS 2.0 and Atom feeds with feedgen, per language: all papers, one item per issue, per topic.

Deterministic: every date comes from the data (an issue's announcement date at
midnight US Eastern, as arXiv stamps its own feed), never from the clock.
Item ids are tag URIs that contain the arXiv id and the issue date, so they are
stable across rebuilds and unique when a paper is listed again as updated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable
from datetime import date, datetime, time
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from feedgen.feed import FeedGenerator

from .. import layout
from ..config import Config
from ..model import Entry, Issue
from . import watches as watches_mod
from .pages import BADGES, LANGS, institutions_text, issue_url
from .templating import ENV
from .text import clean

EASTERN = ZoneInfo("America/New_York")
FEED_LANG = {"zh": "zh-CN", "en": "en"}
ITEMS = ENV.get_template("feed_items.html.j2").module  # the item bodies, as macros


@dataclass(frozen=True)
class FeedFile:
    path: str  # relative to the feeds folder, e.g. "zh/papers.rss.xml"
    content: bytes


def _stamp(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(0, 0), EASTERN)


def _tag(cfg: Config, day: str, specific: str) -> str:
    host = urlparse(cfg.site.url).hostname or "localhost"
    return f"tag:{host},{day}:{specific}"


def _entry_content(e: Entry, cfg: Config, lang: str) -> str:
    topic = cfg.topic(e.topic) if e.topic in cfg.topic_ids else None
    name = (topic.name_zh if lang == "zh" else topic.name_en) if topic else None
    return str(ITEMS.paper(e, lang, name, BADGES.get(e.announce_type, BADGES["new"]), institutions_text(e)))


def _new_feed(cfg: Config, lang: str, name: str, title: str, subtitle: str, updated: str | None) -> FeedGenerator:
    fg = FeedGenerator()
    site_title = cfg.site.title_zh if lang == "zh" else cfg.site.title_en
    fg.id(_tag(cfg, "2025-01-01", f"feed/{lang}/{name}"))
    fg.title(clean(f"{site_title} · {title}"))
    fg.subtitle(clean(subtitle) or clean(title))  # feedgen refuses control characters; a feed needs a subtitle
    fg.author({"name": site_title})
    fg.language(FEED_LANG[lang])
    fg.generator("Medical AI Daily generator (feedgen)")
    fg.docs("https://www.rssboard.org/rss-specification")
    when = _stamp(updated) if updated else _stamp("2025-01-01")
    fg.updated(when)
    fg.lastBuildDate(when)
    return fg


def _write_pair(fg: FeedGenerator, cfg: Config, lang: str, name: str) -> list[FeedFile]:
    base = f"{cfg.site.url}feeds/{lang}/{name}"
    home = cfg.site.url + ("" if lang == "zh" else "en/")
    out = {}
    for fmt in ("atom", "rss"):
        # each format names itself as "self"
        fg.link(href=home, rel="alternate", replace=True)
        fg.link(href=f"{base}.{fmt}.xml", rel="self")
        out[fmt] = fg.atom_str(pretty=True) if fmt == "atom" else fg.rss_str(pretty=True)
    atom, rss = out["atom"], out["rss"]
    return [FeedFile(f"{lang}/{name}.atom.xml", atom), FeedFile(f"{lang}/{name}.rss.xml", rss)]


def _paper_items(issues: list[Issue], cfg: Config, keep: Callable[[Entry], bool] | None,
                 limit: int) -> list[tuple[Issue, Entry]]:
    """Newest issue first; inside an issue, the issue's own order.  Capped at ``limit``."""
    out: list[tuple[Issue, Entry]] = []
    for issue in sorted(issues, key=lambda i: i.date, reverse=True):
        for e in issue.entries:
            if keep is None or keep(e):
                out.append((issue, e))
                if len(out) >= limit:
                    return out
    return out


def _paper_feed(cfg: Config, issues: list[Issue], lang: str, name: str, title: str, subtitle: str,
                keep: Callable[[Entry], bool] | None, items: list[tuple[Issue, Entry]] | None = None):
    items = _paper_items(issues, cfg, keep, cfg.feeds.max_items) if items is None else items[: cfg.feeds.max_items]
    fg = _new_feed(cfg, lang, name, title, subtitle, items[0][0].date if items else None)
    # feedgen prepends each added entry; add oldest first so the newest comes first in the file
    for issue, e in reversed(items):
        fe = fg.add_entry()
        fe.id(_tag(cfg, issue.date, f"arxiv:{e.id}"))
        title = clean(e.title) or f"arXiv:{e.id}"  # a feed item needs a title even when the paper's is blank
        if lang == "zh" and clean(e.title_zh):
            title = f"{clean(e.title_zh)} | {title}"
        fe.title(title)
        # one link only: feedgen 1.0.0 writes no rel/type on Atom entry links, so a second link would be a
        # second "alternate" (invalid Atom); the arXiv links are in the content
        fe.link(href=issue_url(cfg, issue.date, lang, e.anchor), rel="alternate")
        fe.content(_entry_content(e, cfg, lang), type="html")
        fe.summary(clean(e.summary_zh if lang == "zh" and e.summary_zh.strip() else (e.summary_en or e.reason_en)) or clean(e.title))
        fe.published(_stamp(issue.date))
        fe.updated(_stamp(issue.date))
        fe.guid(_tag(cfg, issue.date, f"arxiv:{e.id}"), permalink=False)
        if e.topic in cfg.topic_ids:
            t = cfg.topic(e.topic)
            fe.category(term=e.topic, label=t.name_zh if lang == "zh" else t.name_en)
    return _write_pair(fg, cfg, lang, name)


def _issue_feed(cfg: Config, issues: list[Issue], lang: str) -> list[FeedFile]:
    newest = sorted(issues, key=lambda i: i.date, reverse=True)[: cfg.feeds.max_issue_items]
    zh = lang == "zh"
    fg = _new_feed(
        cfg, lang, "issues", "每期" if zh else "Issues", "每期一条" if zh else "One item per issue", newest[0].date if newest else None
    )
    for issue in reversed(newest):
        fe = fg.add_entry()
        fe.id(_tag(cfg, issue.date, f"issue:{issue.number}"))
        n = len(issue.entries)
        fe.title(f"第 {issue.number} 期 · {issue.date}（{n} 篇）" if zh else f"Issue {issue.number} · {issue.date} ({n} papers)")
        fe.link(href=issue_url(cfg, issue.date, lang), rel="alternate")
        groups = []
        for s in issue.sections:
            if not s.entries:
                continue
            t = cfg.topic(s.topic) if s.topic in cfg.topic_ids else None
            name = (t.name_zh if zh else t.name_en) if t else s.topic
            groups.append((name, len(s.entries), [((clean(e.title_zh) if zh else "") or clean(e.title) or f"arXiv:{e.id}",
                                                   issue_url(cfg, issue.date, lang, e.anchor)) for e in s.entries]))
        fe.content(str(ITEMS.issue(issue.editor_note_zh if zh else issue.editor_note_en, groups)).rstrip("\n"), type="html")
        fe.published(_stamp(issue.date))
        fe.updated(_stamp(issue.date))
        fe.guid(_tag(cfg, issue.date, f"issue:{issue.number}"), permalink=False)
    return _write_pair(fg, cfg, lang, "issues")


def build_feeds(cfg: Config, issues: list[Issue],
                watch_found: dict[str, list[tuple[Issue, Entry]]] | None = None) -> list[FeedFile]:
    """``watch_found``: each watch's papers (``watches.all_matches``), when the caller has them already."""
    files: list[FeedFile] = []
    found = watches_mod.all_matches(cfg, issues) if watch_found is None else watch_found
    for lang in LANGS:
        zh = lang == "zh"
        files += _paper_feed(cfg, issues, lang, "papers", "全部论文" if zh else "All papers",
                             "每篇入选论文一条" if zh else "One item per selected paper", None)
        files += _issue_feed(cfg, issues, lang)
        for t in cfg.topics:
            name = t.name_zh if zh else t.name_en
            files += _paper_feed(cfg, issues, lang, f"topic-{t.id}", name, t.description_zh if zh else t.description_en,
                                 lambda e, tid=t.id: e.topic == tid)
        for w in cfg.watches:  # the editors' named queries (render/watches.py)
            files += _paper_feed(cfg, issues, lang, f"watch-{w.id}", w.name_zh if zh else w.name_en,
                                 (w.description_zh if zh else w.description_en) or w.name_en, None, found[w.id])
    return files


def review_feeds(cfg: Config, reviews: list, title_of: Callable[[Any, str], str]) -> list[FeedFile]:
    """One item per quarterly or yearly review (``render.review.Review``, newest first): its counts, its editor's
    introduction and the recommendation table's papers per topic, linked to their entries.  An item is dated by
    the period's last issue, so a review in progress moves forward as issues are added."""
    files: list[FeedFile] = []
    recent = reviews[: cfg.feeds.max_issue_items]
    for lang in LANGS:
        zh = lang == "zh"
        newest = max((r.last_day for r in recent), default=None)
        fg = _new_feed(cfg, lang, "reviews", "季度与年度回顾" if zh else "Reviews",
                       "每篇回顾一条" if zh else "One item per quarterly or yearly review", newest)
        for r in sorted(recent, key=lambda r: (r.last_day, r.period.quarter or 0, r.period.id)):
            fe = fg.add_entry()
            tag = _tag(cfg, r.period.start, f"review:{r.period.id}")
            fe.id(tag)
            fe.title(title_of(r, lang))
            fe.link(href=layout.review_url(cfg.site.url, r.period.id, lang), rel="alternate")
            counts = (f"{len(r.papers)} 篇论文 · {len(r.days)} 期 · {r.period.start} – {r.last_day}" if zh else
                      f"{len(r.papers)} papers · {len(r.days)} issues · {r.period.start} – {r.last_day}")
            intro = (r.intro.get(lang) or "").strip()
            groups = []
            for topic, picks in r.table.items():
                t = cfg.topic(topic) if topic in cfg.topic_ids else None
                name = (t.name_zh if zh else t.name_en) if t else topic
                groups.append((name, len(picks), [((clean(p.entry.title_zh) if zh else "") or clean(p.entry.title),
                                                   issue_url(cfg, p.day, lang, p.entry.anchor)) for p in picks]))
            fe.content(str(ITEMS.issue(counts + (f" — {intro}" if intro else ""), groups)).rstrip("\n"), type="html")
            fe.published(_stamp(r.last_day))
            fe.updated(_stamp(r.last_day))
            fe.guid(tag, permalink=False)
        files += _write_pair(fg, cfg, lang, "reviews")
    return files
