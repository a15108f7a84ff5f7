"""Optional per-paper remotes: Hugging Face upvotes, institutions from arXiv HTML or OpenAlex, Chinese names."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from generator.pipeline import select_papers
from generator.standin import PapersStandIn

from .conftest import corpus_day
from .fake_llm import FakeLLM

ROOT = Path(__file__).resolve().parents[1]
DAY = "2025-06-09"

# an arXiv HTML author block in LaTeXML's markup (written for this test)
LATEXML = """<!DOCTYPE html><html><head><title>paper</title></head><body><div class="ltx_page_main">
<h1 class="ltx_title ltx_title_document">A paper</h1>
<div class="ltx_authors">
<span class="ltx_creator ltx_role_author"><span class="ltx_personname">Ana Example<sup class="ltx_sup">1</sup></span>
<span class="ltx_author_notes"><span class="ltx_contact ltx_role_affiliation"><sup class="ltx_sup">1</sup>Department of Radiology,
<br class="ltx_break">Stanford University, Stanford, CA, USA</span>
<span class="ltx_contact ltx_role_email"><a href="mailto:ana@example.org">ana@example.org</a></span></span></span>
<span class="ltx_creator ltx_role_author"><span class="ltx_personname">Bo Sample</span>
<span class="ltx_author_notes"><span class="ltx_contact ltx_role_affiliation">Example Institute of Imaging &amp; AI, Springfield</span>
<span class="ltx_contact ltx_role_affiliation">Equal contribution</span></span></span>
</div><div class="ltx_abstract"><p>Abstract.</p></div>""" + "<p>Body text.</p>" * 60000 + "</div></body></html>"

OPENALEX = {"id": "https://openalex.org/W1", "authorships": [
    {"author": {"display_name": "C"}, "institutions": [{"display_name": "Tsinghua University"}]},
    {"author": {"display_name": "D"}, "institutions": [{"display_name": "Tsinghua University"},
                                                       {"display_name": "<script>Evil</script> Hospital"}]}]}


@pytest.fixture
def remotes():
    with PapersStandIn() as server:
        yield server


def kept_ids(project):
    return [p.id for p, _ in select_papers(corpus_day(DAY), project.cfg(), {}).kept]


def signals_project(project, remotes):
    data = yaml.safe_load(project.config.read_text())
    data["signals"].update(hf=True, institutions=True, delay_seconds=0, timeout_seconds=2, retries=1, max_failures=3)
    project.config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    project.env.update(HF_API_URL=remotes.hf_api_url, ARXIV_HTML_URL=remotes.arxiv_html_url,
                       OPENALEX_URL=remotes.openalex_url)
    project.server.set_day(DAY, corpus_day(DAY))
    return project


def cli(project, *args, env=None):
    e = dict(os.environ, **project.env, PYTHONPATH=str(ROOT))
    e.pop("LLM_API_KEY", None)
    e.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "generator", "-c", str(project.config), *args], cwd=project.root,
                          env=e, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def papers(project) -> dict[str, dict]:
    rec = yaml.safe_load((project.root / f"data/issues/2025/{DAY}.yaml").read_text())
    return {p["id"]: p for s in rec["sections"] for p in s["papers"]}


def test_upvotes_institutions_and_chinese_names_reach_record_page_and_feed(project, remotes):
    signals_project(project, remotes)
    kept = kept_ids(project)
    a, b, c = kept[:3]
    remotes.hf[a] = {"id": a, "upvotes": 12, "githubRepo": "https://github.com/example-lab/fast-seg"}
    remotes.hf[b] = '{"upvotes": "lots"}'  # malformed: ignored
    remotes.html[a] = LATEXML
    remotes.openalex[c] = OPENALEX
    out = cli(project, "run")
    assert f"Hugging Face Papers: 2 answers, {len(kept) - 2} unknown" in out  # the selector's count, whatever it is
    assert "arXiv HTML (institutions): 1 answers" in out

    listed = papers(project)
    assert listed[a]["hf_upvotes"] == 12 and listed[a]["hf_repo"] == "https://github.com/example-lab/fast-seg"
    assert "https://github.com/example-lab/fast-seg" in listed[a]["code_links"]
    assert listed[b]["hf_upvotes"] is None
    assert listed[a]["institutions"] == ["Stanford University", "Example Institute of Imaging & AI"]
    assert listed[a]["institutions_zh"] == ["斯坦福大学", ""]  # institutions.yml; no LLM key for the other
    assert listed[c]["institutions"] == ["Tsinghua University", "<script>Evil</script> Hospital"]
    assert listed[c]["institutions_zh"][0] == "清华大学"

    fragments = (project.root / f"docs/issues/2025/{DAY}.entries.html").read_text()
    assert "Stanford University（斯坦福大学）; Example Institute of Imaging &amp; AI" in fragments
    assert f'href="https://huggingface.co/papers/{a}"' in fragments and "HF ▲12" in fragments
    assert "&lt;script&gt;Evil&lt;/script&gt; Hospital" in fragments and "<script>Evil" not in fragments
    assert "斯坦福大学" in (project.root / "feeds/zh/papers.rss.xml").read_text()

    # later, with an LLM key: the unknown name gets a Chinese name; known institutions are not refetched
    with FakeLLM() as llm:
        before = len(remotes.requests)
        cli(project, "run", env={"LLM_API_KEY": "k", "LLM_BASE_URL": llm.base_url})
    listed = papers(project)
    assert listed[a]["institutions_zh"] == ["斯坦福大学", "Example机构"]
    html_again = [r for r in remotes.requests[before:] if r.startswith(f"/html/{a}")]
    assert html_again == []


def test_remotes_down_cost_little_and_change_nothing_else(project, remotes):
    signals_project(project, remotes)
    baseline_project_env = dict(project.env)
    remotes.faults["/hf/"] = [503] * 1000
    for pid in kept_ids(project):
        remotes.html[pid] = LATEXML
    remotes.faults["/html/"] = [503] * 1000
    remotes.faults["/openalex/"] = ["hang"] * 1000
    t = time.monotonic()
    out = cli(project, "run")
    took = time.monotonic() - t
    assert "Hugging Face Papers: 0 answers" in out and "gave up after repeated failures" in out
    listed = papers(project)
    assert listed and all(p["hf_upvotes"] is None and p["institutions"] == [] for p in listed.values())
    per_remote = {prefix: sum(1 for r in remotes.requests if r.startswith(prefix)) for prefix in ("/hf/", "/html/", "/openalex/")}
    assert all(n <= 3 * 2 for n in per_remote.values()), per_remote  # max_failures x (1 + retries)
    assert took < 60, took
    assert project.env == baseline_project_env


def test_only_the_top_of_a_papers_html_is_read(project, remotes):
    """The author block is at the top: a body that breaks off later (or is huge) still gives the institutions."""
    signals_project(project, remotes)
    [a] = kept_ids(project)[:1]
    remotes.html[a] = LATEXML  # ~1.2 MB; the stand-in's "reset" sends half and hangs up
    remotes.faults["/html/"] = ["reset"]
    cli(project, "run")
    assert papers(project)[a]["institutions"][0] == "Stanford University"


def test_upvotes_break_relevance_ties_in_a_section(project):
    from generator.model import Entry, Paper, Selection
    from generator.issue import merge_issue
    from generator.kinds.registry import DAILY

    def entry(pid, rel, votes):
        e = Entry.from_paper(Paper(id=pid, version=1, title=pid, abstract="a", authors=[], categories=["cs.CV"]),
                             Selection(True, "imaging", rel, 5.0, "r", "r"))
        e.hf_upvotes = votes
        return e

    issue = merge_issue(DAILY, DAY, 1, [entry("2506.00001", 80, None), entry("2506.00002", 80, 9),
                                        entry("2506.00003", 90, 0)], None, project.cfg(), candidates=3)
    assert [e.id for e in issue.entries] == ["2506.00003", "2506.00002", "2506.00001"]
