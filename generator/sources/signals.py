"""Per-paper extras from other remotes: Hugging Face Papers (upvotes, linked repository) and institutions.

These are nice to have, never needed: every remote is asked through ``Remote``, which paces requests, retries once,
treats 404 as "nothing known" and, after ``signals.max_failures`` consecutive failures, stops asking that remote for
the rest of the run.  So a remote that is down costs at most a few timeouts and the issue is published without the
extra; a remote that answers nonsense is ignored paper by paper.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Callable

import requests

from ..config import SignalsConfig
from ..http import FetchError, TimeoutSession, get
from ..links import find_links

log = logging.getLogger(__name__)


class Remote:
    """One remote's polite client with a breaker.  ``stats``: requests, answers, missing (404), failures."""

    def __init__(self, name: str, cfg: SignalsConfig, sleep: Callable[[float], None] = time.sleep):
        self.name, self.cfg, self.sleep = name, cfg, sleep
        self.session = TimeoutSession(cfg.timeout_seconds)
        self._last = 0.0
        self._failures = 0
        self.down = False
        self.stats = {"requests": 0, "answers": 0, "missing": 0, "failures": 0}

    def get(self, url: str, max_bytes: int | None = None) -> requests.Response | None:
        """The 200 response, or None (unknown, failed, or this remote given up).  ``max_bytes``: read no more."""
        if self.down:
            return None
        wait = self._last + self.cfg.delay_seconds - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self._last = time.monotonic()
        self.stats["requests"] += 1
        try:
            if max_bytes:
                resp = self._prefix(url, max_bytes)
            else:
                resp = get(url, session=self.session, timeout=self.cfg.timeout_seconds, retries=self.cfg.retries,
                           backoff=0.5, max_wait=5.0, sleep=self.sleep)
        except FetchError as e:
            if e.status in (404, 410):
                self.stats["missing"] += 1
                self._failures = 0
                return None
            self.stats["failures"] += 1
            self._failures += 1
            if self._failures >= self.cfg.max_failures:
                self.down = True
                log.warning("%s: %d failures in a row (%s); not asked again in this run", self.name, self._failures, e)
            return None
        self._failures = 0
        self.stats["answers"] += 1
        return resp

    def _prefix(self, url: str, max_bytes: int) -> requests.Response:
        """GET, keeping only the first ``max_bytes`` of the body (retried like ``http.get``)."""
        last, status = "", None
        for attempt in range(self.cfg.retries + 1):
            try:
                resp = self.session.get(url, stream=True, timeout=self.cfg.timeout_seconds)
                status = resp.status_code
                if resp.status_code == 200:
                    chunks, size, start = [], 0, time.monotonic()
                    try:
                        for chunk in resp.iter_content(65536):
                            chunks.append(chunk)
                            size += len(chunk)
                            if size >= max_bytes or time.monotonic() - start > self.cfg.timeout_seconds:
                                break
                    finally:
                        resp.close()
                    resp._content = b"".join(chunks)[:max_bytes]
                    return resp
                resp.close()
                last = f"HTTP {resp.status_code}"
                if resp.status_code not in (429, 500, 502, 503, 504):
                    break
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as e:
                last, status = type(e).__name__, None
            if attempt < self.cfg.retries:
                self.sleep(0.5 * 2**attempt)
        raise FetchError(f"{url}: {last}", status)

    def line(self) -> str:
        s = self.stats
        out = f"{self.name}: {s['answers']} answers, {s['missing']} unknown, {s['failures']} failed of {s['requests']} requests"
        return out + ("; gave up after repeated failures" if self.down else "")


@dataclass
class HFSignal:
    upvotes: int
    repo: str  # a GitHub URL rebuilt by links.find_links, or ""


def hf_signals(ids: list[str], cfg: SignalsConfig, remote: Remote | None = None) -> tuple[dict[str, HFSignal], Remote]:
    """Upvotes and linked repository of the papers Hugging Face Papers knows (``GET <hf_api_url>papers/<id>``)."""
    remote = remote or Remote("Hugging Face Papers", cfg)
    out: dict[str, HFSignal] = {}
    for pid in ids:
        resp = remote.get(f"{cfg.hf_api_url}papers/{pid}")
        if resp is None:
            continue
        try:
            data = json.loads(resp.content)
            votes = data.get("upvotes")
            if isinstance(votes, bool) or not isinstance(votes, int) or votes < 0:
                raise ValueError(f"upvotes {votes!r}")
        except (ValueError, AttributeError) as e:
            log.info("Hugging Face Papers answer for %s ignored: %s", pid, e)
            continue
        repo = data.get("githubRepo") if isinstance(data.get("githubRepo"), str) else ""
        links = [u for u in find_links(repo) if u.startswith("https://github.com/")]
        out[pid] = HFSignal(votes, links[0] if links else "")
    return out, remote


# --------------------------------------------------------------------------- institutions

ORG_WORDS = re.compile(
    r"\b(universit\w*|univ\.|institut\w*|hospital|college|academy|laborator\w*|lab|cent(?:er|re)|clinic\w*|"
    r"school|faculty|department|dept\.?|inc\.?|ltd\.?|corporation|corp\.?|gmbh|foundation|research|ministry|"
    r"polytechnic|politecnico|ecole|école|charité|nhs|council|agency|company|technologies|ai)\b|大学|医院|研究院|研究所|实验室|学院",
    re.I)
SUB_UNIT = re.compile(r"^(department|dept\.?|faculty|division|school of|unit|section|graduate school|lab of|key lab)\b", re.I)
TOP_LEVEL = re.compile(r"\b(universit\w*|hospital|institute|academy|college|inc\.?|ltd\.?|corporation|gmbh|"
                       r"foundation|laboratory|polytechnic|politecnico)\b|大学|医院|研究院", re.I)
STRONG = re.compile(r"\b(universit\w*|hospital|academy|polytechnic|politecnico|inc\.?|ltd\.?|corporation|gmbh)\b|大学|医院", re.I)
NOT_ORG = re.compile(r"@|equal contribution|corresponding author|these authors|work done|^\W*\d*\W*$|https?://", re.I)
MAX_INSTITUTIONS = 8


def institution_of(affiliation: str) -> str:
    """The institution in an affiliation line: "Dept. of Radiology, Stanford University, CA, USA" -> "Stanford University"."""
    parts = [p.strip(" .;:·*†‡§¶0123456789") for p in re.split(r"[,;\n]|\s{2,}", affiliation)]
    parts = [p for p in parts if len(p) >= 3 and ORG_WORDS.search(p)]
    if not parts:
        return ""
    top = [p for p in parts if TOP_LEVEL.search(p) and not SUB_UNIT.match(p)]
    strong = [p for p in top if STRONG.search(p)]  # a university or hospital over an institute inside it
    return (strong or top or [p for p in parts if not SUB_UNIT.match(p)] or parts)[0][:120]


def institutions_from(affiliations: list[str]) -> list[str]:
    out: list[str] = []
    for a in affiliations:
        a = " ".join(a.split())
        if not a or NOT_ORG.search(a):
            continue
        name = institution_of(a)
        if name and name.lower() not in {x.lower() for x in out}:
            out.append(name)
    return out[:MAX_INSTITUTIONS]


class _AuthorBlock(HTMLParser):
    """Texts of LaTeXML affiliation nodes (``ltx_role_affiliation``) inside the ``ltx_authors`` block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_authors = 0
        self.in_affil = 0
        self.buffer: list[str] = []
        self.found: list[str] = []
        self.done = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self.in_authors:
            self.in_authors += 1
        elif "ltx_authors" in classes:
            self.in_authors = 1
        if self.in_affil:
            self.in_affil += 1
        elif self.in_authors and "ltx_role_affiliation" in classes:
            self.in_affil, self.buffer = 1, []
        if self.in_affil and tag == "br":
            self.buffer.append(", ")
            self.in_affil -= 1  # a void element has no end tag

    def handle_endtag(self, tag):
        if self.in_affil:
            self.in_affil -= 1
            if not self.in_affil:
                self.found.append("".join(self.buffer))
        if self.in_authors:
            self.in_authors -= 1
            if not self.in_authors:
                self.done = True

    def handle_data(self, data):
        if self.in_affil:
            self.buffer.append(data)


def affiliations_in_html(html: str) -> list[str]:
    parser = _AuthorBlock()
    parser.feed(html)
    return [re.sub(r"\s*,(\s*,)+", ",", " ".join(t.split())) for t in parser.found]


def affiliations_in_openalex(doc: object) -> list[str]:
    out: list[str] = []
    if not isinstance(doc, dict):
        return out
    for a in doc.get("authorships") or []:
        for inst in (a.get("institutions") or []) if isinstance(a, dict) else []:
            name = inst.get("display_name") if isinstance(inst, dict) else None
            if isinstance(name, str) and name.strip() and name.strip() not in out:
                out.append(name.strip())
    return out


HTML_PREFIX_BYTES = 400_000  # the author block is at the top of a paper's HTML; never read the whole paper


def institutions(papers: list[tuple[str, int | None]], cfg: SignalsConfig, html_remote: Remote | None = None,
                 openalex_remote: Remote | None = None) -> tuple[dict[str, tuple[list[str], str]], list[Remote]]:
    """{arXiv id: (institutions, "arxiv-html" | "openalex")} for the papers either remote knows."""
    html_remote = html_remote or Remote("arXiv HTML (institutions)", cfg)
    openalex_remote = openalex_remote or Remote("OpenAlex (institutions)", cfg)
    out: dict[str, tuple[list[str], str]] = {}
    for pid, version in papers:
        found: list[str] = []
        resp = html_remote.get(f"{cfg.arxiv_html_url}{pid}v{version or 1}", max_bytes=HTML_PREFIX_BYTES)
        if resp is not None:
            found = institutions_from(affiliations_in_html(resp.content.decode("utf-8", "replace")))
            if found:
                out[pid] = (found, "arxiv-html")
                continue
        resp = openalex_remote.get(f"{cfg.openalex_url}works/doi:10.48550/arXiv.{pid}")
        if resp is not None:
            try:
                names = affiliations_in_openalex(json.loads(resp.content))
            except ValueError:
                names = []
            found = institutions_from(names)
            if found:
                out[pid] = (found, "openalex")
    return out, [html_remote, openalex_remote]
