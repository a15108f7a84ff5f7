"""What the citation exports cost at archive scale: build and write times, file count and size.

    python bench/exports.py --issues 1300 [--papers 50]

Builds a synthetic archive of real corpus papers in a temporary folder, then times ``build_exports`` and writing
into an empty site (a full build), and writing again with nothing changed (the daily incremental build).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.config import load_config  # noqa: E402
from generator.demo import copy_skeleton  # noqa: E402
from generator.render.exports import build_exports  # noqa: E402
from generator.render.site import write_exports  # noqa: E402
from generator.store import Store  # noqa: E402
from tests.synthetic import synth_archive  # noqa: E402
from generator.kinds.registry import DAILY


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--issues", type=int, default=300)
    ap.add_argument("--papers", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="maid-exports-") as tmp:
        root = Path(tmp)
        copy_skeleton(root)
        cfg = load_config(root / "config.yml", env={})
        store = Store.of(cfg)
        synth_archive(store, cfg, args.issues, args.papers)
        issues = list(store.series(DAILY).all())
        t = time.monotonic()
        files = build_exports(cfg, issues, [])
        built = time.monotonic() - t
        size = sum(len(v) for v in files.values())
        print(f"{args.issues} issues x {args.papers} papers: {len(files)} export files, {size / 1e6:.1f} MB; "
              f"build_exports {built:.1f}s")
        site = root / "site"
        for label in ("first write (full build)", "second write (nothing changed)"):
            t = time.monotonic()
            res = write_exports(cfg, site, store)
            print(f"{label}: {time.monotonic() - t:.1f}s, {len(res.written)} written, {res.unchanged} unchanged")


if __name__ == "__main__":
    main()
