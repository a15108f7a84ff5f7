"""The site build: ``mkdocs build`` over the rendered pages, then the exports into the built site.

Kept apart from the command line so that the demo, the tests and the benchmarks build a site the way ``build`` does
without importing the CLI (which imports every job).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .store import Store
from .kinds.registry import DAILY

log = logging.getLogger(__name__)

# remembers, in the built site, the theme digest it was built with (``build --incremental``)
BUILD_STAMP = ".maid-build.json"


class BuildError(Exception):
    """MkDocs could not build the site; the message is one line."""


def theme_digest(cfg) -> str:
    """Everything besides the pages that shapes every built page: a change means a full build."""
    h = hashlib.sha1(__version__.encode())
    paths = [cfg.root / "mkdocs.yml", *sorted((cfg.root / "overrides").rglob("*")),
             *sorted(p for p in (cfg.paths.docs / "assets").rglob("*") if "search" not in p.parts)]
    for p in paths:
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(cfg.root)).encode() + p.read_bytes())
    return h.hexdigest()


def mkdocs_build(cfg, site_dir: Path | None = None, strict: bool = True, dirty: bool = False) -> None:
    """``mkdocs build`` of the rendered docs/ into ``site_dir``, then the exports (citations, JSON) into it."""
    site_dir = site_dir or cfg.paths.site
    cmd = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(cfg.root / "mkdocs.yml"), "-d", str(site_dir.resolve())]
    if dirty:
        cmd.append("--dirty")  # MkDocs warns that a dirty build may be inaccurate: never strict
    elif strict:
        cmd.append("--strict")
    env = dict(os.environ, MAID_SITE_URL=cfg.site.url, MAID_REPO_URL=cfg.site.repo_url,
               MAID_EDIT_URI=f"edit/{cfg.site.edit_branch}/docs/", NO_MKDOCS_2_WARNING="1")
    # reproducible output: MkDocs dates the sitemap by SOURCE_DATE_EPOCH; use the newest issue's date
    newest = max((p.stem for p in Store.of(cfg).series(DAILY).paths()), default="2025-01-01")
    env.setdefault("SOURCE_DATE_EPOCH", str(int(datetime.fromisoformat(newest).replace(tzinfo=timezone.utc).timestamp())))
    proc = subprocess.run(cmd, cwd=cfg.root, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()]
        detail = next((ln for ln in lines if "WARNING" in ln or "ERROR" in ln or "Error" in ln), lines[-1] if lines else "")
        sys.stderr.write(proc.stderr)
        raise BuildError(f"mkdocs build failed: {detail.strip()}")
    from .render.site import write_exports

    res = write_exports(cfg, site_dir)
    log.info("exports: %d written, %d unchanged, %d removed", len(res.written), res.unchanged, len(res.removed))


def build_site(cfg, site_dir: Path, strict: bool = True, incremental: bool = False, removed: bool = False) -> bool:
    """Build the rendered pages into ``site_dir``; with ``incremental``, only pages whose sources changed when the
    theme is the one the folder was built with and no page was ``removed``.  Returns whether the build was
    incremental."""
    stamp = site_dir / BUILD_STAMP
    theme = theme_digest(cfg)
    dirty = False
    if incremental:
        try:
            dirty = json.loads(stamp.read_text()).get("theme") == theme and not removed
        except (FileNotFoundError, ValueError):
            dirty = False
        if not dirty:
            log.info("full build: no previous build here, or the theme/assets changed, or a page was removed")
    mkdocs_build(cfg, site_dir, strict=strict, dirty=dirty)
    stamp.write_text(json.dumps({"theme": theme}))
    return dirty
