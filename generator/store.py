"""The canonical records on disk: ``data/``.

    data/issues/YYYY/YYYY-MM-DD.yaml    one issue (the source of truth; editors edit this)
    data/dropped/YYYY/YYYY-MM-DD.yaml   candidates that scored above zero but were not kept, and why
    data/journal/YYYY/YYYY-MM-DD.yaml   one week of the journal digest (文献快递), named by the window's last day
    data/reviews/YYYY[-Qn].yaml         an editor's introduction, comments, pins for a review (never written here)
    data/status.yaml                    the last runs' outcomes, shown on the home page

YAML is dumped with a fixed key order and style, so the same record always
gives the same bytes.  Every write goes to a temporary file in the same folder
and is renamed into place: a crash never leaves half a file.  Every file an
editor can change is read through ``safe_load_record``: anchors and aliases are
refused and a file over MAX_RECORD_BYTES is not read, so no record can make a
command hang or fill the memory.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from . import layout
from .fileio import atomic_write
from .model import Dropped

log = logging.getLogger(__name__)

try:  # the C loader is ~10x faster on a large archive
    _Loader: Any = yaml.CSafeLoader
    _Dumper: Any = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader
    _Dumper = yaml.SafeDumper


class RecordError(Exception):
    """A record on disk cannot be read; the message names the file."""


def dump_yaml(obj: Any) -> str:
    return yaml.dump(
        obj, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100000, indent=2
    )


def load_yaml(path: Path) -> Any:
    return safe_load_record(_read_record(path), path)


# Records are a few hundred KB (a day of 50 papers with Chinese abstracts: ~250 KB); anything far bigger is a mistake
# or an attack, and is refused before it is read into memory or parsed.
MAX_RECORD_BYTES = 2 * 1024 * 1024


def _read_record(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_RECORD_BYTES:
        raise RecordError(_too_big(path, size))
    return path.read_bytes()


def _too_big(name: str | Path, size: int) -> str:
    return f"{name}: {size:,} bytes, more than the {MAX_RECORD_BYTES:,} a record file may have"


def safe_load_record(data: str | bytes, name: str | Path) -> Any:
    """Editor-controlled YAML (a record, an editor file, status) as plain data, or a one-line RecordError naming
    ``name``.  Files over MAX_RECORD_BYTES are refused unread.  While the text is parsed, before any value is built,
    anchors and aliases are refused (a few KB of nested aliases expand to billions of strings in whatever walks the
    result: a JSON dump, a validator; no record the pipeline writes uses them), and so is nesting deeper than
    MAX_RECORD_DEPTH (libyaml's time grows with the square of the depth, 200 KB of '[' took 65 s, and building such a
    value overflows the C stack)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_RECORD_BYTES:
        raise RecordError(_too_big(name, len(raw)))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RecordError(f"{name}: not UTF-8 text") from None
    try:
        _check_events(text, name)
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        if "nesting depth" in str(getattr(e, "problem", "")):  # PyYAML >= 6.0.4 has a depth limit of its own
            raise RecordError(f"{name}:{where}: nested more than {MAX_RECORD_DEPTH} levels deep; records are a few "
                              "levels of mappings and lists") from None
        raise RecordError(f"{name}:{where}: not valid YAML: {getattr(e, 'problem', e)}") from None
    except ValueError as e:  # a value YAML recognises but cannot build: 2025-02-30 unquoted, an int of 5,000 digits
        raise RecordError(f"{name}: a value cannot be read: {str(e)[:120]}") from None


# A record nests 7 deep (issue > sections > section > articles > article > abstract > part); 32 leaves room.
MAX_RECORD_DEPTH = 32
_OPEN, _CLOSE = (yaml.MappingStartEvent, yaml.SequenceStartEvent), (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _check_events(text: str, name: str | Path) -> None:
    """Stream the parser's events (libyaml: ~1/3 of a full load, nothing built) and stop at the first anchor or alias
    or at the first level deeper than MAX_RECORD_DEPTH."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            what = f"alias *{anchor}" if isinstance(event, yaml.AliasEvent) else f"anchor &{anchor}"
            raise RecordError(f"{name}: line {event.start_mark.line + 1}: anchors and aliases are not allowed in "
                              f"records ({what}); write the value out in full")
        if isinstance(event, _OPEN):
            depth += 1
            if depth > MAX_RECORD_DEPTH:
                raise RecordError(f"{name}: line {event.start_mark.line + 1}: nested more than {MAX_RECORD_DEPTH} "
                                  "levels deep; records are a few levels of mappings and lists")
        elif isinstance(event, _CLOSE):
            depth -= 1


def _yaml_files(folder: Path, pattern: str) -> list[Path]:
    """Record files under ``folder``, sorted (temporary files of an interrupted write, ".name.tmp", left out)."""
    return sorted(p for p in folder.glob(pattern) if not p.name.startswith(".")) if folder.exists() else []


# Mixed into the parse cache's keys: change it whenever what a parse accepts changes, so that nothing parsed under
# older rules (a record with aliases, cached before they were refused) is served from the cache.
_CACHE_SALT = b"records-v2\0"


@dataclass
class Store:
    """The records folder.  ``cache_dir`` (optional) keeps parsed records as JSON keyed by their bytes:
    loading YAML costs ~50 ms per issue even with libyaml, JSON ~2 ms, which matters for a five-year archive."""

    data_dir: Path
    cache_dir: Path | None = None

    @classmethod
    def of(cls, cfg) -> "Store":
        """The store a config describes (records in paths.data, parse cache in paths.cache)."""
        return cls(cfg.paths.data, cfg.paths.cache)

    def dropped_path(self, day: str) -> Path:
        return self.data_dir / layout.dropped(day)

    @property
    def status_path(self) -> Path:
        return self.data_dir / layout.STATUS

    # ---------------------------------------------------------------- the numbered series (one per kind)

    def series(self, kind: Any) -> "Series":
        """The records of one kind (``kinds.registry``: the daily issues, the journal digest): one implementation
        for all."""
        return Series(self, kind)

    def load_raw(self, path: Path) -> Any:
        """The record as plain data; parsed once per distinct content when a cache folder is set."""
        data = _read_record(path)
        if self.cache_dir is None:
            return safe_load_record(data, path)
        digest = hashlib.sha1(_CACHE_SALT + data).hexdigest()
        cached = self.cache_dir / "records" / digest[:2] / f"{digest}.json"
        try:
            return json.loads(cached.read_bytes())
        except (FileNotFoundError, ValueError):
            raw = safe_load_record(data, path)
            atomic_write(cached, json.dumps(raw, ensure_ascii=False, separators=(",", ":"), default=str))
            return raw

    # ---------------------------------------------------------------- weekly highlights (editor input only)

    @property
    def highlights_dir(self) -> Path:
        return self.data_dir / layout.HIGHLIGHTS

    def highlight_paths(self) -> list[Path]:
        return _yaml_files(self.highlights_dir, "*.yaml")

    def highlight_edits(self) -> dict[str, Any]:
        """Week id (2025-W23) -> the editor's file content, as written (validated by ``validate``)."""
        return {p.stem: self.load_raw(p) for p in self.highlight_paths()}

    # ---------------------------------------------------------------- reviews (editor input only)

    @property
    def reviews_dir(self) -> Path:
        return self.data_dir / layout.REVIEWS_DATA

    def review_paths(self) -> list[Path]:
        return _yaml_files(self.reviews_dir, "*.yaml")

    def review_edits(self) -> dict[str, Any]:
        """Period id (2025, 2025-Q2) -> the editor's review file content, as written (validated by ``validate``);
        read through ``safe_load_record`` like every file an editor can change."""
        return {p.stem: self.load_raw(p) for p in self.review_paths()}

    # ---------------------------------------------------------------- others

    def dropped_paths(self) -> list[Path]:
        return _yaml_files(self.data_dir / layout.DROPPED, "*/*.yaml")

    def save_dropped(self, day: str, dropped: list[Dropped]) -> bool:
        doc = {"date": day, "dropped": [d.to_dict() for d in dropped]}
        return atomic_write(self.dropped_path(day), dump_yaml(doc))

    def load_dropped(self, day: str) -> list[dict]:
        path = self.dropped_path(day)
        if not path.exists():
            return []
        return list((load_yaml(path) or {}).get("dropped") or [])

    def save_status(self, status: dict) -> bool:
        return atomic_write(self.status_path, dump_yaml(status))

    def withdrawn(self, kind: Any) -> set[str]:
        """Dates of the records of ``kind`` an editor deleted (listed under ``kind.withdrawn`` in the status, see
        edits.mark_edits): no run writes them again."""
        status = self.load_status()
        value = status.get(kind.withdrawn) if isinstance(status, dict) else None
        return {str(d) for d in value} if isinstance(value, list) else set()

    def load_status(self) -> dict:
        if not self.status_path.exists():
            return {}
        return load_yaml(self.status_path) or {}


@dataclass(frozen=True)
class Series:
    """One numbered series of records, named by date in a folder per year: paths, loading, saving, and its history
    (each item's first issue and the next issue number; numbers count from 1 and are never reused or changed)."""

    store: Store
    kind: Any  # a kinds.Kind: its folder, record type and noun

    @property
    def folder(self) -> Path:
        return self.store.data_dir / self.kind.series

    def path(self, day: str) -> Path:
        return self.store.data_dir / layout.record(self.kind.series, day)

    def paths(self) -> list[Path]:
        return _yaml_files(self.folder, "*/*.yaml")

    def load(self, path: Path) -> Any:
        raw = self.store.load_raw(path)
        try:
            return self.kind.issue.from_dict(raw)
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise RecordError(f"{path}: not {self.kind.noun} record ({type(e).__name__}: {e})") from None

    def get(self, day: str) -> Any | None:
        path = self.path(day)
        return self.load(path) if path.exists() else None

    def all(self) -> Iterator[Any]:
        """Every record, oldest first."""
        for p in self.paths():
            yield self.load(p)

    def save(self, issue: Any) -> bool:
        return atomic_write(self.path(issue.date), dump_yaml(issue.to_dict()))

    def history(self, except_day: str | None = None) -> tuple[dict[str, str], int]:
        """One pass over the series, ignoring ``except_day``: (item id -> date of the first issue that listed it, the
        next issue number)."""
        published: dict[str, str] = {}
        highest = 0
        for issue in self.all():
            if issue.date == except_day:
                continue
            highest = max(highest, issue.number)
            for e in issue.entries:
                published.setdefault(e.item_id, issue.date)
        return published, highest + 1
