"""End to end: a real corpus day served in arXiv's formats on loopback -> CLI run -> CLI build."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
import yaml

from .conftest import LISTINGS, corpus_day, require_shared

ROOT = Path(__file__).resolve().parents[1]


def cli(project, *args, check=True):
    env = dict(os.environ, **project.env, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "generator", "-c", str(project.config), *args],
                          cwd=project.root, env=env, capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def real_day():
    require_shared()
    return "2025-06-09"


def test_real_day_run_build_and_rerun_is_byte_identical(project, real_day):
    papers = corpus_day(real_day)
    project.server.set_day(real_day, papers)

    out = cli(project, "run").stdout
    assert f"arXiv {real_day}: " in out and "kept " in out and "第 1 期" in out

    record = yaml.safe_load((project.root / f"data/issues/2025/{real_day}.yaml").read_text())
    assert record["number"] == 1 and record["date"] == real_day
    kept = [p for s in record["sections"] for p in s["papers"]]
    assert 10 <= len(kept) <= 60, len(kept)
    ids = {p["id"] for p in kept}
    # comments came from the (loopback) API for the kept papers only
    with_comment = [p for p in kept if p["comment"]]
    assert with_comment, "API metadata was not applied"
    api_ids = {i for r in project.server.requests if "id_list=" in r
               for i in r.split("id_list=")[1].split("&")[0].replace("%2C", ",").split(",")}
    assert api_ids == ids
    for p in kept:
        assert set(p) >= {"title_zh", "summary_zh", "abstract_zh", "institutions", "editor_note"}
        assert p["topic"] in {"diagnosis", "imaging", "monitoring", "clinical_llm", "biomed"}
        assert 0 < p["relevance"] <= 100 and p["reason_zh"] and p["reason_en"]
    dropped = yaml.safe_load((project.root / f"data/dropped/2025/{real_day}.yaml").read_text())["dropped"]
    assert dropped and all(d["reason_en"] for d in dropped)

    build = cli(project, "build").stdout
    assert "site built" in build
    site = project.root / "site"
    zh_page = (site / f"issues/2025/{real_day}/index.html").read_text()
    en_page = (site / f"en/issues/2025/{real_day}/index.html").read_text()
    for pid in ids:
        assert f'id="arxiv-{pid}"' in zh_page and f'id="arxiv-{pid}"' in en_page
    assert (site / "index.html").exists() and (site / "en/index.html").exists()
    assert (site / "archive/index.html").exists() and (site / "en/topics/imaging/index.html").exists()
    for rel in ("topics", "topics/imaging", "highlights", "journal", "stats", "search", "subscribe", "archive"):
        zh_html, en_html = (site / rel / "index.html").read_text(), (site / "en" / rel / "index.html").read_text()
        assert '<html lang="zh"' in zh_html and '<html lang="en"' in en_html, rel  # every page in both interfaces
        assert (project.root / "docs" / f"{rel}.md").exists() or (project.root / "docs" / rel / "index.md").exists(), rel
    assert "第 1 期" in (site / "index.html").read_text()
    # site.url from config.yml reaches MkDocs; the edit button opens the record, not the generated page
    assert f'rel="canonical" href="https://digest.example.org/issues/2025/{real_day}/"' in zh_page
    assert f'href="https://github.com/example/medical-ai-daily/edit/main/data/issues/2025/{real_day}.yaml"' in zh_page

    for lang in ("zh", "en"):
        for name in ("papers", "issues", "topic-imaging"):
            for fmt in ("rss", "atom"):
                path = site / f"feeds/{lang}/{name}.{fmt}.xml"
                parsed = feedparser.parse(path.read_bytes())
                assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
        feed = feedparser.parse((site / f"feeds/{lang}/papers.atom.xml").read_bytes())
        assert {e.id.rsplit(":", 1)[1] for e in feed.entries} == ids
        assert all(e.link.endswith(f"#arxiv-{e.id.rsplit(':', 1)[1]}") for e in feed.entries)

    before = project.snapshot("data", "docs", "feeds", "site")
    cli(project, "run")
    cli(project, "build")
    after = project.snapshot("data", "docs", "feeds", "site")
    changed = [k for k in set(before) | set(after) if before.get(k) != after.get(k)]
    assert changed == [], changed


def test_next_day_gets_next_number_and_no_duplicates(project):
    day1, day2 = "2025-06-10", "2025-06-11"
    papers1, papers2 = corpus_day(day1), corpus_day(day2)
    # a paper from day 1 shows up again on day 2 (e.g. as a cross-list): it must not be re-listed
    project.server.set_day(day1, papers1)
    cli(project, "run", "--no-render")
    rec1 = yaml.safe_load((project.root / f"data/issues/2025/{day1}.yaml").read_text())
    first_id = rec1["sections"][0]["papers"][0]["id"]
    repeat = next(p for p in papers1 if p.id == first_id)
    project.server.set_day(day2, papers2 + [repeat])
    cli(project, "run")
    rec2 = yaml.safe_load((project.root / f"data/issues/2025/{day2}.yaml").read_text())
    assert rec2["number"] == 2
    assert first_id not in {p["id"] for s in rec2["sections"] for p in s["papers"]}
    dropped = yaml.safe_load((project.root / f"data/dropped/2025/{day2}.yaml").read_text())["dropped"]
    assert any(d["id"] == first_id and day1 in d["reason_en"] for d in dropped)


def test_empty_feed_is_not_a_failure(project):
    project.server.set_day("2025-06-07", [])
    proc = cli(project, "run")
    assert proc.returncode == 0
    assert proc.stdout.strip().splitlines() == ["No arXiv announcement on 2025-06-07: no issue today (not an error)."]
    assert not (project.root / "data/issues").exists()
    status = yaml.safe_load((project.root / "data/status.yaml").read_text())
    assert status["last_run"] == {"date": "2025-06-07", "outcome": "no_announcement"}
    home = (project.root / "docs/index.md").read_text()
    assert "2025-06-07" in home and "无新公告" in home
    cli(project, "build")  # an archive with no issue still builds strictly


def test_nothing_selected_is_loud(project):
    from generator.model import Paper

    dull = [Paper(id=f"2506.{i:05d}", version=1, title="Faster sorting networks", abstract="We sort numbers faster. One medical dataset is used.",
                  authors=["A"], categories=["cs.LG"]) for i in range(5)]
    project.server.set_day("2025-06-09", dull)
    proc = cli(project, "run", "--fail-if-empty", check=False)
    assert proc.returncode == 3
    assert "WARNING: 5 papers announced but NONE was selected" in proc.stdout
    assert not (project.root / "data/issues").exists()


def test_fetch_failure_exits_non_zero_with_one_line_and_writes_nothing(project):
    project.server.faults["/rss"] = [503] * 10
    proc = cli(project, "run", check=False)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    errors = [ln for ln in lines if ln.startswith("error: ")]
    assert errors == [lines[-1]] and "HTTP 503" in errors[0]  # progress lines, then exactly one reason
    assert not (project.root / "data").exists() or not any((project.root / "data").rglob("*.yaml"))


def test_bad_config_exits_with_key_named(project):
    text = project.config.read_text().replace("threshold: 50", "threshold: fifty")
    project.config.write_text(text)
    proc = cli(project, "run", check=False)
    assert proc.returncode == 1
    assert "config error: config.yml: selection.threshold: expected a number" in proc.stderr


def test_help_everywhere():
    for args in ([], ["run"], ["render"], ["build"], ["demo"], ["validate"]):
        proc = subprocess.run([sys.executable, "-m", "generator", *args, "--help"], capture_output=True, text=True,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
        assert proc.returncode == 0 and "usage:" in proc.stdout


@pytest.mark.parametrize("day", sorted(p.stem for p in LISTINGS.glob("*.jsonl")) if LISTINGS.is_dir() else ["missing"])
def test_every_corpus_day_selects_something_sane(day):
    """The selector on every real day: some papers kept, a small share of the listing."""
    from generator.config import load_config
    from generator.pipeline import select_papers

    papers = corpus_day(day)
    res = select_papers(papers, load_config(ROOT / "config.yml", env={}), published={})
    share = len(res.kept) / len(papers)
    assert 3 <= len(res.kept) and share < 0.2, (day, len(res.kept), len(papers))
