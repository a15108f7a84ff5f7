"""Crash safety, all-or-nothing writes, one run at a time, secrets, property tests and scale runs."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import feedparser
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import cli
from generator.config import load_config
from generator.demo import copy_skeleton
from generator.model import Entry, DailyIssue, Paper, Section, Selection
from generator.pipeline import run_lock
from generator.render import feeds as feeds_mod
from generator.render import pages
from generator.render.text import clean
from generator.store import Store

from .conftest import corpus_day, setup_project, snapshot
from .fake_llm import FakeLLM
from generator.kinds.registry import DAILY

ROOT = Path(__file__).resolve().parents[1]
DAY = "2025-06-10"
SENTINEL = "sk-SENTINEL-resilience-42"


def cli_env(project, llm, **extra):
    env = dict(os.environ, **project.env, PYTHONPATH=str(ROOT), LLM_BASE_URL=llm.base_url, LLM_API_KEY=SENTINEL)
    env.update(extra)
    return env


def run_cmd(project, env, *args, check=True):
    proc = subprocess.run([sys.executable, "-m", "generator", "-c", str(project.config), *args], cwd=project.root,
                          env=env, capture_output=True, text=True, timeout=600)
    if check and proc.returncode:
        raise AssertionError(proc.stdout + proc.stderr)
    return proc


def test_sigkill_at_random_points_then_rerun_equals_an_uninterrupted_run(tmp_path, arxiv_server):
    papers = corpus_day(DAY)
    arxiv_server.set_day(DAY, papers)
    with FakeLLM(latency=0.05) as llm:
        clean_project = setup_project(tmp_path / "clean", arxiv_server)
        env = cli_env(clean_project, llm)
        run_cmd(clean_project, env, "run")
        run_cmd(clean_project, env, "render")
        reference = snapshot(clean_project.root)

        crashed = setup_project(tmp_path / "crashed", arxiv_server)
        env = cli_env(crashed, llm)
        rng = random.Random(20251123)
        kills = 0
        cache = crashed.root / ".cache/llm"
        for attempt in range(5):
            before = len(list(cache.rglob("*.json")))
            proc = subprocess.Popen([sys.executable, "-m", "generator", "-c", str(crashed.config), "run"],
                                    cwd=crashed.root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if attempt < 2:
                # the first kills come mid-enrichment, whatever this machine's speed: after a few more paid answers
                wanted, deadline = before + rng.randint(2, 8), time.monotonic() + 120
                while proc.poll() is None and time.monotonic() < deadline and len(list(cache.rglob("*.json"))) < wanted:
                    time.sleep(0.02)
            else:
                time.sleep(rng.uniform(0.3, 2.5))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait()
            for p in (crashed.root / "data").rglob("*"):
                if p.is_file() and p.suffix == ".yaml":
                    yaml.safe_load(p.read_text())  # every file on disk is whole at every moment
        assert kills >= 2
        run_cmd(crashed, env, "run")
        run_cmd(crashed, env, "render")
        assert snapshot(crashed.root) == reference


def test_a_failure_in_the_middle_of_writing_puts_everything_back(project, monkeypatch, capsys):
    project.server.set_day("2025-06-09", corpus_day("2025-06-09"))
    for k, v in project.env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("LLM_API_KEY", raising=False)
    assert cli.main(["-c", str(project.config), "run"]) == 0
    before = snapshot(project.root)

    project.server.set_day("2025-06-10", corpus_day("2025-06-10"))
    import generator.store as store_mod

    real = store_mod.atomic_write
    calls = {"n": 0}

    def flaky(path, data):
        calls["n"] += 1
        if calls["n"] == 25:  # the new record, drop log and status are written; pages are half done
            raise OSError("disk full (injected)")
        return real(path, data)

    monkeypatch.setattr(store_mod, "atomic_write", flaky)
    monkeypatch.setattr("generator.render.site.atomic_write", flaky)
    with pytest.raises(OSError):
        cli.main(["-c", str(project.config), "run"])
    assert calls["n"] >= 25
    assert snapshot(project.root) == before


def test_two_runs_never_interleave(project, capsys):
    cfg = load_config(project.config, env=project.env)
    with run_lock(cfg.paths.data):
        proc = subprocess.run([sys.executable, "-m", "generator", "-c", str(project.config), "run"], cwd=project.root,
                              env=dict(os.environ, **project.env, PYTHONPATH=str(ROOT)), capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("error: another run holds")
    assert not (project.root / "data/issues").exists()


def test_secrets_never_leave_the_process(project):
    project.server.set_day("2025-06-09", corpus_day("2025-06-09"))
    with FakeLLM() as llm:
        llm.script["*"] = ["429", "500", "malformed", "schema", "schema"]
        env = cli_env(project, llm, GITHUB_TOKEN=SENTINEL + "-gh", GITHUB_REPOSITORY="o/r",
                      GITHUB_API_URL="http://127.0.0.1:9")  # keep-alive fails: its error must not carry the token
        outputs = [run_cmd(project, env, "-v", "run"), run_cmd(project, env, "-v", "build"),
                   run_cmd(project, env, "-v", "keepalive", check=False)]
    assert outputs[2].returncode == 1
    for proc in outputs:
        assert SENTINEL not in proc.stdout + proc.stderr
    for p in project.root.rglob("*"):
        if p.is_file():
            assert SENTINEL.encode() not in p.read_bytes(), p


def test_bad_record_stops_every_writing_command_with_the_field_named(project):
    project.server.set_day("2025-06-09", corpus_day("2025-06-09"))
    env = dict(os.environ, **project.env, PYTHONPATH=str(ROOT))
    run_cmd(project, env, "run")
    path = project.root / "data/issues/2025/2025-06-09.yaml"
    rec = yaml.safe_load(path.read_text())
    pid = rec["sections"][0]["papers"][0]["id"]
    rec["sections"][0]["papers"][0]["relevance"] = "very"
    path.write_text(yaml.safe_dump(rec, allow_unicode=True, sort_keys=False))
    before = snapshot(project.root)
    for command in (["render"], ["build"], ["run"], ["mark-edits"]):
        proc = run_cmd(project, env, *command, check=False)
        assert proc.returncode == 1, command
        assert f"data/issues/2025/2025-06-09.yaml: paper {pid}: field relevance: expected a whole number 0-100" in proc.stderr
        assert proc.stderr.strip().splitlines()[-1].startswith("error: 1 problems in the records")
        assert snapshot(project.root) == before


# ------------------------------------------------------------------ properties

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300)
NO_MATH = TEXT.filter(lambda t: "$" not in t and "\\(" not in t and "\\[" not in t and clean(t) != "")


def _issue(title, abstract, authors, title_zh="", comment=None) -> DailyIssue:
    p = Paper(id="2506.00001", version=1, title=title, abstract=abstract, authors=authors, categories=["cs.CV"],
              comment=comment)
    e = Entry.from_paper(p, Selection(True, "imaging", 70, 5.0, "理由", "reason"))
    e.title_zh = title_zh
    return DailyIssue(date="2025-06-09", number=1, sections=[Section("imaging", [e])])


@pytest.fixture(scope="module")
def cfg():
    return load_config(ROOT / "config.yml", env={})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TEXT, abstract=TEXT, authors=st.lists(TEXT, max_size=4), title_zh=TEXT, comment=st.none() | TEXT)
def test_records_round_trip_any_unicode(tmp_path_factory, title, abstract, authors, title_zh, comment):
    store = Store(tmp_path_factory.mktemp("rt") / "data")
    issue = _issue(title, abstract, authors, title_zh, comment)
    store.series(DAILY).save(issue)
    assert store.series(DAILY).get("2025-06-09").to_dict() == issue.to_dict()


def _text_of(fragment: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


@settings(max_examples=80, deadline=None)
@given(title=NO_MATH, abstract=NO_MATH, authors=st.lists(NO_MATH, min_size=1, max_size=3))
def test_pages_show_any_text_literally(cfg, title, abstract, authors):
    page = pages.issue_page(_issue(title, abstract, authors), cfg)
    frag = page.fragments
    h3 = re.search(r'<h3 class="paper-title"[^>]*>(.*?)</h3>', frag, re.S).group(1)
    assert _text_of(h3) == clean(title)
    assert "<" not in h3.replace("&lt;", "")  # no element came from the text
    abs_p = re.search(r'<p class="abstract abstract-en" lang="en">(.*?)</p></details>', frag, re.S).group(1)
    assert _text_of(abs_p) == clean(abstract)
    assert re.findall(r"<(\w+)", frag) and set(re.findall(r"<(\w+)", frag)) <= {
        "div", "p", "a", "span", "h3", "strong", "details", "summary"}


@settings(max_examples=80, deadline=None)
@given(title=TEXT, title_zh=TEXT, abstract=TEXT)
def test_feeds_stay_valid_for_any_text(cfg, title, title_zh, abstract):
    files = {f.path: f.content for f in feeds_mod.build_feeds(cfg, [_issue(title, abstract, ["A"], title_zh)])}
    for name in ("en/papers.rss.xml", "zh/papers.atom.xml"):
        parsed = feedparser.parse(files[name])
        assert parsed.bozo == 0, (name, parsed.get("bozo_exception"))
        assert len(parsed.entries) == 1
    # the exact text, read by a strict XML parser (feedparser "repairs" text that looks double-encoded, e.g. Â¡ -> ¡)
    from lxml import etree

    atom = etree.fromstring(files["en/papers.atom.xml"])
    entry_title = atom.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title").text
    assert entry_title == (clean(title) or "arXiv:2506.00001")


# ------------------------------------------------------------------ scale


def test_a_2000_paper_day(project):
    base = corpus_day("2026-06-30") + corpus_day("2025-06-10") + corpus_day("2025-06-04") + corpus_day("2025-06-05")
    papers = []
    for i in range(2000):
        p = base[i % len(base)]
        cats = p.categories if "cs.CV" in p.categories else ["cs.CV", *p.categories]
        papers.append(replace(p, id=f"2607.{i:05d}", announce_type="new", categories=cats))
    project.server.set_day("2026-07-02", papers)
    env = dict(os.environ, **project.env, PYTHONPATH=str(ROOT))
    out = run_cmd(project, env, "run").stdout
    assert "2000 papers announced" in out
    rec = yaml.safe_load((project.root / "data/issues/2026/2026-07-02.yaml").read_text())
    kept = sum(len(s["papers"]) for s in rec["sections"])
    assert 0 < kept <= 200  # selection.max_papers
    run_cmd(project, env, "build")
    assert (project.root / "site/issues/2026/2026-07-02/index.html").stat().st_size > 100_000


def test_a_five_year_archive_builds(tmp_path):
    from .synthetic import synth_archive

    copy_skeleton(tmp_path)
    cfg = load_config(tmp_path / "config.yml", env={})
    days = synth_archive(Store.of(cfg), cfg, 1300, 3)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "generator", "-c", str(tmp_path / "config.yml"), "build"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-2000:]
    site = tmp_path / "site"
    assert (site / f"issues/{days[0][:4]}/{days[0]}/index.html").exists()
    assert (site / f"en/issues/{days[-1][:4]}/{days[-1]}/index.html").exists()
    shards = sorted((site / "assets/search").glob("papers-*.json"))
    assert len(shards) >= 6  # index + one per year
    archive = (site / "archive/index.html").read_text()
    assert archive.count('href="../issues/') == 1300
