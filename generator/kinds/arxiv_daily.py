"""The daily issue: the papers of one arXiv announcement day, and the preprints posted since the previous issue.

Its records are ``data/issues/YYYY/DATE.yaml`` (``model.DailyIssue`` of ``model.Entry``); the job that fetches and
selects them is ``pipeline.run_day``; its extra sources are registered in ``registry.DAILY_EXTRAS``.  Declared here:
its enrichment task (Chinese title, summary and abstract, the LLM's topic and relevance) and the check of one paper.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import layout
from ..advisory import advisory
from ..answers import Enrichment, glossary_missing, validate_answer
from ..model import ANNOUNCE_TYPES, DailyIssue, Entry
from ..render import sanitize
from ..typecheck import _field_types, _required, _shown, _whole
from . import Kind, Task
from .sources import FIRST, SOURCES


@dataclass
class PaperInput:
    """What the prompt gets of a paper."""

    id: str
    version: int | None
    title: str
    abstract: str
    categories: list[str]
    keyword_topic: str | None = None


def paper_input(e: Entry) -> PaperInput:
    return PaperInput(e.id, e.version, e.title, e.abstract, list(e.categories), e.topic)


def _document(cfg, p: PaperInput) -> dict:
    return {"id": p.id, "title": p.title, "abstract": p.abstract, "categories": p.categories,
            "keyword_topic": p.keyword_topic}


def _check(enricher, content: str | None, p: PaperInput) -> tuple[Enrichment, str]:
    e = validate_answer(content, p.abstract, enricher.cfg.topic_ids, enricher.forbidden)
    e.glossary_missing = glossary_missing(p.abstract, e.abstract_zh, enricher.glossary)
    return e, ""


def apply_enrichment(e: Entry, r: Enrichment, signature: str) -> None:
    """Fill an entry's empty Chinese fields and record the LLM's judgement; never touch edited fields."""
    for name in ("title_zh", "summary_zh", "abstract_zh", "summary_en"):
        if name not in e.edited and not getattr(e, name).strip():
            setattr(e, name, getattr(r, name))
    for name, value in (("llm_topic", r.topic), ("llm_relevance", r.relevance), ("reason_llm_zh", r.reason_zh),
                        ("glossary_missing", list(r.glossary_missing)), ("enriched_by", signature)):
        if name not in e.edited:
            setattr(e, name, value)
    if "topic" not in e.edited:
        e.topic = r.topic


def needs_enrichment(e: Entry, signature: str) -> bool:
    """Un-enriched (or enriched by another model/prompt and still missing a Chinese field)."""
    missing = [n for n in ("title_zh", "summary_zh", "abstract_zh") if not getattr(e, n).strip() and n not in e.edited]
    return bool(missing) or not e.enriched_by


TASK = Task(
    prompt=lambda cfg: cfg.llm.prompt, marker="PAPER", answer=Enrichment, input=paper_input, document=_document,
    check=_check, needs=needs_enrichment, apply=apply_enrichment,
    without="papers stay English-only, marked 待翻译",
    later="`python -m generator enrich --since DATE` fills them in once a key is available")


# ------------------------------------------------------------------ validate: one paper of a record

PAPER_KEYS = frozenset(Entry.field_names())
# Fields whose values (not only types) the paper check knows: each gets one message, not two.
_OWN = {"id", "version", "announce_type", "relevance", "llm_relevance", "hf_upvotes", "source"}


def _id_problems(e: dict, where: str) -> list[str]:
    pid, source = e.get("id"), e.get("source", FIRST)
    if not isinstance(source, str) or source not in SOURCES:
        return [f"{where}: field source: expected one of {', '.join(SOURCES)}, got {_shown(source)}"]
    if "id" in e and not isinstance(pid, str):
        return [f"{where}: field id: expected an arXiv id in quotes, like '2506.05361', got {_shown(pid)}"]
    src = SOURCES[source]
    if isinstance(pid, str) and not src.id_re.match(pid):
        return [f"{where}: field id: {pid!r} is not {src.id_name} ({src.id_hint})"]
    return []


def check_paper(e: dict, where: str) -> list[str]:
    out = _required(Entry, e, where)
    out += [f"{where}: unknown field {key!r}" for key in e if key not in PAPER_KEYS]
    out += _id_problems(e, where)
    out += _whole(e, "version", where, 1, null=True)
    out += _whole(e, "relevance", where, 0, 100)
    out += _whole(e, "llm_relevance", where, 0, 100, null=True)
    out += _whole(e, "hf_upvotes", where, 0, null=True)
    if "announce_type" in e and e["announce_type"] not in ANNOUNCE_TYPES:
        out.append(f"{where}: field announce_type: expected one of {', '.join(ANNOUNCE_TYPES)}, got {e['announce_type']!r}")
    out += _field_types(Entry, e, where, _OWN)
    pairs = e.get("author_institutions")
    if isinstance(pairs, list) and not all(isinstance(x, list) and len(x) == 2 for x in pairs):
        out.append(f"{where}: field author_institutions: expected a list of [author, institution] pairs")
    for url in e.get("code_links") or [] if isinstance(e.get("code_links"), list) else []:
        if isinstance(url, str) and not url.startswith("https://"):
            out.append(f"{where}: field code_links: {url!r} is not an https:// link")
    return out + editor_text(e, "editor_note", where)


def editor_text(raw: dict, key: str, where: str) -> list[str]:
    """What the sanitiser would drop or neutralise in a human-written field: named, so the pull request fails."""
    value = raw.get(key)
    return advisory(sanitize.report(where, key, value)) if isinstance(value, str) else []


DAILY = Kind(
    series=layout.ISSUES, issue=DailyIssue, noun="an issue", label="paper", item_noun="paper",
    move="to move a paper", removed_hint="a list of arXiv ids (or preprint DOIs) in quotes",
    removed_ok=lambda x: isinstance(x, str), task=TASK, check_item=check_paper, check_header=lambda raw, path: [],
    withdrawn="withdrawn_issues")
