"""medRxiv and bioRxiv preprints in the daily issue: which window to read, and the preprints as papers.

The daily issue of announcement day D lists, next to arXiv's papers, the preprints posted since the previous issue:
the posting days from the previous issue's date to D - 1 (at most ``preprints.window_days`` of them).  The window
follows from the records alone, so a rerun or a backfill of D reads the same window.  A preprint becomes a ``Paper``
whose id is its DOI and whose ``source`` is its server; the same classifier (with the configured category prior) and
the same LLM judge decide on it.  One paper found on two sources is listed once: a preprint whose title (or journal
DOI) matches an arXiv paper of the day or of the archive is left out.  The API down costs the preprints, never the
issue.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Callable

from ..config import Config
from ..http import FetchError
from ..model import Paper, title_key
from ..sources import biorxiv
from . import Gathered

log = logging.getLogger(__name__)


def window(day: str, previous: str | None, days: int) -> tuple[date, date] | None:
    """Posting days read for the issue of ``day``: from the previous issue's date to the day before, at most
    ``days`` of them (None: nothing to read)."""
    end = date.fromisoformat(day) - timedelta(days=1)
    start = end - timedelta(days=max(days, 1) - 1)
    if previous:
        start = max(start, date.fromisoformat(previous))
    return (start, end) if start <= end else None


def as_paper(p: biorxiv.Preprint) -> Paper:
    """A preprint as the pipeline's paper: the DOI is its id; the journal version's DOI (when known) its ``doi``."""
    return Paper(id=p.doi, version=p.version, title=p.title, abstract=p.abstract, authors=list(p.authors),
                 categories=[p.category] if p.category else [], primary_category=p.category or None,
                 announce_type="new", comment=None, journal_ref=None, doi=p.published_doi, license=p.license,
                 source=p.server)


def gather(cfg: Config, day: str, previous: str | None, arxiv_papers: list[Paper],
           known: Callable[[], tuple[set[str], set[str]]], client: biorxiv.BiorxivClient | None = None) -> Gathered:
    """The preprints for the issue of ``day`` (nothing when preprints are off or the window is empty); ``known()``:
    the titles and DOIs of the archive's arXiv papers."""
    pc = cfg.preprints
    out = Gathered()
    if not pc.enabled:
        return out
    span = window(day, previous, pc.window_days)
    if span is None:
        out.line = "preprints: no posting day since the previous issue"
        return out
    try:
        found = biorxiv.fetch_window(client or biorxiv.BiorxivClient(pc), pc, *span)
    except FetchError as e:
        out.line = f"preprints: medRxiv/bioRxiv could not be read ({' '.join(str(e).split())}); issue without preprints"
        return out
    known_titles, known_dois = known()
    titles = known_titles | {title_key(p.title) for p in arxiv_papers}
    dois = {d.lower() for d in known_dois} | {p.doi.lower() for p in arxiv_papers if p.doi}
    twins = 0
    for pre in found.preprints:
        if pre.withdrawn:
            continue
        if title_key(pre.title) in titles or (pre.published_doi and pre.published_doi.lower() in dois):
            twins += 1  # the same work on arXiv: listed once, as the arXiv paper
            continue
        paper = as_paper(pre)
        out.papers.append(paper)
        out.priors[paper.id] = (pre.category, pre.prior)
        if pre.corresponding_institution.strip():
            out.institutions[paper.id] = (pre.corresponding_author.strip(), pre.corresponding_institution.strip())
    out.line = (f"preprints {span[0]} to {span[1]}: {found.summary()}; {len(out.papers)} candidates"
                + (f", {twins} also on arXiv (listed once)" if twins else ""))
    return out
