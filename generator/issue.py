"""What a run does with an issue of any kind, once its source has given this run's items: enrich, merge, save.

The kind's job (``pipeline.run_day`` for the daily issue, ``journal.run_week`` for the journal digest) fetches and
selects; the stages here are the same for every kind and, but for the store and the enricher, pure:

* ``enrich_items``: the kind's enrichment task over the items that still need it (cache, budget and breaker are the
  enricher's);
* ``merge_issue``: this run's items combined with the record on disk.  Re-running is safe: the record is merged,
  never replaced - the issue number, fields filled by enrichment or an editor, fields in an item's ``edited``, items
  an editor added, items an editor removed (``removed``) and the editor's notes all survive;
* ``save_issue``: the record written, and what the run report says of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable

from .config import Config
from .model import Section


def group_by_topic(entries: Iterable[Any], cfg: Config, rank: Callable[[Any], tuple] | None = None) -> list[Section]:
    """Sections in config topic order (unknown topics last, by name), items inside ordered by their ``rank``."""
    order = {t: i for i, t in enumerate(cfg.topic_ids)}
    by_topic: dict[str, list] = {}
    for e in entries:
        by_topic.setdefault(e.topic, []).append(e)
    return [Section(t, sorted(es, key=rank or (lambda e: e.rank())))
            for t, es in sorted(by_topic.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))]


def merge_issue(kind: Any, day: str, number: int, fresh: list[Any], existing: Any | None, cfg: Config,
                **header: Any) -> Any:
    """Combine this run's items with the record already on disk (if any).  ``header``: the kind's own header values
    as this run found them; a run without fresh items (regrouping after enrichment) keeps the record's source
    values."""
    old = {e.item_id: e for e in existing.entries} if existing else {}
    removed = set(existing.removed) if existing else set()
    entries: dict[str, Any] = {}
    for e in fresh:
        if e.item_id in removed:
            continue
        entries[e.item_id] = old[e.item_id].merged_with(e) if e.item_id in old else e
    for iid, e in old.items():  # kept by an earlier run or added by an editor
        entries.setdefault(iid, e)
    issue = kind.issue(date=day, number=number, sections=group_by_topic(entries.values(), cfg), **header)
    if existing:
        if not fresh:  # regrouping only: the record keeps what it was fetched with
            for name in kind.issue.SOURCE:
                setattr(issue, name, getattr(existing, name))
        issue.editor_note_zh, issue.editor_note_en = existing.editor_note_zh, existing.editor_note_en
        issue.removed = list(existing.removed)
    issue.carried(existing, set(entries))
    return issue


def enrich_items(task: Any, enricher: Any, items: list[Any]) -> dict[str, Any]:
    """Enrich ``items`` through the kind's ``task``: every valid answer applied (never over an edited field);
    returns {item id: answer or None}."""
    results = enricher.enrich_many([task.input(e) for e in items])
    for e in items:
        r = results.get(e.item_id)
        if r is not None:
            task.apply(e, r, enricher.signature)
    return results


def save_issue(store: Any, kind: Any, issue: Any, cfg: Config, report: Any) -> None:
    """Write the record; the report learns whether it changed, its number, its path and its items per topic."""
    report.record_changed = store.series(kind).save(issue)
    report.number = issue.number
    path: Path = store.series(kind).path(issue.date)
    report.record = str(path.relative_to(cfg.root)) if cfg.root in path.parents else str(path)
    report.by_topic = {s.topic: len(s.entries) for s in issue.sections if s.entries}
