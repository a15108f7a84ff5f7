"""BibTeX, RIS and JSON exports: parsed by the libraries reference managers and tools use."""

from __future__ import annotations

import json

import bibtexparser
import jsonschema
import rispy

from generator.config import load_config
from generator.model import Article, Entry, DailyIssue, JournalEntry, JournalIssue, Section, Paper, Section, Selection
from generator.pipeline import run_day
from generator.render.exports import build_exports
from generator.store import Store

from .conftest import corpus_day
from generator.kinds.registry import DAILY

DAY = "2025-06-09"


def _issue_from_corpus(project):
    project.server.set_day(DAY, corpus_day(DAY))
    cfg = project.cfg()
    store = Store.of(cfg)
    run_day(cfg, None, store)
    return cfg, store


def _parse_bib(text: str):
    lib = bibtexparser.parse_string(text)
    assert not lib.failed_blocks, [b.error for b in lib.failed_blocks]
    return lib.entries


def test_a_replayed_day_exports_parse_and_match_the_record(project):
    cfg, store = _issue_from_corpus(project)
    issue = store.series(DAILY).get(DAY)
    files = build_exports(cfg, [issue], [])
    entries = _parse_bib(files[f"exports/issues/2025/{DAY}.bib"].decode())
    assert len(entries) == len(issue.entries)
    by_key = {e.key: e for e in entries}
    for e in issue.entries:
        bib = by_key[f"arxiv:{e.id}"]
        assert bib["eprint"] == e.id and bib["archiveprefix"] == "arXiv" and bib["year"] == "2025"
        assert bib["author"].split(" and ") == e.authors
        single = _parse_bib(files[f"exports/arxiv/{e.id}.bib"].decode())
        assert [s.key for s in single] == [f"arxiv:{e.id}"]
    ris = rispy.loads(files[f"exports/issues/2025/{DAY}.ris"].decode())
    assert len(ris) == len(issue.entries)
    first = issue.entries[0]
    assert ris[0]["type_of_reference"] == "UNPB" and ris[0]["authors"] == first.authors
    assert ris[0]["title"] == " ".join(first.title.split()) and ris[0]["urls"] == [f"https://arxiv.org/abs/{first.id}v{first.version}"]

    doc = json.loads(files[f"exports/issues/2025/{DAY}.json"])
    schema = json.loads(files["exports/schema/issue-v1.json"])
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert doc["number"] == issue.number and sum(len(s["papers"]) for s in doc["sections"]) == len(issue.entries)
    index = json.loads(files["exports/index.json"])
    assert index["issues"][0]["json"] == f"https://digest.example.org/exports/issues/2025/{DAY}.json"
    assert build_exports(cfg, [issue], []) == files  # deterministic


def test_hostile_and_latex_titles_stay_parseable():
    cfg = load_config(__import__("pathlib").Path(__file__).resolve().parents[1] / "config.yml", env={})
    titles = ["Unbalanced } brace { and 100% & #1 results", "Math $\\mathcal{L}_{2}$ loss with {Braces}",
              "Tricky \\} escape and @misc{x, injected = {y}}", "Quotes \" and ' and <script>"]
    papers = []
    for i, title in enumerate(titles):
        p = Paper(id=f"2506.0000{i}", version=1, title=title, abstract="A.\nB", authors=["Ana {Evil} Ñ", "B%C"],
                  categories=["cs.CV"])
        papers.append(Entry.from_paper(p, Selection(True, "imaging", 80, 5.0, "r", "r")))
    issue = DailyIssue(DAY, 3, [Section("imaging", papers)])
    files = build_exports(cfg, [issue], [])
    entries = _parse_bib(files[f"exports/issues/2025/{DAY}.bib"].decode())
    assert [e.key for e in entries] == [f"arxiv:{p.id}" for p in papers]
    assert "100\\% \\& \\#1" in entries[0]["title"]
    assert "$\\mathcal{L}_{2}$" in entries[1]["title"]  # balanced LaTeX kept as LaTeX
    ris = rispy.loads(files[f"exports/issues/2025/{DAY}.ris"].decode())
    assert [r["title"] for r in ris] == [" ".join(t.split()) for t in titles]


def test_journal_exports():
    cfg = load_config(__import__("pathlib").Path(__file__).resolve().parents[1] / "config.yml", env={})
    a = Article("27797938", "Leucocyte telomere length and risk of pancreatic cancer.", "Gut", "Gut",
                ["Ying Bao", "Brian M Wolpin"], [], [{"label": "RESULTS", "category": "RESULTS", "text": "OR 1.72."}],
                doi="10.1136/gutjnl-2016-312510", published="2016-10-21", citation="2017;66(6):1116-1122")
    e = JournalEntry.from_article(a, "diagnosis", 50, "r", "r")
    e.conclusion_zh = "结论。"
    issue = JournalIssue("2025-03-07", 2, start="2025-03-01", sections=[Section("diagnosis", [e])])
    files = build_exports(cfg, [], [issue])
    [bib] = _parse_bib(files["exports/pmid/27797938.bib"].decode())
    assert bib.entry_type == "article" and bib["journal"] == "Gut" and bib["volume"] == "66" and bib["number"] == "6"
    assert bib["pages"] == "1116--1122" and bib["doi"] == "10.1136/gutjnl-2016-312510" and bib["year"] == "2016"
    [ris] = rispy.loads(files["exports/journal/2025/2025-03-07.ris"].decode())
    assert ris["type_of_reference"] == "JOUR" and ris["start_page"] == "1116" and ris["end_page"] == "1122"
    assert ris["doi"] == "10.1136/gutjnl-2016-312510"
    doc = json.loads(files["exports/journal/2025/2025-03-07.json"])
    jsonschema.Draft202012Validator(json.loads(files["exports/schema/issue-v1.json"])).validate(doc)
    assert doc["sections"][0]["articles"][0]["summary_zh"]["conclusion"] == "结论。"


def test_build_writes_exports_into_the_site_and_pages_link_them(project):
    import subprocess
    import sys

    project.server.set_day(DAY, corpus_day(DAY))
    env = dict(__import__("os").environ, **project.env)
    env.pop("LLM_API_KEY", None)
    for cmd in (["run"], ["build"]):
        subprocess.run([sys.executable, "-m", "generator", "-c", str(project.config), *cmd], cwd=project.root, env=env,
                       check=True, capture_output=True)
    site = project.root / "site"
    assert (site / f"exports/issues/2025/{DAY}.json").exists()
    page = (site / f"issues/2025/{DAY}/index.html").read_text()
    assert f'href="../../../exports/issues/2025/{DAY}.bib"' in page  # relative: the site works at any address
    issue = Store(project.root / "data").series(DAILY).get(DAY)
    pid = issue.entries[0].id
    assert f'href="../../../exports/arxiv/{pid}.ris"' in page and (site / f"exports/arxiv/{pid}.ris").exists()
    # an editor deletes a paper: the next (incremental) build drops its files and lists it no more
    import yaml

    path = project.root / f"data/issues/2025/{DAY}.yaml"
    rec = yaml.safe_load(path.read_text())
    del rec["sections"][0]["papers"][0]
    path.write_text(yaml.safe_dump(rec, allow_unicode=True, sort_keys=False))
    subprocess.run([sys.executable, "-m", "generator", "-c", str(project.config), "build", "--incremental"],
                   cwd=project.root, env=env, check=True, capture_output=True)
    assert not (site / f"exports/arxiv/{pid}.ris").exists() and not (site / f"exports/arxiv/{pid}.bib").exists()
    assert pid not in (site / f"exports/issues/2025/{DAY}.bib").read_text()
    assert (site / f"exports/arxiv/{issue.entries[1].id}.bib").exists()
    # a stray file is swept when there is no manifest to go by
    stray = site / "exports/arxiv/9999.99999.bib"
    stray.write_text("old")
    (site / "exports/.manifest.json").unlink()
    subprocess.run([sys.executable, "-m", "generator", "-c", str(project.config), "build", "--incremental"],
                   cwd=project.root, env=env, check=True, capture_output=True)
    assert not stray.exists() and (site / f"exports/arxiv/{issue.entries[1].id}.bib").exists()
