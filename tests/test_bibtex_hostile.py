"""BibTeX stays one entry per paper: hostile titles, authors, journals and DOIs read back by the real BibTeX
(Debian's ``texlive-binaries``) and by bibtexparser — no brace in a value can close its field and start an entry.

BibTeX counts every brace, backslash or not, so ``\\}`` closes a field for BibTeX while bibtexparser skips it: the
exports emit no brace after a backslash and only balanced braces.  RIS: no value can start a new tag line.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import bibtexparser
import pytest
import rispy

from generator.config import load_config
from generator.model import Article, Entry, DailyIssue, JournalEntry, JournalIssue, Section, Paper, Section, Selection
from generator.render.exports import build_exports
from generator.render.text import clean

from .conftest import debian_tool

ROOT = Path(__file__).resolve().parents[1]
DAY, WEEK = "2025-06-09", "2025-03-07"

HOSTILE = [
    'x} @misc(evil, title = "x", url = "javascript:alert(1)")',
    'x}, url = {javascript:alert(1)}, note = {',
    "x\\} @misc{evil2, title = {pwned}}",
    "}}}} closes early",
    "{{{{ never closes",
    "}{ inverted {}}{{} pairs",
    "\\{ escaped \\} pair and a lone \\}",
    "a\\{b} mixed escape",
    "ends in a backslash \\",
    "double \\\\} backslash then brace",
    '"quoted" value and a lone " quote',
    "100% & #1 results, 100\\% kept",
    "Math $\\mathcal{L}_{2}$ loss with {Braces}",
    "line one\n@article{pwn3, title={x}}\nline three",
    "tab\tand\rcarriage\u2028separator\u0085next",
    "Ñandú 医学影像 @ {CLEF} @comment{",
    "@preamble{ \"\\\\input{/etc/passwd}\" }",
    "x} }, @string{s = {y}} {",
]

BST = r"""
ENTRY { title author journal doi primaryclass eprint url note year pmid volume number pages archiveprefix } {} {}
FUNCTION {misc} {}
FUNCTION {article} {}
FUNCTION {default.type} {}
FUNCTION {out}
{ duplicate$ empty$ { pop$ "" } 'skip$ if$ }
READ
FUNCTION {dump}
{ "@@ENTRY:" cite$ * write$ newline$
  "@@FIELD:title: " title out * write$ newline$
  "@@FIELD:author: " author out * write$ newline$
  "@@FIELD:journal: " journal out * write$ newline$
  "@@FIELD:doi: " doi out * write$ newline$
  "@@FIELD:primaryclass: " primaryclass out * write$ newline$
  "@@FIELD:eprint: " eprint out * write$ newline$
  "@@FIELD:url: " url out * write$ newline$
  "@@FIELD:note: " note out * write$ newline$
  "@@FIELD:pmid: " pmid out * write$ newline$
}
ITERATE {dump}
"""


def bibtex() -> str:
    return debian_tool("bibtex", "texlive-binaries")


def read_with_bibtex(exe: str, bib: str, tmp: Path) -> list[tuple[str, dict[str, str]]]:
    """Every entry BibTeX itself finds in ``bib``: (key, {field: value as BibTeX stored it})."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "refs.bib").write_text(bib, encoding="utf-8")
    (tmp / "dump.bst").write_text(BST)
    (tmp / "t.aux").write_text("\\relax\n\\citation{*}\n\\bibdata{refs}\n\\bibstyle{dump}\n")
    proc = subprocess.run([exe, "t"], cwd=tmp, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "BIBINPUTS": str(tmp), "BSTINPUTS": str(tmp)})
    assert proc.returncode == 0, f"bibtex complained:\n{proc.stdout}\n{bib}"
    entries: list[tuple[str, dict[str, str]]] = []
    # BibTeX wraps long output lines at spaces: join them back, then split at the markers
    for chunk in (tmp / "t.bbl").read_text(encoding="utf-8").split("@@ENTRY:")[1:]:
        key, _, rest = chunk.partition("\n")
        fields = {}
        for part in rest.split("@@FIELD:")[1:]:
            name, _, value = part.partition(":")
            fields[name] = " ".join(value.split())
        entries.append((key.strip(), fields))
    return entries


def plain(value: str) -> str:
    """What a value means as text: our brace and backslash spellings and LaTeX's escapes undone, whitespace folded."""
    value = value.replace("\\textbraceleft{}", "{").replace("\\textbraceright{}", "}").replace("\\textbackslash{}", "\\")
    return " ".join(re.sub(r"\\([%&#{}])", r"\1", value).split())


def unwrap_title(value: str) -> str:
    return value[1:-1] if value.startswith("{") and value.endswith("}") else value


def hostile_issue() -> tuple[DailyIssue, JournalIssue]:
    entries, articles = [], []
    for i, text in enumerate(HOSTILE):
        p = Paper(id=f"2506.{i:05d}", version=1, title=text, abstract="A.", authors=["Ana Example", text],
                  categories=["cs.CV"], primary_category=text, journal_ref=text, doi=f"10.1000/{text}")
        entries.append(Entry.from_paper(p, Selection(True, "imaging", 80, 5.0, "r", "r")))
        a = Article(f"{40000000 + i}", text, text, text, ["Bo Example", text], [], [], doi=f"10.1000/{text}",
                    published="2025-03-03", citation=f"2025;{text}")
        articles.append(JournalEntry.from_article(a, "imaging", 50, "r", "r"))
    return (DailyIssue(DAY, 3, [Section("imaging", entries)]),
            JournalIssue(WEEK, 2, start="2025-03-01", sections=[Section("imaging", articles)]))


@pytest.fixture(scope="module")
def exports():
    cfg = load_config(ROOT / "config.yml", env={})
    issue, journal = hostile_issue()
    return issue, journal, build_exports(cfg, [issue], [journal])


def test_bibtex_reads_exactly_one_entry_per_paper_with_every_field_intact(exports, tmp_path):
    exe = bibtex()
    issue, journal, files = exports
    found = read_with_bibtex(exe, files[f"exports/issues/2025/{DAY}.bib"].decode(), tmp_path / "day")
    assert [key for key, _ in found] == [f"arxiv:{e.id}" for e in issue.entries]
    for (key, fields), e, text in zip(found, issue.entries, HOSTILE):
        assert plain(unwrap_title(fields["title"])) == plain(clean(text)), key
        assert plain(fields["author"]) == plain(f"Ana Example and {clean(text)}"), key
        assert plain(fields["journal"]) == plain(clean(text)) and plain(fields["primaryclass"]) == plain(clean(text))
        assert plain(fields["doi"]) == plain(clean(f"10.1000/{text}")), key
        assert fields["eprint"] == e.id and fields["url"] == f"https://arxiv.org/abs/{e.id}v1", key
        assert fields["note"].endswith(f"issue 3 ({DAY})"), key
    found = read_with_bibtex(exe, files[f"exports/journal/2025/{WEEK}.bib"].decode(), tmp_path / "journal")
    assert [key for key, _ in found] == [f"pmid:{e.pmid}" for e in journal.entries]
    for (key, fields), text in zip(found, HOSTILE):
        assert plain(unwrap_title(fields["title"])) == plain(clean(text)), key
        assert plain(fields["journal"]) == plain(clean(text)) and fields["pmid"] == key.partition(":")[2], key
    for i, e in enumerate(issue.entries[:4]):  # the per-paper files are the same entries, one each
        [(key, _)] = read_with_bibtex(exe, files[f"exports/arxiv/{e.id}.bib"].decode(), tmp_path / f"one{i}")
        assert key == f"arxiv:{e.id}"


def test_bibtexparser_agrees(exports):
    issue, journal, files = exports
    lib = bibtexparser.parse_string(files[f"exports/issues/2025/{DAY}.bib"].decode())
    assert not lib.failed_blocks and [b.key for b in lib.entries] == [f"arxiv:{e.id}" for e in issue.entries]
    for entry, e, text in zip(lib.entries, issue.entries, HOSTILE):
        assert plain(unwrap_title(entry["title"])) == plain(clean(text)), e.id
        assert entry["url"] == f"https://arxiv.org/abs/{e.id}v1" and entry["eprint"] == e.id
    lib = bibtexparser.parse_string(files[f"exports/journal/2025/{WEEK}.bib"].decode())
    assert not lib.failed_blocks and [b.key for b in lib.entries] == [f"pmid:{e.pmid}" for e in journal.entries]


def test_no_value_starts_a_ris_tag(exports):
    issue, journal, files = exports
    for rel, n in ((f"exports/issues/2025/{DAY}.ris", len(issue.entries)),
                   (f"exports/journal/2025/{WEEK}.ris", len(journal.entries))):
        text = files[rel].decode()
        lines = text.split("\r\n")[:-1]
        assert all(re.match(r"^[A-Z][A-Z0-9]  - ", line) for line in lines), rel
        assert sum(line == "ER  - " for line in lines) == n
        assert not re.search(r"[\n\r\u2028\u2029\u0085\x0b\x0c]", text.replace("\r\n", "")), rel  # no other break
        records = rispy.loads(text)
        assert len(records) == n and [r["title"] for r in records] == [clean(t) for t in HOSTILE], rel
