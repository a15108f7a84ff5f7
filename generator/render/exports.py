"""Citation exports and the public JSON documents: BibTeX and RIS per issue and per paper, JSON per issue.

Written into the built site (``exports/``) by ``build``; they are derived files like the pages, but not committed
(one file per paper and format would swamp the repository).  Layout, relative to the site root:

    exports/index.json                       every issue with the URLs of its documents (the entry point)
    exports/schema/issue-v1.json             the JSON Schema of an issue document
    exports/issues/YYYY/DATE.{json,bib,ris}  a daily issue
    exports/journal/YYYY/DATE.{json,bib,ris} a journal-digest issue
    exports/arxiv/<id>.{bib,ris}             one arXiv paper  (old-style ids: "/" -> "_")
    exports/pmid/<pmid>.{bib,ris}            one journal article

The issue document is versioned (``schema_version``): fields are only ever added within a version; renaming or
removing one makes a new version with its own schema file.  It carries no abstracts (they would double the site's
size); ``record`` points at the canonical record, which has them.  Deterministic like everything rendered: same records,
same bytes.
"""

from __future__ import annotations

import json
import re

from .. import layout
from ..layout import data_path
from ..config import Config
from ..kinds.registry import KINDS
from ..kinds.sources import ARXIV, FIRST
from ..model import DOI_RE, SOURCES, Entry, Issue, JournalEntry, JournalIssue
from .text import clean

SCHEMA_VERSION = 1
SCHEMA_PATH = "exports/schema/issue-v1.json"


def record_url(cfg: Config, path: str) -> str:
    """The record on GitHub (the canonical data, abstracts and Chinese abstracts included)."""
    return f"{cfg.site.repo_url.rstrip('/')}/blob/{cfg.site.edit_branch}/{path}"


def paper_key(pid: str) -> str:
    return pid.replace("/", "_")


def export_url(cfg: Config, rel: str) -> str:
    return f"{cfg.site.url}{rel}"


def issue_export(day: str, ext: str, kind: str = "issues") -> str:
    return f"exports/{kind}/{day[:4]}/{day}.{ext}"


def paper_export(pid: str, ext: str) -> str:
    """A paper's citation file: ``exports/arxiv/<id>`` or, for a preprint (its id is a DOI), ``exports/doi/<doi>``."""
    folder = "doi" if DOI_RE.match(pid) else ARXIV.export
    return f"exports/{folder}/{paper_key(pid)}.{ext}"


def article_export(pmid: str, ext: str) -> str:
    return f"exports/pmid/{pmid}.{ext}"


# ------------------------------------------------------------------ BibTeX


# what a value must be scanned for, longest first: a backslash pair, an escaped special, a special, a final backslash
_BIB_TOKEN = re.compile(r"\\\\|\\[{}%&#]|[{}%&#]|\\$")
_BIB_SPELLED = {"\\{": r"\textbraceleft{}", "\\}": r"\textbraceright{}", "\\": r"\textbackslash{}",
                "\\\\": r"\textbackslash{}\textbackslash{}", "%": r"\%", "&": r"\&", "#": r"\#"}


def _bib_value(text: str | None) -> str:
    r"""A field value inside braces that no brace in it can close: LaTeX and math kept, the specials that break
    parsers (% & #) escaped.

    BibTeX counts every brace, backslash or not, while bibtexparser skips a brace after a backslash; so the value
    carries no brace after a backslash (``\{`` is spelt ``\textbraceleft{}``, a backslash pair or a final backslash
    ``\textbackslash{}``) and only the braces that pair up (an unpaired one is spelt out too).  Then BibTeX and
    bibtexparser read the same single field, and no ``}`` in a title can end it early.
    """
    text = clean(text)
    out: list[str] = []
    opened: list[int] = []  # positions in out of the "{" not paired yet
    pos = 0
    for m in _BIB_TOKEN.finditer(text):
        out.append(text[pos:m.start()])
        pos, token = m.end(), m.group()
        if token == "{":
            opened.append(len(out))
        elif token == "}":
            token = "}" if opened and opened.pop() is not None else r"\textbraceright{}"
        out.append(_BIB_SPELLED.get(token, token))
    out.append(text[pos:])
    for i in opened:
        out[i] = r"\textbraceleft{}"
    return "".join(out)


def _bib_title(title: str) -> str:
    """The title's case kept as written: the whole title in a brace group, unless it uses braces for that itself."""
    value = _bib_value(title)
    return value if "{" in title or "}" in title else f"{{{value}}}"


def _bib_entry(kind: str, key: str, fields: list[tuple[str, str | None]]) -> str:
    rows = [f"  {name} = {{{_bib_title(value) if name == 'title' else _bib_value(value)}}}"
            for name, value in fields if value]
    return f"@{kind}{{{key},\n" + ",\n".join(rows) + "\n}\n"


def _arxiv_year(pid: str) -> str:
    m = re.match(r"^(\d{2})\d{2}\.", pid) or re.search(r"/(\d{2})\d{5}$", pid)
    if not m:
        return ""
    yy = int(m.group(1))
    return str(2000 + yy if yy < 91 else 1900 + yy)


def bibtex_paper(e: Entry, issue: Issue, cfg: Config) -> str:
    vid = e.id + (f"v{e.version}" if e.version else "")
    if e.source != FIRST:  # a preprint: its DOI is its id; the journal version's DOI (when known) is e.doi
        return _bib_entry("misc", f"{e.source}:{e.id}", [
            ("title", e.title),
            ("author", " and ".join(clean(a) for a in e.authors)),
            ("year", issue.date[:4]),
            ("howpublished", e.paper.origin.citation),
            ("doi", e.id),
            ("url", e.paper.abs_url),
            ("note", f"{cfg.site.title_en}, issue {issue.number} ({issue.date})"
                     + (f"; journal version doi:{e.doi}" if e.doi else "")),
        ])
    return _bib_entry("misc", f"arxiv:{e.id}", [
        ("title", e.title),
        ("author", " and ".join(clean(a) for a in e.authors)),
        ("year", _arxiv_year(e.id)),
        ("eprint", e.id),
        ("archiveprefix", "arXiv"),
        ("primaryclass", e.primary_category or (e.categories[0] if e.categories else "")),
        ("doi", e.doi),
        ("journal", e.journal_ref),
        ("url", f"https://arxiv.org/abs/{vid}"),
        ("note", f"{cfg.site.title_en}, issue {issue.number} ({issue.date})"),
    ])


def _pages(citation: str) -> tuple[str, str, str]:
    """(volume, issue, pages) from '2017;66(6):1116-1122'."""
    m = re.match(r"^\d{4};([^(:]*)(?:\(([^)]*)\))?(?::(.*))?$", citation or "")
    return (m.group(1) or "", m.group(2) or "", m.group(3) or "") if m else ("", "", "")


def bibtex_article(e: JournalEntry, issue: JournalIssue, cfg: Config) -> str:
    volume, number, pages = _pages(e.citation)
    return _bib_entry("article", f"pmid:{e.pmid}", [
        ("title", e.title),
        ("author", " and ".join(clean(a) for a in e.authors)),
        ("journal", e.journal_iso or e.journal),
        ("year", e.published[:4]),
        ("volume", volume), ("number", number), ("pages", pages.replace("-", "--")),
        ("doi", e.doi),
        ("pmid", e.pmid),
        ("url", e.doi_url or e.pubmed_url),
        ("note", f"{cfg.journal.title_en}, issue {issue.number} ({issue.date})"),
    ])


# ------------------------------------------------------------------ RIS


def _ris(rows: list[tuple[str, str | None]]) -> str:
    out = []
    for tag, value in rows:
        value = clean(value)
        if value:
            out.append(f"{tag}  - {value}")
    out.append("ER  - ")
    return "\r\n".join(out) + "\r\n"


def ris_paper(e: Entry, issue: Issue, cfg: Config) -> str:
    vid = e.id + (f"v{e.version}" if e.version else "")
    rows: list[tuple[str, str | None]] = [("TY", "UNPB"), ("TI", e.title)]
    rows += [("AU", a) for a in e.authors]
    if e.source != FIRST:
        rows += [("PY", issue.date[:4]), ("DB", e.paper.source_name), ("DO", e.id), ("UR", e.paper.abs_url),
                 ("N1", f"{cfg.site.title_en}, issue {issue.number} ({issue.date})")]
    else:
        rows += [("PY", _arxiv_year(e.id)), ("DB", "arXiv"), ("AN", f"arXiv:{vid}"), ("UR", f"https://arxiv.org/abs/{vid}"),
                 ("DO", e.doi), ("N1", f"{cfg.site.title_en}, issue {issue.number} ({issue.date})")]
    rows += [("KW", c) for c in e.categories]
    return _ris(rows)


def ris_article(e: JournalEntry, issue: JournalIssue, cfg: Config) -> str:
    volume, number, pages = _pages(e.citation)
    start, _, end = pages.partition("-")
    rows: list[tuple[str, str | None]] = [("TY", "JOUR"), ("TI", e.title)]
    rows += [("AU", a) for a in e.authors]
    rows += [("PY", e.published[:4]), ("T2", e.journal), ("J2", e.journal_iso), ("VL", volume), ("IS", number),
             ("SP", start), ("EP", end), ("DO", e.doi), ("AN", f"PMID:{e.pmid}"), ("UR", e.doi_url or e.pubmed_url),
             ("N1", f"{cfg.journal.title_en}, issue {issue.number} ({issue.date})")]
    return _ris(rows)


# ------------------------------------------------------------------ JSON


def _paper_doc(e: Entry, issue: Issue, cfg: Config) -> dict:
    prefix = f"{cfg.site.url}issues/{issue.date[:4]}/{issue.date}/"
    return {
        "id": e.id, "version": e.version, "announce_type": e.announce_type, "topic": e.topic,
        "relevance": e.llm_relevance if e.llm_relevance is not None else e.relevance, "keyword_relevance": e.relevance,
        "title": e.title, "title_zh": e.title_zh, "authors": list(e.authors), "institutions": list(e.institutions),
        "institutions_zh": list(e.institutions_zh), "institution_ids": list(e.institution_ids),
        "author_institutions": [list(pair) for pair in e.author_institutions],
        "categories": list(e.categories), "primary_category": e.primary_category, "comment": e.comment,
        "code_links": list(e.code_links), "hf_upvotes": e.hf_upvotes,
        "journal_ref": e.journal_ref, "doi": e.doi, "summary_zh": e.summary_zh, "summary_en": e.summary_en,
        "reason_zh": e.reason_llm_zh or e.reason_zh, "reason_en": e.reason_en, "editor_note": e.editor_note,
        "source": e.source,
        "links": {"page": prefix + f"#{e.anchor}", "abs": e.paper.abs_url, "pdf": e.paper.pdf_url, "html": e.paper.html_url,
                  "bibtex": export_url(cfg, paper_export(e.id, "bib")), "ris": export_url(cfg, paper_export(e.id, "ris"))},
    }


def issue_document(issue: Issue, cfg: Config) -> dict:
    return {
        "schema_version": SCHEMA_VERSION, "schema": export_url(cfg, SCHEMA_PATH), "kind": "arxiv",
        "date": issue.date, "number": issue.number, "url": f"{cfg.site.url}issues/{issue.date[:4]}/{issue.date}/",
        "record": record_url(cfg, data_path(cfg, layout.record(layout.ISSUES, issue.date))),
        "editor_note": {"zh": issue.editor_note_zh, "en": issue.editor_note_en},
        "sections": [{"topic": s.topic, "papers": [_paper_doc(e, issue, cfg) for e in s.entries]}
                     for s in issue.sections if s.entries],
    }


def journal_document(issue: JournalIssue, cfg: Config) -> dict:
    prefix = f"{cfg.site.url}journal/{issue.date[:4]}/{issue.date}/"
    n = 0
    sections = []
    for s in issue.sections:
        items = []
        for e in s.entries:
            n += 1
            items.append({
                "number": n, "pmid": e.pmid, "doi": e.doi, "pmcid": e.pmcid, "topic": e.topic, "relevance": e.relevance,
                "title": e.title, "title_zh": e.title_zh, "journal": e.journal, "journal_iso": e.journal_iso,
                "published": e.published, "citation": e.citation, "authors": list(e.authors),
                "affiliations": list(e.affiliations),
                "summary_zh": {"objective": e.objective_zh, "methods": e.methods_zh, "results": e.results_zh,
                               "conclusion": e.conclusion_zh},
                "comment": {"editor": e.editor_comment, "ai_draft": e.comment_ai_zh},
                "numbers_missing": list(e.numbers_missing),
                "links": {"page": prefix + f"#{e.anchor}", "doi": e.doi_url, "pubmed": e.pubmed_url,
                          "bibtex": export_url(cfg, article_export(e.pmid, "bib")),
                          "ris": export_url(cfg, article_export(e.pmid, "ris"))},
            })
        if items:
            sections.append({"topic": s.topic, "articles": items})
    return {
        "schema_version": SCHEMA_VERSION, "schema": export_url(cfg, SCHEMA_PATH), "kind": "journal",
        "date": issue.date, "start": issue.start, "number": issue.number, "url": prefix,
        "record": record_url(cfg, data_path(cfg, layout.record(layout.JOURNAL, issue.date))),
        "editor_note": {"zh": issue.editor_note_zh, "en": issue.editor_note_en},
        "also_on_arxiv": [dict(x) for x in issue.also_on_arxiv], "sections": sections,
    }


_TEXT = {"type": "string"}
_TEXT_OR_NULL = {"type": ["string", "null"]}
_LIST = {"type": "array", "items": {"type": "string"}}
ISSUE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Medical AI Daily issue document, version 1",
    "description": "One issue of the daily arXiv digest (kind 'arxiv') or of the weekly journal digest (kind 'journal'). "
                   "Fields may be added within version 1; none is renamed or removed.",
    "type": "object",
    "required": ["schema_version", "kind", "date", "number", "url", "sections"],
    "properties": {
        "schema_version": {"const": 1},
        "schema": _TEXT,
        "kind": {"enum": [k.kind for k in KINDS]},
        "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "start": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "number": {"type": "integer", "minimum": 1},
        "url": _TEXT,
        "record": {"type": "string", "description": "the canonical record (YAML, with the abstracts) in the repository"},
        "editor_note": {"type": "object", "properties": {"zh": _TEXT, "en": _TEXT}},
        "also_on_arxiv": {"type": "array", "items": {"type": "object"}},
        "sections": {"type": "array", "items": {
            "type": "object", "required": ["topic"],
            "properties": {
                "topic": _TEXT,
                "papers": {"type": "array", "items": {
                    "type": "object",
                    "required": ["id", "title", "authors", "topic", "relevance", "links"],
                    "properties": {
                        "id": _TEXT, "source": {"enum": list(SOURCES)}, "version": {"type": ["integer", "null"]}, "announce_type": _TEXT, "topic": _TEXT,
                        "relevance": {"type": "integer"}, "keyword_relevance": {"type": "integer"},
                        "title": _TEXT, "title_zh": _TEXT, "authors": _LIST, "institutions": _LIST, "institutions_zh": _LIST,
                        "institution_ids": _LIST, "author_institutions": {"type": "array", "items": {
                            "type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}},
                        "categories": _LIST, "primary_category": _TEXT_OR_NULL, "comment": _TEXT_OR_NULL, "code_links": _LIST, "hf_upvotes": {"type": ["integer", "null"]},
                        "journal_ref": _TEXT_OR_NULL, "doi": _TEXT_OR_NULL, "summary_zh": _TEXT, "summary_en": _TEXT,
                        "reason_zh": _TEXT, "reason_en": _TEXT, "editor_note": _TEXT, "links": {"type": "object"},
                    }}},
                "articles": {"type": "array", "items": {
                    "type": "object", "required": ["number", "pmid", "title", "journal", "links"],
                    "properties": {
                        "number": {"type": "integer"}, "pmid": _TEXT, "doi": _TEXT_OR_NULL, "pmcid": _TEXT_OR_NULL,
                        "title": _TEXT, "title_zh": _TEXT, "journal": _TEXT, "journal_iso": _TEXT, "authors": _LIST,
                        "affiliations": _LIST, "summary_zh": {"type": "object"}, "comment": {"type": "object"},
                        "numbers_missing": _LIST, "links": {"type": "object"},
                    }}},
            }}},
    },
}


def _dump(obj) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def issue_exports(cfg: Config, issue: Issue | JournalIssue) -> dict[str, bytes]:
    """The files one issue contributes: its JSON, BibTeX and RIS, and one BibTeX and RIS per paper."""
    out: dict[str, bytes] = {}
    bibs, riss = [], []
    journal = isinstance(issue, JournalIssue)
    for e in issue.entries:
        if journal:
            bib, ris = bibtex_article(e, issue, cfg), ris_article(e, issue, cfg)
            out[article_export(e.pmid, "bib")], out[article_export(e.pmid, "ris")] = bib.encode(), ris.encode()
        else:
            bib, ris = bibtex_paper(e, issue, cfg), ris_paper(e, issue, cfg)
            out[paper_export(e.id, "bib")], out[paper_export(e.id, "ris")] = bib.encode(), ris.encode()
        bibs.append(bib)
        riss.append(ris)
    kind = "journal" if journal else "issues"
    out[issue_export(issue.date, "bib", kind)] = "\n".join(bibs).encode()
    out[issue_export(issue.date, "ris", kind)] = "".join(riss).encode()
    doc = journal_document(issue, cfg) if journal else issue_document(issue, cfg)  # type: ignore[arg-type]
    out[issue_export(issue.date, "json", kind)] = _dump(doc)
    return out


def summary_of(issue: Issue | JournalIssue) -> tuple[str, str, int, int]:
    """(kind, date, number, papers): what the index lists of an issue."""
    return (issue.kind, issue.date, issue.number, len(issue.entries))


def index_exports(cfg: Config, summaries: list[tuple[str, str, int, int]]) -> dict[str, bytes]:
    """The schema and the index of every issue's documents (``summaries``: see ``summary_of``)."""
    index = []
    for kind, day, number, papers in sorted(summaries):
        folder = next(k.series for k in KINDS if k.kind == kind)
        index.append({"kind": kind, "date": day, "number": number, "papers": papers,
                      **{ext: export_url(cfg, issue_export(day, ext, folder)) for ext in ("json", "bib", "ris")}})
    return {SCHEMA_PATH: _dump(ISSUE_SCHEMA),
            "exports/index.json": _dump({"schema_version": SCHEMA_VERSION, "schema": export_url(cfg, SCHEMA_PATH),
                                         "issues": index})}


def build_exports(cfg: Config, issues: list[Issue], journals: list[JournalIssue]) -> dict[str, bytes]:
    """site-relative path -> content for every export file."""
    everything = [*sorted(issues, key=lambda i: i.date), *sorted(journals, key=lambda i: i.date)]
    out = index_exports(cfg, [summary_of(i) for i in everything])
    for issue in everything:
        out.update(issue_exports(cfg, issue))
    return out


# ------------------------------------------------------------------ reviews


def review_export(period: str) -> str:
    return f"exports/reviews/{period}.json"


def review_document(r, cfg: Config) -> dict:
    """A quarterly or yearly review (``render.review.Review``) as JSON: the counted figures, the papers it names
    (each with its entry's page) and the checked theme paragraphs.  Versioned like the issue document."""
    def paper(p) -> dict:
        return {"id": p.entry.id, "source": p.entry.source, "topic": p.entry.topic, "title": p.entry.title,
                "title_zh": p.entry.title_zh, "relevance": p.rank, "hf_upvotes": p.entry.hf_upvotes,
                "issue": p.day, "page": f"{cfg.site.url}issues/{p.day[:4]}/{p.day}/#{p.entry.anchor}"}

    def change(c) -> dict:
        return {"key": c.key, "now": c.now, "before": c.before}

    def term(c) -> dict:
        return {"phrase": c.key, "papers": c.now, "papers_before": c.before, "points": c.points}

    return {
        "schema_version": SCHEMA_VERSION, "kind": "review", "period": r.period.id, "start": r.period.start,
        "end": r.period.end, "last_issue": r.last_day, "complete": r.complete, "issues": len(r.days),
        "papers": len(r.papers), "previous": {"period": r.period.previous.id, "papers": r.previous_papers},
        "url": layout.review_url(cfg.site.url, r.period.id),
        "topics": [change(c) for c in r.topics], "sources": [change(c) for c in r.sources],
        "rising_terms": [term(c) for c in r.rising], "falling_terms": [term(c) for c in r.falling],
        "most_followed": [dict(paper(p), pinned_in=list(p.pinned_weeks)) for p in r.followed],
        "releases": [dict(paper(p), links=list(links)) for p, links in r.releases],
        "institutions": [{"name": n, "name_zh": z, "papers": k} for n, z, k in r.institutions],
        "recommendations": {t: [dict(paper(p), pinned=p.entry.id in r.pinned) for p in ps] for t, ps in r.table.items()},
        "themes": {t: [{"phrase": th.cluster.phrase, "papers": th.cluster.ids, "zh": th.zh, "en": th.en}
                       for th in ths] for t, ths in r.themes.items()},
        "editor": {"intro": dict(r.intro), "comments": {t: dict(c) for t, c in r.comments.items()}},
    }


def review_exports(cfg: Config, reviews: list) -> dict[str, bytes]:
    """Every review's JSON document and their index (``exports/reviews/index.json``)."""
    out = {review_export(r.period.id): _dump(review_document(r, cfg)) for r in reviews}
    index = [{"period": r.period.id, "complete": r.complete, "papers": len(r.papers), "last_issue": r.last_day,
              "json": export_url(cfg, review_export(r.period.id))} for r in reviews]
    out["exports/reviews/index.json"] = _dump({"schema_version": SCHEMA_VERSION, "reviews": index})
    return out
