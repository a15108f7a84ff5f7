"""Measure the keyword selector on every hand-labelled corpus day.

For each labelled day and for all of them together: precision / recall of the
medical-AI decision on the high-confidence labels (the low-confidence slice
apart), topic accuracy on the true positives, and the errors so the vocabulary
can be reviewed.  Then, on every corpus day (labelled or not), how many papers
are kept per topic, and a histogram of the relevance % of the kept papers —
the figures a change to ``selection`` or ``topics`` must report before/after.

Labels: ``../shared/eval/dev_labels.jsonl`` (the dev day) and every file in
``bench/labels/``; a file may hold several days.

    python bench/classify.py [--labels FILE ...] [--config config.yml] [-v]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.config import Config, load_config  # noqa: E402
from generator.corpus import load_listing  # noqa: E402
from generator.model import Paper, Selection  # noqa: E402
from generator.select import classify  # noqa: E402

SHARED = ROOT.parent / "shared"
LABEL_TOPIC = {"biomed_other": "biomed"}  # the labels' name for our `biomed` topic
BINS = [(0, 9), (10, 19), (20, 29), (30, 39), (40, 49), (50, 59), (60, 69), (70, 79), (80, 89), (90, 100)]


def default_label_files() -> list[Path]:
    return [SHARED / "eval" / "dev_labels.jsonl", *sorted((ROOT / "bench" / "labels").glob("*.jsonl"))]


@dataclass
class Score:
    """Confusion counts and topic agreement for one slice of labels."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    topic_ok: int = 0
    errors: list[tuple[str, dict, Selection]] = field(default_factory=list)

    def add(self, lab: dict, s: Selection) -> None:
        truth = bool(lab["medical_ai"])
        if s.keep and truth:
            self.tp += 1
            if s.topic == LABEL_TOPIC.get(lab["topic"], lab["topic"]):
                self.topic_ok += 1
            else:
                self.errors.append(("topic", lab, s))
        elif s.keep:
            self.fp += 1
            self.errors.append(("FP", lab, s))
        elif truth:
            self.fn += 1
            self.errors.append(("FN", lab, s))
        else:
            self.tn += 1

    def merge(self, other: Score) -> None:
        for k in ("tp", "fp", "fn", "tn", "topic_ok"):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def line(self) -> str:
        n = self.tp + self.fp + self.fn + self.tn
        prec = self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")
        rec = self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")
        acc = self.topic_ok / self.tp if self.tp else float("nan")
        return (
            f"n={n} positives={self.tp + self.fn} kept={self.tp + self.fp} TP={self.tp} FP={self.fp} "
            f"FN={self.fn} TN={self.tn} precision={prec:.3f} recall={rec:.3f} "
            f"topic_accuracy={acc:.3f} ({self.topic_ok}/{self.tp})"
        )


def load_labels(files: list[Path]) -> dict[str, list[dict]]:
    """Labels grouped by day (a later file's label for the same id and day wins)."""
    by_day: dict[str, dict[str, dict]] = defaultdict(dict)
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                lab = json.loads(line)
                by_day[lab["date"]][lab["id"]] = lab
    return {day: list(labs.values()) for day, labs in sorted(by_day.items())}


def score_days(labels: dict[str, list[dict]], listings: Path, cfg: Config, verbose: bool) -> None:
    totals = {"high": Score(), "low": Score()}
    calib: Counter[tuple[int, bool]] = Counter()  # (relevance bin, labelled medical AI) on high-confidence labels
    for day, labs in labels.items():
        papers = {p.id: p for p in load_listing(listings / f"{day}.jsonl")}
        for conf in ("high", "low"):
            sc = Score()
            for lab in labs:
                if lab["confidence"] == conf:
                    s = classify(papers[lab["id"]], cfg)
                    sc.add(lab, s)
                    if conf == "high" and s.relevance > 0:
                        calib[_bin(s.relevance), bool(lab["medical_ai"])] += 1
            totals[conf].merge(sc)
            print(f"{day} {conf}-confidence: {sc.line()}")
            if verbose or conf == "high":
                print_errors(sc, papers, verbose)
    for conf in ("high", "low"):
        print(f"TOTAL ({len(labels)} days) {conf}-confidence: {totals[conf].line()}")
    print("calibration (high-confidence labels with some medical signal): relevance bin, papers, share labelled medical AI")
    for i, (lo, hi) in enumerate(BINS):
        n = calib[i, True] + calib[i, False]
        if n:
            print(f"  {lo:3d}-{hi:<3d} {n:5d} {calib[i, True] / n:6.2f}")


def _bin(relevance: int) -> int:
    return next(i for i, (lo, hi) in enumerate(BINS) if lo <= relevance <= hi)


def print_errors(sc: Score, papers: dict[str, Paper], verbose: bool) -> None:
    for kind, lab, s in sc.errors:
        title = papers[lab["id"]].title[:90]
        print(f"  {kind:5} {lab['id']} rel={s.relevance:3d} topic={s.topic} label={lab['topic']}  {title}")
        if verbose:
            print(f"        {s.reason_en}")


def corpus_figures(listings: Path, cfg: Config) -> None:
    """Kept papers per corpus day and topic, and the relevance histogram of all kept papers."""
    topics = [t.id for t in cfg.topics]
    hist: Counter[int] = Counter()
    print("\nkept per corpus day: " + " ".join(f"{t:>12}" for t in topics) + "  total / papers")
    grand = 0
    for f in sorted(listings.glob("*.jsonl")):
        papers = load_listing(f)
        kept = [s for s in (classify(p, cfg) for p in papers) if s.keep]
        per = Counter(s.topic for s in kept)
        for s in kept:
            hist[_bin(s.relevance)] += 1
        grand += len(kept)
        print(f"  {f.stem}:        " + " ".join(f"{per[t]:>12}" for t in topics) + f"  {len(kept):>5} / {len(papers)}")
    print(f"  all days: {grand} kept")
    print("relevance % of kept papers (all corpus days):")
    for i, (lo, hi) in enumerate(BINS):
        if lo >= cfg.selection.threshold - 10 or hist[i]:
            n = hist[i]
            print(f"  {lo:3d}-{hi:<3d} {n:5d} {100 * n / max(grand, 1):5.1f}%  {'#' * round(60 * n / max(grand, 1))}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", type=Path, nargs="*", help="label files (default: the dev day and bench/labels/)")
    ap.add_argument("--listings", type=Path, default=SHARED / "corpus" / "listings")
    ap.add_argument("--config", type=Path, default=ROOT / "config.yml")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every error with its reason")
    args = ap.parse_args()
    files = args.labels or default_label_files()
    missing = [f for f in files if not f.exists()]
    if missing or not args.listings.is_dir():
        print(f"not found: {missing or args.listings} (is ../shared beside the repo?)", file=sys.stderr)
        return 2
    cfg = load_config(args.config, env={})
    score_days(load_labels(files), args.listings, cfg, args.verbose)
    corpus_figures(args.listings, cfg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
