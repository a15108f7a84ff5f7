"""PubMed through NCBI E-utilities: one week of AI articles from a list of journals.

    client = EUtils(cfg.journal, api_key)
    window = fetch_window(client, cfg.journal, date(2025, 3, 2), date(2025, 3, 8))
    window.query, window.count, window.articles   # -> list[model.Article]

``esearch`` applies the selection (journals x AI terms x entry-date window,
publication types such as editorials left out); ``efetch`` returns the
records as XML, which ``parse_articles`` turns into ``Article`` objects:
title, journal (full and ISO), authors (people and collective names),
affiliations, DOI, PMID, PMCID, dates and the abstract with its section labels.

Politeness and robustness: requests are spaced to NCBI's limits (3 per second
without an API key, 10 with one), carry ``tool`` and ``email``, and are
retried on 429/5xx, timeouts and bodies that are not complete XML.  The base
URL comes from ``journal.eutils_url`` (env ``NCBI_EUTILS_URL``); the utility
name is appended (``esearch.fcgi``, ``efetch.fcgi``).  The key is never logged.

Inline markup in titles and abstracts (``<i>``, ``<sup>``, ``<sub>``, MathML)
is flattened to plain text here; pages escape it again when they render it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Callable
from xml.etree import ElementTree as ET

from ..config import JournalConfig
from ..http import FetchError, TimeoutSession, get
from ..model import Article

log = logging.getLogger(__name__)

MML = "{http://www.w3.org/1998/Math/MathML}"
MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
SUPERSCRIPT = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
SUBSCRIPT = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
FETCH_BATCH = 200  # ids per efetch request (NCBI suggests POST beyond ~200)


# --------------------------------------------------------------------------- text


def _script(text: str, table: dict, mark: str) -> str:
    """A superscript/subscript: Unicode script characters when every character has one (r², ¹²⁹Xe), else ^x / _(x y)."""
    t = text.strip()
    if not t:
        return ""
    mapped = t.translate(table)
    if all(ord(ch) in table.values() for ch in mapped):
        return mapped
    return f"{mark}{t}" if " " not in t else f"{mark}({t})"


def _math(el: ET.Element) -> str:
    """MathML as readable text: prescripts become superscripts (³He), msup/msub scripts, the rest in order."""
    tag = el.tag.replace(MML, "")
    kids = list(el)
    if tag in ("mi", "mn", "mo", "mtext", "ms"):
        return el.text or ""
    if tag == "mmultiscripts" and kids:
        base = _math(kids[0])
        names = [k.tag.replace(MML, "") for k in kids]
        if "mprescripts" in names:
            i = names.index("mprescripts")
            pre = kids[i + 1 :]
            sub = _math(pre[0]) if pre and pre[0].tag != f"{MML}none" else ""
            sup = _math(pre[1]) if len(pre) > 1 and pre[1].tag != f"{MML}none" else ""
            return _script(sup, SUPERSCRIPT, "^") + _script(sub, SUBSCRIPT, "_") + base
        return "".join(_math(k) for k in kids)
    if tag in ("msup", "msub") and len(kids) == 2:
        table, mark = (SUPERSCRIPT, "^") if tag == "msup" else (SUBSCRIPT, "_")
        return _math(kids[0]) + _script(_math(kids[1]), table, mark)
    if tag == "mfrac" and len(kids) == 2:
        return f"{_math(kids[0])}/{_math(kids[1])}"
    if tag == "none":
        return ""
    return "".join(_math(k) for k in kids)


def _inline(el: ET.Element) -> str:
    out = [el.text or ""]
    for child in el:
        if child.tag == f"{MML}math":
            out.append(_math(child))
        elif child.tag == "sup":
            out.append(_script(_inline(child), SUPERSCRIPT, "^"))
        elif child.tag == "sub":
            out.append(_script(_inline(child), SUBSCRIPT, "_"))
        else:
            out.append(_inline(child))
        out.append(child.tail or "")
    return "".join(out)


def text_of(el: ET.Element | None) -> str:
    """An element's text with inline markup flattened and whitespace collapsed."""
    return " ".join(_inline(el).split()) if el is not None else ""


# --------------------------------------------------------------------------- parsing


def _date(el: ET.Element | None) -> str:
    """YYYY-MM-DD / YYYY-MM / YYYY from a PubDate or ArticleDate element ('' if none)."""
    if el is None:
        return ""
    year = (el.findtext("Year") or "").strip()
    if not year:  # <MedlineDate>2017 Jun-Jul</MedlineDate>
        m = re.match(r"(\d{4})(?:\s+([A-Za-z]{3}))?", el.findtext("MedlineDate") or "")
        if not m:
            return ""
        month = MONTHS.get((m.group(2) or "").lower())
        return f"{m.group(1)}-{month:02d}" if month else m.group(1)
    month_raw = (el.findtext("Month") or "").strip()
    month = int(month_raw) if month_raw.isdigit() else MONTHS.get(month_raw[:3].lower())
    day = (el.findtext("Day") or "").strip()
    if not month:
        return year
    if day.isdigit():
        return f"{year}-{month:02d}-{int(day):02d}"
    return f"{year}-{month:02d}"


def _author(el: ET.Element) -> str:
    collective = text_of(el.find("CollectiveName"))
    if collective:
        return collective
    last, fore = text_of(el.find("LastName")), text_of(el.find("ForeName")) or text_of(el.find("Initials"))
    return f"{fore} {last}".strip()


def parse_article(el: ET.Element) -> Article | None:
    """One ``<PubmedArticle>``; None when it has no PMID or no title (nothing to publish)."""
    cit = el.find("MedlineCitation")
    art = cit.find("Article") if cit is not None else None
    if cit is None or art is None:
        return None
    pmid = (cit.findtext("PMID") or "").strip()  # the first PMID: the article's own (references carry others)
    title = text_of(art.find("ArticleTitle")) or text_of(art.find("VernacularTitle"))
    if not pmid or not title:
        return None
    journal = art.find("Journal")
    jtitle = text_of(journal.find("Title")) if journal is not None else ""
    iso = text_of(journal.find("ISOAbbreviation")) if journal is not None else ""
    iso = iso or (cit.findtext("MedlineJournalInfo/MedlineTA") or "").strip()

    authors, affiliations = [], []
    for a in art.findall("AuthorList/Author"):
        if a.get("ValidYN", "Y") != "Y":
            continue
        name = _author(a)
        if name:
            authors.append(name)
        for aff in a.findall("AffiliationInfo/Affiliation"):
            text = text_of(aff)
            if text and text not in affiliations:
                affiliations.append(text)

    abstract = []
    for part in art.findall("Abstract/AbstractText"):
        text = text_of(part)
        if text:
            abstract.append({"label": (part.get("Label") or "").strip(), "category": (part.get("NlmCategory") or "").strip(),
                             "text": text})

    doi = None
    for loc in art.findall("ELocationID"):
        if loc.get("EIdType") == "doi" and loc.get("ValidYN", "Y") == "Y" and (loc.text or "").strip():
            doi = loc.text.strip()
            break
    pmcid = None
    for aid in el.findall("PubmedData/ArticleIdList/ArticleId"):  # direct children only, not the reference list
        kind, value = aid.get("IdType"), (aid.text or "").strip()
        if kind == "doi" and not doi and value:
            doi = value
        elif kind == "pmc" and value:
            pmcid = value

    issue_el = journal.find("JournalIssue") if journal is not None else None
    pub = _date(issue_el.find("PubDate") if issue_el is not None else None)
    epub = ""
    for d in art.findall("ArticleDate"):
        if d.get("DateType", "Electronic") == "Electronic":
            epub = _date(d)
    volume = (issue_el.findtext("Volume") or "").strip() if issue_el is not None else ""
    number = (issue_el.findtext("Issue") or "").strip() if issue_el is not None else ""
    pages = (art.findtext("Pagination/MedlinePgn") or "").strip()
    citation = pub[:4]
    if volume:
        citation += f";{volume}" + (f"({number})" if number else "")
    if pages:
        citation += f":{pages}"
    types = [text_of(t) for t in art.findall("PublicationTypeList/PublicationType") if text_of(t)]
    return Article(
        pmid=pmid, title=title, journal=jtitle or iso, journal_iso=iso or jtitle, authors=authors,
        affiliations=affiliations, abstract=abstract, doi=doi, pmcid=pmcid, published=epub or pub,
        citation=citation if citation != pub[:4] else "", publication_types=types,
    )


def _root(xml: bytes, utility: str, tag: str) -> ET.Element:
    """The answer's root element; ValueError (retried by the client) when it is not XML or not the expected document."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as e:
        raise ValueError(f"{utility} answer is not XML ({e})") from None
    if root.tag != tag:
        article = "an" if tag[0] in "aeiou" else "a"
        raise ValueError(f"{utility} answer is a <{root.tag}>, not {article} <{tag}>")
    return root


def parse_articles(xml: bytes) -> list[Article]:
    """Every article of an efetch response (``<PubmedArticleSet>``); raises ValueError when it is not one."""
    root = _root(xml, "efetch", "PubmedArticleSet")
    out = []
    for el in root.findall("PubmedArticle"):
        a = parse_article(el)
        if a is not None:
            out.append(a)
    return out


@dataclass
class SearchResult:
    count: int
    ids: list[str]


def parse_search(xml: bytes) -> SearchResult:
    root = _root(xml, "esearch", "eSearchResult")
    error = root.findtext("ERROR")
    if error and root.find("IdList") is None:
        raise ValueError(f"esearch error: {error.strip()}")
    ids = [(i.text or "").strip() for i in root.findall("IdList/Id") if (i.text or "").strip()]
    return SearchResult(int(root.findtext("Count") or len(ids)), ids)


# --------------------------------------------------------------------------- the client


def build_query(cfg: JournalConfig) -> str:
    """journals x AI terms, minus the excluded publication types (the date window goes in separate parameters)."""
    journals = " OR ".join(f'"{j}"[ta]' for j in cfg.journals)
    q = f"({journals}) AND ({cfg.query})"
    if cfg.exclude_types:
        q += " NOT (" + " OR ".join(f'"{t}"[pt]' for t in cfg.exclude_types) + ")"
    return q


class EUtils:
    """A polite E-utilities client: spaced requests, retries, and XML that must parse."""

    def __init__(self, cfg: JournalConfig, api_key: str | None = None, sleep: Callable[[float], None] = time.sleep):
        self.cfg = cfg
        if api_key and cfg.key_eutils_url and cfg.eutils_url != cfg.key_eutils_url:
            # config.yml alone named this server: the key stays home (the digest still works, at 3 requests/s)
            log.warning("journal.eutils_url comes from the config file alone: NCBI_API_KEY is not sent there (set "
                        "NCBI_EUTILS_URL in the environment to use the key with it)")
            api_key = None
        self.api_key = api_key
        self.sleep = sleep
        self.interval = 1 / 10 if api_key else 1 / 3  # NCBI: 10 requests/s with a key, 3 without
        self.session = TimeoutSession(cfg.timeout_seconds)
        self._last = 0.0
        self._lock = threading.Lock()
        self.requests = 0

    def _pace(self) -> None:
        with self._lock:
            wait = self._last + self.interval - time.monotonic()
            if wait > 0:
                self.sleep(wait)
            self._last = time.monotonic()

    def _get(self, utility: str, params: dict, parse: Callable[[bytes], object]):
        params = dict(params, tool=self.cfg.tool, **({"email": self.cfg.email} if self.cfg.email else {}))
        if self.api_key:
            params["api_key"] = self.api_key
        url = f"{self.cfg.eutils_url}{utility}"
        problem = ""
        for attempt in range(self.cfg.retries + 1):  # also when a 200 body is cut short or not what was asked
            self._pace()
            self.requests += 1
            resp = get(url, session=self.session, timeout=self.cfg.timeout_seconds, retries=self.cfg.retries,
                       params=params, sleep=self.sleep)
            try:
                return parse(resp.content)
            except ValueError as e:
                problem = str(e)
                log.info("%s: %s; retry %d/%d", utility, problem, attempt + 1, self.cfg.retries)
                self.sleep(min(30.0, 2.0**attempt))
        raise FetchError(f"{url}: {problem} (after {self.cfg.retries} retries)")

    def esearch(self, term: str, start: date, end: date, retmax: int) -> SearchResult:
        return self._get("esearch.fcgi", {
            "db": "pubmed", "term": term, "datetype": self.cfg.date_type, "mindate": start.strftime("%Y/%m/%d"),
            "maxdate": end.strftime("%Y/%m/%d"), "retmax": str(retmax), "sort": "pub_date",
        }, parse_search)  # type: ignore[return-value]

    def efetch(self, pmids: list[str]) -> list[Article]:
        out: list[Article] = []
        for i in range(0, len(pmids), FETCH_BATCH):
            batch = pmids[i : i + FETCH_BATCH]
            out += self._get("efetch.fcgi", {"db": "pubmed", "id": ",".join(batch), "retmode": "xml"}, parse_articles)  # type: ignore[operator]
        return out


@dataclass
class Window:
    start: date
    end: date
    query: str
    count: int  # what PubMed found (may exceed max_articles)
    articles: list[Article]
    missing: list[str]  # ids esearch listed that efetch did not return


def fetch_window(client: EUtils, cfg: JournalConfig, start: date, end: date) -> Window:
    query = build_query(cfg)
    found = client.esearch(query, start, end, cfg.max_articles)
    articles = client.efetch(found.ids) if found.ids else []
    by_id = {a.pmid: a for a in articles}
    ordered = [by_id[i] for i in found.ids if i in by_id]  # esearch's order, duplicates dropped
    missing = [i for i in found.ids if i not in by_id]
    if missing:
        log.warning("efetch returned no record for %d PMIDs: %s", len(missing), ", ".join(missing[:10]))
    return Window(start, end, query, found.count, ordered, missing)
