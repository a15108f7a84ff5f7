"""Run every fault scenario (tests/fault_scenarios.py) and print how many were run and survived.

    python bench/faults.py [-k SUBSTRING]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fault_scenarios import SCENARIOS, run_scenario  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", default="", help="only scenarios whose name contains this")
    args = ap.parse_args()
    chosen = [s for s in SCENARIOS if args.k in s.name]
    survived = 0
    t0 = time.monotonic()
    for sc in chosen:
        t = time.monotonic()
        problem = run_scenario(sc)
        survived += not problem
        status = "survived" if not problem else f"FAILED: {problem.splitlines()[0][:120]}"
        print(f"{sc.remote:10s} {sc.name:50s} expect {sc.expect:9s} {time.monotonic() - t:5.1f}s  {status}")
    print(f"\n{len(chosen)} fault scenarios run, {survived} survived, {len(chosen) - survived} failed "
          f"({time.monotonic() - t0:.0f}s)")
    return 0 if survived == len(chosen) else 1


if __name__ == "__main__":
    sys.exit(main())
