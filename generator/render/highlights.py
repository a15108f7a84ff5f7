"""Weekly highlights (本周精选): the week's top papers per topic, a yearly page, and a feed.

A week is an ISO week (Monday to Sunday) with at least one daily issue.  Its picks are computed from that week's
records every time the site is rendered: per topic the ``highlights.per_topic`` papers with the highest relevance
(the LLM's when there is one, else the keyword score), Hugging Face upvotes breaking ties, at most
``highlights.max_items`` in all.  Editors steer a week with ``data/highlights/YYYY-Www.yaml``:

    pinned: ['2506.05361']        # always in, listed first, in this order
    removed: ['2506.01234']       # never in
    note: {zh: '...', en: '...'}  # shown at the top of the week
    comments: {'2506.05361': '...'}   # replaces the key-contribution line of that paper

The file is the only human input and nothing generated ever writes it, so a pin survives every regeneration.
The note and the comments are editors' text: they reach the page only through ``sanitize`` (a Markdown subset).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .. import layout
from ..layout import data_path
from ..config import Config
from ..model import ARXIV_ID_RE, Entry, Issue
from . import feeds as feeds_mod
from . import sanitize
from .pages import GENERATED, issue_page_path, source_url
from .templating import front_matter, render
from .text import clean, md_escape, truncate

EDITOR_KEYS = {"pinned", "removed", "note", "comments"}


def week_id(day: str) -> str:
    y, w, _ = date.fromisoformat(day).isocalendar()
    return f"{y}-W{w:02d}"


def week_bounds(wid: str) -> tuple[date, date]:
    year, week = wid.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    return monday, monday + timedelta(days=6)


def editor_path(cfg: Config, wid: str) -> str:
    """The editor's file of a week, as the repository names it."""
    return data_path(cfg, layout.highlights_record(wid))


def page_path(wid: str) -> str:
    return layout.highlights_page(wid)


def year_page_path(year: str) -> str:
    return f"highlights/{year}.md"


@dataclass
class Pick:
    entry: Entry
    day: str  # the issue that listed it
    pinned: bool = False
    comment: str = ""

    @property
    def rank(self) -> int:
        e = self.entry
        return e.llm_relevance if e.llm_relevance is not None else e.relevance


@dataclass
class Week:
    id: str
    days: list[str]
    picks: list[Pick]
    papers: int  # all papers of the week
    note_zh: str = ""
    note_en: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def last_day(self) -> str:
        return max(self.days)


def check_editor_file(raw: Any, path: str) -> list[str]:
    """Problems in a week's editor file (empty: valid)."""
    if raw is None:
        return []
    if not isinstance(raw, dict):
        return [f"{path}: expected a mapping with pinned:, removed:, note:, comments:"]
    out = [f"{path}: unknown key {k!r} (known: {', '.join(sorted(EDITOR_KEYS))})" for k in raw if k not in EDITOR_KEYS]
    for key in ("pinned", "removed"):
        v = raw.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) and ARXIV_ID_RE.match(x) for x in v):
            out.append(f"{path}: {key}: expected a list of arXiv ids in quotes, like ['2506.05361']")
    note = raw.get("note", {})
    if not isinstance(note, dict) or any(k not in ("zh", "en") or not isinstance(v, (str, type(None))) for k, v in note.items()):
        out.append(f"{path}: note: expected {{zh: '...', en: '...'}}")
    comments = raw.get("comments", {})
    if not isinstance(comments, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in comments.items()):
        out.append(f"{path}: comments: expected a mapping of arXiv id: text")
    return out


def check_editor_text(raw: Any, path: str) -> list[str]:
    """What the page would show as text instead of as written, in a valid editor file's note and comments (for
    ``validate``; rendering never depends on it: a note with a stray tag still renders, sanitised, and the pins hold)."""
    if not isinstance(raw, dict):
        return []
    note = raw.get("note") if isinstance(raw.get("note"), dict) else {}
    comments = raw.get("comments") if isinstance(raw.get("comments"), dict) else {}
    out = [line for lang in ("zh", "en") if isinstance(note.get(lang), str)
           for line in sanitize.report(path, f"note.{lang}", note[lang])]
    return out + [line for pid, text in comments.items() if isinstance(text, str)
                  for line in sanitize.report(f"{path}: comments {pid}", "comment", text)]


def build_weeks(cfg: Config, issues: list[Issue], editor: dict[str, dict]) -> list[Week]:
    """Every week with issues, newest first.  ``editor``: week id -> the editor file's content (validated)."""
    by_week: dict[str, list[Issue]] = {}
    for issue in issues:
        by_week.setdefault(week_id(issue.date), []).append(issue)
    weeks = []
    for wid in sorted(by_week, reverse=True):
        ed = editor.get(wid) or {}
        listed: dict[str, Pick] = {}
        for issue in sorted(by_week[wid], key=lambda i: i.date):
            for e in issue.entries:
                listed.setdefault(e.id, Pick(e, issue.date))
        removed = set(ed.get("removed") or [])
        comments = ed.get("comments") or {}
        picks: list[Pick] = []
        for pid in ed.get("pinned") or []:
            if pid in listed and pid not in removed and all(p.entry.id != pid for p in picks):
                picks.append(Pick(listed[pid].entry, listed[pid].day, pinned=True))
        per_topic: dict[str, int] = {}
        ranked = sorted(listed.values(), key=lambda p: (-p.rank, -(p.entry.hf_upvotes or 0), p.day, p.entry.id))
        for p in ranked:
            if p.entry.id in removed or any(q.entry.id == p.entry.id for q in picks):
                continue
            if per_topic.get(p.entry.topic, 0) >= cfg.highlights.per_topic:
                continue
            per_topic[p.entry.topic] = per_topic.get(p.entry.topic, 0) + 1
            picks.append(p)
        picks = picks[: max(cfg.highlights.max_items, sum(1 for p in picks if p.pinned))]
        for p in picks:
            p.comment = comments.get(p.entry.id, "")
        order = {t: i for i, t in enumerate(cfg.topic_ids)}
        picks.sort(key=lambda p: (not p.pinned, order.get(p.entry.topic, 99), -p.rank, p.entry.id) if not p.pinned
                   else (False, 0, 0, ""))  # pins first, in the editor's order (stable sort)
        note = ed.get("note") or {}
        weeks.append(Week(wid, sorted(i.date for i in by_week[wid]), picks, len(listed),
                          note.get("zh") or "", note.get("en") or ""))
    return weeks


def _contribution(p: Pick, lang: str) -> str:
    e = p.entry
    if p.comment.strip():
        return p.comment
    if lang == "zh":
        return e.summary_zh or e.reason_llm_zh or e.reason_zh
    return e.summary_en or e.reason_en


def week_page(cfg: Config, week: Week) -> str:
    monday, sunday = week_bounds(week.id)
    editor = editor_path(cfg, week.id)
    return render("highlights_week.md.j2", week=week, monday=monday, sunday=sunday, editor=editor,
                  topics={t.id: t for t in cfg.topics}, contribution=_contribution, issue_page_path=issue_page_path,
                  title=f"本周精选 {week.id}", description=f"本周精选 · Weekly highlights {week.id}",
                  edit_url=source_url(cfg, editor), src=f"{data_path(cfg, 'issues/')} and {editor}")


def year_page(cfg: Config, year: str, weeks: list[Week]) -> str:
    out = [front_matter(title=f"年度精选 {year}", edit_url=source_url(cfg, data_path(cfg, "highlights/"))),
           GENERATED.format(src=data_path(cfg, "")), "", f"# 年度精选 · Highlights of {year}", "",
           f"{len(weeks)} 周 weeks · {sum(len(w.picks) for w in weeks)} 篇精选 picks", ""]
    for w in weeks:
        monday, sunday = week_bounds(w.id)
        out += [f"## [{w.id}]({w.id[:4]}/{w.id}.md) · {monday} – {sunday}", ""]
        for p in w.picks:
            e = p.entry
            title = e.title_zh.strip() or e.title
            out.append(f"- [{md_escape(truncate(title, 160))}](../{issue_page_path(p.day)}#{e.anchor})"
                       + (" · 置顶 · pinned" if p.pinned else ""))
        out.append("")
    return "\n".join(out)


def index_page(cfg: Config, lang: str, weeks: list[Week]) -> str:
    zh = lang == "zh"
    base = f"{cfg.site.url}feeds/{lang}/"
    out = [front_matter(title="本周精选" if zh else "Weekly highlights", edit_url=source_url(cfg, data_path(cfg, "highlights/"))),
           GENERATED.format(src=data_path(cfg, "")), "", f"# {'本周精选' if zh else 'Weekly highlights'}", "",
           ("每周从各期中按专题挑出最相关的论文（编辑可置顶或移除），附推荐表。" if zh else
            "Each week, the most relevant papers of the week's issues per topic (editors can pin or remove papers), "
            "with a short recommendation table."), "",
           f"{'订阅' if zh else 'Feed'}: [RSS]({base}highlights.rss.xml) · [Atom]({base}highlights.atom.xml)", ""]
    years = sorted({w.id[:4] for w in weeks}, reverse=True)
    for y in years:
        out += [f"## [{y}]({y}.md)", ""]
        for w in [w for w in weeks if w.id[:4] == y]:
            monday, sunday = week_bounds(w.id)
            out.append(f"- [{w.id}]({y}/{w.id}.md) · {monday} – {sunday} · {len(w.picks)} {'篇' if zh else 'picks'}")
        out.append("")
    if not weeks:
        out += ["还没有发布任何一期。" if zh else "No issue has been published yet.", ""]
    return "\n".join(out)


def highlights_pages(cfg: Config, weeks: list[Week]) -> dict[str, str]:
    out: dict[str, str] = {}
    for lang in ("zh", "en"):
        out["highlights/index.md" if lang == "zh" else "highlights/index.en.md"] = index_page(cfg, lang, weeks)
    for w in weeks:
        out[page_path(w.id)] = week_page(cfg, w)
    for y in sorted({w.id[:4] for w in weeks}):
        out[year_page_path(y)] = year_page(cfg, y, [w for w in weeks if w.id[:4] == y])
    return out


def highlights_feeds(cfg: Config, weeks: list[Week]) -> list[feeds_mod.FeedFile]:
    files: list[feeds_mod.FeedFile] = []
    recent = weeks[: cfg.feeds.max_issue_items]
    for lang in ("zh", "en"):
        zh = lang == "zh"
        fg = feeds_mod._new_feed(cfg, lang, "highlights", "本周精选" if zh else "Weekly highlights",
                                 "每周一条" if zh else "One item per week", recent[0].last_day if recent else None)
        for w in reversed(recent):
            fe = fg.add_entry()
            tag = feeds_mod._tag(cfg, w.last_day, f"highlights:{w.id}")
            fe.id(tag)
            fe.title(f"本周精选 {w.id}（{len(w.picks)} 篇）" if zh else f"Weekly highlights {w.id} ({len(w.picks)} papers)")
            fe.link(href=f"{cfg.site.url}{'' if zh else 'en/'}highlights/{w.id[:4]}/{w.id}/", rel="alternate")
            rows = [(None, f"{cfg.site.url}{'' if zh else 'en/'}issues/{p.day[:4]}/{p.day}/#{p.entry.anchor}",
                     (clean(p.entry.title_zh) if zh else "") or clean(p.entry.title), None, _contribution(p, lang))
                    for p in w.picks]
            fe.content(str(feeds_mod.ITEMS.numbered(w.note_zh if zh else w.note_en, rows)), type="html")
            fe.published(feeds_mod._stamp(w.last_day))
            fe.updated(feeds_mod._stamp(w.last_day))
            fe.guid(tag, permalink=False)
        files += feeds_mod._write_pair(fg, cfg, lang, "highlights")
    return files
