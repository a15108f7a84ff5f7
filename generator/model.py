"""The one data model that flows through the pipeline.

``Paper`` is what a source yields (metadata only).  ``Entry`` is a paper as
published in an issue: the paper plus the selection result and the slots that
enrichment or an editor fill in.  ``Issue`` is one day's record, the single
source of truth from which its page and feed items are rendered.

Records are plain dicts on disk (YAML); ``to_dict``/``from_dict`` are the only
place that knows the field order, so dumps are stable byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

from .links import find_links

SCHEMA_VERSION = 1

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")

ARXIV_ID_RE = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})\Z")


@dataclass
class Paper:
    """A paper as a source describes it."""

    id: str  # arXiv id without version, e.g. "2506.05361"
    version: int | None
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    primary_category: str | None = None
    announce_type: str = "new"
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    license: str | None = None

    @property
    def versioned_id(self) -> str:
        return f"{self.id}v{self.version}" if self.version else self.id

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.versioned_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.versioned_id}"

    @property
    def html_url(self) -> str:
        return f"https://arxiv.org/html/{self.versioned_id}"


@dataclass
class Selection:
    """What the selector decided about one paper."""

    keep: bool
    topic: str | None
    relevance: int  # 0-100
    score: float
    reason_zh: str
    reason_en: str
    matched: list[str] = field(default_factory=list)


# Who owns which field of an entry: declared once, here, for the jobs (merge of a rerun), validate and mark-edits.
# Machine-owned: refreshed from the source on every run unless an editor changed them.
MACHINE_FIELDS = (
    "version", "announce_type", "title", "authors", "categories", "primary_category", "abstract", "comment",
    "journal_ref", "doi", "license", "topic", "relevance", "score", "reason_zh", "reason_en", "code_links",
)
# Fields of an entry that enrichment or an editor fill in.  They start empty; once set they are kept.
ENRICHABLE = ("title_zh", "summary_zh", "summary_en", "abstract_zh", "institutions", "institutions_zh", "editor_note")
# The LLM's judgement: refreshed when a new answer exists, otherwise kept.
LLM_FIELDS = ("llm_topic", "llm_relevance", "reason_llm_zh", "enriched_by", "glossary_missing")
# Every field a run could overwrite, so an editor's change to it is marked (``edited``) and kept.
EDITABLE = frozenset(MACHINE_FIELDS) | frozenset(ENRICHABLE) | frozenset(LLM_FIELDS) | {"hf_upvotes", "hf_repo"}


@dataclass
class Entry:
    """A paper as published in an issue (one item of a topic section)."""

    id: str
    version: int | None
    announce_type: str
    title: str
    authors: list[str]
    categories: list[str]
    primary_category: str | None
    abstract: str
    comment: str | None
    journal_ref: str | None
    doi: str | None
    license: str | None
    topic: str
    relevance: int
    score: float
    reason_zh: str
    reason_en: str
    title_zh: str = ""
    summary_zh: str = ""
    summary_en: str = ""
    abstract_zh: str = ""
    institutions: list[str] = field(default_factory=list)  # from the arXiv HTML author block, else OpenAlex
    institutions_zh: list[str] = field(default_factory=list)  # their Chinese names, same order ('' when unknown)
    institution_ids: list[str] = field(default_factory=list)  # ROR (else OpenAlex) ids, same order ('' when unknown)
    author_institutions: list[list[str]] = field(default_factory=list)  # [author, institution]: who is where
    code_links: list[str] = field(default_factory=list)  # GitHub / GitLab / Hugging Face / Zenodo, from abstract and comments
    editor_note: str = ""
    # the LLM's judgement (enrichment); empty until enriched
    llm_topic: str = ""
    llm_relevance: int | None = None
    reason_llm_zh: str = ""
    enriched_by: str = ""  # "model · prompt" that wrote the Chinese fields
    glossary_missing: list[str] = field(default_factory=list)  # agreed terms absent from abstract_zh
    # the community's signal (Hugging Face Papers), when that remote answered: upvotes and a linked repository
    hf_upvotes: int | None = None
    hf_repo: str = ""
    # names of fields a human set; the pipeline never overwrites them
    edited: list[str] = field(default_factory=list)

    @classmethod
    def from_paper(cls, p: Paper, s: Selection) -> "Entry":
        assert s.topic is not None
        return cls(
            id=p.id, version=p.version, announce_type=p.announce_type, title=p.title, authors=list(p.authors),
            categories=list(p.categories), primary_category=p.primary_category, abstract=p.abstract,
            comment=p.comment, journal_ref=p.journal_ref, doi=p.doi, license=p.license, topic=s.topic,
            relevance=s.relevance, score=round(s.score, 2), reason_zh=s.reason_zh, reason_en=s.reason_en,
            code_links=find_links(p.abstract, p.comment),
        )

    @property
    def paper(self) -> Paper:
        return Paper(
            id=self.id, version=self.version, title=self.title, abstract=self.abstract, authors=self.authors,
            categories=self.categories, primary_category=self.primary_category, announce_type=self.announce_type,
            comment=self.comment, journal_ref=self.journal_ref, doi=self.doi, license=self.license,
        )

    @property
    def anchor(self) -> str:
        return "arxiv-" + self.id.replace("/", "-")

    @property
    def translated(self) -> bool:
        return bool(self.title_zh.strip())

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Entry":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass
class Section:
    topic: str
    entries: list[Entry]


@dataclass
class Issue:
    """One day's issue: the canonical, human-editable record."""

    date: str  # YYYY-MM-DD, the arXiv announcement date
    number: int
    sections: list[Section]
    kind: str = "arxiv"
    editor_note_zh: str = ""
    editor_note_en: str = ""
    candidates: int = 0  # papers in the day's announcement
    categories: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # ids an editor took out; never re-added

    @property
    def entries(self) -> list[Entry]:
        return [e for s in self.sections for e in s.entries]

    @property
    def year(self) -> str:
        return self.date[:4]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "kind": self.kind,
            "date": self.date,
            "number": self.number,
            "editor_note": {"zh": self.editor_note_zh, "en": self.editor_note_en},
            "source": {"categories": list(self.categories), "candidates": self.candidates},
            "removed": list(self.removed),
            "sections": [
                {"topic": s.topic, "papers": [e.to_dict() for e in s.entries]} for s in self.sections
            ],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Issue":
        note = d.get("editor_note") or {}
        src = d.get("source") or {}
        return cls(
            date=str(d["date"]),
            number=int(d["number"]),
            kind=d.get("kind", "arxiv"),
            editor_note_zh=note.get("zh") or "",
            editor_note_en=note.get("en") or "",
            candidates=int(src.get("candidates") or 0),
            categories=list(src.get("categories") or []),
            removed=[str(x) for x in d.get("removed") or []],
            sections=[
                Section(topic=s["topic"], entries=[Entry.from_dict(p) for p in s.get("papers") or []])
                for s in d.get("sections") or []
            ],
        )


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
