"""The paper search index: compact JSON shards, one per half year, loaded newest first by the search page.

A reader looks for papers, not paragraphs: each paper is one row with what
people type - English and Chinese titles, the one-line summaries, authors, the
arXiv id and DOI - and nothing else (abstracts stay out).  The browser loads
``papers-index.json`` and the newest half year's shard before the first result (≈ 6,500 papers at 50 a weekday:
0.6 MB gzipped; a whole year's 13,000 were 1.23 MB, over the 1.2 MB budget), and
older years only when the reader asks for more.  One set of shards serves both
the zh and the en interface (the rows are bilingual).

Row layout (arrays, to keep the payload small; ``FIELDS`` names the columns):
``[id, date, topic, title, title_zh, authors, summary_zh, summary_en, doi(, source(, institutions))]``.  ``authors`` holds every
author (senior authors of large papers are the ones readers look for; the page shows the first ten).  ``source`` is
written only for medRxiv/bioRxiv preprints (their id is a DOI; the page needs it for the entry's anchor) or, as "",
before ``institutions`` (the paper's institutions, "; "-joined, only when it has any: what an institution follow on
the reading page matches).  Journal-digest
articles are rows too, with ``PMID:<pmid>`` as id, the journal week's date, and the Chinese conclusion (结论) as the
Chinese summary, and the organisations their PubMed affiliations name as institutions; the search page links them to
the journal issue.  Topic names are not repeated per row: the
manifest carries them in both languages and the page indexes them with each row.

The rows hold the text as shown; the page folds it for matching (case, accents, full-width forms).  ``fold`` here is
the same rule in Python, for the bench's expected counts and for the test that keeps both in step.
"""

from __future__ import annotations

import json
import re
import unicodedata

from ..config import Config
from ..institutions import names_in, unique
from ..kinds.sources import FIRST
from ..model import Issue, JournalIssue
from .text import clean

INDEX_DIR = "assets/search"
FIELDS = ["id", "date", "topic", "title", "title_zh", "authors", "summary_zh", "summary_en", "doi", "source", "institutions"]

# letters that carry no combining mark to strip but that readers type without their stroke (Łukasz -> lukasz)
_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
_MARKS = re.compile("[\u0300-\u036f]")


def fold(text: str) -> str:
    """Text as the search compares it: lower case, Latin accents dropped, full-width forms made ASCII.

    Mirrors ``fold`` in paper-search.js step by step (lower, NFKD, drop combining accents, special letters, NFKC) so
    that "Muller" finds "Müller" and "Ｍｕｌｌｅｒ" finds both; Chinese text passes through unchanged.
    """
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    return unicodedata.normalize("NFKC", _MARKS.sub("", decomposed).translate(_LETTERS))


def half(day: str) -> str:
    """The half-year shard a date belongs to: ``2025-h1`` (January to June) or ``2025-h2``."""
    return f"{day[:4]}-h{1 if day[5:7] <= '06' else 2}"


def _dump(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _authors(names: list[str]) -> str:
    """Every author, "A; B; C" (a semicolon, since some sources write names as "Last, First")."""
    return "; ".join(clean(n).replace(";", ",") for n in names)


def build_index(cfg: Config, issues: list[Issue], journals: list[JournalIssue] = ()) -> dict[str, bytes]:
    """docs-relative path -> file content for the manifest and every year shard."""
    years: dict[str, list[list]] = {}
    for issue in sorted(issues, key=lambda i: i.date, reverse=True):
        rows = years.setdefault(half(issue.date), [])
        for e in issue.entries:
            row = [e.id, issue.date, e.topic, clean(e.title), clean(e.title_zh), _authors(e.authors),
                   clean(e.summary_zh), clean(e.summary_en), clean(e.doi or "")]
            places = "; ".join(clean(x) for x in e.institutions if clean(x))
            if places:  # what an institution follow matches (the reading page); source first, "" for arXiv
                rows.append(row + ["" if e.source == FIRST else e.source, places])
            else:
                rows.append(row if e.source == FIRST else row + [e.source])
    for j in sorted(journals, key=lambda i: i.date, reverse=True):
        rows = years.setdefault(half(j.date), [])
        for a in j.entries:
            row = [f"PMID:{a.pmid}", j.date, a.topic, clean(a.title), clean(a.title_zh), _authors(a.authors),
                   clean(a.conclusion_zh), "", clean(a.doi or "")]
            # the organisations PubMed's affiliations name (not the addresses): what an institution follow matches
            places = "; ".join(unique([clean(n) for aff in a.affiliations for n in names_in(aff) if clean(n)]))
            rows.append(row + ["", places] if places else row)
    out: dict[str, bytes] = {}
    shards = []
    for part in sorted(years, reverse=True):
        year, months = part[:4], ("01–06", "07–12")[int(part[-1]) - 1]
        name = f"papers-{part}.json"
        out[f"{INDEX_DIR}/{name}"] = _dump({"year": year, "half": int(part[-1]), "fields": FIELDS, "papers": years[part]})
        shards.append({"year": year, "half": int(part[-1]), "label": f"{year}.{months}", "file": name,
                       "count": len(years[part])})
    manifest = {
        "version": 3,
        "fields": FIELDS,
        "topics": {t.id: [t.name_zh, t.name_en] for t in cfg.topics},
        "shards": shards,
    }
    out[f"{INDEX_DIR}/papers-index.json"] = _dump(manifest)
    return out
