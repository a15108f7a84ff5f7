"""Git and GitHub for the scheduled run: read a record at a commit, commit as the bot, push with retries, keep-alive.

Everything the workflows do beyond checkout/setup lives here (and in the CLI),
so it is tested like the rest of the code.
"""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import time
from pathlib import Path
from typing import Callable, TypeVar

import requests

from .store import safe_load_record

log = logging.getLogger(__name__)
T = TypeVar("T")

BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"


class GitError(Exception):
    """A git step failed; the message is one line."""


def git(cwd: Path, *args: str, check: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, **env) if env else None)
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise GitError(f"git {' '.join(args[:2])} failed: {detail[-1] if detail else proc.returncode}")
    return proc


def auth_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Git configuration that lets fetch/push use GITHUB_TOKEN, passed through the environment of those two commands.

    The checkout keeps no credentials (``persist-credentials: false``), so nothing the other steps run can read a
    token from ``.git/config``; only the process given GITHUB_TOKEN can push, and the header never touches a file.
    """
    environ = os.environ if environ is None else environ
    token = environ.get("GITHUB_TOKEN")
    if not token:
        return {}
    server = (environ.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/")
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": f"http.{server}/.extraheader",
            "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}"}


def toplevel(path: Path) -> Path | None:
    proc = git(path, "rev-parse", "--show-toplevel", check=False)
    return Path(proc.stdout.strip()) if proc.returncode == 0 else None


def file_at(repo: Path, ref: str, relpath: str) -> str | None:
    proc = git(repo, "show", f"{ref}:{relpath}", check=False)
    return proc.stdout if proc.returncode == 0 else None


def yaml_at(repo: Path, ref: str, relpath: str):
    text = file_at(repo, ref, relpath)
    # an old commit's record is editor-written too: the same parser (no aliases, capped size and depth)
    return safe_load_record(text.encode("utf-8"), f"{ref}:{relpath}") if text is not None else None


def last_bot_commit(repo: Path, email: str = BOT_EMAIL) -> str | None:
    """The newest commit the bot made (None: none in the whole history; a shallow clone fetches until it knows)."""
    def find() -> tuple[str | None, bool]:
        proc = git(repo, "log", "-1", "--format=%H", "--fixed-strings", f"--author={email}", check=False)
        sha = proc.stdout.strip() or None
        return sha, sha is not None

    return with_history(repo, find)


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").stdout.strip()


# ---------------------------------------------------------------------------------- history in a shallow clone
#
# The workflows check out a few commits of main, not its whole history (a clone that stays small for years).  Code
# that needs an older commit asks for it: ``with_history`` fetches more history behind the clone's edge until the
# question can be answered, so no answer ever depends on how deep the checkout was.

DEEPEN = 16  # commits fetched behind the edge at the first try; doubled at every further try


def shallow_edge(repo: Path) -> set[str]:
    """The commits of a shallow clone whose parents were not fetched (empty: the history is complete)."""
    path = git(repo, "rev-parse", "--git-path", "shallow", check=False).stdout.strip()
    try:
        return set((repo / path).read_text().split()) if path else set()
    except FileNotFoundError:
        return set()


def _history_remote(repo: Path) -> str:
    branch = git(repo, "rev-parse", "--abbrev-ref", "HEAD", check=False).stdout.strip()
    remotes = git(repo, "remote", check=False).stdout.split()
    configured = git(repo, "config", f"branch.{branch}.remote", check=False).stdout.strip()
    for name in (configured, "origin", *remotes[:1]):
        if name and name in remotes:
            return name
    raise GitError("this clone is shallow and has no remote to fetch the older commits it needs from")


def deepen(repo: Path, commits: int = DEEPEN, *, remote: str | None = None, env: dict[str, str] | None = None) -> bool:
    """Fetch ``commits`` more commits of history behind a shallow clone's edge.  False: the history is complete.

    Raises GitError when the fetch fails: a caller that needs an older commit must not go on without it.  The token,
    when the environment has one, goes to this one git process (``auth_env``), as for push.
    """
    before = shallow_edge(repo)
    if not before:
        return False
    remote = remote or _history_remote(repo)
    env = auth_env() if env is None else env
    args = ["fetch", "-q", "--no-tags", f"--deepen={commits}", remote]
    proc = git(repo, *args, head(repo), check=False, env=env)  # the checked-out history, not every branch
    if proc.returncode != 0:
        proc = git(repo, *args, check=False, env=env)  # HEAD is not on the remote, or it serves no commit by id
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise GitError(f"this shallow clone lacks commits it needs, and fetching {commits} more from {remote} failed: "
                       f"{detail[-1] if detail else proc.returncode}")
    if shallow_edge(repo) == before:  # nothing behind the edge came (an edge not behind HEAD): take everything
        git(repo, "fetch", "-q", "--no-tags", "--unshallow", remote, check=False, env=env)
        return shallow_edge(repo) != before
    return True


def with_history(repo: Path, find: Callable[[], tuple[T, bool]], *, first: int = DEEPEN) -> T:
    """``find()`` answers ``(result, complete)``; while the answer is incomplete and the clone shallow, fetch more
    history (``first`` commits, then twice as many each time) and ask again.  A full clone asks once."""
    commits = first
    while True:
        result, complete = find()
        if complete or not deepen(repo, commits):
            return result
        log.info("fetched %d more commits of history", commits)
        commits *= 2


def _since_edge(repo: Path) -> list[str]:
    """For a fetch into a shallow clone: no commit older than its edge.  A plain fetch of a tip that merged a branch
    forked behind the edge would bring that branch's whole history (down to the first commit)."""
    edge = shallow_edge(repo)
    if not edge:
        return []
    times = git(repo, "log", "--no-walk", "--format=%ct", *sorted(edge), check=False).stdout.split()
    return [f"--shallow-since=@{min(int(t) for t in times)}"] if times else []


def _only_reconciled_changed(repo: Path, status_rel: str | None) -> bool:
    """True when the staged change is nothing but the status file's ``reconciled`` stamp (nothing to publish)."""
    staged = git(repo, "diff", "--cached", "--name-only").stdout.split()
    if not status_rel or staged != [status_rel]:
        return False
    old, new = yaml_at(repo, "HEAD", status_rel), safe_load_record((repo / status_rel).read_bytes(), status_rel)
    if not isinstance(old, dict) or not isinstance(new, dict):
        return False
    return {k: v for k, v in old.items() if k != "reconciled"} == {k: v for k, v in new.items() if k != "reconciled"}


def _commit(repo: Path, paths: list[str], message: str, status_rel: str | None) -> bool:
    git(repo, "add", "-A", "--", *paths)
    if git(repo, "diff", "--cached", "--quiet", check=False).returncode == 0:
        return False
    if _only_reconciled_changed(repo, status_rel):
        git(repo, "reset", "-q", "--", status_rel)
        git(repo, "checkout", "-q", "--", status_rel)
        return False
    git(repo, "-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}", "commit", "-q", "-m", message)
    return True


def _outside(repo: Path, paths: list[str]) -> list[str]:
    """Tracked files changed outside ``paths``: a reset to the remote tip would lose them."""
    changed = git(repo, "status", "--porcelain", "--untracked-files=no").stdout.splitlines()
    names = [line[3:] for line in changed]
    return [n for n in names if not any(n == p or n.startswith(p.rstrip("/") + "/") for p in paths)]


Reconcile = Callable[[str, str], list[str]]


def publish(repo: Path, paths: list[str], message: str, *, reconcile: Reconcile | None = None,
            reconciled: bool = True, status_rel: str | None = None, remote: str = "origin",
            branch: str | None = None, retries: int = 4, sleep=time.sleep, env: dict[str, str] | None = None) -> str:
    """Commit ``paths`` as the bot and push; a rejected push is reconciled with the remote tip and pushed again.

    ``reconcile(start, tip)`` is called with the working tree reset to ``tip`` (the run's changes were made on
    ``start``): it marks the tip's human edits, puts the run's record changes back and renders - and builds -
    again, so the commit pushed is the tree the site was built from.  Generated files are never merged: they are
    outputs.  ``reconciled`` False means the working tree was not reconciled with ``start`` (mark-edits did not
    run there): that is done first.  Without ``reconcile`` a rejected push fails (nothing is merged blindly).
    Returns a one-line description; raises GitError when the push cannot be made.  Works in a shallow clone: the
    tip is fetched onto it (no merge base is needed: the tree is reset to the tip, and the run's changes are read
    from ``start``), and what the reconcile needs of older history it fetches itself (``with_history``).
    """
    branch = branch or git(repo, "rev-parse", "--abbrev-ref", "HEAD").stdout.strip()
    start = tip = head(repo)
    notes: list[str] = []
    if reconcile is not None:
        outside = _outside(repo, paths)
        if outside:
            raise GitError(f"publish would reset {outside[0]} (changed outside {' '.join(paths)}); commit it first")
        if not reconciled:
            notes += _reset_and_reconcile(repo, reconcile, start, start)
    rounds = 0
    for attempt in range(retries + 1):
        if not _commit(repo, paths, message, status_rel):
            return "nothing to commit" + (f" after {rounds} reconcile(s) with {remote}/{branch}" if rounds else "")
        if git(repo, "push", "-q", remote, f"HEAD:{branch}", check=False, env=env).returncode == 0:
            sha = git(repo, "rev-parse", "--short", "HEAD").stdout.strip()
            done = f"pushed {sha} to {remote}/{branch}" + (f" after {rounds} reconcile(s)" if rounds else "")
            return "\n".join([done, *notes])
        if attempt == retries:
            break
        if reconcile is None:
            raise GitError(f"push to {remote}/{branch} was rejected; rerun to reconcile with the remote")
        log.info("push rejected; reconciling with %s/%s (try %d/%d)", remote, branch, attempt + 1, retries)
        sleep(min(2**attempt, 30))
        since = _since_edge(repo)  # a shallow clone stays shallow
        if not since or git(repo, "fetch", "-q", *since, remote, branch, check=False, env=env).returncode != 0:
            git(repo, "fetch", "-q", remote, branch, env=env)
        tip = git(repo, "rev-parse", "FETCH_HEAD").stdout.strip()
        notes += _reset_and_reconcile(repo, reconcile, start, tip)
        rounds += 1
    raise GitError(f"push to {remote}/{branch} still rejected after {retries} reconcile(s)")


def _reset_and_reconcile(repo: Path, reconcile: Reconcile, start: str, tip: str) -> list[str]:
    git(repo, "reset", "-q", "--hard", tip)
    return reconcile(start, tip)


def keepalive(workflow: str, *, repository: str | None = None, token: str | None = None,
              api_url: str | None = None, timeout: float = 20.0) -> str:
    """Re-enable the scheduled workflow, so GitHub does not disable it after 60 days without repository activity."""
    repository = repository or os.environ.get("GITHUB_REPOSITORY")
    token = token or os.environ.get("GITHUB_TOKEN")
    api_url = (api_url or os.environ.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/")
    if not repository or not token:
        return "keep-alive skipped: GITHUB_REPOSITORY or GITHUB_TOKEN not set (not running in GitHub Actions)"
    url = f"{api_url}/repos/{repository}/actions/workflows/{workflow}/enable"
    resp = requests.put(url, headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
                                      "X-GitHub-Api-Version": "2022-11-28"}, timeout=timeout)
    if resp.status_code not in (200, 204):
        raise GitError(f"keep-alive: enabling {workflow} answered HTTP {resp.status_code}")
    return f"keep-alive: {workflow} is enabled"
