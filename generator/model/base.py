"""What every kind of issue shares: items with declared field ownership, topic sections, the issue record.

A kind (``generator.kinds``) declares its item type (a subclass of ``Item``) and its issue type (a subclass of
``Issue``) as plain dataclasses; everything written here works for any of them:

* **Field ownership** is declared on the item's fields (``owned(MACHINE)``, ``owned(ENRICHED)``, ...): a rerun
  refreshes machine fields, fills enriched fields while empty, takes the LLM's newest judgement, and never touches a
  field an editor changed (``edited``).  ``Item.owners(...)`` lists them; merge, validate and mark-edits read them.
* **The record** is a plain dict on disk (YAML); ``to_dict``/``from_dict`` are the only place that knows the field
  order, so dumps are stable byte for byte.  An issue type names its items' key (``papers``, ``articles``), the
  header fields that come right after the date (``HEAD``), those kept under ``source:`` (``SOURCE``) and those after
  ``removed`` (``TAIL``).
"""

from __future__ import annotations

import functools
import typing
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

SCHEMA_VERSION = 1

# who owns a field of an item
MACHINE = "machine"  # refreshed from the source on every run unless an editor changed it
ENRICHED = "enriched"  # filled in by enrichment or an editor; starts empty, once set it is kept
LLM = "llm"  # the LLM's judgement: refreshed when a new answer exists, otherwise kept
SIGNAL = "signal"  # a remote's signal (community upvotes): refreshed when that remote answered


def owned(owner: str, **kwargs: Any) -> Any:
    """A dataclass field owned by ``owner`` (see above); ``kwargs`` as for ``dataclasses.field``."""
    return field(metadata={"owner": owner}, **kwargs)


@dataclass
class Item:
    """One item of an issue (a paper, a journal article).  Subclasses set ``ID`` (the id field's name) and may set
    ``OMIT`` (fields left out of the record while they hold the given default)."""

    ID: ClassVar[str] = "id"
    OMIT: ClassVar[dict[str, Any]] = {}

    @property
    def item_id(self) -> str:
        return getattr(self, self.ID)

    @property
    def translated(self) -> bool:
        return bool(getattr(self, "title_zh", "").strip())

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The record's fields, in order (class-level settings such as ``ID`` are no fields)."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def owners(cls, *owners: str) -> tuple[str, ...]:
        """The fields owned by any of ``owners``, in record order."""
        return tuple(f.name for f in fields(cls) if f.metadata.get("owner") in owners)

    @classmethod
    def editable(cls) -> frozenset[str]:
        """Every field a run could overwrite, so an editor's change to it is marked (``edited``) and kept."""
        return frozenset(cls.owners(MACHINE, ENRICHED, LLM, SIGNAL))

    def rank(self) -> tuple:
        """The order inside a section: most relevant first."""
        return (-getattr(self, "relevance", 0), self.item_id)

    def merged_with(self, fresh: "Item") -> "Item":
        """A copy of this item (the record's) updated by ``fresh`` (this run's): fresh machine fields, enriched fields
        filled where still empty, the fresh LLM judgement when there is one, the signals when their remote answered;
        a field in ``edited`` is never touched.  The LLM's topic wins whenever the record holds its judgement, as when
        it was first given: a rerun whose answers come from the cache (or from no LLM at all) must not regroup items
        under the keyword topics."""
        old_edited = getattr(self, "edited")
        merged = type(self).from_dict(self.to_dict())
        kept = lambda name: name not in old_edited  # noqa: E731
        for name in self.owners(MACHINE):
            if kept(name):
                setattr(merged, name, getattr(fresh, name))
        for name in self.owners(ENRICHED):
            if not getattr(self, name) and getattr(fresh, name) and kept(name):
                setattr(merged, name, getattr(fresh, name))
        if getattr(fresh, "enriched_by", ""):
            for name in self.owners(LLM):
                if kept(name):
                    setattr(merged, name, getattr(fresh, name))
        if fresh.signalled():
            for name in self.owners(SIGNAL):
                if kept(name):
                    setattr(merged, name, getattr(fresh, name))
        if kept("topic") and getattr(merged, "llm_topic", ""):
            merged.topic = merged.llm_topic
        return merged

    def signalled(self) -> bool:
        """Whether this item carries an answer of its signal remote (none by default)."""
        return False

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for name, default in self.OMIT.items():
            if out[name] == default:
                del out[name]
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Any:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass
class Section:
    """The items of one topic, in page order."""

    topic: str
    entries: list[Any]


def _read(hint: Any, value: Any) -> Any:
    """A header value from a record as the issue type annotates it (missing values as empty ones)."""
    if hint is int:
        return int(value or 0)
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        return [dict(x) for x in value or []] if typing.get_origin(item) is dict else list(value or [])
    return str(value) if value is not None else ""


@dataclass
class Issue:
    """One issue of a series: the canonical, human-editable record.  Subclasses declare ``KIND`` (the record's
    ``kind:``), ``ITEM`` (the item type), ``ITEMS`` (the items' key in a section) and their header fields."""

    KIND: ClassVar[str] = ""
    ITEM: ClassVar[type] = Item
    ITEMS: ClassVar[str] = "items"
    HEAD: ClassVar[tuple[str, ...]] = ()  # header fields written right after the date
    SOURCE: ClassVar[tuple[str, ...]] = ()  # header fields written under source:
    TAIL: ClassVar[tuple[str, ...]] = ()  # header fields written after removed:

    date: str  # YYYY-MM-DD: names the record
    number: int
    sections: list[Section]
    editor_note_zh: str = ""
    editor_note_en: str = ""
    removed: list[str] = field(default_factory=list)  # item ids an editor took out; never re-added

    @property
    def kind(self) -> str:
        return self.KIND

    @property
    def entries(self) -> list[Any]:
        return [e for s in self.sections for e in s.entries]

    @property
    def year(self) -> str:
        return self.date[:4]

    def header(self) -> dict[str, Any]:
        """The kind's own header values (HEAD, SOURCE and TAIL fields), as the record keeps them."""
        return {name: getattr(self, name) for name in self.HEAD + self.SOURCE + self.TAIL}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"schema": SCHEMA_VERSION, "kind": self.KIND, "date": self.date}
        out.update({name: getattr(self, name) for name in self.HEAD})
        out["number"] = self.number
        out["editor_note"] = {"zh": self.editor_note_zh, "en": self.editor_note_en}
        out["source"] = {name: _copy(getattr(self, name)) for name in self.SOURCE}
        out["removed"] = list(self.removed)
        out.update({name: _copy(getattr(self, name)) for name in self.TAIL})
        out["sections"] = [{"topic": s.topic, self.ITEMS: [e.to_dict() for e in s.entries]} for s in self.sections]
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Any:
        note = d.get("editor_note") or {}
        src = d.get("source") or {}
        hints = _hints(cls)
        head = {name: _read(hints[name], d.get(name) or d["date"]) for name in cls.HEAD}  # a missing HEAD: the date
        head.update({name: _read(hints[name], src.get(name)) for name in cls.SOURCE})
        head.update({name: _read(hints[name], d.get(name)) for name in cls.TAIL})
        return cls(
            date=str(d["date"]), number=int(d["number"]), editor_note_zh=note.get("zh") or "",
            editor_note_en=note.get("en") or "", removed=[str(x) for x in d.get("removed") or []],
            sections=[Section(topic=s["topic"], entries=[cls.ITEM.from_dict(p) for p in s.get(cls.ITEMS) or []])
                      for s in d.get("sections") or []],
            **head)

    def carried(self, existing: "Issue | None", listed: set[str]) -> None:
        """Header values a rerun keeps from the record on disk (nothing by default); ``listed``: the merged items'
        ids."""


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)  # ~0.5 ms a call: once per issue type, not once per record


def _copy(value: Any) -> Any:
    return [dict(x) if isinstance(x, dict) else x for x in value] if isinstance(value, list) else value


@dataclass
class Dropped:
    """A candidate that scored above zero but was not published, and why."""

    id: str
    title: str
    topic: str | None
    relevance: int
    reason_zh: str
    reason_en: str

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

