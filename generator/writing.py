"""Around every command that writes: one run at a time, valid records first, and all-or-nothing writes."""

from __future__ import annotations

import contextlib
import sys

from .fileio import Transaction
from .pipeline import RunError, run_lock
from .store import Store


@contextlib.contextmanager
def writing(cfg):
    """Around every command that writes: one run at a time, valid records first, and all-or-nothing writes."""
    from .advisory import Advisory
    from .validate import check_records

    with run_lock(cfg.paths.data):
        _, problems = check_records(cfg, Store.of(cfg))
        for p in (p for p in problems if isinstance(p, Advisory)):
            print(f"warning: {p}", file=sys.stderr)  # made harmless at render time; `validate` fails on it
        problems = [p for p in problems if not isinstance(p, Advisory)]
        if problems:
            for p in problems:
                print(p, file=sys.stderr)
            raise RunError(f"{len(problems)} problems in the records (listed above); nothing was written")
        with Transaction(keep=cfg.paths.cache):
            yield
