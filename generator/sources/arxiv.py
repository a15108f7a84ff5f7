"""arXiv: the day's announcement from the RSS feed, metadata from the query API.

* ``fetch_announcement`` makes ONE request to ``<rss_url><cat>+<cat>+...`` and
  parses it (RSS 2.0 or Atom, both as arXiv serves them) into ``Paper``s, dated
  by the feed's own announcement date.  An empty feed (weekend, holiday) is an
  ``Announcement`` with no papers, not an error.
* ``fetch_metadata`` looks up comments, primary category, journal ref and DOI
  for the kept papers only, in batched ``id_list`` queries through the ``arxiv``
  package, which keeps to one request per ``api_delay_seconds`` and retries
  HTTP errors and empty pages.  Whatever cannot be looked up is simply absent.
* ``search_day`` backfills a past day through the API (``run --date``).
"""

from __future__ import annotations

import email.utils
import logging
import re
import time as time_mod
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import arxiv
import feedparser
import requests

from .. import http
from ..config import CATEGORY_RE, ArxivConfig
from ..model import ANNOUNCE_TYPES, Paper

log = logging.getLogger(__name__)

EASTERN = ZoneInfo("America/New_York")
_ID_RE = re.compile(r"(?:arXiv:|oai:arXiv\.org:|abs/)?(?P<id>\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v(?P<v>\d+))?")
_DESC_RE = re.compile(
    r"^\s*arXiv:(?P<id>\S+?)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?(?P<abstract>.*)$", re.S
)
_WS = re.compile(r"\s+")


@dataclass
class Announcement:
    date: str | None  # YYYY-MM-DD; None when the feed is empty
    papers: list[Paper]
    url: str
    raw_items: int = 0  # items in the feed before de-duplication


def rss_url(cfg: ArxivConfig) -> str:
    base = cfg.rss_url if cfg.rss_url.endswith("/") else cfg.rss_url + "/"
    return base + "+".join(cfg.categories)


def _clean(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def split_id(raw: str) -> tuple[str, int | None]:
    """'oai:arXiv.org:2506.05361v2' -> ('2506.05361', 2)."""
    m = _ID_RE.search(raw or "")
    if not m:
        raise ValueError(f"no arXiv id in {raw!r}")
    return m.group("id"), int(m.group("v")) if m.group("v") else None


def _entry_date(entry) -> date | None:
    """An item's (or the channel's) date in US Eastern time, where arXiv dates its announcements."""
    raw = entry.get("published") or entry.get("updated")
    if not raw:
        return None
    try:
        dt = email.utils.parsedate_to_datetime(raw)  # RSS 2.0
    except (TypeError, ValueError):
        try:
            dt = datetime.fromisoformat(raw)  # Atom
        except ValueError:
            return None
    # arXiv stamps items at midnight US Eastern of the announcement date
    if dt.tzinfo is not None:
        dt = dt.astimezone(EASTERN)
    return dt.date()


def parse_feed(content: bytes, url: str = "") -> Announcement:
    """Parse an arXiv RSS/Atom listing.  Raises ValueError when it is not a feed."""
    # paper text is kept literally (escaped later, at render time): no HTML sanitising here
    feed = feedparser.parse(content, sanitize_html=False, resolve_relative_uris=False)
    problem = feed.get("bozo_exception")
    if feed.bozo and not isinstance(problem, feedparser.CharacterEncodingOverride):
        # a truncated or malformed document: never publish the part that happened to parse
        raise ValueError(f"not a well-formed feed ({type(problem).__name__}: {' '.join(str(problem).split())[:120]})")
    if feed.get("version", "") == "" and not feed.entries:
        raise ValueError("not an RSS/Atom feed (no channel)")
    papers: dict[str, Paper] = {}
    dates: Counter[date] = Counter()
    for entry in feed.entries:
        p = _paper_from_entry(entry)
        if p is None:
            continue
        d = _entry_date(entry)
        if d:
            dates[d] += 1
        prev = papers.get(p.id)
        # arXiv de-duplicates multi-category feeds; if an item repeats anyway keep the newest version
        if prev is None or (p.version or 0) > (prev.version or 0):
            papers[p.id] = p
    day = dates.most_common(1)[0][0].isoformat() if dates else None
    if papers and day is None:
        raise ValueError("feed items carry no announcement date")
    if not papers:  # an empty announcement: date it by the channel, if it says
        channel = _entry_date(feed.get("feed", {}))
        day = channel.isoformat() if channel else None
    return Announcement(date=day, papers=list(papers.values()), url=url, raw_items=len(feed.entries))


def _paper_from_entry(entry) -> Paper | None:
    desc = entry.get("summary") or entry.get("description") or ""
    m = _DESC_RE.match(desc)
    raw_id = entry.get("id") or entry.get("guid") or (m.group("id") if m else "") or entry.get("link", "")
    try:
        pid, version = split_id(raw_id)
    except ValueError:
        log.warning("skipping a feed item without an arXiv id: %r", entry.get("title", "")[:80])
        return None
    announce = (entry.get("arxiv_announce_type") or (m.group("type") if m else "") or "new").strip().lower()
    if announce not in ANNOUNCE_TYPES:
        announce = "new"
    abstract = _clean(m.group("abstract") if m else desc)
    authors = [a.strip() for a in _clean(entry.get("author", "")).split(",") if a.strip()]
    cats = [t.get("term", "").strip() for t in entry.get("tags", [])]
    cats = [c for c in cats if CATEGORY_RE.match(c)]
    return Paper(
        id=pid,
        version=version,
        title=_clean(entry.get("title")),
        abstract=abstract,
        authors=authors,
        categories=cats,
        primary_category=None,  # the feed does not say; the API does
        announce_type=announce,
        license=_clean(entry.get("rights")) or None,
        doi=_clean(entry.get("arxiv_doi")) or None,
        journal_ref=_clean(entry.get("arxiv_journal_reference")) or None,
    )


def fetch_announcement(cfg: ArxivConfig, session: requests.Session | None = None, sleep=time_mod.sleep) -> Announcement:
    """ONE request for all configured categories (repeated only when an answer is unusable).

    Raises http.FetchError after the retries, or ValueError when every answer was a malformed document.
    """
    url = rss_url(cfg)
    for attempt in range(cfg.retries + 1):
        resp = http.get(url, session=session, timeout=cfg.timeout_seconds, retries=cfg.retries)
        try:
            ann = parse_feed(resp.content, url)
            break
        except ValueError as e:
            if attempt == cfg.retries:
                raise
            log.info("unusable feed (%s); fetching again (%d/%d)", e, attempt + 1, cfg.retries)
            sleep(min(2.0**attempt, 30.0))
    log.info("RSS %s: %d items, %d papers, announced %s", url, ann.raw_items, len(ann.papers), ann.date)
    return ann


# --------------------------------------------------------------------------- API


def make_client(cfg: ArxivConfig, page_size: int | None = None) -> arxiv.Client:
    client = arxiv.Client(
        page_size=page_size or cfg.api_batch_size, delay_seconds=cfg.api_delay_seconds, num_retries=cfg.retries
    )
    client.query_url_format = cfg.api_url + ("&{}" if "?" in cfg.api_url else "?{}")
    # the arxiv package sets no timeout on its requests; a hung socket must not hang the run
    client._session = http.TimeoutSession(cfg.timeout_seconds)
    return client


@dataclass
class Metadata:
    comment: str | None
    primary_category: str | None
    journal_ref: str | None
    doi: str | None
    categories: list[str]
    version: int | None


def _metadata(r: arxiv.Result) -> Metadata:
    _, version = split_id(r.entry_id)
    return Metadata(
        comment=_clean(r.comment) or None,
        primary_category=r.primary_category or None,
        journal_ref=_clean(r.journal_ref) or None,
        doi=_clean(r.doi) or None,
        categories=[c for c in r.categories if CATEGORY_RE.match(c)],
        version=version,
    )


def fetch_metadata(cfg: ArxivConfig, ids: list[str], client: arxiv.Client | None = None) -> dict[str, Metadata]:
    """Comments, primary category etc. for ``ids``; missing ids are retried once, then left out."""
    client = client or make_client(cfg)
    found: dict[str, Metadata] = {}
    todo = list(dict.fromkeys(ids))
    for attempt in range(2):
        batches = range(0, len(todo), cfg.api_batch_size)
        for n, i in enumerate(batches, 1):
            batch = todo[i : i + cfg.api_batch_size]
            log.info("arXiv API metadata: batch %d/%d (%d papers)", n, len(batches), len(batch))
            try:
                for r in client.results(arxiv.Search(id_list=batch, max_results=len(batch))):
                    pid, _ = split_id(r.entry_id)
                    found[pid] = _metadata(r)
            except (arxiv.ArxivError, requests.RequestException, ValueError) as e:
                log.warning("arXiv API lookup failed for %d papers: %s", len(batch), _one_line(e))
        todo = [i for i in todo if i not in found]
        if not todo:
            break
        if attempt == 0:
            log.info("arXiv API returned nothing for %d papers; asking once more", len(todo))
    if todo:
        log.warning("no API metadata for %d papers (kept with what the RSS gave): %s", len(todo), " ".join(todo))
    return found


def _one_line(e: Exception) -> str:
    return " ".join(str(e).split())[:300]


def submission_window(day: date) -> tuple[datetime, datetime]:
    """The submission window (UTC) whose papers arXiv announces on ``day``.

    arXiv announces at 20:00 US Eastern Sunday-Thursday, dated Monday-Friday; the
    announcement dated D lists submissions received between the 14:00 Eastern
    deadlines of the two weekdays before D.  Holidays are not modelled.
    """

    def prev_weekday(d: date) -> date:
        d -= timedelta(days=1)
        while d.weekday() >= 5:
            d -= timedelta(days=1)
        return d

    end_day = prev_weekday(day)
    start_day = prev_weekday(end_day)
    utc = ZoneInfo("UTC")
    start = datetime.combine(start_day, time(14, 0), EASTERN).astimezone(utc)
    end = datetime.combine(end_day, time(14, 0), EASTERN).astimezone(utc)
    return start, end


def search_day(cfg: ArxivConfig, day: date, client: arxiv.Client | None = None) -> Announcement:
    """Backfill: the new submissions of a past announcement day, via the API.

    Cross-lists of older papers and replacements cannot be recovered this way;
    a paper whose primary category is not configured is marked ``cross``.
    """
    client = client or make_client(cfg, page_size=min(cfg.backfill_max_results, 500))
    start, end = submission_window(day)
    cats = " OR ".join(f"cat:{c}" for c in cfg.categories)
    query = f"({cats}) AND submittedDate:[{start:%Y%m%d%H%M} TO {end:%Y%m%d%H%M}]"
    search = arxiv.Search(
        query=query,
        max_results=cfg.backfill_max_results,
        sort_by=arxiv.SortCriterion.SubmittedDate,
        sort_order=arxiv.SortOrder.Ascending,
    )
    papers: dict[str, Paper] = {}
    try:
        results = list(client.results(search))
    except (arxiv.ArxivError, requests.RequestException) as e:
        raise http.FetchError(f"arXiv API backfill for {day}: {_one_line(e)}") from None
    configured = set(cfg.categories)
    for r in results:
        pid, version = split_id(r.entry_id)
        meta = _metadata(r)
        papers[pid] = Paper(
            id=pid,
            version=version,
            title=_clean(r.title),
            abstract=_clean(r.summary),
            authors=[a.name for a in r.authors],
            categories=meta.categories,
            primary_category=meta.primary_category,
            announce_type="new" if meta.primary_category in configured else "cross",
            comment=meta.comment,
            journal_ref=meta.journal_ref,
            doi=meta.doi,
        )
    log.info("API backfill %s: %d papers submitted %s .. %s", day, len(papers), start, end)
    return Announcement(date=day.isoformat(), papers=list(papers.values()), url=cfg.api_url, raw_items=len(results))
