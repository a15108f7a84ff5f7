"""Files on disk, written so that a crash never leaves half of one and a failed command leaves none changed.

``atomic_write`` writes to a temporary file in the same folder, fsyncs it and renames it into place; ``Transaction``
remembers every file a command writes or removes and puts them back if the command fails.
"""

from __future__ import annotations

import logging
import os
import tempfile
from contextvars import ContextVar
from pathlib import Path

log = logging.getLogger(__name__)


_TRANSACTION: ContextVar["Transaction | None"] = ContextVar("transaction", default=None)


class Transaction:
    """All-or-nothing for a command's writes: every file written or removed inside the block is remembered first,
    and if the block raises, each is put back as it was (files created inside it are removed).

    Files under ``keep`` (the cache: LLM answers already paid for) are not rolled back.  A process killed outright
    (SIGKILL) cannot roll back; each file is still whole (atomic renames) and a rerun finishes the job.
    """

    def __init__(self, keep: Path | None = None):
        self.keep = keep.resolve() if keep else None
        self.saved: dict[Path, bytes | None] = {}
        self._token = None

    def remember(self, path: Path) -> None:
        path = path.resolve()
        if path in self.saved or (self.keep and (path == self.keep or self.keep in path.parents)):
            return
        try:
            self.saved[path] = path.read_bytes()
        except FileNotFoundError:
            self.saved[path] = None

    def __enter__(self) -> "Transaction":
        self._token = _TRANSACTION.set(self)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        _TRANSACTION.reset(self._token)
        if exc_type is None or not self.saved:
            return
        for path, data in self.saved.items():
            if data is None:
                path.unlink(missing_ok=True)
            else:
                atomic_write(path, data)
        log.warning("failed: %d files put back as they were", len(self.saved))


def remove(path: Path) -> None:
    """Delete a generated file (remembered by the running transaction)."""
    tx = _TRANSACTION.get()
    if tx is not None:
        tx.remember(path)
    path.unlink()


def atomic_write(path: Path, data: str | bytes) -> bool:
    """Write ``data`` to ``path`` atomically; return False (and write nothing) when unchanged."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.read_bytes() == raw:
            return False
    except FileNotFoundError:
        pass
    tx = _TRANSACTION.get()
    if tx is not None:
        tx.remember(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return True
