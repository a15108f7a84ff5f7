"""docs/guarantees*.md: every guarantee names the tests that hold it, and those tests exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "docs/guarantees.md", ROOT / "docs/guarantees.en.md"]


def _guarantees(page: Path) -> list[str]:
    """The bold-headed paragraphs of a page."""
    return [p for p in page.read_text(encoding="utf-8").split("\n\n") if p.startswith("**")]


def test_every_guarantee_names_existing_tests_and_both_languages_agree():
    cited = []
    for page in PAGES:
        paragraphs = _guarantees(page)
        assert len(paragraphs) >= 14, page
        files = []
        for para in paragraphs:
            refs = re.findall(r"`((?:tests|bench)/[\w/]+\.py)`", para)
            assert any(r.startswith("tests/") for r in refs), f"{page.name}: a guarantee names no test: {para[:80]}"
            for ref in refs:
                assert (ROOT / ref).is_file(), f"{page.name} cites {ref}, which does not exist"
            files.append(sorted(set(refs)))
        cited.append(files)
    assert cited[0] == cited[1], "the Chinese and English pages must state the same guarantees with the same tests"
