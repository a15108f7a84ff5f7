"""The sources of the daily issue's papers, registered here once: a new source is one row (and its fetcher in
``generator/sources/``, its gatherer in ``registry.DAILY_EXTRAS``).

Ids: an arXiv id without version; a preprint's DOI without version (the characters medRxiv and bioRxiv mint, none
that Markdown, a URL or a file name would read).
"""

from __future__ import annotations

import re

from . import Source

ARXIV_ID_RE = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})\Z")
DOI_RE = re.compile(r"^10\.\d{4,9}/[-._/A-Za-z0-9]{1,200}\Z")

_DOI_HINT = "its DOI without version, e.g. '10.1101/2025.03.01.25300001'"


def _preprint(name: str, title: str, site: str) -> Source:
    return Source(name, title, DOI_RE, "a DOI", f"a {title} preprint's id is {_DOI_HINT}", "https://doi.org/{id}",
                  site + "/content/{vid}", "{abs}.full.pdf", "{abs}.full", f"{title} preprint", "doi")


ARXIV = Source("arxiv", "arXiv", ARXIV_ID_RE, "an arXiv id", "no version suffix, e.g. '2506.05361'",
               "https://arxiv.org/abs/{id}", "https://arxiv.org/abs/{vid}", "https://arxiv.org/pdf/{vid}",
               "https://arxiv.org/html/{vid}", "arXiv preprint", "arxiv")

SOURCES: dict[str, Source] = {s.name: s for s in (
    ARXIV,
    _preprint("medrxiv", "medRxiv", "https://www.medrxiv.org"),
    _preprint("biorxiv", "bioRxiv", "https://www.biorxiv.org"),
)}
FIRST = ARXIV.name  # a record names a paper's source only when it is not this one
