"""Measure the keyword selector on the hand-labelled dev day.

Prints precision / recall of the medical-AI decision on the high-confidence
labels (the low-confidence slice apart), topic accuracy on the true positives,
and the misclassified papers so the vocabulary can be reviewed.

    python bench/classify.py [--labels ../shared/eval/dev_labels.jsonl] [--config config.yml] [-v]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.config import load_config  # noqa: E402
from generator.corpus import load_listing  # noqa: E402
from generator.select import classify  # noqa: E402

SHARED = ROOT.parent / "shared"
LABEL_TOPIC = {"biomed_other": "biomed"}  # the labels' name for our `biomed` topic


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", type=Path, default=SHARED / "eval" / "dev_labels.jsonl")
    ap.add_argument("--listings", type=Path, default=SHARED / "corpus" / "listings")
    ap.add_argument("--config", type=Path, default=ROOT / "config.yml")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every error")
    args = ap.parse_args()
    if not args.labels.exists():
        print(f"labels not found: {args.labels} (is ../shared beside the repo?)", file=sys.stderr)
        return 2
    cfg = load_config(args.config)
    labels = [json.loads(line) for line in args.labels.read_text().splitlines() if line.strip()]
    day = labels[0]["date"]
    papers = {p.id: p for p in load_listing(args.listings / f"{day}.jsonl")}

    for conf in ("high", "low"):
        rows = [lab for lab in labels if lab["confidence"] == conf]
        tp = fp = fn = tn = 0
        topic_ok = topic_n = 0
        errors = []
        for lab in rows:
            s = classify(papers[lab["id"]], cfg)
            truth = bool(lab["medical_ai"])
            if s.keep and truth:
                tp += 1
                topic_n += 1
                want = LABEL_TOPIC.get(lab["topic"], lab["topic"])
                if s.topic == want:
                    topic_ok += 1
                else:
                    errors.append(("topic", lab, s))
            elif s.keep:
                fp += 1
                errors.append(("FP", lab, s))
            elif truth:
                fn += 1
                errors.append(("FN", lab, s))
            else:
                tn += 1
        prec = tp / (tp + fp) if tp + fp else float("nan")
        rec = tp / (tp + fn) if tp + fn else float("nan")
        acc = topic_ok / topic_n if topic_n else float("nan")
        print(
            f"{day} {conf}-confidence: n={len(rows)} positives={tp + fn} kept={tp + fp} "
            f"TP={tp} FP={fp} FN={fn} TN={tn} precision={prec:.3f} recall={rec:.3f} "
            f"topic_accuracy={acc:.3f} ({topic_ok}/{topic_n})"
        )
        if args.verbose or conf == "high":
            for kind, lab, s in errors:
                title = papers[lab["id"]].title[:90]
                print(f"  {kind:5} {lab['id']} rel={s.relevance:3d} topic={s.topic} label={lab['topic']}  {title}")
                if args.verbose:
                    print(f"        {s.reason_en}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
