"""The daily job: sources -> select -> store -> render.

``run_day`` is the only function with network I/O (through ``sources`` and the registered extra sources); the
stages it calls in between (``select_papers``, then ``issue.merge_issue``, shared by every kind) are pure.
Re-running a day is safe: the existing record is merged, never replaced (see ``issue``).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .config import Config
from .enrich import Enricher, EnrichStats
from .links import find_links
from .model import title_key, Dropped, Entry, Paper, Selection
from .select import classify
from .sources import arxiv as arxiv_src
from .judge import apply_verdicts, judge, llm_verdicts
from .institutions import Extractor, Namer
from .sources.signals import hf_signals
from .sources.signals import institutions as fetch_institutions
from .store import Store
from .issue import merge_issue, save_issue
from .kinds import Gathered
from .kinds.registry import DAILY, DAILY_EXTRAS
from .kinds.sources import FIRST

log = logging.getLogger(__name__)



class RunError(Exception):
    """The run cannot go on; the message is one line."""


@dataclass
class SelectResult:
    kept: list[tuple[Paper, Selection]]
    dropped: list[Dropped]
    already_published: int = 0
    replacements_skipped: int = 0


@dataclass
class RunReport:
    date: str | None
    outcome: str  # published | no_announcement | nothing_selected | withdrawn
    candidates: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    by_topic: dict[str, int] = field(default_factory=dict)
    dropped: int = 0
    already_published: int = 0
    metadata_found: int = 0
    metadata_wanted: int = 0
    number: int | None = None
    record: str | None = None
    record_changed: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    llm: EnrichStats | None = None
    llm_note: str = ""
    llm_rejected: int = 0
    glossary_flags: dict[str, list[str]] = field(default_factory=dict)
    signals: list[str] = field(default_factory=list)  # one line per optional remote asked

    @property
    def kept(self) -> int:
        return sum(self.by_topic.values())

    def lines(self, cfg: Config) -> list[str]:
        if self.outcome == "no_announcement":
            return [f"No arXiv announcement{' on ' + self.date if self.date else ''}: no issue today (not an error)."]
        if self.outcome == "withdrawn":
            return [f"The issue of {self.date} was withdrawn by an editor (withdrawn_issues in data/status.yaml): "
                    "not written again (not an error)."]
        types = ", ".join(f"{n} {t}" for t, n in sorted(self.by_type.items()))
        out = [f"arXiv {self.date}: {self.candidates} papers announced ({types})"]
        if self.outcome == "nothing_selected":
            out.append(
                f"WARNING: {self.candidates} papers announced but NONE was selected; no issue written "
                f"(see data/dropped/{(self.date or '')[:4]}/{self.date}.yaml). Check the feed and selection settings."
            )
        else:
            topics = " · ".join(
                f"{cfg.topic(t).name_zh} {t} {n}" if t in cfg.topic_ids else f"{t} {n}"
                for t, n in self.by_topic.items()
            )
            out.append(f"kept {self.kept}: {topics}")
            out.append(f"issue 第 {self.number} 期: {self.record} ({'written' if self.record_changed else 'unchanged'})")
        out.append(
            f"dropped {self.dropped} (logged with reasons), already published earlier {self.already_published}, "
            f"API metadata {self.metadata_found}/{self.metadata_wanted}"
        )
        if self.llm is not None:
            out.append(self.llm.line(cfg) + (f"; {self.llm_rejected} candidates judged off-topic" if self.llm_rejected else ""))
        if self.llm_note:
            out.append(self.llm_note)
        if self.glossary_flags:
            flags = "; ".join(f"{pid}: {', '.join(terms)}" for pid, terms in sorted(self.glossary_flags.items()))
            out.append(f"glossary check: agreed Chinese missing in {len(self.glossary_flags)} abstracts ({flags})")
        out += self.signals
        out.append("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in self.timings.items()))
        return out


# ------------------------------------------------------------------ pure stages


def select_papers(
    papers: list[Paper], cfg: Config, published: dict[str, str], removed: set[str] = frozenset(),
    threshold: int | None = None, priors: dict[str, tuple[str, float]] | None = None,
) -> SelectResult:
    """Keyword selection; ``threshold`` lowers the bar when the LLM judges the candidates afterwards; ``priors``: a
    source's own category prior per paper id (medRxiv categories)."""
    kept: list[tuple[Paper, Selection]] = []
    dropped: list[Dropped] = []
    res = SelectResult(kept, dropped)
    for p in papers:
        s = classify(p, cfg, threshold, (priors or {}).get(p.id))
        why_zh = why_en = None
        replacement = p.announce_type in ("replace", "replace-cross")
        if s.keep and replacement and not cfg.arxiv.include_replacements:
            res.replacements_skipped += 1
            why_zh, why_en = "更新版本（未开启 include_replacements）", "updated version (arxiv.include_replacements is off)"
        elif s.keep and p.id in published and not replacement:
            res.already_published += 1
            why_zh, why_en = f"已于 {published[p.id]} 期收录", f"already listed in the issue of {published[p.id]}"
        elif s.keep and p.id in removed:
            why_zh, why_en = "编辑已移除", "removed by an editor"
        if s.keep and why_zh is None:
            kept.append((p, s))
        elif s.relevance > 0:
            rz = s.reason_zh + (f"；{why_zh}" if why_zh else "")
            re_ = s.reason_en + (f"; {why_en}" if why_en else "")
            dropped.append(Dropped(p.id, p.title, s.topic, s.relevance, rz, re_))
    kept.sort(key=lambda ps: (-ps[1].relevance, ps[0].id))
    for p, s in kept[cfg.selection.max_papers :]:
        dropped.append(
            Dropped(p.id, p.title, s.topic, s.relevance, s.reason_zh + "；超出每期上限", s.reason_en + "; over selection.max_papers")
        )
    del kept[cfg.selection.max_papers :]
    dropped.sort(key=lambda d: (-d.relevance, d.id))
    return res


def _apply_metadata(e: Entry, m: arxiv_src.Metadata) -> None:
    e.comment = m.comment or e.comment
    e.primary_category = m.primary_category or e.primary_category
    e.journal_ref = m.journal_ref or e.journal_ref
    e.doi = m.doi or e.doi
    if m.primary_category and m.primary_category in e.categories:
        # primary first, as arXiv lists it
        e.categories = [m.primary_category] + [c for c in e.categories if c != m.primary_category]


# ------------------------------------------------------------------ the job


@contextlib.contextmanager
def run_lock(data_dir: Path) -> Iterator[None]:
    """One run at a time per data folder (a second one fails at once)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunError(f"another run holds {data_dir / '.lock'}; try again when it has finished") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def run_day(cfg: Config, day: date | None = None, store: Store | None = None, enricher: Enricher | None = None) -> RunReport:
    """Fetch, select, enrich and store one announcement day (``day`` None: whatever the RSS holds now).

    With an ``enricher`` the keyword selector is a generous pre-filter (``llm.prefilter_threshold``) and the LLM's
    relevance decides (``llm.keep_threshold``); a candidate the LLM could not judge falls back to the keyword decision.
    """
    store = store or Store.of(cfg)
    timings: dict[str, float] = {}
    t = time.monotonic()
    try:
        ann = arxiv_src.search_day(cfg.arxiv, day) if day else arxiv_src.fetch_announcement(cfg.arxiv)
    except ValueError as e:
        raise RunError(f"arXiv feed could not be read: {e}") from None
    timings["fetch"] = time.monotonic() - t

    if ann.date and ann.date in store.withdrawn(DAILY):
        return RunReport(date=ann.date, outcome="withdrawn", timings=timings)
    if not ann.papers:
        report = RunReport(date=ann.date or (day.isoformat() if day else None), outcome="no_announcement", timings=timings)
        status = store.load_status()
        days = [d for d in status.get("no_announcement") or [] if d != report.date]
        if report.date:
            days = sorted(days + [report.date], reverse=True)[:20]
        store.save_status(dict(status, last_run={"date": report.date, "outcome": "no_announcement"}, no_announcement=days))
        return report

    assert ann.date is not None
    by_type: dict[str, int] = {}
    for p in ann.papers:
        by_type[p.announce_type] = by_type.get(p.announce_type, 0) + 1

    t = time.monotonic()
    existing = store.series(DAILY).get(ann.date)
    published, next_number = store.series(DAILY).history(except_day=ann.date)
    pre = _extras(cfg, ann, store, published)
    prefilter = cfg.llm.prefilter_threshold if enricher else None
    sel = select_papers(ann.papers + pre.papers, cfg, published, set(existing.removed) if existing else set(), prefilter,
                        pre.priors)
    timings["select"] = time.monotonic() - t

    # the LLM's earlier "not medical AI" verdicts on this day stand when it cannot be asked again (no key, an outage):
    # a rerun must not publish what the LLM turned down
    listed = {e.id for e in existing.entries} if existing else set()
    verdicts = llm_verdicts(store.load_dropped(ann.date), listed)
    if enricher is None:
        apply_verdicts(sel, verdicts, set(verdicts))
    # a paper this issue already lists stays listed (a rerun never takes one out): it is no candidate "not selected"
    sel.dropped[:] = [d for d in sel.dropped if d.id not in listed]
    report = RunReport(
        date=ann.date, outcome="published", candidates=len(ann.papers), by_type=by_type,
        dropped=len(sel.dropped), already_published=sel.already_published, timings=timings,
    )
    if pre.line:
        report.signals.append(pre.line)
    store.save_dropped(ann.date, sel.dropped)

    if not sel.kept and not (existing and existing.entries):
        report.outcome = "nothing_selected"
        _save_status(store, report)
        return report

    fresh = [Entry.from_paper(p, s) for p, s in sel.kept]
    old = {e.id: e for e in existing.entries} if existing else {}
    # metadata only for kept papers the record does not already have it for
    wanted = [e.id for e in fresh if e.source == FIRST
              and not (e.id in old and old[e.id].primary_category and old[e.id].version == e.version)]
    t = time.monotonic()
    meta = arxiv_src.fetch_metadata(cfg.arxiv, wanted) if wanted and not day else {}
    timings["metadata"] = time.monotonic() - t
    for e in fresh:
        if e.id in meta:
            _apply_metadata(e, meta[e.id])
        elif e.id in old:
            for name in ("comment", "primary_category", "journal_ref", "doi", "categories"):
                if getattr(old[e.id], name):
                    setattr(e, name, getattr(old[e.id], name))
    report.metadata_wanted, report.metadata_found = len(wanted), len(meta)
    for e in fresh:  # comments (from the API, now or on an earlier run) often carry the code link
        e.code_links = find_links(e.abstract, e.comment)
    for e in fresh:  # a preprint names its corresponding author's institution
        if e.id in pre.institutions and not (e.id in old and old[e.id].institutions):
            author, place = pre.institutions[e.id]
            e.institutions, e.author_institutions = [place], ([[author, place]] if author else [])
    if cfg.signals.hf and fresh:
        t = time.monotonic()
        signals, remote = hf_signals([e.id for e in fresh if e.source == FIRST], cfg.signals)
        for e in fresh:
            sig = signals.get(e.id)
            if sig is not None:
                e.hf_upvotes, e.hf_repo = sig.upvotes, sig.repo
                if sig.repo and sig.repo.lower() not in {u.lower() for u in e.code_links}:
                    e.code_links.append(sig.repo)
            elif e.id in old and old[e.id].hf_repo:  # not answered this time: keep what an earlier run learnt
                e.hf_upvotes, e.hf_repo = old[e.id].hf_upvotes, old[e.id].hf_repo
                if old[e.id].hf_repo not in e.code_links:
                    e.code_links.append(old[e.id].hf_repo)
        report.signals.append(remote.line())
        timings["signals"] = time.monotonic() - t
    if cfg.signals.institutions and fresh:
        t = time.monotonic()
        _add_institutions(cfg, fresh, old, enricher, report)
        timings["institutions"] = time.monotonic() - t

    if enricher:
        t = time.monotonic()
        fresh = judge(cfg, fresh, old, enricher, sel, report, verdicts)
        timings["enrich"] = time.monotonic() - t
        report.dropped = len(sel.dropped)
        store.save_dropped(ann.date, sorted(sel.dropped, key=lambda d: (-d.relevance, d.id)))
        if not fresh and not old:
            report.outcome = "nothing_selected"
            _save_status(store, report)
            return report

    number = existing.number if existing else next_number
    issue = merge_issue(DAILY, ann.date, number, fresh, existing, cfg, categories=list(cfg.arxiv.categories),
                        candidates=len(ann.papers))
    save_issue(store, DAILY, issue, cfg, report)
    _save_status(store, report)
    return report


def _extras(cfg: Config, ann: arxiv_src.Announcement, store: Store, published: dict[str, str]) -> Gathered:
    """The day's candidates from the registered extra sources (medRxiv/bioRxiv: posted since the previous issue)."""
    previous = max((d for d in published.values() if d < ann.date), default=None)

    @functools.cache
    def known() -> tuple[set[str], set[str]]:
        """The archive's arXiv papers (titles, DOIs): a paper of the same work from another source is not listed
        again.  Read only when a source has candidates to compare."""
        titles, dois = set(), set()
        for issue in store.series(DAILY).all():
            for e in issue.entries:
                if e.source == FIRST:
                    titles.add(title_key(e.title))
                    if e.doi:
                        dois.add(e.doi)
        return titles, dois

    out = Gathered()
    for gather in DAILY_EXTRAS:
        got = gather(cfg, ann.date, previous, ann.papers, known)
        out.papers += got.papers
        out.priors.update(got.priors)
        out.institutions.update(got.institutions)
        out.line = "; ".join(x for x in (out.line, got.line) if x)
    return out


def _add_institutions(cfg: Config, fresh: list[Entry], old: dict[str, Entry], enricher: Enricher | None,
                      report: RunReport) -> None:
    """Institutions for kept papers that have none yet (arXiv HTML, else OpenAlex, else the LLM reading the page's
    author block), their ids and who is where, and their Chinese names."""

    todo = [e for e in fresh if e.source == FIRST  # the arXiv HTML and OpenAlex paths know arXiv papers
            and not (e.id in old and (old[e.id].institutions or "institutions" in old[e.id].edited))]
    extractor = Extractor(cfg, enricher) if enricher is not None else None
    found, remotes = fetch_institutions([(e.id, e.version) for e in todo], cfg.signals,
                                        extract=extractor.names if extractor else None)
    for e in todo:
        if e.id in found:
            f = found[e.id]
            e.institutions, e.institution_ids = list(f.names), list(f.ids)
            e.author_institutions = [[a, n] for a, n in f.links if a]
    report.signals += [r.line() for r in remotes]
    if extractor and extractor.asked:
        report.signals.append(f"institutions: {extractor.asked} author blocks read by the LLM, "
                              f"{extractor.rejected} names not in the page rejected")
    namer = Namer(cfg, enricher)
    for e in fresh:
        prev = old.get(e.id)
        names = e.institutions or (prev.institutions if prev else [])
        if prev and not e.institutions and prev.institutions == names:
            e.institution_ids, e.author_institutions = list(prev.institution_ids), list(prev.author_institutions)
        have = prev.institutions_zh if prev and prev.institutions == names else []
        if not names or (have and all(have)) or (prev and "institutions_zh" in prev.edited):
            continue
        zh = namer.chinese(names)
        e.institutions = list(names)
        e.institutions_zh = [zh.get(n, "") for n in names]
    if namer.asked:
        report.signals.append(f"institution names: {namer.asked} asked of the LLM")


def _save_status(store: Store, report: RunReport) -> None:
    status = store.load_status()
    last = {"date": report.date, "outcome": report.outcome, "candidates": report.candidates, "kept": report.kept}
    if report.number:
        last["number"] = report.number
    status["last_run"] = last
    status.setdefault("no_announcement", [])
    store.save_status(status)
