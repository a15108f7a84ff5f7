"""The weekly journal digest (文献快递): the AI articles the configured journals published in a week (PubMed).

Its records are ``data/journal/YYYY/DATE.yaml`` (``model.JournalIssue`` of ``model.JournalEntry``), named by the
window's last day; the job is ``journal.run_week``.  Declared here: its enrichment task (the structured Chinese
summary 目的 / 方法 / 结果 / 结论 that keeps every result number, and a drafted comment) and the checks of one
article and of its own header keys (``start``, ``also_on_arxiv``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import layout
from ..answers import JournalEnrichment, validate_journal_answer
from ..model import PMID_RE, JournalEntry, JournalIssue, join_sections
from ..numbers import missing_numbers
from ..typecheck import _date_problems, _field_types, _required, _shown, _whole
from . import Kind, Task
from .arxiv_daily import editor_text
from .sources import FIRST, SOURCES


@dataclass
class ArticleInput:
    """What the journal prompt gets: the article's PMID (as ``id``), journal, title and abstract sections."""

    id: str
    title: str
    journal: str
    sections: list[dict[str, str]]
    results_en: str
    keyword_topic: str | None = None
    version: int | None = None  # PubMed records are not versioned (the cache key wants one)

    @property
    def abstract(self) -> str:
        return join_sections(self.sections)


def article_input(e: JournalEntry) -> ArticleInput:
    return ArticleInput(e.pmid, e.title, e.journal, [dict(s) for s in e.abstract],
                        e.article.results_text if e.abstract else "", e.topic)


def _document(cfg, p: ArticleInput) -> dict:
    return {"pmid": p.id, "journal": p.journal, "title": p.title,
            "abstract": [{"label": s.get("label", ""), "text": s["text"]} for s in p.sections],
            "keyword_topic": p.keyword_topic, "write_comment": cfg.journal.ai_comment}


def _check(enricher, content: str | None, p: ArticleInput) -> tuple[JournalEnrichment, str]:
    """A valid answer whose 结果 lacks result numbers of the English abstract is asked for once more with the list;
    if the second answer still lacks some, the better answer is kept and the missing numbers are recorded."""
    e = validate_journal_answer(content, p.results_en, enricher.cfg.topic_ids, enricher.forbidden)
    if not enricher.cfg.journal.ai_comment:
        e.comment_zh = ""
    if not p.sections:  # no abstract: nothing to check against
        return e, ""
    e.numbers_missing = missing_numbers(p.results_en, e.results_zh)
    if e.numbers_missing:
        return e, f"results_zh must keep every number of the English results; missing: {', '.join(e.numbers_missing)}"
    return e, ""


def apply_journal_enrichment(e: JournalEntry, r: JournalEnrichment, signature: str) -> None:
    """Fill empty Chinese fields and record the LLM's topic; never touch edited fields or the editor's comment."""
    pairs = [("title_zh", r.title_zh), ("objective_zh", r.objective_zh), ("methods_zh", r.methods_zh),
             ("results_zh", r.results_zh), ("conclusion_zh", r.conclusion_zh), ("comment_ai_zh", r.comment_zh)]
    for name, value in pairs:
        if name not in e.edited and not getattr(e, name).strip():
            setattr(e, name, value)
    for name, value in (("llm_topic", r.topic), ("numbers_missing", list(r.numbers_missing)), ("enriched_by", signature)):
        if name not in e.edited:
            setattr(e, name, value)
    if "topic" not in e.edited:
        e.topic = r.topic


def needs_journal_enrichment(e: JournalEntry, signature: str = "") -> bool:
    fields = ("title_zh", "objective_zh", "methods_zh", "results_zh", "conclusion_zh")
    return not e.enriched_by or any(not getattr(e, n).strip() and n not in e.edited for n in fields)


TASK = Task(
    prompt=lambda cfg: cfg.journal.prompt, marker="ARTICLE", answer=JournalEnrichment, input=article_input,
    document=_document, check=_check, needs=needs_journal_enrichment, apply=apply_journal_enrichment,
    without="articles are listed without a Chinese summary (待翻译)",
    later="rerun `python -m generator journal --date D` for that week once a key is available")


# ------------------------------------------------------------------ validate: one article, the header's own keys

ARTICLE_KEYS = frozenset(JournalEntry.field_names())
ABSTRACT_KEYS = ("label", "category", "text")
ALSO_KEYS = ("pmid", "doi", "title", "journal", "arxiv_id", "arxiv_date", "source")


def check_article(e: dict, where: str) -> list[str]:
    problems = _required(JournalEntry, e, where)
    problems += [f"{where}: unknown field {k!r}" for k in e if k not in ARTICLE_KEYS]
    pmid = e.get("pmid")
    if "pmid" in e and not (isinstance(pmid, str) and PMID_RE.match(pmid)):
        problems.append(f"{where}: field pmid: expected a PMID in quotes, like '39912345', got {pmid!r}")
    problems += _whole(e, "relevance", where, 0, 100)
    problems += _field_types(JournalEntry, e, where, {"pmid", "relevance", "abstract"})
    problems += _abstract_problems(e.get("abstract", []), where)
    problems += editor_text(e, "editor_comment", where)
    return problems


def _abstract_problems(abstract, where: str) -> list[str]:
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


def check_header(raw: dict, path: str) -> list[str]:
    """The window's first day (on or before its last) and the "also on arXiv" links."""
    problems = []
    if "start" in raw:
        found = _date_problems(raw["start"], f"{path}: start")
        if not found and not _date_problems(raw.get("date"), "") and str(raw["start"]) > str(raw["date"]):
            found = [f"{path}: start {raw['start']} is after date {raw['date']}; the week runs from start to date"]
        problems += found
    return problems + _also_problems(raw.get("also_on_arxiv", []), path)


def _also_problems(also, path: str) -> list[str]:
    """``also_on_arxiv``: articles linked to the daily entry that listed them ({pmid, doi, title, journal, arxiv_id,
    arxiv_date, and source when that entry is a preprint}); the link is built from arxiv_date, source and arxiv_id,
    so all must be what they say."""
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
        src = SOURCES.get(a.get("source", FIRST)) if isinstance(a.get("source", FIRST), str) else None
        if src is None:
            out.append(f"{where}: source: expected one of {', '.join(SOURCES)} (no source: arXiv), got {_shown(a['source'])}")
        elif "arxiv_id" in a and not (isinstance(a["arxiv_id"], str) and src.id_re.match(a["arxiv_id"])):
            out.append(f"{where}: arxiv_id: expected {src.id_name} in quotes ({src.id_hint}), got {a['arxiv_id']!r}"[:300])
        if "arxiv_date" in a:
            out += _date_problems(a["arxiv_date"], f"{where}: arxiv_date", text_only=True)
        out += [f"{where}: {k}: expected text, got {_shown(a[k])}" for k in ("title", "journal")
                if k in a and not isinstance(a[k], str)]
        if a.get("doi") is not None and not isinstance(a["doi"], str):
            out.append(f"{where}: doi: expected text or null, got {_shown(a['doi'])}")
    return out


JOURNAL = Kind(
    series=layout.JOURNAL, issue=JournalIssue, noun="a journal issue", label="PMID", item_noun="article",
    move="to move it", removed_hint="a list of PMIDs in quotes, like ['39912345']",
    removed_ok=lambda x: isinstance(x, str) and bool(PMID_RE.match(x)), task=TASK, check_item=check_article,
    check_header=check_header, withdrawn="withdrawn_journal")
