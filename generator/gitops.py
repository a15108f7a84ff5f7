"""Git and GitHub for the scheduled run: read a record at a commit, commit as the bot, push with retries, keep-alive.

Everything the workflows do beyond checkout/setup lives here (and in the CLI),
so it is tested like the rest of the code.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from pathlib import Path

import requests
import yaml

log = logging.getLogger(__name__)

BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"


class GitError(Exception):
    """A git step failed; the message is one line."""


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise GitError(f"git {' '.join(args[:2])} failed: {detail[-1] if detail else proc.returncode}")
    return proc


def toplevel(path: Path) -> Path | None:
    proc = git(path, "rev-parse", "--show-toplevel", check=False)
    return Path(proc.stdout.strip()) if proc.returncode == 0 else None


def file_at(repo: Path, ref: str, relpath: str) -> str | None:
    proc = git(repo, "show", f"{ref}:{relpath}", check=False)
    return proc.stdout if proc.returncode == 0 else None


def yaml_at(repo: Path, ref: str, relpath: str):
    text = file_at(repo, ref, relpath)
    return yaml.safe_load(text) if text is not None else None


def last_bot_commit(repo: Path, email: str = BOT_EMAIL) -> str | None:
    proc = git(repo, "log", "-1", "--format=%H", "--fixed-strings", f"--author={email}", check=False)
    sha = proc.stdout.strip()
    return sha or None


def publish(repo: Path, paths: list[str], message: str, *, remote: str = "origin", branch: str | None = None,
            retries: int = 4, sleep=time.sleep) -> str:
    """Commit ``paths`` as the bot and push; on a rejected push, pull --rebase and try again.

    Returns a one-line description.  Raises GitError when the push cannot be made.
    """
    git(repo, "add", "-A", "--", *paths)
    if git(repo, "diff", "--cached", "--quiet", check=False).returncode == 0:
        return "nothing to commit"
    git(repo, "-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}", "commit", "-q", "-m", message)
    branch = branch or git(repo, "rev-parse", "--abbrev-ref", "HEAD").stdout.strip()
    for attempt in range(retries + 1):
        if git(repo, "push", "-q", remote, f"HEAD:{branch}", check=False).returncode == 0:
            sha = git(repo, "rev-parse", "--short", "HEAD").stdout.strip()
            return f"pushed {sha} to {remote}/{branch}" + (f" after {attempt} rebase(s)" if attempt else "")
        if attempt == retries:
            break
        log.info("push rejected; pulling with rebase (try %d/%d)", attempt + 1, retries)
        rebase = git(repo, "-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}", "pull", "-q", "--rebase",
                     remote, branch, check=False)
        if rebase.returncode != 0:
            git(repo, "rebase", "--abort", check=False)
            raise GitError(f"pull --rebase from {remote}/{branch} conflicted; the next run will redo this day")
        sleep(min(2**attempt, 30))
    raise GitError(f"push to {remote}/{branch} still rejected after {retries} retries")


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
