"""Institutions from real author blocks: every LaTeXML style, names without a keyword list, OpenAlex checked, the LLM
path validated, and a replayed day that shows them on the page, in the feed and in the JSON export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.institutions import Extractor, names_in
from generator.model import DailyIssue
from generator.render.exports import issue_document
from generator.sources.authorblock import html_institutions
from generator.sources.signals import openalex_institutions
from generator.standin import PapersStandIn

from .conftest import require_shared
from .test_signals import DAY, cli, kept_ids, papers, signals_project

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "latexml"
EXPECTED = yaml.safe_load((FIXTURES / "expected.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_every_author_block_style_gives_institutions_and_who_is_where(page):
    found = html_institutions((FIXTURES / page).read_text(encoding="utf-8"))
    assert found.names == EXPECTED[page]["institutions"]
    assert sorted(map(list, found.author_institutions())) == sorted(EXPECTED[page]["pairs"])
    assert not any("@" in a or "Affiliation" in a for _, a in found.pairs)


@pytest.mark.parametrize("page", [
    "", "<html><body><p>no author block</p></body></html>", "\x00\xff<<<>>>" * 50,
    '<div class="ltx_authors"><span class="ltx_creator"><span class="ltx_personname">Ana<sup>1',  # cut short
    '<div class="ltx_authors"><span class="ltx_personname">Ana Example<br/>Bo Sample</span></div>',  # names only
])
def test_a_missing_or_malformed_author_block_gives_nothing(page):
    assert html_institutions(page).names == []


@pytest.mark.parametrize("affiliation, names", [
    ("Department of Radiology", []),
    ("Department of Radiology, Baltimore, MD", []),
    ("Dept. of Radiology, Example State University, Springfield, IL 62701, USA", ["Example State University"]),
    ("Institute of Optics, Eastvale Academy of Sciences, Eastvale, Nordland", ["Institute of Optics"]),
    ("Division of Cardiology, Quillon Health Care System, 3 Elm Street, Lindenfeld", ["Quillon Health Care System"]),
    ("Mirelle Analytics, New Harbor NY, USA", ["Mirelle Analytics"]),
    ("Trellis Bank", ["Trellis Bank"]),
    ("Graduate School of Business, Carrow University", ["Carrow University"]),
    ("Department of Medicine, Carrow University School of Medicine, Carrow, CR 12345", ["Carrow University School of Medicine"]),
    ("Carrow University, Pike Capital Management, and FRB", ["Carrow University", "Pike Capital Management", "FRB"]),
    ("Sleep Research, Education, and Clinical Center, Ferrow", ["Sleep Research, Education, and Clinical Center"]),
    ("Gait Study Center (GSC) and Balance Research Center (BRC), Department of Health, Ferrow",
     ["Gait Study Center", "Balance Research Center"]),
    ("Tumour Biology (Ana Example), Junior Research Groups, Lindqvist Institute for Genetics",
     ["Lindqvist Institute for Genetics"]),
    ("Equal contribution", []),
])
def test_the_most_specific_named_organisation_of_an_affiliation(affiliation, names):
    assert names_in(affiliation) == names


def test_openalex_raw_strings_first_and_a_match_only_when_written_there():
    work = {"authorships": [
        {"author": {"display_name": "Ana Example"},
         "raw_affiliation_strings": ["Department of Surgery, Northgate University Hospital, Lindenfeld, Freeland"],
         "institutions": [{"display_name": "Northgate University Hospital", "id": "https://openalex.org/I1",
                           "ror": "https://ror.org/0abc12345"}]},
        {"author": {"display_name": "Bo Sample"},
         "raw_affiliation_strings": ["Pike Capital Management, New Harbor NY, USA"],
         "institutions": [{"display_name": "Capital College", "id": "https://openalex.org/I2"}]},
        {"author": {"display_name": "Cy Test"}, "raw_affiliation_strings": [],
         "institutions": [{"display_name": "Westbrook University", "id": "https://openalex.org/I3"}]},
    ]}
    found = openalex_institutions(work)
    assert found.names == ["Northgate University Hospital", "Pike Capital Management", "Westbrook University"]
    assert found.ids == ["https://ror.org/0abc12345", "", "https://openalex.org/I3"]
    assert ("Bo Sample", "Pike Capital Management") in found.author_institutions()
    assert "Capital College" not in found.names
    assert openalex_institutions({"authorships": "nonsense"}).names == [] and openalex_institutions([]).names == []


class StubEnricher:
    def __init__(self, answer):
        self.answer, self.calls = answer, 0

    def complete_json(self, system, user):
        self.calls += 1
        return self.answer


def test_llm_names_must_be_written_in_the_author_block_and_are_cached(project):
    cfg = project.cfg()
    block = "Ana Example (Kestrel Labs) and Bo Sample (Pemberton University, Freeland)"
    stub = StubEnricher({"institutions": ["Kestrel Labs", "Pemberton University", "Harvard University", 7]})
    ex = Extractor(cfg, stub)
    assert ex.names(block) == ["Kestrel Labs", "Pemberton University"] and ex.rejected == 2
    again = Extractor(cfg, stub)  # a later run: from the cache
    assert again.names(block) == ["Kestrel Labs", "Pemberton University"] and stub.calls == 1
    assert Extractor(cfg, StubEnricher(None)).names("Another block, Ferrow Medical Center") == []


# ------------------------------------------------------------------------------------------- the real captures

def test_bench_on_the_real_captures_meets_the_bar():
    shared = require_shared()
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "institutions.py"), "--shared", str(shared)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for source in ("arXiv HTML", "OpenAlex"):
        line = next(ln for ln in proc.stdout.splitlines() if ln.startswith(f"{source}: "))
        precision = float(line.split("precision ")[1].split(",")[0])
        recall = float(line.split("recall ")[1])
        assert precision >= 0.95 and recall >= 0.90, line


def real_page(name: str) -> str:
    return (require_shared() / "corpus/raw/signals/arxiv-html" / name).read_text(encoding="utf-8")


def test_a_replayed_day_with_real_pages_shows_institutions_and_a_broken_page_costs_only_that_field(project):
    vaswani = real_page("1706.03762_arXiv-html_feedback_test.html")
    betley = real_page("2501.11120_timf34-arxiv2md_source.html")
    with PapersStandIn() as remotes:
        signals_project(project, remotes)
        a, b, c = kept_ids(project)[:3]
        remotes.html[a] = vaswani
        remotes.html[b] = betley
        start = betley.index('<div class="ltx_authors">')
        remotes.html[c] = betley[:start + 300]  # the page breaks off inside the author block
        cli(project, "run")
    listed = papers(project)
    assert listed[a]["institutions"] == ["Google Brain", "Google Research", "University of Toronto"]
    assert ["Aidan N. Gomez", "University of Toronto"] in listed[a]["author_institutions"]
    assert listed[b]["institutions"] == ["Truthful AI", "University of Toronto", "UK AISI",
                                         "Warsaw University of Technology", "UC Berkeley"]
    assert listed[c]["institutions"] == [] and listed[c]["title"]  # nothing but that field missing
    assert len(listed) == len(kept_ids(project))

    page = (project.root / f"docs/issues/2025/{DAY}.entries.html").read_text(encoding="utf-8")
    assert ("<strong>机构</strong> Google Brain; Google Research（谷歌研究院）; "
            "University of Toronto（多伦多大学）") in page  # Chinese names from institutions.yml
    assert "Warsaw University of Technology" in page
    en = (project.root / f"docs/issues/2025/{DAY}.en.entries.html").read_text(encoding="utf-8")
    assert "<strong>Institutions</strong> Google Brain; Google Research; University of Toronto" in en
    feed = (project.root / "feeds/en/papers.rss.xml").read_text(encoding="utf-8")
    assert "Truthful AI" in feed and "Google Research" in feed
    issue = DailyIssue.from_dict(yaml.safe_load((project.root / f"data/issues/2025/{DAY}.yaml").read_text()))
    doc = json.loads(json.dumps(issue_document(issue, project.cfg())))
    exported = {p["id"]: p for s in doc["sections"] for p in s["papers"]}
    assert exported[b]["institutions"][0] == "Truthful AI" and exported[c]["institutions"] == []
