"""Kinds: what differs between the series the site publishes, declared once per series.

A **kind** is one numbered series of issues with its own records, pages and URLs: the daily issue
(``arxiv_daily``) and the weekly journal digest (``pubmed_weekly``).  It declares its issue and item types (their
field ownership lives on the fields, ``model.base``), where its records live, how messages name its items, how one
of its items is checked by ``validate``, and its enrichment **task** (prompt, what an item sends, how an answer is
checked and applied).  Everything else is written once for every kind: the store's series, the merge of a rerun, the
enrichment client, edit marking, validation of headers and sections, the renderers' loops.

A **source** is where items of a kind come from (``sources``: arXiv, medRxiv, bioRxiv for the daily issue): its
name, how its ids look and which links a paper from it has.  ``registry`` registers the kinds and the daily issue's
extra sources in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Task:
    """A kind's enrichment: one structured LLM call per item (the client, cache, budget and breaker are shared)."""

    prompt: Callable[[Any], str]  # config -> prompt name (files prompts/<name>.system.txt, .user.txt)
    marker: str  # the data block's marker in the user prompt: <<<PAPER ... PAPER>>>
    answer: type  # the checked answer's type (cached as its fields)
    input: Callable[[Any], Any]  # item -> what the prompt gets (with .id, .version, .title, .abstract)
    document: Callable[[Any, Any], dict]  # (config, input) -> the JSON document sent between the markers
    check: Callable[[Any, str | None, Any], tuple[Any, str]]  # (enricher, content, input) -> (answer, softer problem)
    needs: Callable[[Any, str], bool]  # (item, signature) -> still to be enriched
    apply: Callable[[Any, Any, str], None]  # (item, answer, signature): fill empty fields, never edited ones
    without: str  # how items look without the LLM: "papers stay English-only, marked 待翻译"
    later: str  # how to fill them in once a key is there


@dataclass(frozen=True)
class Kind:
    """One series of issues."""

    series: str  # its folder in data/ and docs/ (layout.ISSUES, layout.JOURNAL)
    issue: type  # its record type (a model.base.Issue)
    noun: str  # how messages name one record: "an issue"
    label: str  # how messages name one item before its id: "paper", "PMID"
    item_noun: str  # "paper", "article"
    move: str  # how an editor moves an item to another section: "to move a paper"
    removed_hint: str  # what its removed: list holds, for the message when it is wrong
    removed_ok: Callable[[Any], bool]  # whether a removed: value is one of its ids
    task: Task
    check_item: Callable[[dict, str], list[str]]  # one item of a record: (raw item, where) -> problems
    check_header: Callable[[dict, str], list[str]]  # the kind's own header keys: (raw record, path) -> problems
    withdrawn: str  # the data/status.yaml key listing its records an editor withdrew

    @property
    def kind(self) -> str:
        return self.issue.KIND

    @property
    def item(self) -> type:
        return self.issue.ITEM

    @property
    def items(self) -> str:
        return self.issue.ITEMS

    @property
    def id(self) -> str:
        return self.issue.ITEM.ID


@dataclass(frozen=True)
class Source:
    """Where papers of the daily issue come from: its name, its ids, a paper's links (``{id}`` is the id without
    version, ``{vid}`` with it)."""

    name: str  # the record's source: value ("arxiv" is never written: the first source)
    title: str  # as readers know it: "medRxiv"
    id_re: Any  # a compiled pattern an id of this source matches in full
    id_name: str  # what its ids are, for validate's message: "an arXiv id"
    id_hint: str  # what an id looks like, for the same message
    landing: str  # the newest version's page
    abstract: str  # this version's page
    pdf: str
    html: str
    citation: str  # how a reference manager names it ("arXiv preprint", "medRxiv preprint")
    export: str  # the folder of its citation files under exports/ ("arxiv", "doi")

    def link(self, template: str, pid: str, vid: str) -> str:
        return template.format(id=pid, vid=vid, abs=self.abstract.format(id=pid, vid=vid))


@dataclass
class Gathered:
    """What an extra source of the daily issue gives for one day: its candidates as papers, a category prior per
    paper id, the corresponding author's institution where the source names it, and one line for the run summary."""

    papers: list[Any] = field(default_factory=list)
    priors: dict[str, tuple[str, float]] = field(default_factory=dict)
    institutions: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (corresponding author, institution)
    line: str = ""
