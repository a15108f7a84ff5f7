"""The journal digest's data model: articles as PubMed describes them, entries, sections and issues."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

from .daily import SCHEMA_VERSION

# ---------------------------------------------------------------------------------------------- the journal digest

PMID_RE = re.compile(r"^[1-9]\d{0,8}\Z")


@dataclass
class Article:
    """A journal article as PubMed describes it (``sources.pubmed``).

    ``abstract`` keeps a structured abstract's sections: ``[{"label": "RESULTS", "category": "RESULTS", "text": ...}]``
    (label as printed, category as NLM normalised it; both empty for an unstructured abstract).
    """

    pmid: str
    title: str
    journal: str  # full title, e.g. "European radiology"
    journal_iso: str  # ISO abbreviation, e.g. "Eur Radiol"
    authors: list[str]
    affiliations: list[str]
    abstract: list[dict[str, str]]
    doi: str | None = None
    pmcid: str | None = None
    published: str = ""  # YYYY-MM-DD, YYYY-MM or YYYY: the electronic date if any, else the issue date
    citation: str = ""  # "2017;66(6):1116-1122"
    publication_types: list[str] = field(default_factory=list)

    @property
    def abstract_text(self) -> str:
        return join_sections(self.abstract)

    @property
    def results_text(self) -> str:
        """The results section(s) of a structured abstract; the whole abstract when it has no such section."""
        found = [s["text"] for s in self.abstract if _is_results(s)]
        return "\n".join(found) if found else self.abstract_text


def join_sections(sections: list[dict[str, str]]) -> str:
    """A structured abstract as text, one "LABEL: text" line per section."""
    return "\n".join((f"{s['label']}: " if s.get("label") else "") + s["text"] for s in sections)


def _is_results(section: dict[str, str]) -> bool:
    cat = (section.get("category") or "").upper()
    label = (section.get("label") or "").upper()
    return cat == "RESULTS" or label.startswith(("RESULT", "FINDING"))


# Chinese structured summary fields (目的 / 方法 / 结果 / 结论) and the comments
JOURNAL_SUMMARY = ("objective_zh", "methods_zh", "results_zh", "conclusion_zh")
JOURNAL_ENRICHABLE = ("title_zh", *JOURNAL_SUMMARY, "comment_ai_zh", "editor_comment")
JOURNAL_LLM_FIELDS = ("llm_topic", "enriched_by", "numbers_missing")
# refreshed from PubMed on every run unless an editor changed them
JOURNAL_MACHINE_FIELDS = (
    "title", "journal", "journal_iso", "authors", "affiliations", "abstract", "doi", "pmcid", "published", "citation",
    "publication_types", "topic", "relevance", "reason_zh", "reason_en",
)
JOURNAL_EDITABLE = frozenset(JOURNAL_MACHINE_FIELDS) | frozenset(JOURNAL_ENRICHABLE) | frozenset(JOURNAL_LLM_FIELDS)


@dataclass
class JournalEntry:
    """An article as published in a journal issue: PubMed metadata, topic, Chinese summary, comments."""

    pmid: str
    title: str
    journal: str
    journal_iso: str
    authors: list[str]
    affiliations: list[str]
    abstract: list[dict[str, str]]
    doi: str | None
    pmcid: str | None
    published: str
    citation: str
    publication_types: list[str]
    topic: str
    relevance: int
    reason_zh: str
    reason_en: str
    title_zh: str = ""
    objective_zh: str = ""
    methods_zh: str = ""
    results_zh: str = ""
    conclusion_zh: str = ""
    comment_ai_zh: str = ""  # drafted by the LLM; shown labelled as AI-drafted
    editor_comment: str = ""  # 本刊点评 by an editor (Markdown); replaces the AI draft, never overwritten
    llm_topic: str = ""
    enriched_by: str = ""
    numbers_missing: list[str] = field(default_factory=list)  # numbers of the English results absent from 结果
    edited: list[str] = field(default_factory=list)

    @classmethod
    def from_article(cls, a: Article, topic: str, relevance: int, reason_zh: str, reason_en: str) -> "JournalEntry":
        return cls(
            pmid=a.pmid, title=a.title, journal=a.journal, journal_iso=a.journal_iso, authors=list(a.authors),
            affiliations=list(a.affiliations), abstract=[dict(s) for s in a.abstract], doi=a.doi, pmcid=a.pmcid,
            published=a.published, citation=a.citation, publication_types=list(a.publication_types), topic=topic,
            relevance=relevance, reason_zh=reason_zh, reason_en=reason_en,
        )

    @property
    def article(self) -> Article:
        return Article(self.pmid, self.title, self.journal, self.journal_iso, self.authors, self.affiliations,
                       self.abstract, self.doi, self.pmcid, self.published, self.citation, self.publication_types)

    @property
    def anchor(self) -> str:
        return f"pmid-{self.pmid}"

    @property
    def pubmed_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"

    @property
    def doi_url(self) -> str | None:
        return f"https://doi.org/{self.doi}" if self.doi else None

    @property
    def translated(self) -> bool:
        return bool(self.title_zh.strip())

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "JournalEntry":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass
class JournalSection:
    topic: str
    entries: list[JournalEntry]


@dataclass
class JournalIssue:
    """One week of the journal digest (文献快递): its own numbered series."""

    date: str  # the last day of the window (YYYY-MM-DD); names the record
    start: str  # the first day of the window
    number: int
    sections: list[JournalSection]
    editor_note_zh: str = ""
    editor_note_en: str = ""
    journals: list[str] = field(default_factory=list)
    found: int = 0  # articles the PubMed query returned for the window
    removed: list[str] = field(default_factory=list)  # PMIDs an editor took out; never re-added
    # articles already published from arXiv: {pmid, doi, title, journal, arxiv_id, arxiv_date}
    also_on_arxiv: list[dict[str, str]] = field(default_factory=list)

    kind = "journal"

    @property
    def entries(self) -> list[JournalEntry]:
        return [e for s in self.sections for e in s.entries]

    @property
    def year(self) -> str:
        return self.date[:4]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "kind": self.kind,
            "date": self.date,
            "start": self.start,
            "number": self.number,
            "editor_note": {"zh": self.editor_note_zh, "en": self.editor_note_en},
            "source": {"journals": list(self.journals), "found": self.found},
            "removed": list(self.removed),
            "also_on_arxiv": [dict(x) for x in self.also_on_arxiv],
            "sections": [{"topic": s.topic, "articles": [e.to_dict() for e in s.entries]} for s in self.sections],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "JournalIssue":
        note = d.get("editor_note") or {}
        src = d.get("source") or {}
        return cls(
            date=str(d["date"]),
            start=str(d.get("start") or d["date"]),
            number=int(d["number"]),
            editor_note_zh=note.get("zh") or "",
            editor_note_en=note.get("en") or "",
            journals=list(src.get("journals") or []),
            found=int(src.get("found") or 0),
            removed=[str(x) for x in d.get("removed") or []],
            also_on_arxiv=[dict(x) for x in d.get("also_on_arxiv") or []],
            sections=[
                JournalSection(topic=s["topic"], entries=[JournalEntry.from_dict(a) for a in s.get("articles") or []])
                for s in d.get("sections") or []
            ],
        )
