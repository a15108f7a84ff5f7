"""Where everything lives: record files, generated pages and their fragments, URLs, feeds, the fragment markers.

One module owns the layout so that the store, the renderers, the demo and the MkDocs hook agree by construction.
Paths inside ``data/`` and ``docs/`` are relative (the folders themselves come from ``paths`` in config.yml);
``repo_path`` turns a path inside data/ into the path an editor opens in the repository (edit links).

A *series* is a numbered run of issues with its own records, pages and URLs: ``issues`` (the daily arXiv issue) and
``journal`` (the weekly journal digest).  Each record is named by its date, in a folder per year.
"""

from __future__ import annotations

import re
from pathlib import Path

ISSUES = "issues"
JOURNAL = "journal"
SERIES = (ISSUES, JOURNAL)
HIGHLIGHTS = "highlights"
REVIEWS = "review"  # quarterly and yearly reviews: pages docs/review/, editor files data/reviews/
REVIEWS_DATA = "reviews"
DROPPED = "dropped"
STATUS = "status.yaml"
FEEDS = "feeds"  # next to mkdocs.yml; copied into the built site by the hook

# docs/ folders that hold generated files only (a file there that no record produces is removed by a render)
GENERATED_DIRS = (ISSUES, JOURNAL, "topics", HIGHLIGHTS, REVIEWS, "watches")

# An issue page keeps its entries (already-escaped HTML) in a sidecar file: each fragment starts with FRAGMENT and
# replaces its PLACEHOLDER comment in the page after Markdown has run (overrides/hooks/site_hooks.py).
FRAGMENT = "<!-- maid:fragment {name} -->"
PLACEHOLDER = "<!-- maid:{name} -->"
FRAGMENT_RE = re.compile(r"^<!-- maid:fragment (\S+) -->\n", re.M)
PLACEHOLDER_RE = re.compile(r"(?:<p>)?<!-- maid:(\S+) -->(?:</p>)?")


def record(series: str, day: str) -> str:
    """A record inside data/: ``issues/2025/2025-06-09.yaml``."""
    return f"{series}/{day[:4]}/{day}.yaml"


def dropped(day: str) -> str:
    """A day's drop log inside data/."""
    return f"{DROPPED}/{day[:4]}/{day}.yaml"


def highlights_record(week: str) -> str:
    """An editor's highlights file inside data/: ``highlights/2025-W23.yaml``."""
    return f"{HIGHLIGHTS}/{week}.yaml"


def review_record(period: str) -> str:
    """An editor's review file inside data/: ``reviews/2025.yaml``, ``reviews/2025-Q2.yaml``."""
    return f"{REVIEWS_DATA}/{period}.yaml"


def review_page(period: str, lang: str) -> str:
    """A review page inside docs/, one per interface: ``review/2025-Q2.md`` (zh) and ``review/2025-Q2.en.md``."""
    return f"{REVIEWS}/{period}.md" if lang == "zh" else f"{REVIEWS}/{period}.{lang}.md"


def review_url(site_url: str, period: str, lang: str = "zh") -> str:
    """The public URL of a review page (zh at the root, en under en/)."""
    return f"{site_url}{'' if lang == 'zh' else f'{lang}/'}{REVIEWS}/{period}/"


def page(series: str, day: str, lang: str = "zh") -> str:
    """An issue page inside docs/, one per interface: ``issues/2025/2025-06-09.md`` (zh) and ``….en.md``."""
    return f"{series}/{day[:4]}/{day}.md" if lang == "zh" else f"{series}/{day[:4]}/{day}.{lang}.md"


def fragments(series: str, day: str, lang: str = "zh") -> str:
    """An issue page's sidecar of entry fragments inside docs/ (``….entries.html``, ``….en.entries.html``)."""
    return sidecar_of(page(series, day, lang))


def sidecar_of(page_path: str) -> str:
    """The fragments file of a page path given by ``page``."""
    return page_path.removesuffix(".md") + ".entries.html"


# an issue page's way up to the site root, per interface (pages are built as folders: issues/2025/2025-06-09/)
def root_from_issue(lang: str) -> str:
    return "../../../" if lang == "zh" else "../../../../"


def issue_href(series: str, day: str, lang: str, from_lang: str) -> str:
    """A relative link from an issue page (of either series, interface ``from_lang``) to an issue page in ``lang``."""
    prefix = "" if lang == "zh" else f"{lang}/"
    return f"{root_from_issue(from_lang)}{prefix}{series}/{day[:4]}/{day}/"


def relative_to_page(html: str, site_url: str, page_url: str) -> str:
    """Links in a page's content to the site's own address made relative to the page (``page_url``: the page's
    site-relative URL, ``issues/2025/2025-03-03/``), so a copy served at any address or port keeps working: the
    demo built for http://127.0.0.1:8000/ and served elsewhere, a fork's preview, a mirror.  Feeds and exports keep
    absolute URLs (a feed reader or reference manager has no page to be relative to)."""
    if not site_url:
        return html
    depth = page_url.strip("/").count("/") + 1 if page_url.strip("/") else 0
    root = "../" * depth or "./"
    # inside a tag only: text that shows such an attribute (a code span) stays as written
    return re.sub(r'(<[a-zA-Z][^<>]*?\s(?:href|src)=")' + re.escape(site_url), lambda m: m.group(1) + root, html)


def highlights_page(week: str) -> str:
    return f"{HIGHLIGHTS}/{week[:4]}/{week}.md"


def url(site_url: str, series: str, day: str, lang: str = "zh", anchor: str = "") -> str:
    """The public URL of an issue page in one interface (zh at the root, en under en/)."""
    prefix = "" if lang == "zh" else f"{lang}/"
    return f"{site_url}{prefix}{series}/{day[:4]}/{day}/" + (f"#{anchor}" if anchor else "")


def data_path(cfg, inside_data: str) -> str:
    """``repo_path`` for a config's data folder."""
    return repo_path(cfg.root, cfg.paths.data, inside_data)


def repo_path(root: Path, data_dir: Path, inside_data: str) -> str:
    """The repository path of a file or folder inside data/ (``data/issues/…``), whatever ``paths.data`` is."""
    try:
        base = data_dir.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:  # a data folder outside the repository: name it by its own name
        base = data_dir.name
    return f"{base}/{inside_data}" if inside_data else f"{base}/"
