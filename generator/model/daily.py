"""The daily issue's types: papers as a source yields them, the selector's decision, entries and the day's issue.

``Paper`` is what a source yields (metadata only).  ``Entry`` is a paper as published in an issue: the paper plus the
selection result and the slots that enrichment or an editor fill in, each field's owner declared on it.
``DailyIssue`` is one day's record.  How records are written and merged is the same for every kind (``base``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..kinds import Source
from ..kinds.sources import ARXIV_ID_RE, DOI_RE, FIRST, SOURCES as PAPER_SOURCES  # noqa: F401  (re-exported)
from ..links import find_links
from .base import ENRICHED, LLM, MACHINE, SIGNAL, Issue, Item, owned

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")

def title_key(title: str) -> str:
    """A title reduced for comparison (one paper on two sources): case, accents, punctuation and spacing do not
    matter."""
    text = unicodedata.normalize("NFKD", title).lower()
    return "".join(ch for ch in text if ch.isalnum())


# where a paper of the daily issue comes from (registered in kinds/sources.py): source name -> how readers know it
SOURCES = {name: src.title for name, src in PAPER_SOURCES.items()}


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
    def origin(self) -> Source:
        return PAPER_SOURCES[self.source]

    @property
    def source_name(self) -> str:
        return PAPER_SOURCES[self.source].title if self.source in PAPER_SOURCES else self.source

    def _link(self, template: str) -> str:
        return self.origin.link(template, self.id, self.versioned_id)

    @property
    def landing_url(self) -> str:
        """The paper's page without a version: its newest version (a preprint: its DOI)."""
        return self._link(self.origin.landing)

    @property
    def abs_url(self) -> str:
        return self._link(self.origin.abstract)

    @property
    def pdf_url(self) -> str:
        return self._link(self.origin.pdf)

    @property
    def html_url(self) -> str:
        return self._link(self.origin.html)


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


@dataclass
class Entry(Item):
    """A paper as published in an issue (one item of a topic section); who owns each field is declared on it."""

    OMIT: ClassVar[dict[str, Any]] = {"source": FIRST}  # records of arXiv papers stay as they always were

    id: str
    version: int | None = owned(MACHINE)
    announce_type: str = owned(MACHINE)
    title: str = owned(MACHINE)
    authors: list[str] = owned(MACHINE)
    categories: list[str] = owned(MACHINE)
    primary_category: str | None = owned(MACHINE)
    abstract: str = owned(MACHINE)
    comment: str | None = owned(MACHINE)
    journal_ref: str | None = owned(MACHINE)
    doi: str | None = owned(MACHINE)
    license: str | None = owned(MACHINE)
    topic: str = owned(MACHINE)
    relevance: int = owned(MACHINE)
    score: float = owned(MACHINE)
    reason_zh: str = owned(MACHINE)
    reason_en: str = owned(MACHINE)
    title_zh: str = owned(ENRICHED, default="")
    summary_zh: str = owned(ENRICHED, default="")
    summary_en: str = owned(ENRICHED, default="")
    abstract_zh: str = owned(ENRICHED, default="")
    institutions: list[str] = owned(ENRICHED, default_factory=list)  # from the arXiv HTML author block, else OpenAlex
    institutions_zh: list[str] = owned(ENRICHED, default_factory=list)  # their Chinese names, same order ('' when unknown)
    institution_ids: list[str] = field(default_factory=list)  # ROR (else OpenAlex) ids, same order ('' when unknown)
    author_institutions: list[list[str]] = field(default_factory=list)  # [author, institution]: who is where
    code_links: list[str] = owned(MACHINE, default_factory=list)  # GitHub / GitLab / Hugging Face / Zenodo, from abstract and comments
    editor_note: str = owned(ENRICHED, default="")
    # the LLM's judgement (enrichment); empty until enriched
    llm_topic: str = owned(LLM, default="")
    llm_relevance: int | None = owned(LLM, default=None)
    reason_llm_zh: str = owned(LLM, default="")
    enriched_by: str = owned(LLM, default="")  # "model · prompt" that wrote the Chinese fields
    glossary_missing: list[str] = owned(LLM, default_factory=list)  # agreed terms absent from abstract_zh
    # the community's signal (Hugging Face Papers), when that remote answered: upvotes and a linked repository
    hf_upvotes: int | None = owned(SIGNAL, default=None)
    hf_repo: str = owned(SIGNAL, default="")
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

    def signalled(self) -> bool:
        return self.hf_upvotes is not None  # Hugging Face answered for this paper on this run

    def rank(self) -> tuple:
        return (-self.relevance, -(self.hf_upvotes or 0), self.id)  # upvotes break ties

    def merged_with(self, fresh: "Entry") -> "Entry":  # type: ignore[override]
        merged = super().merged_with(fresh)
        more_zh = sum(map(bool, fresh.institutions_zh)) > sum(map(bool, merged.institutions_zh))
        if "institutions_zh" not in self.edited and merged.institutions == fresh.institutions and more_zh:
            merged.institutions_zh = list(fresh.institutions_zh)  # Chinese names learnt since
        return merged


@dataclass
class DailyIssue(Issue):
    """One day's issue: the arXiv announcement day's papers (and the preprints posted since the previous issue)."""

    KIND: ClassVar[str] = "arxiv"
    ITEM: ClassVar[type] = Entry
    ITEMS: ClassVar[str] = "papers"
    SOURCE: ClassVar[tuple[str, ...]] = ("categories", "candidates")

    categories: list[str] = field(default_factory=list)
    candidates: int = 0  # papers in the day's announcement
