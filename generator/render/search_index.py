"""The paper search index: compact JSON shards, one per year, loaded newest first by the search page.

A reader looks for papers, not paragraphs: each paper is one row with what
people type - English and Chinese titles, the one-line summaries, authors, the
arXiv id and DOI - and nothing else (abstracts stay out).  The browser loads
``papers-index.json`` and the newest year's shard before the first result, and
older years only when the reader asks for more.  One set of shards serves both
the zh and the en interface (the rows are bilingual).

Row layout (arrays, to keep the payload small; ``FIELDS`` names the columns):
``[id, date, topic, title, title_zh, authors, summary_zh, summary_en, doi]``.  Journal-digest articles are rows
too, with ``PMID:<pmid>`` as id, the journal week's date, and the Chinese conclusion (结论) as the Chinese summary;
the search page links them to the journal issue.
"""

from __future__ import annotations

import json

from ..config import Config
from ..model import Issue, JournalIssue
from .text import authors_short, clean

INDEX_DIR = "assets/search"
FIELDS = ["id", "date", "topic", "title", "title_zh", "authors", "summary_zh", "summary_en", "doi"]


def _dump(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def build_index(cfg: Config, issues: list[Issue], journals: list[JournalIssue] = ()) -> dict[str, bytes]:
    """docs-relative path -> file content for the manifest and every year shard."""
    years: dict[str, list[list]] = {}
    for issue in sorted(issues, key=lambda i: i.date, reverse=True):
        rows = years.setdefault(issue.year, [])
        for e in issue.entries:
            rows.append([e.id, issue.date, e.topic, clean(e.title), clean(e.title_zh), authors_short(e.authors),
                         clean(e.summary_zh), clean(e.summary_en), clean(e.doi or "")])
    for j in sorted(journals, key=lambda i: i.date, reverse=True):
        rows = years.setdefault(j.year, [])
        for a in j.entries:
            rows.append([f"PMID:{a.pmid}", j.date, a.topic, clean(a.title), clean(a.title_zh), authors_short(a.authors),
                         clean(a.conclusion_zh), "", clean(a.doi or "")])
    out: dict[str, bytes] = {}
    shards = []
    for year in sorted(years, reverse=True):
        name = f"papers-{year}.json"
        out[f"{INDEX_DIR}/{name}"] = _dump({"year": year, "fields": FIELDS, "papers": years[year]})
        shards.append({"year": year, "file": name, "count": len(years[year])})
    manifest = {
        "version": 1,
        "fields": FIELDS,
        "topics": {t.id: [t.name_zh, t.name_en] for t in cfg.topics},
        "shards": shards,
    }
    out[f"{INDEX_DIR}/papers-index.json"] = _dump(manifest)
    return out
