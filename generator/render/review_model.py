"""The grounded review's numbers, computed from the records: periods, papers listed, counts and their change, term
trends, the most-followed papers, releases, institutions, the recommendation tables (see ``review`` for the pages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from .. import layout
from ..config import Config
from ..links import kind_of
from ..model import SOURCES, Entry, Issue
from ..select import _distinct, _hits
from .highlights import week_bounds

PERIOD_RE = re.compile(r"^(\d{4})(?:-Q([1-4]))?\Z")
TABLE_PER_TOPIC = 5
TOP_N = 10
MIN_TERM_PAPERS = 2  # a term needs this many papers in one of the two periods to be called a trend
DATA_KINDS = ("hf_dataset", "zenodo")


@dataclass(frozen=True)
class Period:
    id: str  # "2025" or "2025-Q2"

    @property
    def year(self) -> int:
        return int(self.id[:4])

    @property
    def quarter(self) -> int | None:
        return int(self.id[-1]) if "-Q" in self.id else None

    @property
    def start(self) -> str:
        return date(self.year, 3 * (self.quarter or 1) - 2, 1).isoformat()

    @property
    def end(self) -> str:
        if self.quarter is None or self.quarter == 4:
            return f"{self.year}-12-31"
        return (date(self.year, 3 * self.quarter + 1, 1) - timedelta(days=1)).isoformat()

    @property
    def previous(self) -> "Period":
        if self.quarter is None:
            return Period(str(self.year - 1))
        return Period(f"{self.year - 1}-Q4") if self.quarter == 1 else Period(f"{self.year}-Q{self.quarter - 1}")

    def holds(self, day: str) -> bool:
        return self.start <= day <= self.end


def periods_of(day: str) -> tuple[Period, Period]:
    """(the year, the quarter) a day belongs to."""
    return Period(day[:4]), Period(f"{day[:4]}-Q{(int(day[5:7]) - 1) // 3 + 1}")


@dataclass
class Listed:
    """A paper of the period and the issue that listed it first."""

    entry: Entry
    day: str
    pinned_weeks: list[str] = field(default_factory=list)  # weekly highlights that pinned it

    @property
    def rank(self) -> int:
        e = self.entry
        return e.llm_relevance if e.llm_relevance is not None else e.relevance


@dataclass
class Change:
    key: str  # a topic id, a source id or a phrase
    now: int
    before: int
    share_now: float = 0.0  # fraction of the period's papers (terms only)
    share_before: float = 0.0

    @property
    def delta(self) -> int:
        return self.now - self.before

    @property
    def points(self) -> float:
        """Change of share in percentage points, rounded for display and for a stable order."""
        return round(100 * (self.share_now - self.share_before), 1)


@dataclass
class Review:
    period: Period
    papers: list[Listed]
    previous_papers: int
    days: list[str]
    complete: bool
    topics: list[Change]
    sources: list[Change]
    rising: list[Change]
    falling: list[Change]
    followed: list[Listed]
    releases: list[tuple[Listed, list[str]]]
    institutions: list[tuple[str, str, int]]  # (name, Chinese name or '', papers)
    table: dict[str, list[Listed]]
    pinned: set[str] = field(default_factory=set)  # the editor's pins (shown as such in the tables)
    intro: dict[str, str] = field(default_factory=dict)
    comments: dict[str, dict[str, str]] = field(default_factory=dict)
    themes: dict[str, list[Any]] = field(default_factory=dict)  # topic -> review_themes.Theme (shown ones)

    @property
    def last_day(self) -> str:
        return max(self.days)


# ------------------------------------------------------------------ counting


def listed_in(issues: list[Issue], period: Period) -> list[Listed]:
    """Each paper of the period once, with the first issue that listed it (issues in date order)."""
    seen: dict[str, Listed] = {}
    for issue in sorted(issues, key=lambda i: i.date):
        if period.holds(issue.date):
            for e in issue.entries:
                seen.setdefault(e.id, Listed(e, issue.date))
    return list(seen.values())


def vocabulary(cfg: Config) -> dict[str, float]:
    """The phrases a term trend is measured on: every topic's include phrases, the method cues and the AI phrases."""
    out: dict[str, float] = {}
    for t in cfg.topics:
        out.update(t.include)
    out.update(dict.fromkeys(cfg.selection.topic_cues, 1.0))
    out.update(dict.fromkeys(cfg.selection.ai_phrases, 1.0))
    return dict(sorted(out.items()))


def terms_of(e: Entry, vocab: dict[str, float]) -> frozenset[str]:
    """The phrases a paper's title and abstract match, each match counted once (``_distinct``), names and metaphors
    aside: what selection would see.  Memoised: a paper is counted in its year, its quarter and the next ones."""
    return _terms(tuple(vocab.items()), e.title, e.abstract)


@lru_cache(maxsize=100_000)
def _terms(vocab: tuple[tuple[str, float], ...], title: str, abstract: str) -> frozenset[str]:
    return frozenset(_distinct(list(_hits(dict(vocab), title, abstract, 1.0).values())))


def _counts(keys: list[str], now: list[str], before: list[str]) -> list[Change]:
    return [Change(k, now.count(k), before.count(k)) for k in keys if now.count(k) or before.count(k)]


def term_trends(now: list[Listed], before: list[Listed], vocab: dict[str, float]) -> tuple[list[Change], list[Change]]:
    """(rising, falling) terms by change of share of papers; empty without papers in both periods."""
    if not now or not before:
        return [], []
    per_now = [terms_of(p.entry, vocab) for p in now]
    per_before = [terms_of(p.entry, vocab) for p in before]
    changes = []
    for phrase in vocab:
        a, b = sum(phrase in s for s in per_now), sum(phrase in s for s in per_before)
        if max(a, b) >= MIN_TERM_PAPERS:
            changes.append(Change(phrase, a, b, a / len(now), b / len(before)))
    rising = sorted((c for c in changes if c.points > 0), key=lambda c: (-c.points, -c.now, c.key))
    falling = sorted((c for c in changes if c.points < 0), key=lambda c: (c.points, -c.before, c.key))
    return rising[:TOP_N], falling[:TOP_N]


def _followed(papers: list[Listed]) -> list[Listed]:
    chosen = [p for p in papers if p.pinned_weeks or p.entry.hf_upvotes]
    chosen.sort(key=lambda p: (-len(p.pinned_weeks), -(p.entry.hf_upvotes or 0), -p.rank, p.entry.id))
    rest = sorted((p for p in papers if p not in chosen), key=lambda p: (-p.rank, p.day, p.entry.id))
    return (chosen + rest)[:TOP_N]


def _releases(papers: list[Listed]) -> list[tuple[Listed, list[str]]]:
    out = []
    for p in sorted(papers, key=lambda p: (-p.rank, p.day, p.entry.id)):
        links = list(p.entry.code_links) + ([p.entry.hf_repo] if p.entry.hf_repo.startswith("https://") and
                                            p.entry.hf_repo not in p.entry.code_links else [])
        if links:
            out.append((p, links))
    return out


def release_counts(releases: list[tuple[Listed, list[str]]]) -> tuple[int, int]:
    """(papers with a code link, papers with a data link)."""
    code = sum(1 for _, links in releases if any(kind_of(u) not in DATA_KINDS for u in links))
    return code, sum(1 for _, links in releases if any(kind_of(u) in DATA_KINDS for u in links))


def _institutions(papers: list[Listed]) -> list[tuple[str, str, int]]:
    count: dict[str, int] = {}
    zh: dict[str, str] = {}
    for p in papers:
        e = p.entry
        names = list(e.institutions)
        for i, name in enumerate(names):
            if name not in names[:i]:
                count[name] = count.get(name, 0) + 1
                if i < len(e.institutions_zh) and e.institutions_zh[i].strip():
                    zh.setdefault(name, e.institutions_zh[i].strip())
    ranked = sorted(count.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_N]
    return [(name, zh.get(name, ""), n) for name, n in ranked]


def _table(cfg: Config, papers: list[Listed], ed: dict) -> dict[str, list[Listed]]:
    removed = set(ed.get("removed") or [])
    by_id = {p.entry.id: p for p in papers}
    pins = [by_id[i] for i in dict.fromkeys(ed.get("pinned") or []) if i in by_id and i not in removed]
    out: dict[str, list[Listed]] = {}
    for t in cfg.topic_ids:
        pinned = [p for p in pins if p.entry.topic == t]
        ranked = sorted((p for p in papers if p.entry.topic == t and p.entry.id not in removed and p not in pinned),
                        key=lambda p: (-p.rank, -(p.entry.hf_upvotes or 0), p.day, p.entry.id))
        if pinned or ranked:
            out[t] = pinned + ranked[: max(0, TABLE_PER_TOPIC - len(pinned))]
    return out


def _pins_by_paper(cfg: Config, highlight_edits: dict[str, Any], period: Period) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for wid, raw in sorted(highlight_edits.items()):
        try:
            monday, _ = week_bounds(wid)
        except ValueError:
            continue
        if period.holds(monday.isoformat()) and isinstance(raw, dict) and isinstance(raw.get("pinned"), list):
            for pid in raw["pinned"]:
                if isinstance(pid, str):
                    out.setdefault(pid, []).append(wid)
    return out


def build_review(cfg: Config, issues: list[Issue], period: Period, editor: dict | None = None,
                 highlight_edits: dict[str, Any] | None = None) -> Review:
    """One period's review from the records (``editor``: its validated editor file; ``highlight_edits``: the
    weekly highlights' editor files, for the pins)."""
    ed = editor or {}
    papers = listed_in(issues, period)
    before = listed_in(issues, period.previous)
    pins = _pins_by_paper(cfg, highlight_edits or {}, period)
    for p in papers:
        p.pinned_weeks = pins.get(p.entry.id, [])
    days = sorted({i.date for i in issues if period.holds(i.date)})
    complete = any(i.date > period.end for i in issues)
    topics = [t for t in cfg.topic_ids] + sorted({p.entry.topic for p in papers + before} - set(cfg.topic_ids))
    rising, falling = term_trends(papers, before, vocabulary(cfg))
    return Review(
        period=period, papers=papers, previous_papers=len(before), days=days, complete=complete,
        topics=_counts(topics, [p.entry.topic for p in papers], [p.entry.topic for p in before]),
        sources=_counts(list(SOURCES), [p.entry.source for p in papers], [p.entry.source for p in before]),
        rising=rising, falling=falling, followed=_followed(papers), releases=_releases(papers),
        institutions=_institutions(papers), table=_table(cfg, papers, ed), pinned=set(ed.get("pinned") or []),
        intro={k: v for k, v in (ed.get("intro") or {}).items() if isinstance(v, str)},
        comments={t: {k: v for k, v in (c or {}).items() if isinstance(v, str)}
                  for t, c in (ed.get("comments") or {}).items()},
    )


def period_ids(issues: list[Issue]) -> list[str]:
    """Every year and quarter with an issue, newest first (a year before its quarters)."""
    ids = {pid.id for i in issues for pid in periods_of(i.date)}
    return sorted(ids, key=lambda p: (p[:4], "Q9" if len(p) == 4 else p[5:]), reverse=True)


def build_reviews(cfg: Config, issues: list[Issue], editor: dict[str, Any],
                  highlight_edits: dict[str, Any] | None = None) -> list[Review]:
    """Every period's review, newest first.  ``editor``: period id -> its editor file (validated ones only)."""
    return [build_review(cfg, issues, Period(pid), editor.get(pid), highlight_edits) for pid in period_ids(issues)]


# ------------------------------------------------------------------ pages


def contribution(p: Listed, lang: str) -> str:
    e = p.entry
    if lang == "zh":
        return e.summary_zh or e.reason_llm_zh or e.reason_zh
    return e.summary_en or e.reason_en


def entry_href(p: Listed, base: str = "../") -> str:
    """The entry on its issue page, relative to a review page (``review/<period>.md``)."""
    return f"{base}{layout.page(layout.ISSUES, p.day)}#{p.entry.anchor}"


def review_title(r: Review, lang: str) -> str:
    zh = lang == "zh"
    kind = ("季度回顾" if zh else "quarterly review") if r.period.quarter else ("年度回顾" if zh else "year in review")
    head = f"{r.period.id} {kind}" if zh else f"{r.period.id} {kind[0].upper()}{kind[1:]}"
    return head + ("" if r.complete else ("（进行中）" if zh else " (in progress)"))
