"""Render every generated file from the records: pages into docs/, feeds into feeds/.

``render_all`` is the "writers" stage: it reads ``data/`` only, computes all
outputs in memory, then writes the ones whose bytes changed (atomically) and
removes generated files that no record backs any more.  Hand-written pages
(about, assets, overrides) are never touched.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..model import Entry, Issue
from ..store import Store, atomic_write
from . import feeds as feeds_mod
from . import pages

log = logging.getLogger(__name__)

# generated pages with fixed names (per language suffix)
FIXED_PAGES = ("index", "archive", "subscribe", "topics/index")


@dataclass
class RenderResult:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0


def _lang_name(stem: str, lang: str) -> str:
    return f"{stem}.md" if lang == "zh" else f"{stem}.{lang}.md"


def compute_pages(cfg: Config, issues: list[Issue], status: dict, store: Store) -> dict[str, str]:
    """docs-relative path -> page text."""
    out: dict[str, str] = {}
    newest_first = sorted(issues, key=lambda i: i.date, reverse=True)
    summaries = [pages.summarize(i) for i in newest_first]
    latest = newest_first[0] if newest_first else None
    for issue in issues:
        out[pages.issue_page_path(issue.date)] = pages.issue_page(issue, cfg, store.load_dropped(issue.date))
    counts: dict[str, int] = {}
    per_topic: dict[str, list[tuple[str, Entry]]] = {t.id: [] for t in cfg.topics}
    for issue in newest_first:
        for e in issue.entries:
            counts[e.topic] = counts.get(e.topic, 0) + 1
            bucket = per_topic.get(e.topic)
            if bucket is not None and len(bucket) < cfg.feeds.topic_page_items:
                bucket.append((issue.date, e))
    for lang in pages.LANGS:
        out[_lang_name("index", lang)] = pages.home_page(cfg, lang, summaries, latest, status)
        out[_lang_name("archive", lang)] = pages.archive_page(cfg, lang, summaries)
        out[_lang_name("subscribe", lang)] = pages.subscribe_page(cfg, lang)
        out[_lang_name("topics/index", lang)] = pages.topics_index_page(cfg, lang, counts)
        for t in cfg.topics:
            out[_lang_name(f"topics/{t.id}", lang)] = pages.topic_page(cfg, lang, t, per_topic[t.id])
    return out


def _owned(docs: Path, cfg: Config) -> list[Path]:
    """Generated files currently on disk (candidates for removal)."""
    found = list((docs / "issues").glob("*/*.md")) if (docs / "issues").exists() else []
    topics = docs / "topics"
    if topics.exists():
        found += list(topics.glob("*.md"))
    return found


def vendor_mathjax(docs: Path) -> list[str]:
    """Copy MathJax (from the django-static-mathjax package) into docs/assets/vendor/mathjax."""
    try:
        import mathjax  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - dependency missing
        log.warning("MathJax package not installed; math will show as TeX source")
        return []
    src = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    dest = docs / "assets" / "vendor" / "mathjax"
    written = []
    wanted = [src / "tex-chtml.js", *sorted((src / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))]
    for f in wanted:
        target = dest / f.relative_to(src)
        if not target.exists() or target.stat().st_size != f.stat().st_size:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target)
            written.append(str(target))
    license_src = src.parent / "LICENSE"
    if license_src.exists() and not (dest / "LICENSE").exists():
        shutil.copyfile(license_src, dest / "LICENSE")
    return written


def render_all(cfg: Config, store: Store | None = None) -> RenderResult:
    store = store or Store(cfg.paths.data)
    issues = list(store.issues())
    status = store.load_status()
    docs, feeds_dir = cfg.paths.docs, cfg.paths.feeds
    result = RenderResult()

    page_texts = compute_pages(cfg, issues, status, store)
    feed_files = feeds_mod.build_feeds(cfg, issues)

    for rel, text in sorted(page_texts.items()):
        if atomic_write(docs / rel, text):
            result.written.append(f"docs/{rel}")
        else:
            result.unchanged += 1
    for f in feed_files:
        if atomic_write(feeds_dir / f.path, f.content):
            result.written.append(f"feeds/{f.path}")
        else:
            result.unchanged += 1

    keep_pages = {docs / rel for rel in page_texts}
    for p in _owned(docs, cfg):
        if p not in keep_pages:
            p.unlink()
            result.removed.append(str(p.relative_to(docs.parent)) if docs.parent in p.parents else str(p))
    keep_feeds = {feeds_dir / f.path for f in feed_files}
    if feeds_dir.exists():
        for p in feeds_dir.glob("*/*.xml"):
            if p not in keep_feeds:
                p.unlink()
                result.removed.append(f"feeds/{p.relative_to(feeds_dir)}")
    vendor_mathjax(docs)
    return result
