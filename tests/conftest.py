"""Shared fixtures: the loopback arXiv stand-in, a throw-away project folder, the shared corpus."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
import yaml

from generator.config import load_config
from generator.corpus import load_listing
from generator.demo import copy_skeleton
from generator.standin import ArxivStandIn
from generator.kinds.registry import DAILY

# In CI the property tests draw the same examples every run (a red build is reproducible, never luck); on a
# developer's machine they keep exploring new ones, which is how they find the next hole.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
LISTINGS = SHARED / "corpus" / "listings"


def require_shared() -> Path:
    """The shared corpus beside the repo: skip without it, but fail in CI, where it must be."""
    if not LISTINGS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED} is missing: CI must provide ../shared beside the repository")
        pytest.skip(f"{SHARED} not found beside the repository (the real-corpus tests need it)")
    return SHARED


def corpus_day(day: str):
    require_shared()
    return load_listing(LISTINGS / f"{day}.jsonl")


@pytest.fixture
def arxiv_server():
    with ArxivStandIn() as server:
        yield server


@pytest.fixture
def project(tmp_path: Path, arxiv_server: ArxivStandIn):
    """A fresh project folder (config, mkdocs.yml, docs skeleton) wired to the stand-in."""
    return setup_project(tmp_path, arxiv_server)


def setup_project(root: Path, server: ArxivStandIn, **llm) -> "Project":
    copy_skeleton(root)
    cfg_path = root / "config.yml"
    raw = yaml.safe_load(cfg_path.read_text())
    raw["arxiv"].update(api_delay_seconds=0, retries=2, timeout_seconds=5)
    # the optional per-paper remotes are off unless a test serves them (tests never leave this machine)
    raw["signals"].update(hf=False, institutions=False)
    raw["preprints"].update(enabled=False)  # medRxiv/bioRxiv only where a test serves them (tests/test_preprints.py)
    raw["llm"].update(llm)
    raw["site"]["url"] = "https://digest.example.org/"
    cfg_path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
    env = {
        "ARXIV_RSS_URL": server.rss_base,
        "ARXIV_API_URL": server.api_url,
        "PATH": os.environ.get("PATH", ""),
    }
    return Project(root, cfg_path, env, server)


class Project:
    def __init__(self, root: Path, config: Path, env: dict, server: ArxivStandIn):
        self.root, self.config, self.env, self.server = root, config, env, server

    def cfg(self, **arxiv_overrides):
        cfg = load_config(self.config, env=self.env)
        if arxiv_overrides:
            cfg = replace(cfg, arxiv=replace(cfg.arxiv, **arxiv_overrides))
        return cfg

    def snapshot(self, *folders: str) -> dict[str, bytes]:
        return snapshot(self.root, folders)


def snapshot(root: Path, folders=("data", "docs", "feeds")) -> dict[str, bytes]:
    """Every file under ``folders`` (relative path -> bytes), the run lock aside: to compare whole outputs."""
    out = {}
    for folder in folders:
        for p in sorted((root / folder).rglob("*")):
            if p.is_file() and p.name != ".lock":
                out[str(p.relative_to(root))] = p.read_bytes()
    return out


def debian_tool(exe: str, package: str) -> str:
    """A program from Debian's packages: installed on demand where that is possible (as root with apt), else skip -
    but fail in CI, where the tests must run."""
    found = shutil.which(exe)
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", package], capture_output=True, env=env)
        found = shutil.which(exe)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail(f"{exe} is not installed and could not be installed with apt-get (package {package})")
    pytest.skip(f"{exe} is not available (apt-get install {package})")


def one_paper_project(root: Path, day: str = "2025-06-09"):
    """A project skeleton with one issue of one paper, rendered: (config, store)."""
    from generator.model import Entry, DailyIssue, Paper, Section, Selection
    from generator.render.site import render_all
    from generator.store import Store

    copy_skeleton(root)
    cfg = load_config(root / "config.yml", env={})
    store = Store.of(cfg)
    p = Paper(id="2506.00001", version=1, title="Liver tumour segmentation in CT", abstract="CT of patients.",
              authors=["Ann One"], categories=["eess.IV"])
    e = Entry.from_paper(p, Selection(True, "imaging", 90, 9.0, "影像｜命中：CT", "Imaging | matched: CT"))
    store.series(DAILY).save(DailyIssue(date=day, number=1, sections=[Section("imaging", [e])]))
    render_all(cfg, store)
    return cfg, store


A11Y = Path(__file__).parent / "a11y"


def npm_file(relative: str) -> Path:
    """A file from the test-only npm packages pinned in tests/a11y/package-lock.json (axe-core), installed there
    with `npm ci` on first use - skip where npm is missing, but fail in CI, where the tests must run."""
    target = A11Y / "node_modules" / relative
    if target.is_file():
        return target
    npm = debian_tool("npm", "npm")
    with (A11Y / ".install.lock").open("w") as lock:  # two xdist workers may ask at once
        import fcntl

        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.is_file():
            proc = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=A11Y,
                                  capture_output=True, text=True, timeout=600)
            if proc.returncode and os.environ.get("CI"):
                pytest.fail(f"npm ci in tests/a11y failed:\n{proc.stdout}\n{proc.stderr}")
    if not target.is_file():
        pytest.skip(f"{relative} is not installed (npm ci in {A11Y})")
    return target
