"""Build a synthetic archive of N issues from real corpus papers and print what it costs.

The archive lives in a temporary folder (never in the repository).  Each issue
has --papers papers taken from ../shared/corpus/listings with synthetic
Chinese fields of realistic length, so page and index sizes match an enriched
archive.  Prints render and build seconds, peak memory, site size, the search
payload (raw and gzipped) and the largest page; with --incremental it then adds
one issue and times the daily rebuild.

    python bench/site_scale.py --issues 1300 [--papers 50] [--incremental] [--keep]
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.config import load_config  # noqa: E402
from generator.demo import copy_skeleton  # noqa: E402
from generator.render.site import render_all  # noqa: E402
from generator.store import Store  # noqa: E402
from tests.synthetic import synth_archive  # noqa: E402
from generator.kinds.registry import DAILY

LISTINGS = ROOT.parent / "shared" / "corpus" / "listings"
def build(root: Path, env: dict, extra: list[str] = ()) -> tuple[float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "generator", "-q", "-c", str(root / "config.yml"), "build", *extra],
                          cwd=root, env=env, capture_output=True, text=True)
    took = time.monotonic() - t
    if proc.returncode:
        print(proc.stdout, proc.stderr, file=sys.stderr)
        raise SystemExit("build failed")
    return took, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 6))


def report(site: Path) -> None:
    files = [p for p in site.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    print(f"site: {len(files)} files, {total / 1e6:.1f} MB")
    parts: dict[str, list[int]] = {}
    for p in files:
        rel = p.relative_to(site).parts
        name = "/".join(rel[:2]) if rel[0] in ("en", "exports", "assets") and len(rel) > 2 else rel[0]
        if len(rel) == 1:
            name = "(top-level files)"
        parts.setdefault(name, [0, 0])
        parts[name][0] += 1
        parts[name][1] += p.stat().st_size
    for name, (n, size) in sorted(parts.items(), key=lambda kv: -kv[1][1])[:12]:
        print(f"  {name}: {n} files, {size / 1e6:.1f} MB")
    index_files = [p for p in files if "search" in p.parts and p.suffix == ".json"]
    for p in sorted(index_files)[:12]:
        raw = p.read_bytes()
        print(f"  search payload {p.relative_to(site)}: {len(raw) / 1e6:.2f} MB raw, {gz(raw) / 1e6:.2f} MB gzipped")
    if len(index_files) > 12:
        print(f"  … {len(index_files) - 12} more index files")
    pages = [p for p in files if p.name == "index.html" and "issues" in p.parts]
    if pages:
        big = max(pages, key=lambda p: p.stat().st_size)
        raw = big.read_bytes()
        print(f"largest issue page {big.relative_to(site)}: {len(raw) / 1e3:.0f} KB raw, {gz(raw) / 1e3:.0f} KB gzipped")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--issues", type=int, default=100)
    ap.add_argument("--papers", type=int, default=50)
    ap.add_argument("--incremental", action="store_true", help="then add one issue and time the daily rebuild")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder and print it")
    args = ap.parse_args()
    if not LISTINGS.is_dir():
        print(f"corpus not found: {LISTINGS}", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="site-scale-"))
    try:
        copy_skeleton(tmp)
        cfg = load_config(tmp / "config.yml", env={})
        store = Store.of(cfg)  # with the parse cache, as `build` uses it
        t = time.monotonic()
        days = synth_archive(store, cfg, args.issues, args.papers)
        print(f"{args.issues} issues x {args.papers} papers generated in {time.monotonic() - t:.1f}s")
        t = time.monotonic()
        render_all(cfg, store)
        print(f"render (records -> pages + feeds): {time.monotonic() - t:.1f}s")
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        took_zh, _ = build(tmp, dict(env, MAID_BUILD_EN="false"))
        shutil.rmtree(tmp / "site", ignore_errors=True)
        took, peak = build(tmp, env)
        print(f"build zh only: {took_zh:.1f}s; build zh + en: {took:.1f}s (en ≈ {took - took_zh:.1f}s); "
              f"peak memory {peak / 1024:.0f} MB")
        report(tmp / "site")
        if args.incremental:
            last = store.series(DAILY).get(days[-1])
            new_day = (date.fromisoformat(days[-1]) + timedelta(days=1 if date.fromisoformat(days[-1]).weekday() < 4 else 3)).isoformat()
            last.date, last.number = new_day, last.number + 1
            for e in last.entries:
                e.id = e.id[:5] + "9" + e.id[6:]  # 9xxxx: a sequence no month of the synthetic archive reaches
            store.series(DAILY).save(last)
            t = time.monotonic()
            render_all(cfg, store)
            took_inc, _ = build(tmp, env, ["--incremental"])
            print(f"incremental daily build (one new issue): render {time.monotonic() - t - took_inc:.1f}s + build {took_inc:.1f}s")
        if args.keep:
            print(f"kept: {tmp}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
