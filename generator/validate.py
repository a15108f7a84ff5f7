"""Check edited records and generated files; every message names the file, the paper and the field.

``check_record`` validates one issue record against the schema an editor must
keep.  ``check_rendered`` re-renders in memory and reports generated files
that differ from what is on disk - usually a page edited by hand instead of its
record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable

from .advisory import Advisory, advisory  # noqa: F401  (cli checks isinstance)
from .typecheck import _date_problems, _field_types, _required, _shown, _whole
from .config import Config
from .model import (EDITABLE, JOURNAL_EDITABLE, ANNOUNCE_TYPES, ARXIV_ID_RE, DOI_RE, PMID_RE, SOURCES,
                    SCHEMA_VERSION, Dropped, Entry, JournalEntry)
from .render import sanitize
from .render.site import Snapshot, build_all_feeds, compute_pages, stray_files
from .render.highlights import week_id
from .store import RecordError, Store

TOP_KEYS = {"schema", "kind", "date", "number", "editor_note", "source", "removed", "sections"}
PAPER_KEYS = {f for f in Entry.__dataclass_fields__}
JOURNAL_TOP_KEYS = {"schema", "kind", "date", "start", "number", "editor_note", "source", "removed", "also_on_arxiv", "sections"}
ARTICLE_KEYS = {f for f in JournalEntry.__dataclass_fields__}
DAILY_SOURCE = {"categories": "list", "candidates": "count"}
JOURNAL_SOURCE = {"journals": "list", "found": "count"}


# Fields whose values (not only types) the paper check knows: each gets one message, not two.
_PAPER_OWN = {"id", "version", "announce_type", "relevance", "llm_relevance", "hf_upvotes", "source"}


def _type_problems(e: dict, where: str) -> list[str]:
    out = []
    pid, source = e.get("id"), e.get("source", "arxiv")
    if not isinstance(source, str) or source not in SOURCES:
        out.append(f"{where}: field source: expected one of {', '.join(SOURCES)}, got {_shown(source)}")
    elif "id" in e and not isinstance(pid, str):
        out.append(f"{where}: field id: expected an arXiv id in quotes, like '2506.05361', got {_shown(pid)}")
    elif isinstance(pid, str) and source == "arxiv" and not ARXIV_ID_RE.match(pid):
        out.append(f"{where}: field id: {pid!r} is not an arXiv id (no version suffix, e.g. '2506.05361')")
    elif isinstance(pid, str) and source != "arxiv" and not DOI_RE.match(pid):
        out.append(f"{where}: field id: {pid!r} is not a DOI (a {SOURCES[source]} preprint's id is its DOI without "
                   "version, e.g. '10.1101/2025.03.01.25300001')")
    out += _whole(e, "version", where, 1, null=True)
    out += _whole(e, "relevance", where, 0, 100)
    out += _whole(e, "llm_relevance", where, 0, 100, null=True)
    out += _whole(e, "hf_upvotes", where, 0, null=True)
    if "announce_type" in e and e["announce_type"] not in ANNOUNCE_TYPES:
        out.append(f"{where}: field announce_type: expected one of {', '.join(ANNOUNCE_TYPES)}, got {e['announce_type']!r}")
    out += _field_types(Entry, e, where, _PAPER_OWN)
    pairs = e.get("author_institutions")
    if isinstance(pairs, list) and not all(isinstance(x, list) and len(x) == 2 for x in pairs):
        out.append(f"{where}: field author_institutions: expected a list of [author, institution] pairs")
    for url in e.get("code_links") or [] if isinstance(e.get("code_links"), list) else []:
        if isinstance(url, str) and not url.startswith("https://"):
            out.append(f"{where}: field code_links: {url!r} is not an https:// link")
    return out


def check_record(raw: Any, path: str, cfg: Config) -> list[str]:
    """Problems in one issue record (empty list: valid)."""
    if not isinstance(raw, dict):
        return [f"{path}: the record must be a mapping (date:, number:, sections: ...)"]
    problems = _header_problems(raw, path, TOP_KEYS, "data/issues", "arxiv", DAILY_SOURCE)
    removed = raw.get("removed", [])
    if not isinstance(removed, list) or not all(isinstance(x, str) for x in removed):
        problems.append(f"{path}: removed: expected a list of arXiv ids (or preprint DOIs) in quotes")
    return problems + _section_problems(raw, path, cfg, DAILY_ITEMS, removed, _paper_problems)


def _paper_problems(e: dict, where: str) -> list[str]:
    out = _required(Entry, e, where)
    out += [f"{where}: unknown field {key!r}" for key in e if key not in PAPER_KEYS]
    return out + _type_problems(e, where) + _editor_text(e, "editor_note", where)




def _editor_text(raw: dict, key: str, where: str) -> list[str]:
    """What the sanitiser would drop or neutralise in a human-written field: named, so the pull request fails."""
    value = raw.get(key)
    return advisory(sanitize.report(where, key, value)) if isinstance(value, str) else []


@dataclass(frozen=True)
class ItemKind:
    """How a kind of record lists its items: key of the list, id field, how messages name one, what may be edited."""

    items: str
    id: str
    label: str
    noun: str
    move: str
    editable: set[str]


DAILY_ITEMS = ItemKind("papers", "id", "paper", "paper", "to move a paper", EDITABLE)
JOURNAL_ITEMS = ItemKind("articles", "pmid", "PMID", "article", "to move it", JOURNAL_EDITABLE)


def _section_problems(raw: dict, path: str, cfg: Config, kind: ItemKind, removed: Any,
                      item_problems: Callable[[dict, str], list[str]]) -> list[str]:
    """The checks every record's sections share: topics, item mappings, section/topic agreement, `edited` names,
    items listed twice or also in `removed`; ``item_problems`` checks one item's own fields."""
    sections = raw.get("sections", [])
    shape = f"{{topic: ..., {kind.items}: [...]}}"
    if not isinstance(sections, list):
        return [f"{path}: sections: expected a list of {shape}"]
    problems: list[str] = []
    seen: dict[str, str] = {}
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
            problems += item_problems(e, where)
            if "topic" in e and e["topic"] != topic:
                problems.append(f"{where}: field topic is {e['topic']!r} but the {kind.noun} is listed under section "
                                f"{topic!r}; {kind.move}, set its topic to {topic!r} and add 'topic' to its edited list")
            for f in e.get("edited") if isinstance(e.get("edited"), list) else []:
                if isinstance(f, str) and f not in kind.editable:
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


def check_journal_record(raw: Any, path: str, cfg: Config) -> list[str]:
    """Problems in one journal issue record (data/journal/YYYY/DATE.yaml)."""
    if not isinstance(raw, dict):
        return [f"{path}: the record must be a mapping (date:, number:, sections: ...)"]
    problems = _header_problems(raw, path, JOURNAL_TOP_KEYS, "data/journal", "journal", JOURNAL_SOURCE)
    if "start" in raw:
        found = _date_problems(raw["start"], f"{path}: start")
        if not found and not _date_problems(raw.get("date"), "") and str(raw["start"]) > str(raw["date"]):
            found = [f"{path}: start {raw['start']} is after date {raw['date']}; the week runs from start to date"]
        problems += found
    removed = raw.get("removed", [])
    if not isinstance(removed, list) or not all(isinstance(x, str) and PMID_RE.match(x) for x in removed):
        problems.append(f"{path}: removed: expected a list of PMIDs in quotes, like ['39912345']")
    problems += _also_problems(raw.get("also_on_arxiv", []), path)
    return problems + _section_problems(raw, path, cfg, JOURNAL_ITEMS, removed, _article_problems)


def _article_problems(e: dict, where: str) -> list[str]:
    problems = _required(JournalEntry, e, where)
    problems += [f"{where}: unknown field {k!r}" for k in e if k not in ARTICLE_KEYS]
    pmid = e.get("pmid")
    if "pmid" in e and not (isinstance(pmid, str) and PMID_RE.match(pmid)):
        problems.append(f"{where}: field pmid: expected a PMID in quotes, like '39912345', got {pmid!r}")
    problems += _whole(e, "relevance", where, 0, 100)
    problems += _field_types(JournalEntry, e, where, {"pmid", "relevance", "abstract"})
    problems += _abstract_problems(e.get("abstract", []), where)
    problems += _editor_text(e, "editor_comment", where)
    return problems


ABSTRACT_KEYS = ("label", "category", "text")


def _abstract_problems(abstract: Any, where: str) -> list[str]:
    """A structured abstract: a list of {label, category, text}; label and category may be empty or null."""
    shape = f"{where}: field abstract: expected a list of {{label: ..., category: ..., text: ...}}"
    if not isinstance(abstract, list):
        return [shape]
    out = []
    for i, s in enumerate(abstract):
        if not isinstance(s, dict) or not isinstance(s.get("text"), str):
            out.append(f"{shape}; section {i + 1} has no text")
            continue
        out += [f"{where}: field abstract: section {i + 1}: unknown key {k!r} (known: {', '.join(ABSTRACT_KEYS)})"
                for k in s if k not in ABSTRACT_KEYS]
        out += [f"{where}: field abstract: section {i + 1}: {k}: expected text or null, got {_shown(s[k])}"
                for k in ("label", "category") if s.get(k) is not None and not isinstance(s[k], str)]
    return out


ALSO_KEYS = ("pmid", "doi", "title", "journal", "arxiv_id", "arxiv_date")


def _also_problems(also: Any, path: str) -> list[str]:
    """``also_on_arxiv``: articles linked to the arXiv entry that listed them ({pmid, doi, title, journal, arxiv_id,
    arxiv_date}); the link is built from arxiv_date and arxiv_id, so both must be what they say."""
    if not isinstance(also, list):
        return [f"{path}: also_on_arxiv: expected a list of {{pmid: ..., arxiv_id: ..., arxiv_date: ..., ...}}"]
    out = []
    for i, a in enumerate(also):
        where = f"{path}: also_on_arxiv[{i}]"
        if not isinstance(a, dict):
            out.append(f"{where}: expected a mapping {{pmid: ..., arxiv_id: ..., arxiv_date: ..., ...}}")
            continue
        out += [f"{where}: unknown key {k!r} (known: {', '.join(ALSO_KEYS)})" for k in a if k not in ALSO_KEYS]
        out += [f"{where}: required key {k!r} is missing" for k in ("pmid", "arxiv_id", "arxiv_date") if k not in a]
        if "pmid" in a and not (isinstance(a["pmid"], str) and PMID_RE.match(a["pmid"])):
            out.append(f"{where}: pmid: expected a PMID in quotes, like '39912345', got {a['pmid']!r}"[:300])
        if "arxiv_id" in a and not (isinstance(a["arxiv_id"], str) and ARXIV_ID_RE.match(a["arxiv_id"])):
            out.append(f"{where}: arxiv_id: expected an arXiv id in quotes, like '2506.05361', got {a['arxiv_id']!r}"[:300])
        if "arxiv_date" in a:
            out += _date_problems(a["arxiv_date"], f"{where}: arxiv_date", text_only=True)
        out += [f"{where}: {k}: expected text, got {_shown(a[k])}" for k in ("title", "journal")
                if k in a and not isinstance(a[k], str)]
        if a.get("doi") is not None and not isinstance(a["doi"], str):
            out.append(f"{where}: doi: expected text or null, got {_shown(a['doi'])}")
    return out


def check_records(cfg: Config, store: Store) -> tuple[int, list[str]]:
    problems: list[str] = []
    paths = store.issue_paths()
    numbers: dict[int, str] = {}
    weeks: dict[str, tuple[set[str], set[str]]] = {}  # week id -> (ids its issues list, ids they removed)
    by_day: dict[str, set[str]] = {}
    for p in paths:
        rel = _rel(p, cfg)
        try:
            raw = store.load_raw(p)
        except RecordError as e:
            problems.append(str(e).replace(str(p), rel))
            continue
        found = check_record(raw, rel, cfg)
        problems += found
        n = raw.get("number") if isinstance(raw, dict) else None
        if isinstance(n, int):
            if n in numbers:
                problems.append(f"{rel}: number {n} is also used by {numbers[n]}")
            numbers[n] = rel
        if isinstance(raw, dict) and not _date_problems(raw.get("date"), ""):
            listed, removed = weeks.setdefault(week_id(str(raw["date"])), (set(), set()))
            listed.update(_item_ids(raw, DAILY_ITEMS))
            by_day[str(raw["date"])] = _item_ids(raw, DAILY_ITEMS)  # for the reviews' editor files
            removed.update(x for x in raw.get("removed") or [] if isinstance(x, str))
    journal_numbers: dict[int, str] = {}
    journal_paths = store.journal_paths()
    for p in journal_paths:
        rel = _rel(p, cfg)
        try:
            raw = store.load_raw(p)
        except RecordError as e:
            problems.append(str(e).replace(str(p), rel))
            continue
        problems += check_journal_record(raw, rel, cfg)
        n = raw.get("number") if isinstance(raw, dict) else None
        if isinstance(n, int):
            if n in journal_numbers:
                problems.append(f"{rel}: number {n} is also used by {journal_numbers[n]}")
            journal_numbers[n] = rel
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
    return len(paths) + len(journal_paths), problems


def _item_ids(raw: dict, kind: ItemKind) -> set[str]:
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
    """YAML files under data/issues and data/journal that are not where records live: never read, so never shown."""
    out = []
    for folder, listed, name in ((store.issues_dir, store.issue_paths(), "data/issues"),
                                 (store.journal_dir, store.journal_paths(), "data/journal")):
        known = set(listed)
        for p in sorted(folder.rglob("*.yaml")) if folder.exists() else []:
            if p not in known and not p.name.startswith("."):
                out.append(f"{_rel(p, cfg)}: not read: records are named {name}/YYYY/YYYY-MM-DD.yaml")
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
