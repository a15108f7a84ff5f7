"""The author block of a paper's arXiv HTML (LaTeXML): who is where, and which institutions that names."""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.etree
import lxml.html

from ..institutions import NOT_AFFILIATION, names_in, unique

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
