"""The daily issue's data model: papers, entries, sections, issues, dropped candidates.

``Paper`` is what a source yields (metadata only).  ``Entry`` is a paper as
published in an issue: the paper plus the selection result and the slots that
enrichment or an editor fill in.  ``Issue`` is one day's record, the single
source of truth from which its page and feed items are rendered.

Records are plain dicts on disk (YAML); ``to_dict``/``from_dict`` are the only
place that knows the field order, so dumps are stable byte for byte.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, fields
from typing import Any

from ..links import find_links

SCHEMA_VERSION = 1

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")

ARXIV_ID_RE = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})\Z")
def title_key(title: str) -> str:
    """A title reduced for comparison (one paper on two sources): case, accents, punctuation and spacing do not
    matter."""
    text = unicodedata.normalize("NFKD", title).lower()
    return "".join(ch for ch in text if ch.isalnum())


# where a paper of the daily issue comes from; a preprint's id is its DOI (without version)
SOURCES = {"arxiv": "arXiv", "medrxiv": "medRxiv", "biorxiv": "bioRxiv"}
PREPRINT_SITES = {"medrxiv": "https://www.medrxiv.org", "biorxiv": "https://www.biorxiv.org"}
# a preprint DOI as medRxiv/bioRxiv mint them (no characters that Markdown, a URL or a file name would read)
DOI_RE = re.compile(r"^10\.\d{4,9}/[-._/A-Za-z0-9]{1,200}\Z")


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
    source: str = "arxiv"  # arxiv | medrxiv | biorxiv (a preprint's id is its DOI)

    @property
    def versioned_id(self) -> str:
        return f"{self.id}v{self.version}" if self.version else self.id

    @property
    def source_name(self) -> str:
        return SOURCES.get(self.source, self.source)

    @property
    def landing_url(self) -> str:
        """The paper's page without a version: its newest version (a preprint: its DOI)."""
        return f"https://doi.org/{self.id}" if self.source in PREPRINT_SITES else f"https://arxiv.org/abs/{self.id}"

    @property
    def abs_url(self) -> str:
        if self.source in PREPRINT_SITES:
            return f"{PREPRINT_SITES[self.source]}/content/{self.versioned_id}"
        return f"https://arxiv.org/abs/{self.versioned_id}"

    @property
    def pdf_url(self) -> str:
        if self.source in PREPRINT_SITES:
            return f"{self.abs_url}.full.pdf"
        return f"https://arxiv.org/pdf/{self.versioned_id}"

    @property
    def html_url(self) -> str:
        if self.source in PREPRINT_SITES:
            return f"{self.abs_url}.full"
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
    source: str = "arxiv"  # arxiv | medrxiv | biorxiv; written to the record only when not arxiv

    @classmethod
    def from_paper(cls, p: Paper, s: Selection) -> "Entry":
        assert s.topic is not None
        return cls(
            id=p.id, version=p.version, announce_type=p.announce_type, title=p.title, authors=list(p.authors),
            categories=list(p.categories), primary_category=p.primary_category, abstract=p.abstract,
            comment=p.comment, journal_ref=p.journal_ref, doi=p.doi, license=p.license, topic=s.topic,
            relevance=s.relevance, score=round(s.score, 2), reason_zh=s.reason_zh, reason_en=s.reason_en,
            code_links=find_links(p.abstract, p.comment), source=p.source,
        )

    @property
    def paper(self) -> Paper:
        return Paper(
            id=self.id, version=self.version, title=self.title, abstract=self.abstract, authors=self.authors,
            categories=self.categories, primary_category=self.primary_category, announce_type=self.announce_type,
            comment=self.comment, journal_ref=self.journal_ref, doi=self.doi, license=self.license, source=self.source,
        )

    @property
    def anchor(self) -> str:
        return f"{self.source}-" + re.sub(r"[^A-Za-z0-9._-]", "-", self.id)

    @property
    def translated(self) -> bool:
        return bool(self.title_zh.strip())

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        if out["source"] == "arxiv":  # the first source: records of arXiv papers stay as they always were
            del out["source"]
        return out

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
