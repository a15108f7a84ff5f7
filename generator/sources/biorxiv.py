"""medRxiv and bioRxiv preprints through the public API of openRxiv (``api.biorxiv.org``).

    client = BiorxivClient(cfg.preprints)
    window = fetch_window(client, cfg.preprints, date(2025, 3, 4), date(2025, 3, 5))
    window.preprints   # -> list[Preprint], one per DOI (its highest version), in a stable order
    window.servers     # -> {"medrxiv": ServerCount(...), ...} for the run summary

``GET <api_url>details/<server>/<from>/<to>/<cursor>`` returns one page of the records posted in the window.  The quirks
this client is built around were seen in real answers (``../shared/corpus/raw/medrxiv/PROVENANCE.md``):

* the page size is not fixed (100 in older answers, 30 reported since mid-2026), so the cursor advances by the records
  received and the window ends on an empty page ("no posts found") or once the cursor reaches ``total``;
* ``total`` can overstate, which the empty page answers; pages are sorted by date on medRxiv, not on bioRxiv, so the
  whole window is always read;
* a backend failure can come back as HTTP 200 with a plain-text body (``Error : (2002) Connection refused``): a 200
  that is not the JSON page is retried like a 503;
* each version posted in the window is its own record: one preprint per DOI is kept, its highest version;
* DOIs carry 10.1101 or (from December 2025) 10.64898, so nothing here assumes a prefix;
* abstracts hold JATS leftovers (``O_LI``, ``O_ST_ABS``, figure blocks, small caps) and entity names in braces
  (``{beta}``), cleaned to readable text by ``clean_text``; the corresponding institution is cut at 160 characters,
  kept as sent and marked (``institution_cut``).

Politeness: one request per ``page_delay_seconds``; 429/5xx and timeouts are retried by ``http.get`` (Retry-After
honoured), a 200 that is not the page by this client; after ``retries`` the failure is a one-line ``FetchError``.
"""

from __future__ import annotations

import html.entities
import json
import logging
import re
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Callable

from ..config import PreprintsConfig, normalize_category
from ..http import FetchError, TimeoutSession, get

log = logging.getLogger(__name__)

SITES = {"medrxiv": "https://www.medrxiv.org", "biorxiv": "https://www.biorxiv.org"}
INSTITUTION_LIMIT = 160  # the API cuts author_corresponding_institution at this length
DOI_RE = re.compile(r"10\.\d{4,9}/\S+\Z")
DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
NO_POSTS = "no posts found"

# --------------------------------------------------------------------------- text

# entity names in braces that HTML5 does not name, or names it differently
_BRACE_EXTRA = {"degrees": "°", "+/-": "±", "varepsilon": "ε", "square": "□"}
_BRACE = re.compile(r"\{([A-Za-z]+|\+/-)\}")
_FLOATS = re.compile(r"O_(FIG|TBL).*?(?:C_\1|\Z)", re.S)  # figure and table blocks: image links, "View larger version"
_SMALL_CAPS = re.compile(r"O_SCPLOW(.*?)C_SCPLOW", re.S)
_HEADING = re.compile(r"[ \t]*O_ST_ABS(.*?)C_ST_ABS[ \t]*", re.S)
_LEFTOVER = re.compile(r"[OCM]_(?:SCPLOW|ST_ABS|LINKSMALLFIG|FLOATNO|TABLECAPTION|FIG|TBL|LI)")
# a structured abstract's label glued to its text at the start of a paragraph ("MethodsWe ...", "Methods and
# analysisThis ...", "BACKGROUNDCardio..."): a label head word, at most seven more words, then a capital starting a word
_HEADS = (
    "Abstract", "Added", "Aims?", "Article", "Author", "Availability", "Background", "Bckground", "Budget", "Chemical",
    "Clinical", "Competing", "Conclusions?", "Context", "Design", "Discussion", "Ethics", "Evidence", "Exposures?",
    "Findings", "Funding", "How", "Implications", "Importance", "In brief", "Interpretation", "Interventions?",
    "Introduction", "Key", "Limitations", "Main", "Materials?", "Meaning", "Measurements", "Methods?", "Methodology",
    "Motivation", "Objectives?", "Outcomes?", "Participants", "Patients?", "Purpose", "Rationale", "Research",
    "Results?", "Setting", "Significan(?:ce|t)", "Statement", "Strengths", "Study", "Summary", "Teaser", "Trial",
    "What", "Withdrawal",
)
_GLUED = re.compile(
    r"^((?:" + "|".join(_HEADS) + r")(?:[ ,]+[A-Za-z-]+){0,7}?|(?:" + "|".join(h.upper() for h in _HEADS)
    + r")(?:[ ,]+[A-Z-]+){0,7}?)(?<=[a-zA-Z]{2})(?=[A-Z][a-z])", re.M)
_ABSTRACT_LABEL = re.compile(r"\A\s*(?:ABSTRACT|Abstract)(?=[A-Z\s])\s*")


def _brace(m: re.Match) -> str:
    name = m.group(1)
    if name in _BRACE_EXTRA:
        return _BRACE_EXTRA[name]
    return html.entities.html5.get(f"{name};", m.group(0))


def _entities(text: str) -> str:
    """``{beta}`` -> β, ``{+/-}`` -> ±; a ``{square}`` between digits is the thousands gap it stood for (132 000)."""
    text = re.sub(r"(?<=\d)\{square\}(?=\d)", "\u2009", text)
    return _BRACE.sub(_brace, text)


def _heading(m: re.Match) -> str:
    label = " ".join(m.group(1).split())
    return f"\n\n{label}" + (" " if label[-1:] in "?:.!" else ": ") if label else "\n\n"


def _tidy(text: str) -> str:
    """Spaces collapsed, lines stripped, at most one blank line, none between list items."""
    lines = [re.sub(r"[ \t]+", " ", line).strip(" \t") for line in text.split("\n")]  # a thin space stays
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return re.sub(r"(?m)^(• .*)\n\n(?=• )", r"\1\n", "\n".join(out).strip())


def clean_text(text: str) -> str:
    """An abstract (or title) as readable text: JATS leftovers out, entities as characters, paragraphs kept.

    Figure and table blocks go (their image links and "View larger version" lines mean nothing in text); small caps
    become capitals; an ``O_ST_ABS`` heading becomes "Heading: " opening its paragraph; list items become "• " lines;
    a label glued to its text at the start of a paragraph gets its colon back ("MethodsWe" -> "Methods: We").
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n")
    text = _FLOATS.sub("\n\n", text)
    text = _SMALL_CAPS.sub(lambda m: m.group(1).upper(), text)
    text = _HEADING.sub(_heading, text)
    text = re.sub(r"[OCM]_LINKSMALLFIG", "", text)
    text = text.replace("C_LI", "").replace("O_LI", "\n• ")
    text = _LEFTOVER.sub("", text)
    text = _entities(text)
    text = _ABSTRACT_LABEL.sub("", text)
    text = _tidy(text)
    text = _GLUED.sub(r"\1: ", text)
    # a heading left with nothing under it (a graphical abstract that was a figure)
    return re.sub(r"(?im)\n\n(?:graphical abstract|visual abstract)\s*(?=\n\n|\Z)", "", text).strip()


def _name(author: str) -> str:
    """ "Watson, O. J." -> "O. J. Watson" (the house order); a collective name has no comma and stays."""
    parts = [p.strip() for p in author.split(",")]
    if len(parts) == 2 and all(parts):
        return f"{parts[1]} {parts[0]}"
    return author.strip()


def split_authors(authors: str) -> list[str]:
    return [_name(a) for a in _entities(authors or "").split(";") if a.strip()]


# --------------------------------------------------------------------------- records


@dataclass
class Preprint:
    """One medRxiv/bioRxiv preprint as the API describes its newest version in the window."""

    doi: str  # 10.1101/2024.01.02.24300691 or 10.64898/2026.01.01.25343300 (no version)
    server: str  # "medrxiv" | "biorxiv"
    version: int
    title: str
    authors: list[str]
    corresponding_author: str
    corresponding_institution: str
    category: str  # as the API writes it, lower case: "radiology and imaging"
    abstract: str
    posted: str  # YYYY-MM-DD: the day this version was posted
    license: str | None = None  # cc_by, cc_by_nc_nd, cc0, cc_no, ... (None when the API sent none)
    published_doi: str | None = None  # the journal version's DOI, once the server knows it
    article_type: str = ""  # "new results", "PUBLISHAHEADOFPRINT", "confirmatory results", "withdrawn", ...
    institution_cut: bool = False  # the API cut the institution at 160 characters: shown as it came, marked
    prior: float = 0.0  # the configured category prior (fetch_window fills it in)
    versions_seen: list[int] = field(default_factory=list)  # every version of this DOI in the window

    @property
    def withdrawn(self) -> bool:
        return self.article_type.lower() == "withdrawn" or self.title.upper().startswith("WITHDRAWN:")

    @property
    def url(self) -> str:
        return f"{SITES[self.server]}/content/{self.doi}v{self.version}"

    @property
    def pdf_url(self) -> str:
        return f"{self.url}.full.pdf"

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}"

    def to_dict(self) -> dict[str, Any]:
        """Every field plus the links, for records and exports."""
        return dict(asdict(self), url=self.url, pdf_url=self.pdf_url, withdrawn=self.withdrawn)


def _field(rec: dict, key: str) -> str:
    value = rec.get(key)
    return value.strip() if isinstance(value, str) else ""


def parse_record(rec: Any, server: str) -> Preprint | None:
    """One record of a ``collection``; None when it lacks what a listing needs (a DOI, a title, a version, a date)."""
    if not isinstance(rec, dict):
        return None
    doi, title, posted = _field(rec, "doi"), clean_text(_field(rec, "title")), _field(rec, "date")
    version = _field(rec, "version") or str(rec.get("version") or "")
    if not DOI_RE.match(doi) or not title or not version.isdigit() or not DAY_RE.match(posted):
        return None
    institution = " ".join(_entities(_field(rec, "author_corresponding_institution")).split())
    published = _field(rec, "published")
    return Preprint(
        doi=doi, server=server, version=int(version), title=" ".join(title.split()),
        authors=split_authors(_field(rec, "authors")), corresponding_author=_field(rec, "author_corresponding"),
        corresponding_institution=institution,
        category=normalize_category(_field(rec, "category")), abstract=clean_text(_field(rec, "abstract")),
        posted=posted, license=_field(rec, "license") or None,
        published_doi=published if DOI_RE.match(published) else None, article_type=_field(rec, "type"),
        institution_cut=len(_field(rec, "author_corresponding_institution")) >= INSTITUTION_LIMIT,
        versions_seen=[int(version)],
    )


@dataclass
class Page:
    """One ``/details`` answer: its records (raw) and what ``messages[0]`` said."""

    records: list[Any]
    total: int | None  # all versions in the window, as the server counts them (may overstate)
    status: str


def _int(value: Any) -> int | None:
    """api.medrxiv.org sends counts as numbers, api.biorxiv.org as strings."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def parse_page(body: bytes) -> Page:
    """A ``/details`` page; ValueError (retried by the client) when the body is not one: a plain-text error sent
    with HTTP 200, an HTML page, JSON of another shape, or a status other than ok / no posts found."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        start = " ".join(body[:80].decode("utf-8", "replace").split())
        raise ValueError(f"answer is not JSON ({start!r})") from None
    messages = doc.get("messages") if isinstance(doc, dict) else None
    if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
        raise ValueError("answer has no messages")
    status = str(messages[0].get("status", "")).strip()
    collection = doc.get("collection")
    if status.lower() == NO_POSTS:
        return Page([], _int(messages[0].get("total")), status)
    if status.lower() != "ok":
        raise ValueError(f"server says {status[:80]!r}")
    if not isinstance(collection, list):
        raise ValueError("answer has no collection")
    return Page(collection, _int(messages[0].get("total")), status)


# --------------------------------------------------------------------------- the client


class BiorxivClient:
    """A polite ``/details`` client: paced requests, retries, and a body that must be the JSON page."""

    def __init__(self, cfg: PreprintsConfig, sleep: Callable[[float], None] = time.sleep):
        self.cfg = cfg
        self.sleep = sleep
        self.session = TimeoutSession(cfg.timeout_seconds)
        self.requests = 0
        self._last: float | None = None

    def _pace(self) -> None:
        if self._last is not None:
            wait = self._last + self.cfg.page_delay_seconds - time.monotonic()
            if wait > 0:
                self.sleep(wait)
        self._last = time.monotonic()

    def url(self, server: str, start: date, end: date, cursor: int) -> str:
        return f"{self.cfg.api_url}details/{server}/{start.isoformat()}/{end.isoformat()}/{cursor}"

    def page(self, server: str, start: date, end: date, cursor: int) -> Page:
        url = self.url(server, start, end, cursor)
        problem = ""
        for attempt in range(self.cfg.retries + 1):
            self._pace()
            self.requests += 1
            resp = get(url, session=self.session, timeout=self.cfg.timeout_seconds, retries=self.cfg.retries,
                       sleep=self.sleep)
            try:
                return parse_page(resp.content)
            except ValueError as e:
                problem = str(e)
                if attempt < self.cfg.retries:
                    log.info("%s: %s; retry %d/%d", url, problem, attempt + 1, self.cfg.retries)
                    self.sleep(min(30.0, 2.0**attempt))
        raise FetchError(f"{url}: {problem} (after {self.cfg.retries} retries)")


# --------------------------------------------------------------------------- a window


@dataclass
class ServerCount:
    """What one server gave for the window, for the run summary."""

    server: str
    pages: int = 0
    records: int = 0  # records received (every version)
    malformed: int = 0  # records without a DOI, title, version or date
    older_versions: int = 0  # records dropped because a higher version of the same DOI came too
    withdrawn: int = 0
    off_category: int = 0  # left out by the server's category filter
    kept: int = 0
    total_reported: int | None = None  # the first page's ``total`` (may overstate)
    capped: bool = False  # stopped at max_records

    def line(self) -> str:
        capped = ", capped at max_records" if self.capped else ""
        return (f"{self.server}: {self.records} records in {self.pages} pages, {self.kept} kept "
                f"({self.older_versions} older versions, {self.withdrawn} withdrawn, {self.off_category} off-category, "
                f"{self.malformed} malformed){capped}")


@dataclass
class Window:
    start: date
    end: date
    preprints: list[Preprint]
    servers: dict[str, ServerCount]
    requests: int = 0

    def summary(self) -> str:
        return "; ".join(c.line() for c in self.servers.values())


def _newest(found: dict[str, Preprint], p: Preprint) -> bool:
    """Keep ``p`` if it is the highest version of its DOI so far; True when a record was superseded or dropped."""
    key = p.doi.lower()
    old = found.get(key)
    if old is None:
        found[key] = p
        return False
    seen = sorted(set(old.versions_seen + p.versions_seen))
    if p.version > old.version:
        found[key] = p
    found[key].versions_seen = seen
    return True


def fetch_server(client: BiorxivClient, cfg: PreprintsConfig, server: str, start: date, end: date
                 ) -> tuple[list[Preprint], ServerCount]:
    """Every page of one server's window, cursor advanced by the records received; one preprint per DOI."""
    count = ServerCount(server)
    found: dict[str, Preprint] = {}
    cursor = 0
    while True:
        page = client.page(server, start, end, cursor)
        count.pages += 1
        if count.total_reported is None:
            count.total_reported = page.total
        if not page.records:
            break
        for rec in page.records:
            p = parse_record(rec, server)
            if p is None:
                count.malformed += 1
            elif _newest(found, p):
                count.older_versions += 1
        cursor += len(page.records)
        count.records = cursor
        if page.total is not None and cursor >= page.total:
            break
        if cursor >= cfg.max_records:
            count.capped = True
            log.warning("%s: stopped at %d records (preprints.max_records); the server reports %s", server, cursor,
                        page.total)
            break
    kept = []
    for p in found.values():
        prior = cfg.prior(server, p.category)
        if p.withdrawn:
            count.withdrawn += 1
        elif prior is None:
            count.off_category += 1
        else:
            p.prior = prior
            kept.append(p)
    kept.sort(key=lambda p: (p.posted, p.doi))
    count.kept = len(kept)
    return kept, count


def fetch_window(client: BiorxivClient, cfg: PreprintsConfig, start: date, end: date) -> Window:
    """The preprints posted from ``start`` to ``end`` (both included) on every configured server.

    A server that cannot be read raises ``FetchError`` (one line): the caller decides what the issue does without
    preprints.  Order: server as configured, then posting day, then DOI (stable across reruns).
    """
    preprints: list[Preprint] = []
    servers: dict[str, ServerCount] = {}
    for server in cfg.servers:
        items, count = fetch_server(client, cfg, server, start, end)
        preprints += items
        servers[server] = count
        log.info("%s", count.line())
    return Window(start, end, preprints, servers, client.requests)
