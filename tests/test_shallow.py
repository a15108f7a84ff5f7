"""The workflow checks out a shallow clone: every command that reads history gets the outcome a full clone gets.

``mark-edits`` walks history back to the bot commit that wrote the current ``reconciled`` stamp and diffs with it;
``publish`` fetches the new tip onto the clone when its push is rejected.  A shallow clone has only the newest
commits, so the code fetches more history on demand (``git fetch --deepen``) until the commit it needs is there -
never a wrong base, never "no base" because the commit was not fetched.  Real git: a bare origin, runners cloned
with ``git clone --depth 1 file://...`` (a local path would ignore ``--depth``).
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from generator.edits import recorded_base
from generator.gitops import BOT_EMAIL, BOT_NAME, last_bot_commit, publish
from generator.standin import ArxivStandIn, PubMedStandIn

from .test_race import DAY1, DAY2, HUMAN, Clone, World, assert_everywhere, assert_pushed_is_built, published_day, sh

BOT = ["-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}"]
STATUS = "data/status.yaml"


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
                          env=dict(os.environ, **env) if env else None).stdout.strip()


def is_shallow(repo: Path) -> bool:
    return git(repo, "rev-parse", "--is-shallow-repository") == "true"


def commits_here(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "--all"))


# ------------------------------------------------------------------ plain git: the history walk itself


class Repo:
    """A bare origin and the maintainers' working copy that writes its history."""

    def __init__(self, tmp: Path):
        self.tmp, self.origin, self.work = tmp, tmp / "origin.git", tmp / "work"
        git(tmp, "init", "-q", "--bare", "-b", "main", str(self.origin))
        git(tmp, "init", "-q", "-b", "main", str(self.work))
        git(self.work, "remote", "add", "origin", str(self.origin))

    def human(self, n: int, note: str = "notes", days_ago: int = 0) -> str:
        for i in range(n):
            stamp = f"@{int(time.time()) - days_ago * 86400 + i * 600}"  # ten minutes apart
            (self.work / "NOTES.txt").write_text(f"{note} {i}\n")
            git(self.work, "add", "-A")
            git(self.work, *HUMAN, "commit", "-q", "-m", f"{note} {i}",
                env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp} if days_ago else None)
        return git(self.work, "rev-parse", "HEAD")

    def bot(self, reconciled: str) -> str:
        """A bot commit whose status records ``reconciled``."""
        (self.work / "data").mkdir(exist_ok=True)
        (self.work / STATUS).write_text(yaml.safe_dump({"reconciled": reconciled, "last_run": {"date": "x"}}))
        git(self.work, "add", "-A")
        git(self.work, *BOT, "commit", "-q", "-m", "Issue: records, pages and feeds")
        return git(self.work, "rev-parse", "HEAD")

    def push(self) -> None:
        git(self.work, "push", "-q", "origin", "main")

    def runner(self, name: str, depth: int | None) -> Path:
        """A workflow's checkout of the tip of main: shallow (``depth``) or full (None)."""
        path = self.tmp / name
        if depth is None:
            git(self.tmp, "clone", "-q", "-b", "main", str(self.origin), str(path))
        else:
            git(self.tmp, "clone", "-q", f"--depth={depth}", "-b", "main", self.origin.as_uri(), str(path))
        return path


@pytest.fixture
def repo(tmp_path):
    return Repo(tmp_path)


@pytest.mark.parametrize("depth", [None, 1, 3])
def test_the_recorded_base_many_commits_back_is_found_from_a_shallow_clone(repo, depth):
    start = repo.human(60, "old history")
    writer = repo.bot(reconciled=start)  # publish: the bot commit made directly on the commit it records
    repo.human(30, "editors' merges since")
    repo.push()
    runner = repo.runner("runner", depth)
    assert recorded_base(runner, STATUS) == writer
    if depth is not None:
        assert is_shallow(runner) and commits_here(runner) < 60  # what was needed, not the whole history


@pytest.mark.parametrize("depth", [None, 1])
def test_a_copied_stamp_falls_back_to_the_recorded_commit_even_when_it_was_not_fetched(repo, depth):
    recorded = repo.human(40, "old history")
    repo.human(3, "a merge the bot commit was rebased onto")
    repo.bot(reconciled=recorded)  # its parent is not the commit it names: not trusted, the recorded one is the base
    repo.human(25, "editors' merges since")
    repo.push()
    runner = repo.runner("runner", depth)
    assert recorded_base(runner, STATUS) == recorded


def test_the_last_bot_commit_is_found_beyond_the_edge_of_a_shallow_clone(repo):
    repo.human(5)
    writer = repo.bot(reconciled="0" * 40)  # a stamp naming no commit: the caller falls back to the bot's last commit
    repo.human(40, "editors' merges since")
    repo.push()
    assert last_bot_commit(repo.runner("runner", 1)) == writer
    assert recorded_base(repo.runner("other", 1), STATUS) is None  # all history read: the stamp names no commit


def test_a_rejected_push_from_a_shallow_clone_is_reconciled_without_fetching_the_whole_history(repo):
    repo.human(80, "old history", days_ago=60)
    fork = git(repo.work, "rev-parse", "HEAD")
    repo.human(20, "the last weeks", days_ago=1)
    repo.push()
    runner = repo.runner("runner", 1)
    (runner / "data").mkdir()
    (runner / "data/x.txt").write_text("this run's record\n")
    # meanwhile an editor's branch, forked long ago, is merged with a merge commit
    git(repo.work, "checkout", "-q", "-b", "fix", fork)
    (repo.work / "FIX.txt").write_text("an old branch\n")
    git(repo.work, "add", "-A")
    git(repo.work, *HUMAN, "commit", "-q", "-m", "fix")
    git(repo.work, "checkout", "-q", "main")
    git(repo.work, *HUMAN, "merge", "-q", "--no-ff", "fix", "-m", "Merge pull request #1")
    repo.push()

    def reconcile(start: str, tip: str) -> list[str]:
        (runner / "data").mkdir(exist_ok=True)
        (runner / "data/x.txt").write_text("this run's record\n")
        return []

    out = publish(runner, ["data"], "Issue", reconcile=reconcile, sleep=lambda s: None)
    assert "after 1 reconcile(s)" in out, out
    assert git(runner, "rev-parse", "HEAD") == git(repo.origin, "rev-parse", "main")
    assert (runner / "FIX.txt").exists() and git(repo.origin, "show", "main:data/x.txt") == "this run's record"
    assert is_shallow(runner) and commits_here(runner) < 30, commits_here(runner)  # not the old branch's history


# ------------------------------------------------------------------ the generator: runners as shallow clones


class ShallowClone(Clone):
    """A workflow job's checkout with a small fetch-depth."""

    def __init__(self, world: World, name: str, depth: int = 1):
        self.world, self.root = world, world.tmp / name
        sh(world.tmp, "git", "clone", "-q", f"--depth={depth}", "-b", "main", world.origin.as_uri(), str(self.root))


def shallow(world: World, name: str | None = None) -> ShallowClone:
    world.n += 1
    return ShallowClone(world, name or f"shallow{world.n}")


def maintainers_push(world: World, n: int, days_ago: int = 0) -> None:
    """``n`` commits that do not touch the records (README fixes, code): the recorded base drifts far back."""
    other = world.clone()
    for i in range(n):
        when = f"@{int(time.time()) - days_ago * 86400 + i * 600}"  # ten minutes apart
        (other.root / "NOTES.txt").write_text(f"note {i}\n")
        git(other.root, "add", "-A")
        git(other.root, *HUMAN, "commit", "-q", "-m", f"note {i}",
            env={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when} if days_ago else None)
    sh(other.root, "git", "push", "-q", "origin", "main")


@pytest.fixture
def world(tmp_path):
    with ArxivStandIn() as arxiv, PubMedStandIn() as pubmed:
        yield World(tmp_path, arxiv, pubmed)


def test_a_shallow_runner_marks_edits_made_many_commits_after_the_recorded_base(world):
    maintainers_push(world, 40, days_ago=30)  # a project with a past: a runner that fetched it all is not shallow
    published_day(world, DAY1)
    fixed, gone = world.clone("editor").edit(DAY1)
    maintainers_push(world, 25)  # the bot commit that recorded the base is 27 commits behind the tip

    job = shallow(world)
    out = job.cli("mark-edits").stdout
    assert f"paper {fixed}: title_zh" in out and f"paper {gone}: removed" in out, out
    job.day(DAY2)
    job.cli("build")
    job.cli("publish", "--build")
    assert_pushed_is_built(job, world)
    assert_everywhere(job, DAY1, fixed, gone)
    assert is_shallow(job.root)

    after = shallow(world)  # the next run (or the email job): nothing left to mark, nothing to publish
    assert "no unmarked human edits" in after.cli("mark-edits").stdout
    after.cli("render")
    assert after.cli("publish").stdout.startswith("nothing to commit")


def test_a_shallow_runner_reconciles_an_old_branch_merged_during_its_run(world):
    maintainers_push(world, 40, days_ago=30)
    published_day(world, DAY1)
    editor = world.clone("editor")  # an editor starts a branch on the day-1 commit ...
    sh(editor.root, "git", "checkout", "-q", "-b", "fix")
    maintainers_push(world, 20)  # ... main moves on ...

    job = shallow(world, "day2")  # ... the scheduled run of day 2 starts ...
    job.cli("mark-edits")
    job.day(DAY2)
    job.cli("build")

    fixed, gone = _edit_on_branch(editor, DAY1)  # ... and the branch is merged while it runs
    sh(editor.root, "git", "checkout", "-q", "main")
    sh(editor.root, "git", "pull", "-q", "--no-rebase", "origin", "main")
    sh(editor.root, "git", *HUMAN, "merge", "-q", "--no-ff", "fix", "-m", "Merge pull request #2 from editor/fix")
    sh(editor.root, "git", "push", "-q", "origin", "main")

    out = job.cli("publish", "--build").stdout
    assert "after 1 reconcile(s)" in out, out
    assert f"paper {fixed}: title_zh" in out and f"paper {gone}: removed" in out, out
    assert_pushed_is_built(job, world)
    assert_everywhere(job, DAY1, fixed, gone)
    assert (job.root / f"site/issues/2025/{DAY2}/index.html").exists()
    assert is_shallow(job.root)


def _edit_on_branch(editor: Clone, day: str) -> tuple[str, str]:
    """Clone.edit (a corrected title_zh, a deleted paper), committed on the editor's branch, not pushed."""
    return editor.commit_edit(day)
