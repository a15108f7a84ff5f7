"""medRxiv and bioRxiv preprints in the daily issue, served by a loopback stand-in of api.biorxiv.org."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
import yaml

from generator.corpus import load_listing
from generator.kinds.preprints import window
from generator.standin import BiorxivStandIn

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "generator" / "sample"


@pytest.fixture
def biorxiv():
    with BiorxivStandIn(page_size=2) as srv:
        records = json.loads((SAMPLE / "preprints-2025-03-05.json").read_text())["collection"]
        for server in ("medrxiv", "biorxiv"):
            srv.add_records(server, [r for r in records if r["server"].lower() == server])
        yield srv


def _enable(project, biorxiv) -> dict:
    raw = yaml.safe_load(project.config.read_text())
    raw["preprints"].update(enabled=True, page_delay_seconds=0, retries=1, timeout_seconds=5)
    project.config.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
    return dict(os.environ, **project.env, PYTHONPATH=str(ROOT), BIORXIV_API_URL=biorxiv.api_url)


def _cli(project, env, *args):
    env = {k: v for k, v in env.items() if k != "LLM_API_KEY"}
    proc = subprocess.run([sys.executable, "-m", "generator", "-c", str(project.config), *args], cwd=project.root,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _run_days(project, env, *days):
    out = ""
    for day in days:
        project.server.set_day(day, load_listing(SAMPLE / f"{day}.jsonl"))
        out = _cli(project, env, "run")
    return out


def _papers(project, day):
    rec = yaml.safe_load((project.root / f"data/issues/{day[:4]}/{day}.yaml").read_text())
    return {p["id"]: p for s in rec["sections"] for p in s["papers"]}


def test_the_window_runs_from_the_previous_issue_to_the_day_before():
    from datetime import date

    assert window("2025-03-05", "2025-03-04", 3) == (date(2025, 3, 4), date(2025, 3, 4))
    assert window("2025-03-10", "2025-03-07", 5) == (date(2025, 3, 7), date(2025, 3, 9))  # a weekend in between
    assert window("2025-03-10", None, 3) == (date(2025, 3, 7), date(2025, 3, 9))
    assert window("2025-03-10", "2025-01-01", 2) == (date(2025, 3, 8), date(2025, 3, 9))
    assert window("2025-03-05", "2025-03-05", 3) is None


def test_medical_preprints_join_the_issue_once_in_their_topics_and_a_rerun_changes_nothing(project, biorxiv):
    env = _enable(project, biorxiv)
    out = _run_days(project, env, "2025-03-04", "2025-03-05")
    assert "preprints 2025-03-04 to 2025-03-04" in out
    papers = _papers(project, "2025-03-05")
    pre = {pid: p for pid, p in papers.items() if p.get("source") in ("medrxiv", "biorxiv")}
    # posted on 2025-03-04: the discharge-summary LLM and the nodule CT paper (medRxiv); a plant paper is not medical
    assert set(pre) == {"10.64898/2599.03.04.99000001", "10.64898/2599.02.20.99000002"}
    assert pre["10.64898/2599.03.04.99000001"]["topic"] == "clinical_llm"
    assert pre["10.64898/2599.02.20.99000002"]["topic"] == "imaging"
    assert all(p["source"] == "medrxiv" and p["institutions"] for p in pre.values())
    assert all("source" not in p for pid, p in papers.items() if pid not in pre)  # arXiv records as always
    before = project.snapshot("data", "docs", "feeds")
    _cli(project, env, "run")  # the same day again
    assert project.snapshot("data", "docs", "feeds") == before
    _cli(project, env, "validate")
    _cli(project, env, "build")
    page = (project.root / "site/issues/2025/2025-03-05/index.html").read_text()
    assert 'id="medrxiv-10.64898-2599.03.04.99000001"' in page
    assert "https://www.medrxiv.org/content/10.64898/2599.03.04.99000001v1" in page
    feed = feedparser.parse((project.root / "site/feeds/en/papers.rss.xml").read_bytes())
    assert feed.bozo == 0 and any("discharge summaries" in e.title for e in feed.entries)
    index = "".join(p.read_text() for p in (project.root / "site/assets/search").glob("*.json"))
    assert "2599.03.04.99000001" in index
    # exports: one citation entry with the DOI; the JSON document says where the paper comes from
    import bibtexparser
    import jsonschema

    bib = (project.root / "site/exports/doi/10.64898_2599.03.04.99000001.bib").read_text()
    lib = bibtexparser.parse_string(bib)
    assert len(lib.entries) == 1 and lib.entries[0]["doi"] == "10.64898/2599.03.04.99000001"
    assert "medRxiv preprint" in lib.entries[0]["howpublished"]
    doc = json.loads((project.root / "site/exports/issues/2025/2025-03-05.json").read_text())
    schema = json.loads((project.root / "site/exports/schema/issue-v1.json").read_text())
    jsonschema.validate(doc, schema)
    sources = {p["id"]: p["source"] for s in doc["sections"] for p in s["papers"]}
    assert sources["10.64898/2599.03.04.99000001"] == "medrxiv" and "arxiv" in sources.values()


def test_the_api_down_costs_only_the_preprints(project, biorxiv):
    env = _enable(project, biorxiv)
    biorxiv.faults["/details/"] = [503] * 100
    out = _run_days(project, env, "2025-03-04", "2025-03-05")
    assert "medRxiv/bioRxiv could not be read" in out and "issue without preprints" in out
    papers = _papers(project, "2025-03-05")
    assert papers and not any(p.get("source") for p in papers.values())


def test_a_preprint_of_a_paper_already_on_arxiv_is_listed_once(project, biorxiv):
    env = _enable(project, biorxiv)
    listing = load_listing(SAMPLE / "2025-03-05.jsonl")
    twin = next(r for r in biorxiv.records["medrxiv"] if r["doi"].endswith("99000001"))
    twin["title"] = listing[0].title.upper() + "."  # the same work, posted on medRxiv too
    out = _run_days(project, env, "2025-03-04", "2025-03-05")
    assert "1 also on arXiv (listed once)" in out
    assert "10.64898/2599.03.04.99000001" not in _papers(project, "2025-03-05")
