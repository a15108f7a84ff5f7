"""Enrich a real corpus day's candidates against the fake LLM with a fixed latency per call.

Prints wall time, calls, tokens and cache behaviour on a second run.

    python bench/enrich.py [--day 2025-06-09] [--latency 2] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.config import load_config  # noqa: E402
from generator.corpus import load_listing  # noqa: E402
from generator.enrich import Enricher  # noqa: E402
from generator.model import Entry  # noqa: E402
from generator.kinds.arxiv_daily import paper_input  # noqa: E402
from generator.pipeline import select_papers  # noqa: E402
from tests.fake_llm import FakeLLM  # noqa: E402

LISTINGS = ROOT.parent / "shared" / "corpus" / "listings"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--day", default="2025-06-09")
    ap.add_argument("--latency", type=float, default=2.0, help="seconds per LLM call")
    ap.add_argument("--concurrency", type=int, default=None, help="default: llm.max_concurrency from config.yml")
    args = ap.parse_args()
    path = LISTINGS / f"{args.day}.jsonl"
    if not path.exists():
        print(f"corpus day not found: {path}", file=sys.stderr)
        return 2
    with FakeLLM(latency=args.latency) as llm, tempfile.TemporaryDirectory() as tmp:
        cfg = load_config(ROOT / "config.yml", env={"LLM_BASE_URL": llm.base_url})
        llm_cfg = replace(cfg.llm, max_concurrency=args.concurrency or cfg.llm.max_concurrency)
        cfg = replace(cfg, llm=llm_cfg, paths=replace(cfg.paths, cache=Path(tmp)))
        papers = load_listing(path)
        sel = select_papers(papers, cfg, published={}, threshold=cfg.llm.prefilter_threshold)
        inputs = [paper_input(Entry.from_paper(p, s)) for p, s in sel.kept]
        kept_at_keyword_bar = sum(1 for _, s in sel.kept if s.relevance >= cfg.selection.threshold)
        print(f"{args.day}: {len(papers)} papers, {len(inputs)} candidates for the LLM "
              f"(pre-filter {cfg.llm.prefilter_threshold}%; {kept_at_keyword_bar} pass the keyword bar), "
              f"latency {args.latency:.1f}s/call, concurrency {cfg.llm.max_concurrency}")
        for run in (1, 2):
            e = Enricher(cfg, "bench-key")
            t = time.monotonic()
            out = e.enrich_many(inputs, progress=False)
            wall = time.monotonic() - t
            print(f"run {run}: wall {wall:.1f}s, {e.stats.calls} calls, {e.stats.cache_hits} cache hits, "
                  f"{sum(v is not None for v in out.values())}/{len(inputs)} enriched, "
                  f"tokens {e.stats.prompt_tokens} in / {e.stats.completion_tokens} out")
        print(f"server saw {len(llm.requests)} requests, at most {llm.max_in_flight} at once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
