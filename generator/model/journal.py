"""The journal digest's data model: articles as PubMed describes them, entries, sections and issues."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

from ..kinds.sources import FIRST, SOURCES as PAPER_SOURCES
from .base import ENRICHED, LLM, MACHINE, Issue, Item, owned

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


# Chinese structured summary fields (目的 / 方法 / 结果 / 结论)
JOURNAL_SUMMARY = ("objective_zh", "methods_zh", "results_zh", "conclusion_zh")


@dataclass
class JournalEntry(Item):
    """An article as published in a journal issue: PubMed metadata, topic, Chinese summary, comments; who owns each
    field is declared on it."""

    ID: ClassVar[str] = "pmid"

    pmid: str
    title: str = owned(MACHINE)
    journal: str = owned(MACHINE)
    journal_iso: str = owned(MACHINE)
    authors: list[str] = owned(MACHINE)
    affiliations: list[str] = owned(MACHINE)
    abstract: list[dict[str, str]] = owned(MACHINE)
    doi: str | None = owned(MACHINE)
    pmcid: str | None = owned(MACHINE)
    published: str = owned(MACHINE)
    citation: str = owned(MACHINE)
    publication_types: list[str] = owned(MACHINE)
    topic: str = owned(MACHINE)
    relevance: int = owned(MACHINE)
    reason_zh: str = owned(MACHINE)
    reason_en: str = owned(MACHINE)
    title_zh: str = owned(ENRICHED, default="")
    objective_zh: str = owned(ENRICHED, default="")
    methods_zh: str = owned(ENRICHED, default="")
    results_zh: str = owned(ENRICHED, default="")
    conclusion_zh: str = owned(ENRICHED, default="")
    comment_ai_zh: str = owned(ENRICHED, default="")  # drafted by the LLM; shown labelled as AI-drafted
    editor_comment: str = owned(ENRICHED, default="")  # 本刊点评 by an editor (Markdown); replaces the AI draft, never overwritten
    llm_topic: str = owned(LLM, default="")
    enriched_by: str = owned(LLM, default="")
    numbers_missing: list[str] = owned(LLM, default_factory=list)  # numbers of the English results absent from 结果
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



@dataclass
class JournalIssue(Issue):
    """One week of the journal digest (文献快递): its own numbered series, named by the window's last day."""

    KIND: ClassVar[str] = "journal"
    ITEM: ClassVar[type] = JournalEntry
    ITEMS: ClassVar[str] = "articles"
    HEAD: ClassVar[tuple[str, ...]] = ("start",)
    SOURCE: ClassVar[tuple[str, ...]] = ("journals", "found")
    TAIL: ClassVar[tuple[str, ...]] = ("also_on_arxiv",)

    start: str = ""  # the first day of the window
    journals: list[str] = field(default_factory=list)
    found: int = 0  # articles the PubMed query returned for the window
    # articles the daily issue already listed: {pmid, doi, title, journal, arxiv_id, arxiv_date}, and the entry's
    # source when it is a preprint (its id, a DOI, is then in arxiv_id; the key keeps its first name)
    also_on_arxiv: list[dict[str, str]] = field(default_factory=list)

    @property
    def also_sources(self) -> list[str]:
        """The sources the "also on" links point to, in registry order (arXiv when a link names none)."""
        named = {x.get("source", FIRST) for x in self.also_on_arxiv}
        return [s.title for s in PAPER_SOURCES.values() if s.name in named]

    def carried(self, existing: "JournalIssue | None", listed: set[str]) -> None:
        """The "also on arXiv" links found by earlier runs stay (those now listed as articles go), by PMID."""
        also = {x["pmid"]: x for x in (existing.also_on_arxiv if existing else [])}
        also.update({x["pmid"]: x for x in self.also_on_arxiv})
        self.also_on_arxiv = [also[k] for k in sorted(also) if k not in listed]
