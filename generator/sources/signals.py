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
from typing import Callable

import requests

from ..config import SignalsConfig
from ..http import FetchError, TimeoutSession, get
from ..institutions import unique, written_in
from ..links import find_links
from .authorblock import MAX_INSTITUTIONS, Found, author_block_text, found_from_pairs, html_institutions

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
# the author block of a paper's arXiv HTML is read by ``authorblock``; OpenAlex and the fetching are here

def _id_of(inst: dict) -> str:
    for key in ("ror", "id"):
        v = inst.get(key)
        if isinstance(v, str) and v.startswith(("https://ror.org/", "https://openalex.org/")):
            return v
    return ""


def _agrees(matched: str, text: str) -> bool:
    """A matched institution agrees with a raw affiliation string when its name is written there."""
    def norm(s: str) -> str:
        return " " + " ".join(re.sub(r"[^\w]+", " ", re.sub(r"^the\s+", "", s, flags=re.I)).casefold().split()) + " "
    return bool(matched.strip()) and norm(matched) in norm(text)


def openalex_institutions(doc: object) -> Found:
    """Institutions of an OpenAlex work: read from the raw affiliation strings when there are any; a matched
    institution is used only when its name is written in the raw string (then its ROR/OpenAlex id is kept), or when
    the work has no raw strings at all."""
    pairs: list[tuple[str, str]] = []
    matched: list[tuple[str, str, str]] = []  # (author, name, id) of matched institutions without raw strings
    ids: dict[str, str] = {}
    for a in (doc.get("authorships") or []) if isinstance(doc, dict) else []:
        if not isinstance(a, dict):
            continue
        who = a.get("author") if isinstance(a.get("author"), dict) else {}
        author = who.get("display_name") if isinstance(who.get("display_name"), str) else ""
        raw = [r for r in a.get("raw_affiliation_strings") or [] if isinstance(r, str) and r.strip()]
        insts = [i for i in a.get("institutions") or [] if isinstance(i, dict) and isinstance(i.get("display_name"), str)]
        for text in raw:
            for part in re.split(r";\s*", text):
                if (author, part) not in pairs:
                    pairs.append((author, part))
        for inst in insts:
            name = " ".join(inst["display_name"].split())
            if not raw:
                matched.append((author, name, _id_of(inst)))
            elif any(_agrees(name, r) for r in raw):
                ids.setdefault(name.casefold(), _id_of(inst))
    found = found_from_pairs(pairs, "openalex")
    if matched:
        extra = [m for m in matched if m[1].casefold() not in {n.casefold() for n in found.names}]
        found.links += [(a, n) for a, n, _ in extra]
        for _, n, i in extra:
            if n.casefold() not in {x.casefold() for x in found.names} and len(found.names) < MAX_INSTITUTIONS:
                found.names.append(n)
                found.ids.append(i)
    found.ids = [i or ids.get(n.casefold(), "") for n, i in zip(found.names, found.ids)]
    return found


HTML_PREFIX_BYTES = 400_000  # the author block is at the top of a paper's HTML; never read the whole paper


def institutions(papers: list[tuple[str, int | None]], cfg: SignalsConfig, html_remote: Remote | None = None,
                 openalex_remote: Remote | None = None, extract: Callable[[str], list[str]] | None = None,
                 ) -> tuple[dict[str, Found], list[Remote]]:
    """{arXiv id: Found} for the papers a source knows: the arXiv HTML author block, else OpenAlex, else (with
    ``extract``, the LLM) the names read from the author block, each checked to be written there."""
    html_remote = html_remote or Remote("arXiv HTML (institutions)", cfg)
    openalex_remote = openalex_remote or Remote("OpenAlex (institutions)", cfg)
    out: dict[str, Found] = {}
    for pid, version in papers:
        block = ""
        resp = html_remote.get(f"{cfg.arxiv_html_url}{pid}v{version or 1}", max_bytes=HTML_PREFIX_BYTES)
        if resp is not None:
            page = resp.content.decode("utf-8", "replace")
            found = html_institutions(page)
            if found.names:
                out[pid] = found
                continue
            block = author_block_text(page)
        resp = openalex_remote.get(f"{cfg.openalex_url}works/doi:10.48550/arXiv.{pid}")
        if resp is not None:
            try:
                found = openalex_institutions(json.loads(resp.content))
            except ValueError:
                found = Found([], [], [], [], "openalex")
            if found.names:
                out[pid] = found
                continue
        if extract and block:
            names = unique([n for n in extract(block) if written_in(n, block)])[:MAX_INSTITUTIONS]
            if names:
                out[pid] = Found(names, [""] * len(names), [], [], "llm")
    return out, [html_remote, openalex_remote]
