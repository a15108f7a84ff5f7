"""Check edited records and generated files; every message names the file, the paper and the field.

``check_record`` validates one issue record against the schema an editor must
keep.  ``check_rendered`` re-renders in memory and reports generated files
that differ from what is on disk - usually a page edited by hand instead of its
record.
"""

from __future__ import annotations

import re
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Callable

from .config import Config
from .journal import JOURNAL_MACHINE_FIELDS
from .model import (ANNOUNCE_TYPES, ARXIV_ID_RE, ENRICHABLE, JOURNAL_ENRICHABLE, JOURNAL_LLM_FIELDS, LLM_FIELDS, PMID_RE,
                    Entry, JournalEntry)
from .pipeline import MACHINE_FIELDS
from .render.site import build_all_feeds, compute_pages
from .store import RecordError, Store

EDITABLE = set(MACHINE_FIELDS) | set(ENRICHABLE) | set(LLM_FIELDS) | {"hf_upvotes", "hf_repo"}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TOP_KEYS = {"schema", "kind", "date", "number", "editor_note", "source", "removed", "sections"}
PAPER_KEYS = {f for f in Entry.__dataclass_fields__}
JOURNAL_EDITABLE = set(JOURNAL_MACHINE_FIELDS) | set(JOURNAL_ENRICHABLE) | set(JOURNAL_LLM_FIELDS)
JOURNAL_TOP_KEYS = {"schema", "kind", "date", "start", "number", "editor_note", "source", "removed", "also_on_arxiv", "sections"}
ARTICLE_KEYS = {f for f in JournalEntry.__dataclass_fields__}


def _type_problems(e: dict, where: str) -> list[str]:
    out = []

    def want(key: str, kinds: tuple, what: str, optional: bool = False) -> None:
        v = e.get(key)
        if v is None and optional:
            return
        if not isinstance(v, kinds) or isinstance(v, bool) and bool not in kinds:
            out.append(f"{where}: field {key}: expected {what}, got {type(v).__name__} {str(v)[:40]!r}")

    want("id", (str,), "an arXiv id in quotes, like '2506.05361'")
    if isinstance(e.get("id"), str) and not ARXIV_ID_RE.match(e["id"]):
        out.append(f"{where}: field id: {e['id']!r} is not an arXiv id (no version suffix, e.g. '2506.05361')")
    want("version", (int,), "a whole number", optional=True)
    want("title", (str,), "text")
    want("abstract", (str,), "text")
    for key in ("title_zh", "summary_zh", "summary_en", "abstract_zh", "editor_note", "reason_zh", "reason_en", "reason_llm_zh", "enriched_by", "hf_repo"):
        if key in e:
            want(key, (str,), "text (use '' for empty)")
    for key in ("authors", "categories", "institutions", "institutions_zh", "code_links", "edited", "glossary_missing"):
        if key in e:
            v = e[key]
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                out.append(f"{where}: field {key}: expected a list of text, like [a, b]")
    if "relevance" in e and (isinstance(e["relevance"], bool) or not isinstance(e["relevance"], int) or not 0 <= e["relevance"] <= 100):
        out.append(f"{where}: field relevance: expected a whole number 0-100, got {e['relevance']!r}")
    if e.get("hf_upvotes") is not None and (isinstance(e["hf_upvotes"], bool) or not isinstance(e["hf_upvotes"], int) or e["hf_upvotes"] < 0):
        out.append(f"{where}: field hf_upvotes: expected a whole number from 0, or null")
    if e.get("llm_relevance") is not None and (not isinstance(e["llm_relevance"], int) or not 0 <= e["llm_relevance"] <= 100):
        out.append(f"{where}: field llm_relevance: expected a whole number 0-100 or null")
    if "announce_type" in e and e["announce_type"] not in ANNOUNCE_TYPES:
        out.append(f"{where}: field announce_type: expected one of {', '.join(ANNOUNCE_TYPES)}, got {e['announce_type']!r}")
    for url in e.get("code_links") or [] if isinstance(e.get("code_links"), list) else []:
        if isinstance(url, str) and not url.startswith("https://"):
            out.append(f"{where}: field code_links: {url!r} is not an https:// link")
    return out


def check_record(raw: Any, path: str, cfg: Config) -> list[str]:
    """Problems in one issue record (empty list: valid)."""
    if not isinstance(raw, dict):
        return [f"{path}: the record must be a mapping (date:, number:, sections: ...)"]
    problems = _header_problems(raw, path, TOP_KEYS, "data/issues")
    removed = raw.get("removed", [])
    if not isinstance(removed, list) or not all(isinstance(x, str) for x in removed):
        problems.append(f"{path}: removed: expected a list of arXiv ids in quotes")
    return problems + _section_problems(raw, path, cfg, DAILY_ITEMS, removed, _paper_problems)


def _paper_problems(e: dict, where: str) -> list[str]:
    out = [f"{where}: required field {key!r} is missing" for key in ("id", "title", "abstract", "topic") if key not in e]
    out += [f"{where}: unknown field {key!r}" for key in e if key not in PAPER_KEYS]
    return out + _type_problems(e, where)


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
            where = f"{path}: {kind.label} {iid}" if iid else f"{path}: sections[{i}].{kind.items}[{j}]"
            if not isinstance(e, dict):
                problems.append(f"{where}: expected a mapping of fields")
                continue
            problems += item_problems(e, where)
            if "topic" in e and e["topic"] != topic:
                problems.append(f"{where}: field topic is {e['topic']!r} but the {kind.noun} is listed under section "
                                f"{topic!r}; {kind.move}, set its topic to {topic!r} and add 'topic' to its edited list")
            for f in e.get("edited") or []:
                if isinstance(f, str) and f not in kind.editable:
                    problems.append(f"{where}: field edited: {f!r} is not a field a run could overwrite")
            if isinstance(iid, str):
                if iid in seen:
                    problems.append(f"{where}: listed twice (also in section {seen[iid]!r})")
                seen[iid] = topic
                if isinstance(removed, list) and iid in removed:
                    problems.append(f"{where}: is listed but also in removed; delete one of the two")
    return problems


def _header_problems(raw: dict, path: str, known: set[str], folder: str) -> list[str]:
    """Keys, date, number and editor's note: the parts every record shares."""
    problems = [f"{path}: unknown top-level key {k!r} (known: {', '.join(sorted(known))})" for k in raw if k not in known]
    problems += [f"{path}: required key {k!r} is missing" for k in ("date", "number", "sections") if k not in raw]
    date = str(raw.get("date", ""))
    if "date" in raw and not DATE_RE.match(date):
        problems.append(f"{path}: date: expected YYYY-MM-DD in quotes, got {raw['date']!r}")
    elif "date" in raw and not path.endswith(f"{date}.yaml"):
        problems.append(f"{path}: date {date} does not match the file name; records are named {folder}/YYYY/YYYY-MM-DD.yaml")
    if "number" in raw and (isinstance(raw["number"], bool) or not isinstance(raw["number"], int) or raw["number"] < 1):
        problems.append(f"{path}: number: expected a whole number from 1, got {raw['number']!r}")
    note = raw.get("editor_note", {})
    if not isinstance(note, dict) or any(k not in ("zh", "en") or not isinstance(v, (str, type(None))) for k, v in note.items()):
        problems.append(f"{path}: editor_note: expected {{zh: '...', en: '...'}}")
    return problems


def check_journal_record(raw: Any, path: str, cfg: Config) -> list[str]:
    """Problems in one journal issue record (data/journal/YYYY/DATE.yaml)."""
    if not isinstance(raw, dict):
        return [f"{path}: the record must be a mapping (date:, number:, sections: ...)"]
    problems = _header_problems(raw, path, JOURNAL_TOP_KEYS, "data/journal")
    if "start" in raw and not DATE_RE.match(str(raw["start"])):
        problems.append(f"{path}: start: expected YYYY-MM-DD in quotes, got {raw['start']!r}")
    removed = raw.get("removed", [])
    if not isinstance(removed, list) or not all(isinstance(x, str) and PMID_RE.match(x) for x in removed):
        problems.append(f"{path}: removed: expected a list of PMIDs in quotes, like ['39912345']")
    also = raw.get("also_on_arxiv", [])
    if not isinstance(also, list) or not all(isinstance(x, dict) and "pmid" in x and "arxiv_id" in x for x in also):
        problems.append(f"{path}: also_on_arxiv: expected a list of {{pmid: ..., arxiv_id: ..., ...}}")
    return problems + _section_problems(raw, path, cfg, JOURNAL_ITEMS, removed, _article_problems)


def _article_problems(e: dict, where: str) -> list[str]:
    problems = [f"{where}: required field {k!r} is missing" for k in ("pmid", "title", "journal", "topic") if k not in e]
    problems += [f"{where}: unknown field {k!r}" for k in e if k not in ARTICLE_KEYS]
    pmid = e.get("pmid")
    if "pmid" in e and not (isinstance(pmid, str) and PMID_RE.match(pmid)):
        problems.append(f"{where}: field pmid: expected a PMID in quotes, like '39912345', got {pmid!r}")
    for key in ("title", "journal", "journal_iso", "published", "citation", "reason_zh", "reason_en", "enriched_by",
                *JOURNAL_ENRICHABLE, "llm_topic"):
        if key in e and not isinstance(e[key], str):
            problems.append(f"{where}: field {key}: expected text (use '' for empty), got {type(e[key]).__name__}")
    for key in ("doi", "pmcid"):
        if e.get(key) is not None and not isinstance(e[key], str):
            problems.append(f"{where}: field {key}: expected text or null")
    for key in ("authors", "affiliations", "publication_types", "edited", "numbers_missing"):
        if key in e and (not isinstance(e[key], list) or not all(isinstance(x, str) for x in e[key])):
            problems.append(f"{where}: field {key}: expected a list of text, like [a, b]")
    abstract = e.get("abstract", [])
    if not isinstance(abstract, list) or not all(isinstance(x, dict) and isinstance(x.get("text"), str) for x in abstract):
        problems.append(f"{where}: field abstract: expected a list of {{label: ..., text: ...}}")
    rel = e.get("relevance", 0)
    if isinstance(rel, bool) or not isinstance(rel, int) or not 0 <= rel <= 100:
        problems.append(f"{where}: field relevance: expected a whole number 0-100, got {rel!r}")
    return problems


def check_records(cfg: Config, store: Store) -> tuple[int, list[str]]:
    problems: list[str] = []
    paths = store.issue_paths()
    numbers: dict[int, str] = {}
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
    from .render.highlights import check_editor_file

    for p in store.highlight_paths():
        rel = _rel(p, cfg)
        if not re.match(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$", p.stem):
            problems.append(f"{rel}: name weekly highlight files by ISO week, like data/highlights/2025-W23.yaml")
            continue
        try:
            problems += check_editor_file(store.load_raw(p), rel)
        except RecordError as e:
            problems.append(str(e).replace(str(p), rel))
    return len(paths) + len(journal_paths), problems


def check_rendered(cfg: Config, store: Store) -> list[str]:
    """Generated pages and feeds that differ from what the records give."""
    issues = list(store.issues())
    expected = {cfg.paths.docs / rel: text.encode() for rel, text in compute_pages(cfg, issues, store.load_status(), store).items()}
    expected.update({cfg.paths.feeds / f.path: f.content for f in build_all_feeds(cfg, store, issues)})
    out = []
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
