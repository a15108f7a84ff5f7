"""Render every generated file from the records: pages into docs/, feeds into feeds/.

``render_all`` is the "writers" stage: it reads ``data/`` only, computes all
outputs in memory, then writes the ones whose bytes changed (atomically) and
removes generated files that no record backs any more.  Hand-written pages
(about, assets, overrides) are never touched.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .. import layout
from ..config import Config
from ..model import Entry, Issue
from ..fileio import atomic_write, remove
from ..store import Store
from . import feeds as feeds_mod
from . import exports as exports_mod
from . import highlights as highlights_mod
from . import journal as journal_mod
from . import pages, review, review_editor, review_themes, sanitize, search_index, stats, templating
from . import watches as watches_mod
from . import text as text_mod
from ..kinds.registry import DAILY, JOURNAL, KINDS

log = logging.getLogger(__name__)
TEMPLATES = Path(templating.__file__).parents[1] / "templates"

@dataclass
class RenderResult:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0


# mtime given to generated pages that did not change, for incremental MkDocs builds (`build --incremental`):
# older than any built page, so `mkdocs build --dirty` skips them even after a fresh git checkout
SETTLED_MTIME = 946684800  # 2000-01-01


def _lang_name(stem: str, lang: str) -> str:
    return f"{stem}.md" if lang == "zh" else f"{stem}.{lang}.md"


@dataclass
class Snapshot:
    """Everything a render reads, loaded from the store once: the renderers are pure functions of it (and of the
    config), and none of them reaches back into the store.  ``dropped`` holds the drop logs of the days whose pages
    are rendered this time (a day whose page is unchanged needs none)."""

    records: dict[str, list[Issue]]  # kind's series -> its issues, oldest first
    status: dict
    dropped: dict[str, list[dict]]
    highlight_edits: dict[str, Any]
    review_edits: dict[str, Any]

    @property
    def issues(self) -> list[Issue]:
        """The daily issues (what the home page, topics, highlights, statistics and reviews count)."""
        return self.records[DAILY.series]

    @property
    def journals(self) -> list[Issue]:
        return self.records[JOURNAL.series]

    @classmethod
    def load(cls, store: Store, dropped_for: Iterable[str] | None = None,
             records: dict[str, list[Issue]] | None = None) -> "Snapshot":
        """The store as the renderers see it; drop logs of ``dropped_for`` (default: every daily issue's day)."""
        records = records or {kind.series: list(store.series(kind).all()) for kind in KINDS}
        days = [i.date for i in records[DAILY.series]] if dropped_for is None else list(dropped_for)
        return cls(records, store.load_status(), {d: store.load_dropped(d) for d in days}, store.highlight_edits(),
                   store.review_edits())


def compute_pages(cfg: Config, snap: Snapshot, unchanged: set[str] = frozenset()) -> dict[str, str | None]:
    """docs-relative path -> page text (None: an issue page whose inputs did not change, left as it is)."""
    out: dict[str, str | None] = {}
    issues, status = snap.issues, snap.status
    newest_first = sorted(issues, key=lambda i: i.date, reverse=True)
    summaries = [pages.summarize(i) for i in newest_first]
    latest = newest_first[0] if newest_first else None
    journals = snap.journals
    latest_journal = max(journals, key=lambda j: j.date) if journals else None
    journal_nav, daily_nav = pages.neighbours(journals), pages.neighbours(issues)
    for lang in pages.LANGS:
        for j in journals:
            page = journal_mod.journal_page(j, cfg, lang, journal_nav[j.date])
            out[journal_mod.journal_page_path(j.date, lang)] = page.markdown
            out[journal_mod.journal_fragments_path(j.date, lang)] = page.fragments
        for issue in issues:
            rel, frag = pages.issue_page_path(issue.date, lang), pages.fragments_path(issue.date, lang)
            if rel in unchanged:
                out[rel] = out[frag] = None
            else:
                page = pages.issue_page(issue, cfg, snap.dropped.get(issue.date, []), lang, daily_nav[issue.date])
                out[rel], out[frag] = page.markdown, page.fragments
    counts: dict[str, int] = {}
    per_topic: dict[str, list[tuple[str, Entry]]] = {t.id: [] for t in cfg.topics}
    for issue in newest_first:
        for e in issue.entries:
            counts[e.topic] = counts.get(e.topic, 0) + 1
            bucket = per_topic.get(e.topic)
            if bucket is not None and len(bucket) < cfg.feeds.topic_page_items:
                bucket.append((issue.date, e))
    reviews = reviews_of(cfg, snap)
    newest_reviews = sorted(reviews, key=lambda r: (r.last_day, r.period.quarter is not None), reverse=True)[:2]
    for lang in pages.LANGS:
        out[_lang_name("index", lang)] = pages.home_page(
            cfg, lang, summaries, latest, status, latest_journal,
            [(r.period.id, review.review_title(r, lang)) for r in newest_reviews])
        if cfg.journal.enabled or journals:
            out[_lang_name("journal/index", lang)] = journal_mod.journal_index_page(cfg, lang, journals)
        out[_lang_name("archive", lang)] = pages.archive_page(cfg, lang, summaries)
        out[_lang_name("subscribe", lang)] = pages.subscribe_page(cfg, lang)
        out[_lang_name("search", lang)] = pages.search_page(cfg, lang)
        out[_lang_name("reading", lang)] = pages.reading_page(cfg, lang)
        out[_lang_name("stats", lang)] = stats.stats_page(cfg, lang, issues)
        out[_lang_name("topics/index", lang)] = pages.topics_index_page(cfg, lang, counts)
        for t in cfg.topics:
            out[_lang_name(f"topics/{t.id}", lang)] = pages.topic_page(cfg, lang, t, per_topic[t.id])
    if cfg.highlights.enabled:
        out.update(highlights_mod.highlights_pages(cfg, weeks_of(cfg, snap)))
    out.update(review.review_pages(cfg, reviews))
    out.update(watches_mod.watch_pages(cfg, issues, watch_matches(cfg, snap)))
    return out


GENERATED_DIRS = layout.GENERATED_DIRS


def _owned(docs: Path, cfg: Config) -> list[Path]:
    """Every file in the generated folders (candidates for removal): an editor's extra file there is no input."""
    return sorted(p for d in GENERATED_DIRS if (docs / d).exists() for p in (docs / d).rglob("*")
                  if p.is_file() or p.is_symlink())


def stray_files(cfg: Config, expected: set[str]) -> list[str]:
    """docs-relative paths of files in the generated folders that no record produces (for ``validate``)."""
    docs = cfg.paths.docs
    return [str(p.relative_to(docs)) for p in _owned(docs, cfg) if str(p.relative_to(docs)) not in expected]


def weeks_of(cfg: Config, snap: Snapshot) -> list[highlights_mod.Week]:
    """The weekly highlights; an editor file with problems counts as empty here (``validate`` names them)."""
    edits = {wid: raw for wid, raw in snap.highlight_edits.items() if not highlights_mod.check_editor_file(raw, wid)}
    return highlights_mod.build_weeks(cfg, snap.issues, edits)


def watch_matches(cfg: Config, snap: Snapshot) -> dict[str, list]:
    """Each watch's papers, found once per snapshot for the pages and the feeds."""
    memo = snap.__dict__.setdefault("_watch_matches", {})
    key = id(cfg)  # a snapshot is rendered with one configuration
    if key not in memo:
        memo[key] = watches_mod.all_matches(cfg, snap.issues)
    return memo[key]


def reviews_of(cfg: Config, snap: Snapshot) -> list[review.Review]:
    """The quarterly and yearly reviews with their cached, checked themes; an editor file with problems counts as
    empty here (``validate`` names them)."""
    edits = {pid: raw for pid, raw in snap.review_edits.items()
             if not review_editor.check_editor_file(raw, pid, cfg.topic_ids)}
    reviews = review.build_reviews(cfg, snap.issues, edits, snap.highlight_edits)
    review_themes.load_themes(cfg, reviews, snap.issues)
    return reviews


def build_all_feeds(cfg: Config, snap: Snapshot) -> list[feeds_mod.FeedFile]:
    """The daily issues' feeds, the weekly highlights', the reviews' and the journal digest's."""
    files = feeds_mod.build_feeds(cfg, snap.issues, watch_matches(cfg, snap))
    if cfg.highlights.enabled:
        files += highlights_mod.highlights_feeds(cfg, weeks_of(cfg, snap))
    files += feeds_mod.review_feeds(cfg, reviews_of(cfg, snap), review.review_title)
    journals = snap.journals
    if cfg.journal.enabled or journals:
        files += journal_mod.build_journal_feeds(cfg, journals)
    return files


# The MathJax components docs/assets/javascripts/mathjax-config.js loads, as files under the package's es5/ folder:
# the loader, the core, TeX input with the listed extensions, CommonHTML output and its fonts, the safe filter and
# the hidden MathML for screen readers.  Nothing else is copied, so nothing else can be loaded.
MATHJAX_FILES = (
    "startup.js", "core.js", "input/tex-base.js", "output/chtml.js", "output/chtml/fonts/tex.js", "ui/safe.js",
    "a11y/assistive-mml.js",
    *(f"input/tex/extensions/{name}.js" for name in (
        "ams", "boldsymbol", "mathtools", "newcommand", "cancel", "enclose", "upgreek", "textmacros", "gensymb",
        "braket", "configmacros", "noerrors", "noundefined")),
)


def vendor_mathjax(docs: Path) -> list[str]:
    """Copy MathJax (from the django-static-mathjax package) into docs/assets/vendor/mathjax.

    Only MATHJAX_FILES and the fonts: the loader can fetch a component a formula names (``\\require``, autoload)
    from its own folder, so a component that is not there cannot be loaded.  Files left by an older list are
    removed.  (mathtools and cancel need the code of newcommand and enclose; their macros stay off, since
    mathjax-config.js does not list those packages.)"""
    try:
        import mathjax  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - dependency missing
        log.warning("MathJax package not installed; math will show as TeX source")
        return []
    src = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    dest = docs / "assets" / "vendor" / "mathjax"
    written = []
    wanted = [src / f for f in MATHJAX_FILES]
    wanted += sorted((src / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    keep = {dest / "LICENSE"}
    for f in wanted:
        target = dest / f.relative_to(src)
        keep.add(target)
        if not target.exists() or target.stat().st_size != f.stat().st_size:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target)
            written.append(str(target))
    for stale in sorted(p for p in dest.rglob("*") if p.is_file() and p not in keep):
        stale.unlink()
    license_src = src.parent / "LICENSE"
    if license_src.exists() and not (dest / "LICENSE").exists():
        shutil.copyfile(license_src, dest / "LICENSE")
    return written


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha1(path.read_bytes()).hexdigest()
    except (FileNotFoundError, IsADirectoryError):
        return None


def _inputs_digest(code: str, store: Store, day: str, nav: pages.Neighbours) -> str:
    """What an issue page depends on: its record, its drop log, its neighbours (the previous/next links) and ``code``
    (the config and the renderer)."""
    h = hashlib.sha1(f"{code} {nav.prev} {nav.next}".encode())
    for path in (store.series(DAILY).path(day), store.dropped_path(day)):
        h.update(path.read_bytes() if path.exists() else b"-")
    return h.hexdigest()


def _code_digest(cfg: Config) -> str:
    h = hashlib.sha1(cfg.path.read_bytes())
    for mod in (pages, text_mod, sanitize, templating):
        h.update(Path(mod.__file__).read_bytes())
    for template in sorted(TEMPLATES.glob("*.j2")):  # an issue page is its templates' output too
        h.update(template.read_bytes())
    return h.hexdigest()


def render_all(cfg: Config, store: Store | None = None, settle_mtimes: bool = False) -> RenderResult:
    """Write every generated file from the records.  ``settle_mtimes``: see SETTLED_MTIME."""
    store = store or Store.of(cfg)
    records = {kind.series: list(store.series(kind).all()) for kind in KINDS}
    issues = records[DAILY.series]
    docs, feeds_dir = cfg.paths.docs, cfg.paths.feeds
    result = RenderResult()

    # issue pages whose inputs are unchanged since the last render are not computed again - but only when the files
    # on disk are still byte for byte what that render wrote (the manifest keeps the digests of inputs AND outputs):
    # a page or fragment edited by hand, or a manifest that does not match, means the page is rendered again
    manifest_path = cfg.paths.cache / "render-manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text())
    except (FileNotFoundError, ValueError):
        manifest = {}
    manifest = manifest if isinstance(manifest, dict) else {}
    code = _code_digest(cfg)
    nav = pages.neighbours(issues)
    per_issue = {i.date: _inputs_digest(code, store, i.date, nav[i.date]) for i in issues}  # read once, both pages
    digests = {pages.issue_page_path(day, lang): d for day, d in per_issue.items() for lang in pages.LANGS}

    def outputs(rel: str) -> list[str | None]:
        return [_file_digest(docs / rel), _file_digest(docs / layout.sidecar_of(rel))]

    unchanged = set()
    for rel, d in digests.items():
        seen = manifest.get(rel)
        if isinstance(seen, dict) and seen.get("in") == d and None not in (out := outputs(rel)) and seen.get("out") == out:
            unchanged.add(rel)

    snap = Snapshot.load(store, [i.date for i in issues if not all(
        pages.issue_page_path(i.date, lang) in unchanged for lang in pages.LANGS)], records)
    page_texts = compute_pages(cfg, snap, unchanged)
    feed_files = build_all_feeds(cfg, snap)
    index_files = search_index.build_index(cfg, issues, snap.journals)

    changed: set[str] = set()
    for rel, text in sorted(page_texts.items()):
        if text is not None and atomic_write(docs / rel, text):
            result.written.append(f"docs/{rel}")
            changed.add(rel.replace(".entries.html", ".md"))  # a sidecar's page (….en.entries.html -> ….en.md)
        else:
            result.unchanged += 1
    now = time.time()
    for rel in page_texts:
        if not rel.endswith(".md"):
            continue
        if rel in changed:
            os.utime(docs / rel, (now, now))  # a page whose sidecar changed is rebuilt too
        elif settle_mtimes:
            os.utime(docs / rel, (SETTLED_MTIME, SETTLED_MTIME))
    for f in feed_files:
        if atomic_write(feeds_dir / f.path, f.content):
            result.written.append(f"feeds/{f.path}")
        else:
            result.unchanged += 1

    keep_pages = {docs / rel for rel in page_texts}
    for p in _owned(docs, cfg):
        if p not in keep_pages:
            remove(p)
            result.removed.append(str(p.relative_to(docs.parent)) if docs.parent in p.parents else str(p))
    for rel, content in sorted(index_files.items()):
        if atomic_write(docs / rel, content):
            result.written.append(f"docs/{rel}")
        else:
            result.unchanged += 1
    index_dir = docs / search_index.INDEX_DIR
    if index_dir.exists():
        for p in sorted(f for f in index_dir.rglob("*") if f.is_file()):
            if str(p.relative_to(docs)) not in index_files:
                remove(p)
                result.removed.append(f"docs/{p.relative_to(docs)}")
    atomic_write(manifest_path, json.dumps({rel: {"in": d, "out": outputs(rel)} for rel, d in digests.items()},
                                           sort_keys=True, indent=0))
    keep_feeds = {feeds_dir / f.path for f in feed_files}
    if feeds_dir.exists():
        for p in feeds_dir.glob("*/*.xml"):
            if p not in keep_feeds:
                remove(p)
                result.removed.append(f"feeds/{p.relative_to(feeds_dir)}")
    vendor_mathjax(docs)
    return result


def write_exports(cfg: Config, site_dir: Path, store: Store | None = None) -> RenderResult:
    """Citation files and JSON documents into the built site (see ``render/exports.py``).

    An issue's export files depend only on its record (and the exporter and config): a manifest in the site remembers
    each record's digest and files, so a daily build regenerates one issue, not the archive (65,000 papers make
    130,000 files).  Files are plain writes, not fsynced: the site is a build product, rebuilt from the records."""
    store = store or Store.of(cfg)
    manifest_path = site_dir / "exports" / ".manifest.json"
    code = hashlib.sha1(cfg.path.read_bytes() + Path(exports_mod.__file__).read_bytes()).hexdigest()
    try:
        manifest = json.loads(manifest_path.read_text())
        previous = manifest["issues"] if manifest.get("code") == code else {}
    except (FileNotFoundError, ValueError, KeyError):
        previous = {}
    result = RenderResult()

    def put(rel: str, content: bytes) -> None:
        path = site_dir / rel
        try:
            if path.read_bytes() == content:
                result.unchanged += 1
                return
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        result.written.append(rel)

    records = [(f"{kind.series}/{p.stem}", p, store.series(kind).load) for kind in KINDS for p in store.series(kind).paths()]
    current: dict[str, dict] = {}
    for key, path, load in records:
        digest = hashlib.sha1(path.read_bytes()).hexdigest()
        old = previous.get(key)
        if old and old["digest"] == digest and (site_dir / old["files"][-1]).exists():
            current[key] = old  # the record has not changed since its files were written: not even parsed
            result.unchanged += len(old["files"])
            continue
        issue = load(path)
        files = exports_mod.issue_exports(cfg, issue)
        for rel, content in files.items():
            put(rel, content)
        current[key] = {"digest": digest, "files": list(files), "summary": list(exports_mod.summary_of(issue))}
    for rel, content in exports_mod.index_exports(cfg, [tuple(e["summary"]) for e in current.values()]).items():
        put(rel, content)
    review_files = exports_mod.review_exports(cfg, reviews_of(cfg, Snapshot.load(store, dropped_for=())))
    for rel, content in review_files.items():  # a review depends on the whole archive: written every time
        put(rel, content)
    keep = {f for entry in current.values() for f in entry["files"]} | {exports_mod.SCHEMA_PATH, "exports/index.json"}
    keep |= set(review_files)
    if previous:  # papers or issues that are gone since the last write, reviews of periods that are gone
        stale = [rel for entry in previous.values() for rel in entry["files"] if rel not in keep]
        reviews_dir = site_dir / "exports" / "reviews"
        stale += [str(p.relative_to(site_dir)) for p in sorted(reviews_dir.glob("*.json"))
                  if str(p.relative_to(site_dir)) not in keep] if reviews_dir.exists() else []
    else:  # no usable manifest: look at everything
        folder = site_dir / "exports"
        stale = [str(p.relative_to(site_dir)) for p in folder.rglob("*") if p.is_file() and p.name != ".manifest.json"]
        stale = [rel for rel in stale if rel not in keep]
    for rel in stale:
        if (site_dir / rel).exists():
            (site_dir / rel).unlink()
            result.removed.append(rel)
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps({"code": code, "issues": current}, sort_keys=True))
    return result
