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

import lxml.etree
import lxml.html
import requests

from ..config import SignalsConfig
from ..http import FetchError, TimeoutSession, get
from ..institutions import NOT_AFFILIATION, names_in, unique, written_in
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
#
# The arXiv HTML author block (LaTeXML) comes in several styles, all read here into (author, affiliation) pairs:
#   * ltx_contact nodes per author (role affiliation / address), with an "Affiliation:" label and <br/> breaks;
#   * affiliations inside ltx_personname, tied to authors by superscript marks (<sup> or MathML ^{1,2});
#   * a tabular block in ltx_personname: "Name <br/> Affiliation <br/> email" per author, authors joined by "&";
#   * IEEE \\thanks sentences in ltx_author_notes or a footnote: "A and B are with the School of X, Y University, ...".
# Emails, labels and footnote marks are dropped; equal-contribution marks never match an affiliation.  The names
# come from ``institutions.names_in``; a page whose block is missing or malformed gives nothing, never an error.

MAX_INSTITUTIONS = 12
MAX_PAIRS = 60
EMAIL = re.compile(r"\S+@\S+|\{[^{}]*\}@\S+")
MARK_ALT = re.compile(r"^\s*(?:\{\})?\^\s*\{?([^{}]*)\}?\s*$")
WITH = re.compile(
    r"(?P<who>(?:[A-Z][\w'’.-]*(?:\s+|\s*,\s*(?:and\s+)?|\s+and\s+))*?[A-Z][\w'’.-]*)\s+(?:is|are|was|were)\s+"
    r"(?:now\s+|also\s+|currently\s+)*(?:with|at|affiliated\s+with)\s+(?P<aff>.+?)"
    r"(?=\s*[(\[]\s*e-?mail|\s*e-?mail\s*:|(?<!\bUniv)(?<!\bDept)(?<!\bSt)(?<!\b[A-Z])\.(?:\s+[A-Z]|\s*$)|$)", re.S)
ALSO_WITH = re.compile(r";\s*(?:and\s+)?(?:also\s+)?with\s+|,?\s+and\s+(?:also\s+)?(?:is\s+|are\s+)?with\s+", re.I)


@dataclass
class Found:
    """What a source says about a paper's institutions: names in order of appearance, their ids where a register
    knows them (ROR, else OpenAlex; "" otherwise), and who is where."""

    names: list[str]
    ids: list[str]
    pairs: list[tuple[str, str]]  # (author, affiliation text as read); author "" when the text does not say
    links: list[tuple[str, str]]  # (author, institution name)
    source: str

    def author_institutions(self) -> list[tuple[str, str]]:
        return list(self.links)


def found_from_pairs(pairs: list[tuple[str, str]], source: str) -> Found:
    """Institution names of the affiliations, each once, with who is where."""
    names: list[str] = []
    links: list[tuple[str, str]] = []
    for author, affiliation in pairs:
        for name in names_in(affiliation):
            names.append(name)
            if (author, name) not in links:
                links.append((author, name))
    names = unique(names)[:MAX_INSTITUTIONS]
    return Found(names, [""] * len(names), pairs[:MAX_PAIRS], links[:MAX_PAIRS], source)


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def _has(el, cls: str) -> list:
    return el.xpath(f'.//*[contains(concat(" ", normalize-space(@class), " "), " {cls} ")]')


def _tokens(el, out: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """The author text as ("text" | "mark" | "br", value), in order: superscripts and MathML ^{..} are marks,
    footnote marks, LaTeX errors and emails are dropped, notes are left to ``_notes``."""
    out = [] if out is None else out
    if el.text:
        out.append(("text", el.text))
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        cls = _classes(child)
        if tag == "br":
            out.append(("br", ""))
        elif tag.endswith("math"):
            m = MARK_ALT.match(child.get("alttext") or "")
            out.append(("mark", m.group(1)) if m else ("text", child.get("alttext") or ""))
        elif "ltx_note" in cls or "ltx_ERROR" in cls or tag in ("script", "style"):
            pass
        elif tag == "sup":
            out.append(("mark", child.text_content()))
        else:
            _tokens(child, out)
        if child.tail:
            out.append(("text", child.tail))
    return out


def _lines(tokens: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    lines: list[list[tuple[str, str]]] = [[]]
    for kind, value in tokens:
        if kind == "br":
            lines.append([])
        elif kind == "text":
            value = EMAIL.sub(" ", value)
            if value.strip():
                lines[-1].append((kind, value))
        elif value.strip():
            lines[-1].append((kind, value.strip()))
    return [ln for ln in lines if ln]


def _names(text: str) -> list[str]:
    """Author names of a line: "Ana Example, Bo Sample and Cy Test" -> three names."""
    parts = re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s{2,}|\s*&\s*", " ".join(text.split(" ")))
    return [" ".join(p.split()) for p in parts if re.search(r"[^\W\d_]", p) and len(p.split()) <= 6]


def _marked(lines: list[list[tuple[str, str]]]) -> list[tuple[str, str]]:
    """Marks style: author lines ("Name¹'²") and definition lines ("¹Affiliation ²Affiliation")."""
    defined: dict[str, str] = {}
    authors: list[tuple[str, list[str]]] = []
    for line in lines:
        if line[0][0] == "mark":
            mark = ""
            for kind, value in line:
                if kind == "mark":
                    mark = value.strip(" ,")
                elif mark:
                    defined[mark] = " ".join((defined.get(mark, "") + value).split())
        else:
            for kind, value in line:
                if kind == "text":
                    authors += [(n, []) for n in _names(value)]
                elif authors:  # marks after a name are that name's; several in a row too
                    authors[-1][1].extend(m for m in re.split(r"[,\s]+", value) if m)
    pairs = [(name, defined[m]) for name, marks in authors for m in marks if m in defined]
    named = {m for _, marks in authors for m in marks}
    pairs += [("", text) for m, text in defined.items() if m not in named]
    return pairs


def _tabular(lines: list[list[tuple[str, str]]]) -> list[tuple[str, str]]:
    """Tabular style: per author "Name / affiliation lines", authors separated by "&" (LaTeX's column break)."""
    texts = [" ".join("".join(v for k, v in line if k == "text").split()) for line in lines]
    chunks: list[list[str]] = [[]]
    for text in texts:
        for i, piece in enumerate(re.split(r"(?:^|\s)&(?=\S)", text)):
            if i:
                chunks.append([])
            if piece.strip():
                chunks[-1].append(piece.strip())
    pairs = []
    for chunk in chunks:
        if len(chunk) >= 2:
            pairs += [(name, ", ".join(chunk[1:])) for name in _names(chunk[0])]
    return pairs


def _sentences(text: str, authors: list[str]) -> list[tuple[str, str]]:
    """IEEE \\thanks style: "A and B are with the School of X, Y University, City (e-mail: ...)."."""
    pairs = []
    for m in WITH.finditer(" ".join(text.split())):
        who = [n for n in _names(m.group("who")) if n.split()[0] not in ("He", "She", "They", "The", "All")] or [""]
        for aff in ALSO_WITH.split(m.group("aff")):
            aff = re.sub(r"^(?:the)\s+", "", aff.strip(" ,;"), flags=re.I)
            pairs += [(w, aff) for w in who if aff]
    return pairs


def _contact_text(el) -> str:
    """An ltx_contact's text: labels ("Affiliation:") and emails dropped, line breaks as commas."""
    for label in _has(el, "ltx_contact_name"):
        label.drop_tree()
    for br in el.iter("br"):
        br.tail = ", " + (br.tail or "")
    return " ".join(EMAIL.sub(" ", el.text_content()).split()).strip(" ,")


def _notes(creator) -> list[str]:
    """Texts of footnotes and author notes that may hold affiliations (\\thanks, IEEE style)."""
    out = []
    for note in _has(creator, "ltx_note_content") + _has(creator, "ltx_author_notes"):
        if _has(note, "ltx_contact"):
            continue
        for mark in _has(note, "ltx_note_mark") + _has(note, "ltx_note_type") + _has(note, "ltx_tag"):
            mark.drop_tree()
        text = " ".join(EMAIL.sub(" ", note.text_content()).split()).strip(" ,;.")
        if text:
            out.append(text)
    return out


def _creator_pairs(creator) -> list[tuple[str, str]]:
    person = (_has(creator, "ltx_personname") or [creator])[0]
    lines = _lines(_tokens(person))
    names = [n for line in lines[:1] for k, v in line if k == "text" for n in _names(v)]
    contacts = [c for c in _has(creator, "ltx_contact") if _classes(c) & {"ltx_role_affiliation", "ltx_role_address",
                                                                          "ltx_role_institutetext"}]
    pairs: list[tuple[str, str]] = []
    if contacts:
        texts = [_contact_text(c) for c in contacts]
        pairs += [(n, t) for t in texts if t for n in (names or [""])]
    elif any(line[0][0] == "mark" for line in lines[1:]):
        pairs += _marked(lines)
    elif len(lines) > 2 or len(lines) == 2 and re.search(r"@|(?:^|\s)&(?=\S)", person.text_content()):
        pairs += _tabular(lines)  # two bare lines are more likely two names than a name and its affiliation
    for text in _notes(creator):
        found = _sentences(text, names)
        if not found and not NOT_AFFILIATION.search(text) and len(text.split()) <= 30 and names:
            found = [(names[-1], text)]  # a \\thanks footnote that is just an affiliation line
        pairs += found
    return pairs


def author_affiliations(html: str) -> list[tuple[str, str]]:
    """(author, affiliation text) pairs of a LaTeXML page's author block; [] when there is none or it is unreadable."""
    if "ltx_authors" not in html:
        return []
    try:
        doc = lxml.html.document_fromstring(html)
        block = _has(doc, "ltx_authors")
    except (ValueError, lxml.etree.LxmlError):
        return []
    if not block:
        return []
    creators = _has(block[0], "ltx_creator") or [block[0]]
    pairs: list[tuple[str, str]] = []
    for creator in creators:
        for author, aff in _creator_pairs(creator):
            aff = " ".join(aff.split()).strip(" ,;")
            if aff and (author, aff) not in pairs:
                pairs.append((author, aff))
    return pairs


def html_institutions(html: str) -> Found:
    return found_from_pairs(author_affiliations(html), "arxiv-html")


def author_block_text(html: str) -> str:
    """The plain text of a page's author block (for the LLM path), emails left out; "" when there is none."""
    if "ltx_authors" not in html:
        return ""
    try:
        block = _has(lxml.html.document_fromstring(html), "ltx_authors")
    except (ValueError, lxml.etree.LxmlError):
        return ""
    if not block:
        return ""
    for br in block[0].iter("br"):
        br.tail = "\n" + (br.tail or "")
    return EMAIL.sub(" ", block[0].text_content()).strip()


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
