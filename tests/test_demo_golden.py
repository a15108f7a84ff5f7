"""The demo's pages and feeds, byte for byte: a refactor must not change what readers get.

The digests of every file the demo writes into docs/ and feeds/ are committed in tests/golden/demo.sha256.  When a
change is meant to alter the output (new wording, a new field shown), regenerate them on purpose and say why in the
commit:  MAID_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_demo_golden.py
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from generator.demo import copy_skeleton, run_demo

GOLDEN = Path(__file__).parent / "golden" / "demo.sha256"


def _digests(root: Path, hand_written: set[str]) -> dict[str, str]:
    """Digests of the generated files (hand-written pages and assets are copied, not rendered: left out)."""
    out = {}
    for folder in ("docs", "feeds"):
        for p in sorted((root / folder).rglob("*")):
            rel = str(p.relative_to(root))
            if p.is_file() and "vendor" not in p.parts and rel not in hand_written:
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def test_the_demo_pages_and_feeds_are_byte_identical_to_the_recorded_ones(tmp_path, capsys):
    assert run_demo(tmp_path / "demo") == 0
    copy_skeleton(tmp_path / "skeleton")
    skeleton = tmp_path / "skeleton"
    hand_written = {str(p.relative_to(skeleton)) for p in skeleton.rglob("*") if p.is_file()}
    now = _digests(tmp_path / "demo", hand_written)
    if os.environ.get("MAID_UPDATE_GOLDEN"):
        GOLDEN.write_text("".join(f"{d}  {p}\n" for p, d in sorted(now.items())))
    recorded = dict(line.split("  ", 1)[::-1] for line in GOLDEN.read_text().splitlines() if line.strip())
    changed = sorted(p for p in set(now) | set(recorded) if now.get(p) != recorded.get(p))
    assert not changed, (f"{len(changed)} demo files differ from tests/golden/demo.sha256 (first: {changed[:8]}); "
                         "if the change is intended, regenerate it (see this test's docstring)")
    assert len(now) > 50
