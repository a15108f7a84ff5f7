"""validate is the pull request's guard: it names unsafe editor text and stray generated files; runs still go on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from generator.store import Store

from .conftest import one_paper_project
from generator.kinds.registry import DAILY

ROOT = Path(__file__).resolve().parents[1]
DAY = "2025-06-09"


def _project(tmp_path: Path):
    return one_paper_project(tmp_path, DAY)


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", "-c", str(root / "config.yml"), *args], cwd=root,
                          capture_output=True, text=True, timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def _edit(store: Store, **fields) -> None:
    path = store.series(DAILY).path(DAY)
    raw = yaml.safe_load(path.read_text())
    paper = raw["sections"][0]["papers"][0]
    paper.update(fields.pop("paper", {}))
    raw.update(fields)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))


def test_validate_names_the_field_and_construct_of_unsafe_editor_text_but_runs_go_on(tmp_path):
    cfg, store = _project(tmp_path)
    _edit(store, paper={"editor_note": 'Nice ![x](x){: onerror="alert(1)"}', "edited": ["editor_note"]},
          editor_note={"zh": "[点我](javascript:alert(1))", "en": "<img src=x onerror=alert(1)>"})
    proc = _cli(tmp_path, "validate")
    assert proc.returncode == 1
    err = proc.stderr
    assert f"data/issues/2025/{DAY}.yaml: paper 2506.00001: field editor_note: " in err
    assert "attribute list" in err and "javascript:" in err and "raw HTML <img>" in err
    assert "field editor_note.zh" in err and "field editor_note.en" in err
    # merged anyway: the render is safe, and a writing command warns instead of refusing to work
    proc = _cli(tmp_path, "render")
    assert proc.returncode == 0, proc.stderr
    assert "warning:" in proc.stderr and "editor_note" in proc.stderr
    page = (cfg.paths.docs / f"issues/2025/{DAY}.entries.html").read_text()
    assert "<img" not in page, page
    assert 'href="javascript' not in page.lower()


def test_validate_names_a_stray_file_in_a_generated_folder(tmp_path):
    cfg, store = _project(tmp_path)
    stray = cfg.paths.docs / "issues/2025/extra.html"
    stray.write_text("<script>window.__pwned=1</script>")
    proc = _cli(tmp_path, "validate")
    assert proc.returncode == 1
    assert "docs/issues/2025/extra.html: no record produces this file" in proc.stderr
    _cli(tmp_path, "render")
    assert not stray.exists()
    assert _cli(tmp_path, "validate").returncode == 0
