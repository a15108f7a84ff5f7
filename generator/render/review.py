"""Grounded reviews (季度/年度回顾): a page per quarter and per year in which every paper is an archive entry and
every figure is counted from the records.

A *period* is a calendar year (``2025``) or quarter (``2025-Q2``) with at least one daily issue.  Its review is
computed from the records every time the site is rendered, like the weekly highlights:

* papers per topic and per source, with the change against the previous period of the same kind;
* rising and falling terms: the configured phrases (topics' include phrases, method cues, AI phrases) matched in
  titles and abstracts by the selector's own machinery (``select._hits``: links, tool names and metaphors are not
  matches), as a share of the period's papers against the previous period's;
* the most-followed papers (editor pins in the period's weekly highlights, Hugging Face upvotes, relevance), code
  and data releases (the entries' code/data links), the institutions with the most papers;
* a recommendation table per topic, which editors steer with ``data/reviews/<period>.yaml``:

      intro: {zh: '...', en: '...'}                 # shown at the top
      comments: {imaging: {zh: '...', en: '...'}}   # shown under the topic's heading
      pinned: ['2506.05361']                         # always in the topic's table, first
      removed: ['2506.01234']                        # never in a table

  The file is the only human input, nothing generated writes it, and its texts reach a page only through
  ``sanitize``.  Themes written by an LLM (``review_themes``) are optional and come from its validated cache.

A period is *complete* once an issue dated after it exists; until then its pages say "in progress".
"""

from __future__ import annotations


from .. import layout
from ..config import Config
from ..layout import data_path
from ..links import kind_of
from . import review_themes
from .pages import source_url
from .review_editor import editor_path
from .review_model import *  # noqa: F401,F403  (the numbers: periods, counts, trends, tables)
from .review_model import SOURCES, Review, contribution, entry_href, release_counts, review_title
from .templating import render


def review_page(cfg: Config, r: Review, lang: str, topic_names: dict[str, tuple[str, str]]) -> str:
    editor = editor_path(cfg, r.period.id)
    return render("review_page.md.j2", r=r, lang=lang, zh=lang == "zh", editor=editor, title=review_title(r, lang),
                  description=review_title(r, lang), edit_url=source_url(cfg, editor),
                  src=f"{data_path(cfg, 'issues/')} and {editor}", names=topic_names, sources=SOURCES,
                  contribution=contribution, href=entry_href, release_counts=release_counts(r.releases),
                  kind_of=kind_of, segments=review_themes.segments, previous=r.period.previous.id,
                  feed=f"{cfg.site.url}feeds/{lang}/reviews")


def index_page(cfg: Config, lang: str, reviews: list[Review]) -> str:
    return render("review_index.md.j2", reviews=reviews, lang=lang, zh=lang == "zh", title=review_title,
                  page_title="回顾" if lang == "zh" else "Reviews", src=data_path(cfg, ""),
                  edit_url=source_url(cfg, data_path(cfg, f"{layout.REVIEWS_DATA}/")),
                  feed=f"{cfg.site.url}feeds/{lang}/reviews")


def review_pages(cfg: Config, reviews: list[Review]) -> dict[str, str]:
    names = {t.id: (t.name_zh, t.name_en) for t in cfg.topics}
    out: dict[str, str] = {}
    for lang in ("zh", "en"):
        out[layout.review_page("index", lang)] = index_page(cfg, lang, reviews)
        for r in reviews:
            out[layout.review_page(r.period.id, lang)] = review_page(cfg, r, lang, names)
    return out
