"""Every kind and every extra source, registered in one place.

``KINDS``: the series the site publishes, in the order their records are read, validated and marked.
``DAILY_EXTRAS``: the sources whose papers join the daily issue besides arXiv's announcement (each a function
``gather(cfg, day, previous, arxiv_papers, known) -> Gathered``, see ``preprints``); the sources'
names, ids and links are rows of ``sources.SOURCES``.
"""

from __future__ import annotations

from . import Kind, preprints
from .arxiv_daily import DAILY
from .pubmed_weekly import JOURNAL
from .sources import SOURCES  # noqa: F401  (the paper sources, for one import)

KINDS: tuple[Kind, ...] = (DAILY, JOURNAL)
BY_SERIES = {k.series: k for k in KINDS}
DAILY_EXTRAS = (preprints.gather,)
