"""The paper search index (generator/render/search_index.py): what a row holds and how text folds for matching.

The browser side (matching, typos, links, the query in the address) is tested in tests/test_browser.py, which also
checks that the page's JS folding agrees with ``fold`` here word for word.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.config import load_config
from generator.model import Entry, DailyIssue, Paper, Section, Selection
from generator.render.search_index import FIELDS, INDEX_DIR, build_index, fold

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("text,folded", [
    ("Müller", "muller"), ("Zhāng Wěi", "zhang wei"), ("José", "jose"), ("Ｍｕｌｌｅｒ", "muller"),
    ("２５０６.２２２２２", "2506.22222"), ("arXiv：2506.11111", "arxiv:2506.11111"), ("Straße", "strasse"),
    ("Łukasz Søren Ærø", "lukasz soren aero"), ("Đặng Nguyễn", "dang nguyen"), ("İstanbul", "istanbul"),
    ("ﬁnding", "finding"), ("Dvořák", "dvorak"), ("ＣＴ　扫描", "ct 扫描"),
    ("病理学与组织病理", "病理学与组织病理"),  # Chinese passes through unchanged
    ("", ""),
])
def test_fold_drops_case_accents_and_width(text, folded):
    assert fold(text) == folded


def test_fold_keeps_what_tells_words_apart():
    assert fold("Marek Kadlčík") == "marek kadlcik"
    assert fold("Kadlčík-Ślęzak, M.") == "kadlcik-slezak, m."  # punctuation stays: words still split where they did
    assert fold("10.1101/2025.06.01.25328999") == "10.1101/2025.06.01.25328999"  # ids are left as they are


def _entry(pid: str, authors: list[str], source: str = "arxiv") -> Entry:
    p = Paper(id=pid, version=2, title="A title", abstract="An abstract.", authors=authors, categories=["cs.CV"],
              source=source, doi=pid if source != "arxiv" else None)
    return Entry.from_paper(p, Selection(True, "imaging", 80, 6.0, "命中", "matched"))


@pytest.fixture
def index():
    cfg = load_config(ROOT / "config.yml", env={})
    big = [f"Author {n}" for n in range(29)] + ["Senior Last"]
    entries = [_entry("2506.00001", big), _entry("10.1101/2025.06.01.25328999", ["Ana Müller"], "medrxiv"),
               _entry("2506.00002", ["Smith; Jr"])]
    issue = DailyIssue(date="2025-06-10", number=1, sections=[Section("imaging", entries)])
    files = build_index(cfg, [issue])
    manifest = json.loads(files[f"{INDEX_DIR}/papers-index.json"])
    shard = json.loads(files[f"{INDEX_DIR}/papers-2025-h1.json"])
    return cfg, manifest, {row[0]: dict(zip(FIELDS, row)) for row in shard["papers"]}


def test_every_author_is_in_the_index(index):
    _, _, rows = index
    names = rows["2506.00001"]["authors"].split("; ")
    assert len(names) == 30 and names[-1] == "Senior Last"
    assert rows["2506.00002"]["authors"] == "Smith, Jr"  # the separator cannot occur inside a name


def test_preprints_carry_their_source_and_arxiv_rows_stay_short(index):
    _, _, rows = index
    assert rows["10.1101/2025.06.01.25328999"]["source"] == "medrxiv"
    assert rows["10.1101/2025.06.01.25328999"]["doi"] == "10.1101/2025.06.01.25328999"
    assert "source" not in rows["2506.00001"]  # arXiv is the default: the column is left off


def test_manifest_names_every_topic_in_both_languages(index):
    cfg, manifest, _ = index
    assert manifest["fields"] == FIELDS
    assert manifest["topics"] == {t.id: [t.name_zh, t.name_en] for t in cfg.topics}
    assert manifest["topics"]["imaging"] == ["医学影像", "Medical imaging"]


def test_journal_rows_carry_the_organisations_their_affiliations_name():
    from generator.model import Article, JournalEntry, JournalIssue

    cfg = load_config(ROOT / "config.yml", env={})

    def article(pmid, affiliations):
        a = Article(pmid, "Deep learning for CT", "European radiology", "Eur Radiol", ["Ann One", "Bo Two"], affiliations,
                    [{"label": "RESULTS", "category": "RESULTS", "text": "AUC 0.9."}])
        return JournalEntry.from_article(a, "imaging", 80, "命中", "matched")

    week = JournalIssue("2025-03-07", 1, start="2025-03-01", sections=[Section("imaging", [
        article("990000101", ["Department of Radiology, Example University Hospital, Sampletown, China.",
                              "Department of Surgery, Example University Hospital, Sampletown, China.",
                              "Institute of Imaging Examples, Demo City, Germany."]),
        article("990000102", [])])])
    shard = json.loads(build_index(cfg, [], [week])[f"{INDEX_DIR}/papers-2025-h1.json"])
    rows = {row[0]: dict(zip(FIELDS, row)) for row in shard["papers"]}
    assert rows["PMID:990000101"]["institutions"] == "Example University Hospital; Institute of Imaging Examples"
    assert rows["PMID:990000101"]["source"] == ""  # the page tells journal rows by their PMID id
    assert "institutions" not in rows["PMID:990000102"] and "source" not in rows["PMID:990000102"]


def test_the_index_is_sharded_by_half_year_newest_first():
    cfg = load_config(ROOT / "config.yml", env={})
    days = ["2024-12-30", "2025-01-02", "2025-06-30", "2025-07-01", "2025-12-31"]
    issues = [DailyIssue(date=d, number=n, sections=[Section("imaging", [_entry(f"25{n:02d}.0000{n}", ["A"])])])
              for n, d in enumerate(days, 1)]
    files = build_index(cfg, issues)
    manifest = json.loads(files[f"{INDEX_DIR}/papers-index.json"])
    assert [(s["file"], s["label"], s["count"]) for s in manifest["shards"]] == [
        ("papers-2025-h2.json", "2025.07–12", 2), ("papers-2025-h1.json", "2025.01–06", 2),
        ("papers-2024-h2.json", "2024.07–12", 1)]
    assert all(s["year"] == s["file"][7:11] for s in manifest["shards"])  # the page loads an id's year by this
    assert {r[1] for r in json.loads(files[f"{INDEX_DIR}/papers-2025-h2.json"])["papers"]} == {"2025-07-01", "2025-12-31"}
