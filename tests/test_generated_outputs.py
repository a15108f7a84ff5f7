"""Generated files are outputs, never inputs: whatever is on disk, a render makes them what the records give."""

from __future__ import annotations

from pathlib import Path

from generator.render.site import render_all

from .conftest import one_paper_project

DAY = "2025-06-09"
SCRIPT = b'\n<script>window.__pwned = 1</script>\n'


def _project(tmp_path: Path):
    return one_paper_project(tmp_path, DAY)


def test_a_hand_edited_page_or_fragment_is_rewritten_by_the_next_render(tmp_path):
    cfg, store = _project(tmp_path)
    render_all(cfg, store)
    docs = cfg.paths.docs
    targets = [docs / "issues/2025/2025-06-09.entries.html", docs / "issues/2025/2025-06-09.md",
               docs / "topics/imaging.md", docs / "index.en.md"]
    clean = {t: t.read_bytes() for t in targets}
    for t in targets:
        t.write_bytes(t.read_bytes() + SCRIPT)
    res = render_all(cfg, store)  # the parse/render caches say "unchanged inputs": the outputs must still be checked
    for t in targets:
        assert t.read_bytes() == clean[t], t
    assert sorted(res.written) == sorted(f"docs/{t.relative_to(docs)}" for t in targets)
    # the same with the bytes replaced rather than appended (same length)
    frag = targets[0]
    frag.write_bytes(frag.read_bytes().replace(b"<", b"!", 1))
    render_all(cfg, store)
    assert frag.read_bytes() == clean[frag]


def test_files_no_record_produces_are_removed_from_the_generated_folders(tmp_path):
    cfg, store = _project(tmp_path)
    render_all(cfg, store)
    docs = cfg.paths.docs
    strays = [docs / "issues/2025/evil.html", docs / "issues/2025/2025-06-10.md", docs / "topics/evil.js",
              docs / "journal/2025/x.entries.html", docs / "highlights/2025/w.md", docs / "issues/evil/deep/x.svg"]
    for s in strays:
        s.parent.mkdir(parents=True, exist_ok=True)
        s.write_bytes(SCRIPT)
    res = render_all(cfg, store)
    assert [s for s in strays if s.exists()] == []
    assert len(res.removed) == len(strays)
    assert (docs / "issues/2025/2025-06-09.md").exists() and (docs / "about.md").exists()


def test_a_file_slipped_into_the_search_index_folder_is_removed(tmp_path):
    cfg, store = _project(tmp_path)
    render_all(cfg, store)
    index = cfg.paths.docs / "assets/search"
    assert list(index.glob("*.json"))
    evil = index / "evil.js"
    evil.write_bytes(SCRIPT)
    render_all(cfg, store)
    assert not evil.exists()
