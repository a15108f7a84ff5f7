"""Editors' merges racing the schedule, with real git: a bare origin, runners as fresh clones, pushes interleaved.

Each runner is what a GitHub job is: a fresh clone of the tip of main that runs `python -m generator` steps and
publishes.  After every interleaving the editor's changed `title_zh` is in the record, the page, the feeds and the
built site, and the paper the editor deleted stays deleted after a rerun of its day and a `run --date` backfill.
The project's own sample days (generator/sample/) are served by the loopback stand-ins, so no corpus is needed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
import yaml

from generator.corpus import load_listing
from generator.demo import SAMPLE, copy_skeleton
from generator.gitops import BOT_EMAIL, auth_env
from generator.standin import ArxivStandIn, PubMedStandIn

ROOT = Path(__file__).resolve().parents[1]
HUMAN = ["-c", "user.name=Editor Example", "-c", "user.email=editor@example.org"]
DAY1, DAY2, DAY3 = "2025-03-03", "2025-03-04", "2025-03-05"
TITLE = "编辑改正的中文标题"


def sh(cwd: Path, *args: str) -> str:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, check=True).stdout


class Clone:
    """A fresh clone of origin: a workflow job's checkout of the tip of main, or an editor's working copy."""

    def __init__(self, world: "World", name: str):
        self.world, self.root = world, world.tmp / name
        sh(world.tmp, "git", "clone", "-q", "-b", "main", str(world.origin), str(self.root))

    def cli(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        env = dict(os.environ, **self.world.env, PYTHONPATH=str(ROOT))
        for name in ("LLM_API_KEY", "GITHUB_TOKEN", "CI_SKIP"):
            env.pop(name, None)
        proc = subprocess.run([sys.executable, "-m", "generator", "-c", str(self.root / "config.yml"), *args],
                              cwd=self.root, env=env, capture_output=True, text=True, timeout=600)
        if ok and proc.returncode != 0:
            raise AssertionError(f"{args}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        return proc

    def day(self, day: str, *extra: str) -> None:
        """The arXiv announcement of ``day`` is what the RSS feed holds now; run it."""
        self.world.arxiv.set_day(day, load_listing(SAMPLE / f"{day}.jsonl"))
        self.cli("run", *extra)

    def record(self, day: str) -> dict:
        return yaml.safe_load((self.root / f"data/issues/{day[:4]}/{day}.yaml").read_text())

    def edit(self, day: str) -> tuple[str, str]:
        """An editor's merged pull request: a corrected title_zh and a deleted paper, no bookkeeping. (fixed, gone)"""
        fixed, gone = self.commit_edit(day)
        sh(self.root, "git", "push", "-q", "origin", "main")
        return fixed, gone

    def commit_edit(self, day: str) -> tuple[str, str]:
        """The edit of ``edit``, committed on this clone's branch, not pushed."""
        path = self.root / f"data/issues/{day[:4]}/{day}.yaml"
        rec = yaml.safe_load(path.read_text())
        papers = [p for s in rec["sections"] for p in s["papers"]]
        fixed, gone = papers[0]["id"], papers[-1]["id"]
        for s in rec["sections"]:
            for p in s["papers"]:
                if p["id"] == fixed:
                    p["title_zh"] = TITLE
            s["papers"] = [p for p in s["papers"] if p["id"] != gone]
        rec["sections"] = [s for s in rec["sections"] if s["papers"]]
        path.write_text(yaml.safe_dump(rec, allow_unicode=True, sort_keys=False))
        sh(self.root, "git", "add", "-A")
        sh(self.root, "git", *HUMAN, "commit", "-q", "-m", f"Editor: fix a translation and drop a paper of {day}")
        return fixed, gone

    def head(self) -> str:
        return sh(self.root, "git", "rev-parse", "HEAD").strip()


class World:
    """The bare origin, seeded with the site skeleton by a human, and the loopback arXiv/PubMed stand-ins."""

    def __init__(self, tmp: Path, arxiv: ArxivStandIn, pubmed: PubMedStandIn):
        self.tmp, self.arxiv, self.pubmed = tmp, arxiv, pubmed
        self.origin = tmp / "origin.git"
        sh(tmp, "git", "init", "-q", "--bare", "-b", "main", str(self.origin))
        seed = tmp / "seed"
        copy_skeleton(seed)
        raw = yaml.safe_load((seed / "config.yml").read_text())
        raw["arxiv"].update(api_delay_seconds=0, retries=1, timeout_seconds=5)
        raw["signals"].update(hf=False, institutions=False)
        raw["site"]["url"] = "https://digest.example.org/"
        (seed / "config.yml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
        (seed / ".gitignore").write_text("/.cache/\n/site/\n.lock\n/docs/assets/vendor/\n/docs/assets/search/\n")
        sh(seed, "git", "init", "-q", "-b", "main")
        sh(seed, "git", "add", "-A")
        sh(seed, "git", *HUMAN, "commit", "-q", "-m", "Site skeleton")
        sh(seed, "git", "push", "-q", str(self.origin), "main")
        self.env = {"ARXIV_RSS_URL": arxiv.rss_base, "ARXIV_API_URL": arxiv.api_url,
                    "NCBI_EUTILS_URL": pubmed.eutils_url, "PATH": os.environ.get("PATH", "")}
        self.n = 0

    def clone(self, name: str | None = None) -> Clone:
        self.n += 1
        return Clone(self, name or f"job{self.n}")

    def tip(self) -> str:
        return sh(self.origin, "git", "rev-parse", "main").strip()


@pytest.fixture
def world(tmp_path):
    with ArxivStandIn() as arxiv, PubMedStandIn() as pubmed:
        yield World(tmp_path, arxiv, pubmed)


def published_day(world: World, day: str) -> Clone:
    """A scheduled run: checkout of the tip, mark-edits, run the day, build, publish."""
    job = world.clone()
    job.cli("mark-edits")
    job.day(day)
    job.cli("build")
    job.cli("publish", "--build")
    return job


def assert_everywhere(job: Clone, day: str, fixed: str, gone: str, *, site: bool = True) -> None:
    """The edit is in the record, the page, the feeds (and the built site); the deleted paper is nowhere."""
    rec = job.record(day)
    by_id = {p["id"]: p for s in rec["sections"] for p in s["papers"]}
    assert by_id[fixed]["title_zh"] == TITLE and "title_zh" in by_id[fixed]["edited"]
    assert gone not in by_id and gone in rec["removed"]
    entries = (job.root / f"docs/issues/{day[:4]}/{day}.entries.html").read_text()
    assert TITLE in entries and f'id="arxiv-{fixed}"' in entries and f'id="arxiv-{gone}"' not in entries
    assert f'id="arxiv-{gone}"' not in (job.root / f"docs/issues/{day[:4]}/{day}.md").read_text()
    folders = [job.root / "feeds"] + ([job.root / "site/feeds"] if site else [])
    for folder in folders:
        feed = feedparser.parse((folder / "zh/papers.rss.xml").read_bytes())
        titles = {e.id.rsplit(":", 1)[1]: e.title for e in feed.entries}
        assert titles[fixed].startswith(TITLE) and gone not in titles, folder
    if site:
        for lang in ("", "en/"):
            page = (job.root / f"site/{lang}issues/{day[:4]}/{day}/index.html").read_text()
            assert TITLE in page and f'id="arxiv-{gone}"' not in page, lang


def assert_pushed_is_built(job: Clone, world: World) -> None:
    """The commit on origin is the tree this job rendered and built from: nothing left over, nothing missing."""
    assert job.head() == world.tip()
    assert sh(job.root, "git", "status", "--porcelain", "--untracked-files=all", "--", "data", "docs", "feeds") == ""


def assert_stays_deleted_after_reruns(world: World, day: str, fixed: str, gone: str) -> None:
    """A rerun of the day (the feed holds it again) and an API backfill of it: the edit and the deletion hold."""
    job = world.clone()
    out = job.cli("mark-edits").stdout
    assert "no unmarked human edits" in out, out
    job.day(day)
    job.cli("run", "--date", day)
    job.cli("build")
    assert_everywhere(job, day, fixed, gone)
    job.cli("publish", "--build")
    assert_pushed_is_built(job, world)


# ------------------------------------------------------------------ (a) an editor pushes during day 2's run


def test_a_merge_during_a_run_is_reconciled_rendered_and_deployed(world):
    published_day(world, DAY1)
    day2 = world.clone("day2")  # the scheduled run starts from the bot's day-1 commit
    day2.cli("mark-edits")
    day2.day(DAY2)
    day2.cli("build")

    fixed, gone = world.clone("editor").edit(DAY1)  # the merge lands while day 2 is running

    out = day2.cli("publish", "--build").stdout
    assert "after 1 reconcile(s)" in out, out
    assert f"paper {fixed}: title_zh" in out and f"paper {gone}: removed" in out
    assert_pushed_is_built(day2, world)
    assert_everywhere(day2, DAY1, fixed, gone)  # the site publish built last: what the deploy uploads
    assert (day2.root / f"site/issues/2025/{DAY2}/index.html").exists()
    assert sh(world.origin, "git", "log", "-1", "--format=%ae", "main").strip() == BOT_EMAIL

    # (b) the queued push-run starts afterwards from the tip of main (not from the editor's commit)
    push_run = world.clone("push-run")
    assert "no unmarked human edits" in push_run.cli("mark-edits").stdout
    push_run.cli("build")
    assert_everywhere(push_run, DAY1, fixed, gone)
    assert (push_run.root / f"site/issues/2025/{DAY2}/index.html").exists()  # no older site without day 2
    assert push_run.cli("publish", "--build").stdout.startswith("nothing to commit")

    assert_stays_deleted_after_reruns(world, DAY1, fixed, gone)


# ------------------------------------------------------------------ (c) the push-run is itself overtaken


def test_a_push_run_overtaken_by_another_bot_push_reconciles_again(world):
    published_day(world, DAY1)
    dispatch = world.clone("dispatch")  # a manual run of day 2, started before the merge
    dispatch.cli("mark-edits")
    dispatch.day(DAY2)
    dispatch.cli("build")

    fixed, gone = world.clone("editor").edit(DAY1)
    push_run = world.clone("push-run")  # triggered by the merge: checks out the tip (the editor's commit)
    assert f"paper {gone}: removed" in push_run.cli("mark-edits").stdout
    push_run.cli("build")

    out = dispatch.cli("publish", "--build").stdout  # rejected by the merge: reconciles
    assert "after 1 reconcile(s)" in out, out
    assert_everywhere(dispatch, DAY1, fixed, gone)

    out = push_run.cli("publish", "--build").stdout  # rejected by the dispatch run's push: reconciles again
    assert "reconcile(s)" in out, out
    assert_everywhere(push_run, DAY1, fixed, gone)
    assert (push_run.root / f"site/issues/2025/{DAY2}/index.html").exists()  # the deploy keeps day 2
    assert push_run.head() == world.tip()

    tip = world.clone("check")
    assert "no unmarked human edits" in tip.cli("mark-edits").stdout
    assert_everywhere(tip, DAY1, fixed, gone, site=False)
    assert tip.record(DAY2)["number"] == 2


def test_an_edit_after_a_reconciled_publish_is_still_found(world):
    """The base is the recorded one: the bot commit that reconciled, even though it was made on an editor's commit."""
    published_day(world, DAY1)
    day2 = world.clone("day2")
    day2.cli("mark-edits")
    day2.day(DAY2)
    world.clone("editor1").edit(DAY1)
    day2.cli("publish")
    fixed, gone = world.clone("editor2").edit(DAY2)  # a second editor, after the reconciled publish
    job = world.clone()
    out = job.cli("mark-edits").stdout
    assert f"paper {fixed}: title_zh" in out and f"paper {gone}: removed" in out
    assert f"{DAY1}.yaml" not in out  # the first edit is marked already, and not marked twice
    job.day(DAY2)
    job.cli("render")
    assert_everywhere(job, DAY2, fixed, gone, site=False)


# ------------------------------------------------------------------ (d) a cancelled run's work is caught up


def test_a_cancelled_journal_run_is_written_by_the_next_daily_run(world):
    world.pubmed.add_xml((SAMPLE / "pubmed-2025-03-07.xml").read_bytes(), "2025-03-05")
    published_day(world, DAY1)
    # Monday 2025-03-10 06:07: the journal run was pending when a merge's push-run replaced it; it never ran.
    tuesday = world.clone("tuesday")
    tuesday.cli("mark-edits")
    out = tuesday.cli("catch-up", "--today", "2025-03-11", "--days", "0").stdout
    assert "catch-up: journal week to 2025-03-10" in out, out
    tuesday.cli("publish")
    record = tuesday.root / "data/journal/2025/2025-03-10.yaml"
    assert yaml.safe_load(record.read_text())["number"] == 1
    assert (tuesday.root / "docs/journal/2025/2025-03-10.md").exists()
    assert world.clone().cli("catch-up", "--today", "2025-03-11", "--days", "0").stdout.startswith(
        "catch-up: nothing due on 2025-03-11")


def test_missed_weekdays_are_backfilled_once_and_quiet_days_are_not_retried(world):
    published_day(world, DAY1)
    world.arxiv.set_day(DAY2, load_listing(SAMPLE / f"{DAY2}.jsonl"))  # what the API holds for the missed day
    job = world.clone()
    job.cli("mark-edits")
    out = job.cli("catch-up", "--today", DAY3, "--days", "2", "--weeks", "0").stdout
    assert f"catch-up: {DAY2}:" in out and f"catch-up: {DAY1}" not in out, out
    assert job.record(DAY2)["number"] == 2
    job.cli("publish")
    quiet = world.clone()
    status = quiet.root / "data/status.yaml"
    raw = yaml.safe_load(status.read_text())
    raw["no_announcement"] = ["2025-02-28"]
    status.write_text(yaml.safe_dump(raw, sort_keys=False))
    out = quiet.cli("catch-up", "--today", DAY3, "--days", "3", "--weeks", "0").stdout
    assert "nothing due" in out, out


# ------------------------------------------------------------------ the token never reaches .git/config


def test_the_push_token_lives_only_in_the_pushing_process():
    env = auth_env({"GITHUB_TOKEN": "ghs_sentinel", "GITHUB_SERVER_URL": "https://github.example"})
    assert env["GIT_CONFIG_KEY_0"] == "http.https://github.example/.extraheader"
    assert env["GIT_CONFIG_VALUE_0"].startswith("AUTHORIZATION: basic ") and "ghs_sentinel" not in env["GIT_CONFIG_VALUE_0"]
    assert auth_env({}) == {}


def test_publish_with_a_token_writes_nothing_to_git_config(world):
    job = world.clone()
    job.cli("mark-edits")
    job.day(DAY1)
    other = world.clone("maintainer")  # a push meanwhile: the token is used through a reconcile as well
    (other.root / "NOTES.txt").write_text("a maintainer's change\n")
    sh(other.root, "git", "add", "-A")
    sh(other.root, "git", *HUMAN, "commit", "-q", "-m", "notes")
    sh(other.root, "git", "push", "-q", "origin", "main")
    env = dict(os.environ, **world.env, PYTHONPATH=str(ROOT), GITHUB_TOKEN="ghs_sentinel_token")
    proc = subprocess.run([sys.executable, "-m", "generator", "-c", str(job.root / "config.yml"), "publish"],
                          cwd=job.root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "after 1 reconcile(s)" in proc.stdout
    assert "ghs_sentinel_token" not in (job.root / ".git/config").read_text() + proc.stdout + proc.stderr
    assert job.head() == world.tip() and (job.root / "NOTES.txt").exists()
