"""What ``publish`` does when its push is rejected: reconcile with the remote tip, then render and build again.

The git side (commit, push, fetch, reset, retries) is ``gitops.publish``; the record side (marking the tip's edits,
putting this run's record changes back) is ``edits``.  This module joins them with a fresh render in a new process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .pipeline import RunError
from .store import Store
from .writing import writing


def regenerate(cfg, build: bool) -> None:
    """Render (and build) in a new process: after a reset to the remote tip its code may be newer than ours."""
    (cfg.paths.cache / "render-manifest.json").unlink(missing_ok=True)  # every page from the merged records
    cmd = [sys.executable, "-m", "generator", "-q", "-c", str(cfg.path), "build" if build else "render"]
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_TOKEN"}  # the token stays with git push
    proc = subprocess.run(cmd, cwd=cfg.root, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()]
        raise RunError(f"{'build' if build else 'render'} after reconciling failed: {lines[-1] if lines else proc.returncode}")


def reconciler(cfg, repo: Path, changes: dict, build: bool):
    """What publish does on the remote tip: mark its edits, put this run's record changes back, render, build."""
    from .edits import mark_edits, reapply

    store = Store.of(cfg)
    status_rel = str(store.status_path.relative_to(repo))

    def reconcile(start: str, tip: str) -> list[str]:
        with writing(cfg):
            report = mark_edits(cfg, store)  # against the base the tip records; stamps `reconciled: <tip>`
            notes = reapply(repo, changes, start, status_rel)
        for line in report.lines() + notes:
            print(line)
        regenerate(cfg, build)
        return notes

    return reconcile
