"""The weekly journal digest (文献快递): PubMed -> classify -> dedup against arXiv -> enrich -> store.

``run_week`` is the only function with network I/O (``sources.pubmed`` and the LLM); ``classify_article`` and
``ArchiveIndex`` are pure, and so are the stages every kind shares (``issue``: enrich, merge, save).  The PubMed query is the selection: every article it returns
is listed (unless an earlier journal issue already listed it, an editor removed it, or it is already on the
site from arXiv), classified into a topic and ordered by keyword relevance.

Re-running a week merges with the record on disk as every kind does (``issue.merge_issue``): the issue number,
Chinese summaries, fields an editor changed (``edited``), the editor's comment, articles an editor added and
``removed`` all survive.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from .config import Config
from .enrich import Enricher, EnrichStats
from .issue import enrich_items, merge_issue, save_issue
from .model import title_key, Article, JournalEntry, Paper
from .select import classify
from .sources import pubmed
from .store import Store
from .kinds.registry import DAILY, JOURNAL
from .kinds.sources import FIRST

log = logging.getLogger(__name__)



# ------------------------------------------------------------------ pure stages


def classify_article(a: Article, cfg: Config) -> tuple[str, int, str, str]:
    """(topic, keyword relevance %, reason zh, reason en).  The query already selected the article; this only sorts
    it into a section (``journal.default_topic`` when no topic phrase matches) and orders it."""
    s = classify(Paper(id=a.pmid, version=None, title=a.title, abstract=a.abstract_text, authors=a.authors,
                       categories=[]), cfg)
    topic = s.topic or cfg.journal.default_topic
    t = cfg.topic(topic)
    if s.matched:
        top = "、".join(s.matched[:4]), ", ".join(s.matched[:4])
        return topic, s.relevance, f"{t.name_zh}｜命中：{top[0]}", f"{t.name_en} | matched: {top[1]}"
    return (topic, s.relevance, f"{t.name_zh}｜期刊检索入选，未命中专题关键词",
            f"{t.name_en} | selected by the journal query; no topic phrase matched")


@dataclass
class ArchiveIndex:
    """Papers the daily issue already listed (from any of its sources), by DOI and by title, for the "also on arXiv /
    medRxiv / bioRxiv" links: (paper id, issue date, source)."""

    by_doi: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # doi (lower) -> (id, issue date, source)
    by_title: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, store: Store) -> "ArchiveIndex":
        idx = cls()
        for issue in store.series(DAILY).all():
            for e in issue.entries:
                hit = (e.id, issue.date, e.source)
                # an arXiv paper's own DataCite DOI; a preprint's id is its DOI
                own = f"10.48550/arxiv.{e.id}" if e.source == FIRST else e.id
                idx.by_doi.setdefault(own.lower(), hit)
                if e.doi:  # the published version's DOI, as the source knows it
                    idx.by_doi.setdefault(e.doi.lower(), hit)
                key = title_key(e.title)
                if len(key) >= 20:  # very short titles ("Editorial") would match by accident
                    idx.by_title.setdefault(key, hit)
        return idx

    def find(self, a: Article) -> tuple[str, str, str] | None:
        if a.doi and a.doi.lower() in self.by_doi:
            return self.by_doi[a.doi.lower()]
        return self.by_title.get(title_key(a.title))


def also_entry(a: Article, hit: tuple[str, str, str]) -> dict[str, str]:
    """An "also on ..." link of the record: the source is named only when it is not arXiv (records as before)."""
    pid, day, source = hit
    out = {"pmid": a.pmid, "doi": a.doi or "", "title": a.title, "journal": a.journal_iso, "arxiv_id": pid,
           "arxiv_date": day}
    return out if source == FIRST else dict(out, source=source)


def week_of(end: date, days: int) -> tuple[date, date]:
    return end - timedelta(days=days - 1), end


# ------------------------------------------------------------------ the job


@dataclass
class JournalReport:
    start: str
    date: str
    outcome: str  # published | nothing_found | withdrawn
    query: str = ""
    found: int = 0
    fetched: int = 0
    listed: int = 0
    already_published: int = 0
    removed: int = 0
    also_on_arxiv: int = 0
    by_topic: dict[str, int] = field(default_factory=dict)
    number: int | None = None
    record: str | None = None
    record_changed: bool = False
    llm: EnrichStats | None = None
    llm_note: str = ""
    numbers_flags: dict[str, list[str]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def lines(self, cfg: Config) -> list[str]:
        if self.outcome == "withdrawn":
            return [f"The journal issue of the week to {self.date} was withdrawn by an editor (withdrawn_journal in "
                    "data/status.yaml): not written again (not an error)."]
        out = [f"PubMed {self.start} to {self.date}: {self.found} articles found by the journal query"
               + (f" (first {cfg.journal.max_articles} fetched: journal.max_articles)" if self.found > cfg.journal.max_articles else "")]
        if self.outcome == "nothing_found":
            out.append("no new article this week: no journal issue written (not an error)")
        else:
            topics = " · ".join(f"{cfg.topic(t).name_zh} {t} {n}" for t, n in self.by_topic.items())
            out.append(f"listed {self.listed}: {topics}")
            out.append(f"journal issue 文献快递第 {self.number} 期: {self.record} ({'written' if self.record_changed else 'unchanged'})")
        out.append(f"already in an earlier journal issue {self.already_published}, removed by an editor {self.removed}, "
                   f"also on arXiv (linked, not repeated) {self.also_on_arxiv}")
        if self.llm is not None:
            out.append(self.llm.line(cfg))
        if self.llm_note:
            out.append(self.llm_note)
        for pmid, nums in sorted(self.numbers_flags.items()):
            out.append(f"numbers check: PMID {pmid}: 结果 lacks {', '.join(nums)} from the English results")
        if self.llm is not None and not self.numbers_flags:
            out.append("numbers check: every result number of the English abstracts is in the Chinese 结果")
        out.append("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in self.timings.items()))
        return out


def run_week(cfg: Config, end: date, store: Store, client: pubmed.EUtils,
             enricher: Enricher | None = None) -> JournalReport:
    """Fetch, classify, enrich and store the journal issue of the window ending on ``end``."""
    start, end = week_of(end, cfg.journal.window_days)
    day = end.isoformat()
    timings: dict[str, float] = {}
    if day in store.withdrawn(JOURNAL):
        return JournalReport(start.isoformat(), day, "withdrawn", timings=timings)
    t = time.monotonic()
    window = pubmed.fetch_window(client, cfg.journal, start, end)
    timings["fetch"] = time.monotonic() - t
    report = JournalReport(start.isoformat(), day, "published", window.query, window.count, len(window.articles),
                           timings=timings)

    existing = store.series(JOURNAL).get(day)
    published, next_number = store.series(JOURNAL).history(except_day=day)
    removed = set(existing.removed) if existing else set()
    archive = ArchiveIndex.of(store)
    fresh: list[JournalEntry] = []
    also: list[dict[str, str]] = []
    for a in window.articles:
        if a.pmid in published:
            report.already_published += 1
            continue
        if a.pmid in removed:
            report.removed += 1
            continue
        hit = archive.find(a)
        if hit:
            also.append(also_entry(a, hit))
            continue
        fresh.append(JournalEntry.from_article(a, *classify_article(a, cfg)))
    report.also_on_arxiv = len(also)

    if not fresh and not also and not (existing and existing.entries):
        report.outcome = "nothing_found"
        _save_status(store, report)
        return report

    old = {e.pmid: e for e in existing.entries} if existing else {}
    if enricher:
        t = time.monotonic()
        needs = JOURNAL.task.needs
        fresh_ids = {e.pmid for e in fresh}
        todo = [e for e in fresh if not (e.pmid in old and not needs(old[e.pmid], enricher.signature))]
        todo += [e for pmid, e in old.items() if needs(e, enricher.signature) and pmid not in fresh_ids]
        enrich_items(JOURNAL.task, enricher, todo)
        report.llm = enricher.stats
        timings["enrich"] = time.monotonic() - t

    number = existing.number if existing else next_number
    issue = merge_issue(JOURNAL, day, number, fresh, existing, cfg, start=start.isoformat(),
                        journals=list(cfg.journal.journals), found=window.count, also_on_arxiv=also)
    for e in issue.entries:
        if e.numbers_missing:
            report.numbers_flags[e.pmid] = list(e.numbers_missing)
    save_issue(store, JOURNAL, issue, cfg, report)
    report.listed = len(issue.entries)
    _save_status(store, report)
    return report


def _save_status(store: Store, report: JournalReport) -> None:
    status = store.load_status()
    last = {"start": report.start, "date": report.date, "outcome": report.outcome, "found": report.found,
            "listed": report.listed}
    if report.number:
        last["number"] = report.number
    status["journal_last_run"] = last
    store.save_status(status)
