"""Editing by pull request: validation messages, mark-edits, publishing, and edits that survive every later run."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import feedparser
import pytest
import yaml

from generator.config import load_config
from generator.gitops import BOT_EMAIL, GitError, keepalive, publish
from generator.store import Store
from generator.validate import check_record

from .conftest import corpus_day
from .fake_llm import FakeLLM
from generator.kinds.registry import DAILY, JOURNAL

ROOT = Path(__file__).resolve().parents[1]
HUMAN = ["-c", "user.name=Editor Example", "-c", "user.email=editor@example.org"]


def sh(cwd, *args, check=True):
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, check=check)


def cli(project, *args, env=None, check=True):
    e = dict(os.environ, **project.env, PYTHONPATH=str(ROOT))
    e.pop("LLM_API_KEY", None)
    e.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "generator", "-c", str(project.config), *args], cwd=project.root,
                          env=e, capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def git_project(project, tmp_path) -> Path:
    """Make the project a clone of a bare 'origin', as in GitHub Actions (the remote lives outside the project)."""
    outside = Path(tempfile.mkdtemp(prefix="remotes-"))
    remote = outside / "origin.git"
    sh(outside, "git", "init", "-q", "--bare", "-b", "main", str(remote))
    sh(project.root, "git", "init", "-q", "-b", "main")
    (project.root / ".gitignore").write_text(".cache/\nsite/\ndata/.lock\n")
    sh(project.root, "git", "add", "-A")
    sh(project.root, "git", *HUMAN, "commit", "-q", "-m", "skeleton")
    sh(project.root, "git", "remote", "add", "origin", str(remote))
    sh(project.root, "git", "push", "-q", "origin", "main")
    return remote


def issue_file(project, day):
    return project.root / f"data/issues/{day[:4]}/{day}.yaml"


# ------------------------------------------------------------------ validation messages


@pytest.fixture(scope="module")
def cfg():
    return load_config(ROOT / "config.yml", env={})


def good_record() -> dict:
    return {"schema": 1, "kind": "arxiv", "date": "2025-06-09", "number": 3, "editor_note": {"zh": "", "en": ""},
            "source": {"categories": ["cs.CV"], "candidates": 10}, "removed": [],
            "sections": [{"topic": "imaging", "papers": [{
                "id": "2506.05361", "version": 1, "announce_type": "new", "title": "T", "authors": ["A"],
                "categories": ["cs.CV"], "primary_category": "cs.CV", "abstract": "A.", "comment": None,
                "journal_ref": None, "doi": None, "license": None, "topic": "imaging", "relevance": 80, "score": 6.0,
                "reason_zh": "r", "reason_en": "r", "title_zh": "", "summary_zh": "", "summary_en": "", "abstract_zh": "",
                "institutions": [], "editor_note": "", "edited": []}]}]}


def test_a_valid_record_has_no_problems(cfg):
    assert check_record(DAILY, good_record(), "data/issues/2025/2025-06-09.yaml", cfg) == []


@pytest.mark.parametrize(
    "mutate,expected",
    [
        (lambda r: r["sections"][0]["papers"][0].update(relevance="high"),
         "paper 2506.05361: field relevance: expected a whole number 0-100"),
        (lambda r: r["sections"][0]["papers"][0].update(titel_zh="x"), "paper 2506.05361: unknown field 'titel_zh'"),
        (lambda r: r["sections"][0]["papers"][0].update(id="2506.05361v2"), "field id: '2506.05361v2' is not an arXiv id"),
        (lambda r: r["sections"][0]["papers"][0].update(topic="diagnosis"),
         "paper 2506.05361: field topic is 'diagnosis' but the paper is listed under section 'imaging'"),
        (lambda r: r["sections"][0].update(topic="radiology"), "topic 'radiology' is not a topic in config.yml"),
        (lambda r: r["sections"][0]["papers"][0].update(edited=["colour"]), "field edited: 'colour' is not a field"),
        (lambda r: r["sections"][0]["papers"][0].update(authors="A, B"), "field authors: expected a list of text"),
        (lambda r: r.update(date="9 June 2025"), "date: expected YYYY-MM-DD"),
        (lambda r: r.update(removed=["2506.05361"]), "paper 2506.05361: is listed but also in removed"),
        (lambda r: r["sections"][0]["papers"].append(dict(r["sections"][0]["papers"][0])), "listed twice"),
    ],
)
def test_bad_edits_are_named_by_file_paper_and_field(cfg, mutate, expected):
    rec = good_record()
    mutate(rec)
    problems = check_record(DAILY, rec, "data/issues/2025/2025-06-09.yaml", cfg)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("data/issues/2025/2025-06-09.yaml") for p in problems)


def test_validate_explains_a_hand_edited_page(project):
    project.server.set_day("2025-06-09", corpus_day("2025-06-09"))
    cli(project, "run")
    assert cli(project, "validate").returncode == 0
    page = project.root / "docs/issues/2025/2025-06-09.md"
    page.write_text(page.read_text().replace("第 1 期", "第 一 期"))
    proc = cli(project, "validate", check=False)
    assert proc.returncode == 1
    assert ("docs/issues/2025/2025-06-09.md: differs from its record. Pages are generated: make the change in "
            "data/issues/2025/2025-06-09.yaml instead") in proc.stderr


def test_validate_with_base_accepts_a_record_only_edit(project, tmp_path):
    git_project(project, tmp_path)
    project.server.set_day("2025-06-09", corpus_day("2025-06-09"))
    cli(project, "run")
    sh(project.root, "git", "add", "-A")
    sh(project.root, "git", *HUMAN, "commit", "-q", "-m", "day")
    rec = yaml.safe_load(issue_file(project, "2025-06-09").read_text())
    rec["editor_note"]["zh"] = "编者按"
    issue_file(project, "2025-06-09").write_text(yaml.safe_dump(rec, allow_unicode=True, sort_keys=False))
    assert cli(project, "validate", "--base", "HEAD").returncode == 0  # pages are re-rendered by the workflow
    assert cli(project, "validate", check=False).returncode == 1  # the strict local check sees stale pages


# ------------------------------------------------------------------ git


def test_publish_commits_as_bot_and_rebases_over_a_concurrent_push(project, tmp_path):
    remote = git_project(project, tmp_path)
    other = remote.parent / "other"
    sh(remote.parent, "git", "clone", "-q", str(remote), str(other))
    (other / "README.extra").write_text("a concurrent change\n")
    sh(other, "git", "add", "-A")
    sh(other, "git", *HUMAN, "commit", "-q", "-m", "concurrent")
    sh(other, "git", "push", "-q", "origin", "main")

    project.server.set_day("2025-06-09", corpus_day("2025-06-09"))
    cli(project, "run")
    out = cli(project, "publish").stdout
    assert "pushed" in out and "after 1 reconcile(s)" in out
    log = sh(remote, "git", "log", "--format=%ae %s", "main").stdout.splitlines()
    assert log[0] == f"{BOT_EMAIL} Issue of 2025-06-09: records, pages and feeds"
    assert any("concurrent" in line for line in log)
    assert "nothing to commit" in cli(project, "publish").stdout


def test_publish_keeps_the_remote_version_of_a_file_both_sides_changed(project, tmp_path):
    remote = git_project(project, tmp_path)
    repo = project.root
    (repo / "data").mkdir(exist_ok=True)
    (repo / "data/x.yaml").write_text("a: 1\n")
    other = remote.parent / "other"
    sh(remote.parent, "git", "clone", "-q", str(remote), str(other))
    (other / "data").mkdir(exist_ok=True)
    (other / "data/x.yaml").write_text("a: 2\n")
    sh(other, "git", "add", "-A")
    sh(other, "git", *HUMAN, "commit", "-q", "-m", "conflicting")
    sh(other, "git", "push", "-q", "origin", "main")
    with pytest.raises(GitError, match="rejected; rerun to reconcile"):  # nothing is ever merged blindly
        publish(repo, ["data"], "m", sleep=lambda s: None)
    sh(repo, "git", "reset", "-q", "--soft", "HEAD~1")
    out = cli(project, "publish").stdout
    assert "data/x.yaml: changed here and on the remote; the remote's version is kept" in out
    assert sh(remote, "git", "show", "main:data/x.yaml").stdout == "a: 2\n"  # the human's change wins
    assert sh(repo, "git", "status", "--porcelain", "--", "data").stdout.strip() == ""  # no half-done merge left


class _GitHubAPI(http.server.BaseHTTPRequestHandler):
    calls: list = []
    status = 204

    def log_message(self, *a):
        pass

    def do_PUT(self):  # noqa: N802
        type(self).calls.append((self.path, self.headers.get("Authorization")))
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_keepalive_enables_the_workflow_through_the_api():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _GitHubAPI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        api = f"http://127.0.0.1:{server.server_address[1]}"
        msg = keepalive("daily.yml", repository="owner/digest", token="tok-123", api_url=api)
        assert msg == "keep-alive: daily.yml is enabled"
        assert _GitHubAPI.calls == [("/repos/owner/digest/actions/workflows/daily.yml/enable", "Bearer tok-123")]
        _GitHubAPI.status = 403
        with pytest.raises(GitError, match="HTTP 403"):
            keepalive("daily.yml", repository="owner/digest", token="tok-123", api_url=api)
    finally:
        server.shutdown()
    assert "skipped" in keepalive("daily.yml", repository=None, token=None)


# ------------------------------------------------------------------ the simulated sequence


def test_human_edits_survive_later_runs_rerenders_and_enrich(project, tmp_path):
    git_project(project, tmp_path)
    day1, day2 = "2025-06-10", "2025-06-11"
    project.server.set_day(day1, corpus_day(day1))
    cli(project, "run")
    cli(project, "publish")  # the bot's commit

    # an editor's pull request: fix a Chinese title, remove a paper, add notes -- no `edited` bookkeeping
    path = issue_file(project, day1)
    rec = yaml.safe_load(path.read_text())
    papers = rec["sections"][0]["papers"]
    fixed, gone = papers[0]["id"], papers[1]["id"]
    papers[0]["title_zh"] = "人工校对的中文标题"
    papers[0]["editor_note"] = "本刊点评：方法扎实，值得细读。"
    del papers[1]
    rec["editor_note"]["zh"] = "本期编者按：影像分割论文集中出现。"
    path.write_text(yaml.safe_dump(rec, allow_unicode=True, sort_keys=False))
    sh(project.root, "git", "add", "-A")
    sh(project.root, "git", *HUMAN, "commit", "-q", "-m", "Editor: fix translation, drop off-topic paper")

    # the next scheduled run: protect the edits, then run day 2
    out = cli(project, "mark-edits").stdout
    assert f"paper {fixed}: title_zh" in out and f"paper {fixed}: editor_note" in out and f"paper {gone}: removed" in out
    project.server.set_day(day2, corpus_day(day2))
    cli(project, "run")
    cli(project, "publish")

    # day 1 runs again (a retry), everything is re-rendered, and enrichment backfills with a key
    project.server.set_day(day1, corpus_day(day1))
    cli(project, "run")
    cli(project, "render")
    with FakeLLM() as llm:
        cli(project, "enrich", "--since", day1, env={"LLM_API_KEY": "k-test", "LLM_BASE_URL": llm.base_url})
    cli(project, "build")

    rec = yaml.safe_load(path.read_text())
    by_id = {p["id"]: p for s in rec["sections"] for p in s["papers"]}
    assert by_id[fixed]["title_zh"] == "人工校对的中文标题"
    assert by_id[fixed]["editor_note"] == "本刊点评：方法扎实，值得细读。"
    assert set(by_id[fixed]["edited"]) >= {"title_zh", "editor_note"}
    assert gone not in by_id and gone in rec["removed"]
    assert rec["editor_note"]["zh"] == "本期编者按：影像分割论文集中出现。"
    others = [p for pid, p in by_id.items() if pid != fixed]
    assert others and all(p["title_zh"].startswith("关于") for p in others)  # enrich filled the rest
    assert Store(project.root / "data").series(DAILY).get(day1).number == 1

    page = (project.root / f"site/issues/2025/{day1}/index.html").read_text()
    assert "人工校对的中文标题" in page and "方法扎实，值得细读" in page and "影像分割论文集中出现" in page
    assert f'id="arxiv-{fixed}"' in page and f'id="arxiv-{gone}"' not in page
    feed = feedparser.parse((project.root / "site/feeds/zh/papers.rss.xml").read_bytes())
    titles = {e.id.rsplit(":", 1)[1]: e.title for e in feed.entries}
    assert titles[fixed].startswith("人工校对的中文标题 | ") and gone not in titles
    issues = feedparser.parse((project.root / "site/feeds/zh/issues.atom.xml").read_bytes())
    assert any("影像分割论文集中出现" in e.content[0].value for e in issues.entries)
    assert cli(project, "validate").returncode == 0


def test_a_record_an_editor_deleted_stays_withdrawn_through_reruns_backfills_and_catch_up(project, tmp_path):
    git_project(project, tmp_path)
    day1, day2 = "2025-06-10", "2025-06-11"
    for day in (day1, day2):
        project.server.set_day(day, corpus_day(day))
        cli(project, "run")
    cli(project, "publish")
    number2 = Store(project.root / "data").series(DAILY).get(day2).number
    # an editor withdraws day 1's whole issue
    sh(project.root, "git", "rm", "-q", str(issue_file(project, day1).relative_to(project.root)))
    sh(project.root, "git", *HUMAN, "commit", "-q", "-m", "Editor: withdraw the issue of 2025-06-10")
    out = cli(project, "mark-edits").stdout
    assert f"data/issues/2025/{day1}.yaml: withdrawn" in out
    assert day1 in yaml.safe_load((project.root / "data/status.yaml").read_text())["withdrawn_issues"]
    cli(project, "publish")
    project.server.set_day(day1, corpus_day(day1))
    out = cli(project, "run").stdout              # the feed still holds that day (a retry)
    assert "withdrawn" in out
    out = cli(project, "run", "--date", day1).stdout  # a backfill through the API
    assert "withdrawn" in out
    cli(project, "catch-up", "--today", "2025-06-12", "--days", "3", "--weeks", "0")
    assert not issue_file(project, day1).exists()
    cli(project, "render")
    assert not (project.root / f"docs/issues/2025/{day1}.md").exists()
    assert Store(project.root / "data").series(DAILY).get(day2).number == number2
    assert cli(project, "mark-edits").stdout.startswith("mark-edits: no unmarked human edits")


def test_the_status_merge_keeps_both_sides_changes():
    from generator.edits import merge_status

    old = {"last_run": {"date": "2025-03-03"}, "no_announcement": ["2025-02-21"], "reconciled": "a" * 40}
    mine = {"last_run": {"date": "2025-03-04", "outcome": "no_announcement"},
            "no_announcement": ["2025-03-04", "2025-02-21"], "reconciled": "a" * 40}
    theirs = {"last_run": {"date": "2025-03-03"}, "no_announcement": ["2025-02-28", "2025-02-21"],
              "withdrawn_issues": ["2025-03-03"], "reconciled": "b" * 40}
    merged = merge_status(old, mine, theirs)
    assert merged["no_announcement"] == ["2025-03-04", "2025-02-28", "2025-02-21"]  # the editor's date is kept
    assert merged["last_run"] == mine["last_run"]        # only the run changed it
    assert merged["withdrawn_issues"] == ["2025-03-03"]  # only the tip has it
    assert merged["reconciled"] == "b" * 40              # the tip's reconciled commit stays
