"""What scheduled work is due, decided from the records and the date - never from what triggered the run.

GitHub keeps one running and at most one pending run per concurrency group, and a newer pending run replaces the
older one, so any scheduled run may never happen; every run therefore asks ``due_work`` first (``catch-up``).
"""

from __future__ import annotations

from datetime import date, timedelta

from .store import Store
from .kinds.registry import DAILY, JOURNAL


def weekdays_before(today: date, n: int) -> list[date]:
    out, d = [], today
    while len(out) < n:
        d -= timedelta(days=1)
        if d.weekday() < 5:
            out.append(d)
    return sorted(out)


def due_work(cfg, store: Store, today: date, days: int, weeks: int) -> tuple[list[date], list[date]]:
    """(journal weeks, announcement days) that are due and not done, oldest first, decided from records and date.

    A journal week ends on a Monday (the weekly schedule's day); every Monday after the newest journal record up to
    today is due, at most ``weeks`` of them. A weekday is done when it has an issue, a drop log (announced, nothing
    kept) or is listed under ``no_announcement`` in the status.
    """
    journal: list[date] = []
    if cfg.journal.enabled and weeks > 0:
        newest = max([p.stem for p in store.series(JOURNAL).paths()] + sorted(store.withdrawn(JOURNAL)), default=None)
        monday = today - timedelta(days=today.weekday())
        while len(journal) < weeks and (newest is None or monday.isoformat() > newest):
            journal.append(monday)
            if newest is None:
                break  # a new archive starts with the current week, not with history
            monday -= timedelta(days=7)
    quiet = {str(d) for d in store.load_status().get("no_announcement") or []} | store.withdrawn(DAILY)
    missing = [d for d in weekdays_before(today, days) if d.isoformat() not in quiet
               and not store.series(DAILY).path(d.isoformat()).exists() and not store.dropped_path(d.isoformat()).exists()]
    return sorted(journal), missing
