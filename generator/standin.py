"""A loopback stand-in for arXiv: serves listing files as arXiv's RSS feed and query API.

Used by ``python -m generator demo`` (with the project's own sample data) and
by the tests (with real corpus days).  It speaks the formats arXiv publishes:

* ``GET /rss/<cat>+<cat>...`` - an RSS 2.0 announcement feed of the current day:
  every paper carrying at least one requested category, once, with
  ``arxiv:announce_type``, ``dc:creator``, ``dc:rights`` and the description
  "arXiv:<id>v<n> Announce Type: <type> \\nAbstract: ...".  A day with no
  papers is an empty channel (dated by ``lastBuildDate``), as on weekends and holidays.
* ``GET /api/query?id_list=...`` - an Atom response with the API's fields
  (comment, primary category, journal ref, DOI); ``search_query=...`` returns
  the current day's papers (a simulated backfill).

``faults`` injects failures: ``server.faults["/rss"] = [503, "empty", "garbage"]``
answers the next three RSS requests with a 503, an empty channel and a
non-feed body.  Other modes: ``429`` (with Retry-After), ``"reset"`` (the
connection closes halfway through the body), ``"truncated"`` (a complete HTTP
answer holding half the XML), ``"slow"`` (the body dripped over
``slow_seconds``), ``"hang"``.  Every request is recorded in ``server.requests``.

The other remotes have stand-ins here too: PubMed E-utilities, the per-paper signals, and api.biorxiv.org's
``/details`` for medRxiv and bioRxiv (``BiorxivStandIn``).
"""

from __future__ import annotations

import re
import threading
import time
from datetime import date, datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from .model import Paper

EASTERN = ZoneInfo("America/New_York")
NS = {
    "arxiv": "http://arxiv.org/schemas/atom",
    "dc": "http://purl.org/dc/elements/1.1/",
    "atom": "http://www.w3.org/2005/Atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def rss_document(papers: list[Paper], day: str | None, categories: list[str]) -> bytes:
    cats = "+".join(categories)
    rss = ET.Element("rss", {"version": "2.0"})
    ch = _sub(rss, "channel")
    _sub(ch, "title", f"{cats} updates on arXiv.org")
    _sub(ch, "link", f"http://rss.arxiv.org/rss/{cats}")
    _sub(ch, "description", f"{cats} updates on the arXiv.org e-print archive.")
    _sub(ch, "{http://www.w3.org/2005/Atom}link", href=f"http://rss.arxiv.org/rss/{cats}", rel="self", type="application/rss+xml")
    _sub(ch, "docs", "http://www.rssboard.org/rss-specification")
    _sub(ch, "language", "en-us")
    _sub(ch, "managingEditor", "rss-help@arxiv.org")
    stamp = datetime.combine(date.fromisoformat(day), datetime.min.time(), EASTERN) if day else datetime(2025, 1, 1, tzinfo=timezone.utc)
    _sub(ch, "lastBuildDate", format_datetime(stamp))
    if day and papers:
        _sub(ch, "pubDate", format_datetime(stamp))
    skip = _sub(ch, "skipDays")
    _sub(skip, "day", "Saturday")
    _sub(skip, "day", "Sunday")
    for p in papers:
        vid = f"{p.id}v{p.version or 1}"
        it = _sub(ch, "item")
        _sub(it, "title", p.title)
        _sub(it, "link", f"https://arxiv.org/abs/{p.id}")
        _sub(it, "description", f"arXiv:{vid} Announce Type: {p.announce_type} \nAbstract: {p.abstract}")
        _sub(it, "guid", f"oai:arXiv.org:{vid}", isPermaLink="false")
        for c in p.categories:
            _sub(it, "category", c)
        _sub(it, "pubDate", format_datetime(stamp))
        _sub(it, "{http://arxiv.org/schemas/atom}announce_type", p.announce_type)
        _sub(it, "{http://purl.org/dc/elements/1.1/}rights", p.license or "http://arxiv.org/licenses/nonexclusive-distrib/1.0/")
        _sub(it, "{http://purl.org/dc/elements/1.1/}creator", ", ".join(p.authors))
        if p.journal_ref:
            _sub(it, "{http://arxiv.org/schemas/atom}journal_reference", p.journal_ref)
        if p.doi:
            _sub(it, "{http://arxiv.org/schemas/atom}DOI", p.doi)
    return b"<?xml version='1.0' encoding='UTF-8'?>\n" + ET.tostring(rss, encoding="utf-8")


def api_document(papers: list[Paper], total: int, start: int, day: str | None) -> bytes:
    A = "{http://www.w3.org/2005/Atom}"
    feed = ET.Element(f"{A}feed")
    _sub(feed, f"{A}id", "https://arxiv.org/api/standin")
    _sub(feed, f"{A}title", "arXiv Query")
    _sub(feed, f"{A}updated", "2025-01-01T00:00:00Z")
    _sub(feed, "{http://a9.com/-/spec/opensearch/1.1/}totalResults", str(total))
    _sub(feed, "{http://a9.com/-/spec/opensearch/1.1/}startIndex", str(start))
    _sub(feed, "{http://a9.com/-/spec/opensearch/1.1/}itemsPerPage", str(len(papers)))
    stamp = f"{day or '2025-01-01'}T00:00:00Z"
    for p in papers:
        vid = f"{p.id}v{p.version or 1}"
        e = _sub(feed, f"{A}entry")
        _sub(e, f"{A}id", f"http://arxiv.org/abs/{vid}")
        _sub(e, f"{A}updated", stamp)
        _sub(e, f"{A}published", stamp)
        _sub(e, f"{A}title", p.title)
        _sub(e, f"{A}summary", p.abstract)
        for a in p.authors:
            au = _sub(e, f"{A}author")
            _sub(au, f"{A}name", a)
        if p.comment:
            _sub(e, "{http://arxiv.org/schemas/atom}comment", p.comment)
        if p.journal_ref:
            _sub(e, "{http://arxiv.org/schemas/atom}journal_ref", p.journal_ref)
        if p.doi:
            _sub(e, "{http://arxiv.org/schemas/atom}doi", p.doi)
        _sub(e, f"{A}link", href=f"https://arxiv.org/abs/{vid}", rel="alternate", type="text/html")
        _sub(e, f"{A}link", href=f"https://arxiv.org/pdf/{vid}", rel="related", type="application/pdf", title="pdf")
        primary = p.primary_category or (p.categories[0] if p.categories else "")
        _sub(e, "{http://arxiv.org/schemas/atom}primary_category", term=primary)
        for c in p.categories:
            _sub(e, f"{A}category", term=c, scheme="http://arxiv.org/schemas/atom")
    return b"<?xml version='1.0' encoding='UTF-8'?>\n" + ET.tostring(feed, encoding="utf-8")


class LoopbackServer(ThreadingHTTPServer):
    """A threaded HTTP server on 127.0.0.1 with scripted faults; subclasses answer in ``respond``."""

    daemon_threads = True
    name = "standin"

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        super().__init__((host, port), _Handler)
        self.faults: dict[str, list] = {}
        self.requests: list[str] = []
        self.delay = 0.0
        self.slow_seconds = 8.0
        self.env_override: dict[str, str] = {}  # for scenarios that point the client elsewhere
        self._thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread = threading.Thread(target=self.serve_forever, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def next_fault(self, path: str):
        for prefix, queue in self.faults.items():
            if path.startswith(prefix) and queue:
                return queue.pop(0)
        return None

    def respond(self, handler: "_Handler", url, fault, body_fault) -> None:  # pragma: no cover - abstract
        handler._send(404, b"not found", "text/plain")


class ArxivStandIn(LoopbackServer):
    """``with ArxivStandIn() as s: s.set_day("2025-06-09", papers); ...; s.rss_base, s.api_url``."""

    name = "arxiv-standin"

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        super().__init__(host, port)
        self.day: str | None = None
        self.papers: list[Paper] = []
        self.known: dict[str, Paper] = {}  # every paper ever served, for id_list lookups

    @property
    def rss_base(self) -> str:
        return f"{self.base}/rss/"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/query"

    def set_day(self, day: str | None, papers: list[Paper]) -> None:
        self.day, self.papers = day, list(papers)
        for p in papers:
            self.known[p.id] = p

    def respond(self, handler: "_Handler", url, fault, body_fault) -> None:
        if url.path.startswith("/rss/"):
            cats = [c for c in unquote(url.path[len("/rss/"):]).split("+") if c]
            if fault == "empty" or self.day is None or not self.papers:
                return handler._send(200, rss_document([], self.day, cats))
            wanted = set(cats)

            def listed(p: Paper) -> bool:
                return any(c in wanted or c.split(".")[0] + ".*" in wanted for c in p.categories)

            return handler._send(200, rss_document([p for p in self.papers if listed(p)], self.day, cats), fault=body_fault)
        if url.path.startswith("/api/query"):
            q = parse_qs(url.query)
            start = int((q.get("start") or ["0"])[0])
            size = int((q.get("max_results") or ["10"])[0])
            if fault == "empty":
                return handler._send(200, api_document([], 0, start, self.day))
            if q.get("id_list") and q["id_list"][0]:
                ids = q["id_list"][0].split(",")
                found = [self.known[i.split("v")[0]] for i in ids if i.split("v")[0] in self.known]
            elif q.get("search_query"):
                found = list(self.papers)
            else:
                found = []
            page = found[start : start + size]
            return handler._send(200, api_document(page, len(found), start, self.day), fault=body_fault)
        handler._send(404, b"not found", "text/plain")


class PubMedStandIn(LoopbackServer):
    """NCBI E-utilities on loopback, replaying recorded PubMed XML.

    ``add_xml(efetch_bytes, entered="2025-03-05")`` registers every ``<PubmedArticle>`` of a recorded efetch answer,
    byte for byte, with the day it "entered PubMed".  ``GET /eutils/esearch.fcgi?term=..&mindate=..&maxdate=..``
    lists the PMIDs entered in the window (newest PMID first, ``retmax`` honoured); ``GET /eutils/efetch.fcgi?id=..``
    returns those records as a ``<PubmedArticleSet>``.  Faults as for arXiv, plus ``"error"`` (an eSearchResult
    carrying an ``<ERROR>``).  ``searches`` keeps the query parameters of every esearch.
    """

    name = "pubmed-standin"
    _ARTICLE = re.compile(rb"<PubmedArticle>.*?</PubmedArticle>", re.S)
    _PMID = re.compile(rb"<PMID[^>]*>(\d+)</PMID>")

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        super().__init__(host, port)
        self.articles: dict[str, bytes] = {}
        self.entered: dict[str, str] = {}
        self.searches: list[dict[str, str]] = []

    @property
    def eutils_url(self) -> str:
        return f"{self.base}/eutils/"

    def add_xml(self, xml: bytes, entered: str) -> list[str]:
        added = []
        for m in self._ARTICLE.finditer(xml):
            pmid = self._PMID.search(m.group(0))
            if pmid:
                key = pmid.group(1).decode()
                self.articles[key], self.entered[key] = m.group(0), entered
                added.append(key)
        return added

    def respond(self, handler: "_Handler", url, fault, body_fault) -> None:
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path.endswith("/esearch.fcgi"):
            self.searches.append(q)
            if fault == "error":
                return handler._send(200, b"<?xml version='1.0' ?>\n<eSearchResult><ERROR>Search Backend failed</ERROR></eSearchResult>")
            lo = (q.get("mindate") or "0000/00/00").replace("/", "-")
            hi = (q.get("maxdate") or "9999/99/99").replace("/", "-")
            ids = [] if fault == "empty" else sorted((p for p, d in self.entered.items() if lo <= d <= hi), key=int, reverse=True)
            shown = ids[: int(q.get("retmax") or 20)]
            body = ("<?xml version='1.0' encoding='UTF-8' ?>\n<eSearchResult>"
                    f"<Count>{len(ids)}</Count><RetMax>{len(shown)}</RetMax><RetStart>0</RetStart><IdList>"
                    + "".join(f"<Id>{i}</Id>" for i in shown) + "</IdList><TranslationSet/></eSearchResult>")
            return handler._send(200, body.encode(), fault=body_fault)
        if url.path.endswith("/efetch.fcgi"):
            ids = [i for i in (q.get("id") or "").split(",") if i]
            body = (b"<?xml version='1.0' encoding='UTF-8' ?>\n<PubmedArticleSet>\n"
                    + b"\n".join(self.articles[i] for i in ids if i in self.articles and fault != "empty")
                    + b"\n</PubmedArticleSet>\n")
            return handler._send(200, body, fault=body_fault)
        handler._send(404, b"not found", "text/plain")


class PapersStandIn(LoopbackServer):
    """The optional per-paper remotes on loopback: Hugging Face Papers, arXiv HTML and OpenAlex.

    ``hf[id] = {"upvotes": 12, "githubRepo": "..."}`` answers ``GET /hf/papers/<id>`` (404 when absent);
    ``html[id] = "<html>..."`` answers ``GET /html/<id>v<n>``; ``openalex[id] = {...}`` answers
    ``GET /openalex/works/doi:10.48550/arXiv.<id>``.  Faults by path prefix as for the others.
    """

    name = "papers-standin"

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        super().__init__(host, port)
        self.hf: dict[str, object] = {}
        self.html: dict[str, str] = {}
        self.openalex: dict[str, object] = {}

    @property
    def hf_api_url(self) -> str:
        return f"{self.base}/hf/"

    @property
    def arxiv_html_url(self) -> str:
        return f"{self.base}/html/"

    @property
    def openalex_url(self) -> str:
        return f"{self.base}/openalex/"

    def respond(self, handler: "_Handler", url, fault, body_fault) -> None:
        import json

        path = unquote(url.path)
        if path.startswith("/hf/papers/"):
            doc = self.hf.get(path[len("/hf/papers/"):])
            if doc is None:
                return handler._send(404, b'{"error":"Paper not found"}', "application/json")
            body = doc.encode() if isinstance(doc, str) else json.dumps(doc).encode()
            return handler._send(200, body, "application/json", fault=body_fault)
        if path.startswith("/html/"):
            pid = re.sub(r"v\d+$", "", path[len("/html/"):])
            if pid not in self.html:
                return handler._send(404, b"<html><body>No HTML for this paper</body></html>", "text/html")
            return handler._send(200, self.html[pid].encode(), "text/html; charset=utf-8", fault=body_fault)
        if path.startswith("/openalex/works/doi:10.48550/arXiv."):
            doc = self.openalex.get(path.rsplit("arXiv.", 1)[1])
            if doc is None:
                return handler._send(404, b'{"error":"not found"}', "application/json")
            return handler._send(200, json.dumps(doc).encode(), "application/json", fault=body_fault)
        handler._send(404, b"not found", "text/plain")


class BiorxivStandIn(LoopbackServer):
    """api.biorxiv.org's ``/details`` on loopback: ``GET /details/<server>/<from>/<to>/<cursor>[/json]``.

    ``add_records("medrxiv", records)`` registers records in the API's own shape (dicts as the ``collection`` holds
    them); a request answers the records posted in the window, ``page_size`` from ``cursor`` on, in the order added,
    with ``messages[0]`` as the API writes it (counts as strings, as api.biorxiv.org sends them; ``int_counts`` for
    api.medrxiv.org's numbers), and "no posts found" past the end.  ``total_extra`` overstates ``total`` as the real
    server can.  ``raw_pages[(server, cursor)] = bytes`` answers that page byte for byte (a saved answer).

    Faults by path prefix as for the others (503, 429, "garbage", "reset", "truncated", "slow", "hang"), plus
    ``"error-text"`` (HTTP 200 with the plain-text backend error the real server sends), ``"no-posts"`` (an empty
    page) and ``"short"`` (only the first third of the page).
    """

    name = "biorxiv-standin"
    BACKEND_ERROR = b"Error : (2002) Connection refused"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, page_size: int = 30):
        super().__init__(host, port)
        self.page_size = page_size
        self.records: dict[str, list[dict]] = {}
        self.raw_pages: dict[tuple[str, int], bytes] = {}
        self.total_extra = 0
        self.int_counts = False

    @property
    def api_url(self) -> str:
        return f"{self.base}/"

    def add_records(self, server: str, records: list[dict]) -> None:
        self.records.setdefault(server, []).extend(records)

    def _document(self, records: list[dict], window: list[dict], cursor: int, interval: str) -> bytes:
        import json

        new = sum(1 for r in window if str(r.get("version")) == "1")
        total, status = len(window) + self.total_extra, "ok" if records else "no posts found"
        count = (lambda n: n) if self.int_counts else str
        message = {"status": status, "category": "all", "interval": interval, "funder": "all", "cursor": cursor,
                   "count": len(records), "count_new_papers": count(new), "total": count(total)}
        return json.dumps({"messages": [message], "collection": records}).encode() + b"\n\n\n\n"

    def respond(self, handler: "_Handler", url, fault, body_fault) -> None:
        parts = [unquote(p) for p in url.path.split("/") if p]
        if len(parts) not in (5, 6) or parts[0] != "details" or not parts[4].isdigit():
            return handler._send(404, b"not found", "text/plain")
        server, lo, hi, cursor = parts[1], parts[2], parts[3], int(parts[4])
        if fault == "error-text":
            return handler._send(200, self.BACKEND_ERROR, "text/html; charset=UTF-8")
        if (server, cursor) in self.raw_pages and fault in (None, "reset", "truncated", "slow"):
            return handler._send(200, self.raw_pages[(server, cursor)], "application/json", fault=body_fault)
        window = [r for r in self.records.get(server, []) if lo <= str(r.get("date", "")) <= hi]
        page = [] if fault == "no-posts" else window[cursor : cursor + self.page_size]
        if fault == "short":
            page = page[: max(1, len(page) // 3)]
        body = self._document(page, window, cursor, f"{lo}:{hi}")
        return handler._send(200, body, "application/json", fault=body_fault)


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackServer

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str = "application/xml; charset=utf-8", headers: dict | None = None,
              fault=None):
        if fault == "truncated":
            body = body[: len(body) // 2]
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            if fault == "reset":  # promise the whole body, send half, hang up
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.connection.shutdown(2)
            elif fault == "slow":  # every read arrives in time, the whole body does not
                step = max(1, len(body) // 40)
                for i in range(0, len(body), step):
                    self.wfile.write(body[i : i + step])
                    self.wfile.flush()
                    time.sleep(self.server.slow_seconds / 40)
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass

    def do_GET(self) -> None:  # noqa: N802
        srv = self.server
        srv.requests.append(self.path)
        url = urlparse(self.path)
        if srv.delay:
            time.sleep(srv.delay)
        fault = srv.next_fault(url.path)
        if isinstance(fault, int):
            return self._send(fault, b"fault injected", "text/plain", {"Retry-After": "0"})
        body_fault = fault if fault in ("reset", "truncated", "slow") else None
        if fault == "garbage":
            return self._send(200, b"<html><body>Service temporarily unavailable</body></html>", "text/html")
        if fault == "hang":
            time.sleep(30)
            return self._send(200, b"")
        srv.respond(self, url, fault, body_fault)

    def do_POST(self) -> None:  # noqa: N802 - only the LLM stand-in (llmstandin.py) answers POSTs
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        respond = getattr(self.server, "respond_post", None)
        respond(self, urlparse(self.path).path, body) if respond else self._send(405, b"no POST here", "text/plain")
