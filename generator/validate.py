"""Check edited records and generated files; every message names the file, the paper and the field.

``check_record`` validates one record of any kind against the schema an editor must keep: the header and sections
every record shares here, the kind's own header keys and items by the kind's checks (``kinds/``).  ``check_rendered`` re-renders in memory and reports generated files
that differ from what is on disk - usually a page edited by hand instead of its
record.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any

from .advisory import Advisory, advisory  # noqa: F401  (cli checks isinstance)
from .typecheck import _date_problems, _field_types, _hints, _required, _whole
from .config import Config
from .kinds import Kind
from .layout import data_path
from .model import SCHEMA_VERSION, Dropped
from .render import sanitize
from .render.site import Snapshot, build_all_feeds, compute_pages, stray_files
from .render.highlights import week_id
from .store import RecordError, Store
from .kinds.registry import DAILY, KINDS

# the keys of every record; a kind's header fields (kinds/*: HEAD, TAIL, under source: SOURCE) come on top
TOP_KEYS = ("schema", "kind", "date", "number", "editor_note", "source", "removed", "sections")


def check_record(kind: Kind, raw: Any, path: str, cfg: Config) -> list[str]:
    """Problems in one record of ``kind`` (empty list: valid)."""
    if not isinstance(raw, dict):
        return [f"{path}: the record must be a mapping (date:, number:, sections: ...)"]
    issue = kind.issue
    known = set(TOP_KEYS) | set(issue.HEAD) | set(issue.TAIL)
    hints = {name: hint for name, hint, _ in _hints(issue)}
    source = {name: ("count" if hints[name] is int else "list") for name in issue.SOURCE}
    problems = _header_problems(raw, path, known, data_path(cfg, kind.series), kind.kind, source)
    problems += kind.check_header(raw, path)
    removed = raw.get("removed", [])
    if not isinstance(removed, list) or not all(kind.removed_ok(x) for x in removed):
        problems.append(f"{path}: removed: expected {kind.removed_hint}")
    return problems + _section_problems(raw, path, cfg, kind, removed)


def _section_problems(raw: dict, path: str, cfg: Config, kind: Kind, removed: Any) -> list[str]:
    """The checks every record's sections share: topics, item mappings, section/topic agreement, `edited` names,
    items listed twice or also in `removed`; the kind checks one item's own fields."""
    sections = raw.get("sections", [])
    shape = f"{{topic: ..., {kind.items}: [...]}}"
    if not isinstance(sections, list):
        return [f"{path}: sections: expected a list of {shape}"]
    problems: list[str] = []
    seen: dict[str, str] = {}
    editable = kind.item.editable()
    for i, s in enumerate(sections):
        if not isinstance(s, dict) or "topic" not in s:
            problems.append(f"{path}: sections[{i}]: expected {shape}")
            continue
        topic = s["topic"]
        if topic not in cfg.topic_ids:
            problems.append(f"{path}: sections[{i}]: topic {topic!r} is not a topic in config.yml ({', '.join(cfg.topic_ids)})")
        items = s.get(kind.items) or []
        if not isinstance(items, list):
            problems.append(f"{path}: sections[{i}] ({topic}): {kind.items}: expected a list")
            continue
        for j, e in enumerate(items):
            iid = e.get(kind.id) if isinstance(e, dict) else None
            where = f"{path}: {kind.label} {iid if iid.isprintable() else repr(iid)}" if isinstance(iid, str) and iid else f"{path}: sections[{i}].{kind.items}[{j}]"
            if not isinstance(e, dict):
                problems.append(f"{where}: expected a mapping of fields")
                continue
            problems += kind.check_item(e, where)
            if "topic" in e and e["topic"] != topic:
                problems.append(f"{where}: field topic is {e['topic']!r} but the {kind.item_noun} is listed under section "
                                f"{topic!r}; {kind.move}, set its topic to {topic!r} and add 'topic' to its edited list")
            for f in e.get("edited") if isinstance(e.get("edited"), list) else []:
                if isinstance(f, str) and f not in editable:
                    problems.append(f"{where}: field edited: {f!r} is not a field a run could overwrite")
            if isinstance(iid, str):
                if iid in seen:
                    problems.append(f"{where}: listed twice (also in section {seen[iid]!r})")
                seen[iid] = topic
                if isinstance(removed, list) and iid in removed:
                    problems.append(f"{where}: is listed but also in removed; delete one of the two")
    return problems


def _header_problems(raw: dict, path: str, known: set[str], folder: str, kind: str,
                     source: dict[str, str]) -> list[str]:
    """Keys, kind, date (a real day, and the file's name and YYYY folder), number, source and editor's note: the parts
    every record shares.  ``source``: its keys, each 'list' (of text) or 'count'."""
    problems = [f"{path}: unknown top-level key {k!r} (known: {', '.join(sorted(known))})" for k in raw if k not in known]
    problems += [f"{path}: required key {k!r} is missing" for k in ("date", "number", "sections") if k not in raw]
    if raw.get("kind", kind) != kind:
        problems.append(f"{path}: kind: expected {kind!r} for a record in {folder}/, got {raw['kind']!r}"[:300])
    if raw.get("schema", SCHEMA_VERSION) != SCHEMA_VERSION:
        problems.append(f"{path}: schema: expected {SCHEMA_VERSION}, got {raw['schema']!r}"[:300])
    date_problems = _date_problems(raw["date"], f"{path}: date") if "date" in raw else ["no date"]
    problems += date_problems if "date" in raw else []
    if not date_problems:
        date, where = str(raw["date"]), PurePosixPath(path)
        if where.name != f"{date}.yaml" or where.parent.name != date[:4]:
            problems.append(f"{path}: date {date} does not match the file's name and folder; this record belongs in "
                            f"{folder}/{date[:4]}/{date}.yaml")
    if "number" in raw and (isinstance(raw["number"], bool) or not isinstance(raw["number"], int) or raw["number"] < 1):
        problems.append(f"{path}: number: expected a whole number from 1, got {raw['number']!r}"[:300])
    problems += _source_problems(raw.get("source", {}), path, source)
    note = raw.get("editor_note", {})
    if not isinstance(note, dict) or any(k not in ("zh", "en") or not isinstance(v, (str, type(None))) for k, v in note.items()):
        problems.append(f"{path}: editor_note: expected {{zh: '...', en: '...'}}")
    elif isinstance(note, dict):
        problems += advisory([line for lang in ("zh", "en") if isinstance(note.get(lang), str)
                              for line in sanitize.report(path, f"editor_note.{lang}", note[lang])])
    return problems


def _source_problems(src: Any, path: str, keys: dict[str, str]) -> list[str]:
    shape = ", ".join(f"{k}: {'[...]' if v == 'list' else 'N'}" for k, v in keys.items())
    if not isinstance(src, dict):
        return [f"{path}: source: expected {{{shape}}}"]
    out = [f"{path}: source: unknown key {k!r} (known: {', '.join(keys)})" for k in src if k not in keys]
    for key, what in keys.items():
        v = src.get(key)
        if v is None:
            continue
        if what == "list" and not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
            out.append(f"{path}: source.{key}: expected a list of text, like [a, b]")
        if what == "count" and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
            out.append(f"{path}: source.{key}: expected a whole number from 0, got {v!r}"[:300])
    return out


def check_records(cfg: Config, store: Store) -> tuple[int, list[str]]:
    problems: list[str] = []
    weeks: dict[str, tuple[set[str], set[str]]] = {}  # week id -> (ids its daily issues list, ids they removed)
    by_day: dict[str, set[str]] = {}
    count = 0
    for kind in KINDS:
        numbers: dict[int, str] = {}  # each series numbers its issues on its own
        paths = store.series(kind).paths()
        count += len(paths)
        for p in paths:
            rel = _rel(p, cfg)
            try:
                raw = store.load_raw(p)
            except RecordError as e:
                problems.append(str(e).replace(str(p), rel))
                continue
            problems += check_record(kind, raw, rel, cfg)
            n = raw.get("number") if isinstance(raw, dict) else None
            if isinstance(n, int):
                if n in numbers:
                    problems.append(f"{rel}: number {n} is also used by {numbers[n]}")
                numbers[n] = rel
            if kind is DAILY and isinstance(raw, dict) and not _date_problems(raw.get("date"), ""):
                listed, removed = weeks.setdefault(week_id(str(raw["date"])), (set(), set()))
                listed.update(_item_ids(raw, kind))
                by_day[str(raw["date"])] = _item_ids(raw, kind)  # for the reviews' editor files
                removed.update(x for x in raw.get("removed") or [] if isinstance(x, str))
    problems += _stray_problems(cfg, store)
    for p in store.dropped_paths():
        rel = _rel(p, cfg)
        try:
            problems += check_dropped_record(store.load_raw(p), rel)
        except RecordError as e:
            problems.append(str(e).replace(str(p), rel))
    from .render.highlights import check_editor_file, check_editor_text

    for p in store.highlight_paths():
        rel = _rel(p, cfg)
        if not re.match(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$", p.stem):
            problems.append(f"{rel}: name weekly highlight files by ISO week, like data/highlights/2025-W23.yaml")
            continue
        try:
            raw = store.load_raw(p)
        except RecordError as e:
            problems.append(str(e).replace(str(p), rel))
            continue
        found = check_editor_file(raw, rel)
        problems += found or advisory(_highlight_id_problems(raw, rel, p.stem, weeks) + check_editor_text(raw, rel))
    from .render.review_editor import file_problems

    problems += file_problems(cfg, store, by_day, _rel)
    return count, problems


def _item_ids(raw: dict, kind: Kind) -> set[str]:
    """The ids a record lists, whatever else is wrong with it."""
    sections = raw.get("sections")
    items = [e for s in sections if isinstance(s, dict) and isinstance(s.get(kind.items), list)
             for e in s[kind.items]] if isinstance(sections, list) else []
    return {e[kind.id] for e in items if isinstance(e, dict) and isinstance(e.get(kind.id), str)}


def _highlight_id_problems(raw: Any, rel: str, wid: str, weeks: dict[str, tuple[set[str], set[str]]]) -> list[str]:
    """Every id a week's editor file pins, removes or comments on must be a paper of that week's issues: any other
    is silently ignored by the highlights page, which is never what the editor meant (a typo, the wrong week)."""
    if not isinstance(raw, dict):
        return []
    listed, removed = weeks.get(wid, (set(), set()))
    refs = [("pinned", x) for x in raw.get("pinned") or []] + [("removed", x) for x in raw.get("removed") or []]
    refs += [("comments", x) for x in raw.get("comments") or {}]
    out = []
    for key, pid in refs:
        if pid in listed or key == "removed" and pid in removed:
            continue
        elsewhere = sorted(w for w, (ids, _) in weeks.items() if pid in ids)
        if pid in removed:
            out.append(f"{rel}: {key}: {pid} was removed from its issue; take it out of {key} too")
        elif elsewhere:
            out.append(f"{rel}: {key}: {pid} is a paper of week {elsewhere[0]}, not {wid}; name it in "
                       f"data/highlights/{elsewhere[0]}.yaml instead")
        else:
            out.append(f"{rel}: {key}: {pid} is not a paper of any issue (a typo in the id?)")
    return out


def _stray_problems(cfg: Config, store: Store) -> list[str]:
    """YAML files in a kind's records folder that are not where records live: never read, so never shown."""
    out = []
    for kind in KINDS:
        series = store.series(kind)
        known = set(series.paths())
        for p in sorted(series.folder.rglob("*.yaml")) if series.folder.exists() else []:
            if p not in known and not p.name.startswith("."):
                out.append(f"{_rel(p, cfg)}: not read: records are named {data_path(cfg, kind.series)}/YYYY/YYYY-MM-DD.yaml")
    return out


def check_dropped_record(raw: Any, path: str) -> list[str]:
    """A day's dropped candidates (written by the run; shown at the end of the issue page)."""
    if raw is None:
        return []
    if not isinstance(raw, dict):
        return [f"{path}: expected a mapping (date:, dropped: [...])"]
    problems = [f"{path}: unknown top-level key {k!r} (known: date, dropped)" for k in raw if k not in ("date", "dropped")]
    if "date" in raw:
        found = _date_problems(raw["date"], f"{path}: date")
        if not found and PurePosixPath(path).name != f"{raw['date']}.yaml":
            found = [f"{path}: date {raw['date']} does not match the file name"]
        problems += found
    items = raw.get("dropped") or []
    if not isinstance(items, list):
        return problems + [f"{path}: dropped: expected a list of {{id: ..., title: ..., ...}}"]
    for i, d in enumerate(items):
        where = f"{path}: dropped[{i}]"
        if not isinstance(d, dict):
            problems.append(f"{where}: expected a mapping of fields")
            continue
        problems += _required(Dropped, d, where)
        problems += [f"{where}: unknown field {k!r}" for k in d if k not in Dropped.__dataclass_fields__]
        problems += _whole(d, "relevance", where, 0, 100)
        problems += _field_types(Dropped, d, where, {"relevance"})
    return problems


def check_rendered(cfg: Config, store: Store) -> list[str]:
    """Generated pages and feeds that differ from what the records give."""
    snap = Snapshot.load(store)
    expected = {cfg.paths.docs / rel: text.encode() for rel, text in compute_pages(cfg, snap).items()}
    expected.update({cfg.paths.feeds / f.path: f.content for f in build_all_feeds(cfg, snap)})
    out = [f"{_rel(cfg.paths.docs / rel, cfg)}: no record produces this file, and the folder holds generated files "
           "only; remove it (a render removes it)" for rel in stray_files(cfg, {
               str(p.relative_to(cfg.paths.docs)) for p in expected if cfg.paths.docs in p.parents})]
    for path, content in sorted(expected.items()):
        rel = _rel(path, cfg)
        if not path.exists():
            out.append(f"{rel}: missing; run `python -m generator render` and commit the result")
        elif path.read_bytes() != content:
            m = re.match(r".*(issues|journal)/(\d{4})/(\d{4}-\d{2}-\d{2})\.(md|entries\.html)$", rel)
            if m:
                out.append(f"{rel}: differs from its record. Pages are generated: make the change in "
                           f"data/{m.group(1)}/{m.group(2)}/{m.group(3)}.yaml instead (then run `python -m generator render`)")
            else:
                out.append(f"{rel}: out of date or edited by hand; generated files come from data/ and config.yml: "
                           "run `python -m generator render` and commit the result")
    return out


def _rel(path: Path, cfg: Config) -> str:
    try:
        return str(path.relative_to(cfg.root))
    except ValueError:
        return str(path)
