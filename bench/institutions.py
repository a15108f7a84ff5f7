"""Measure the institution readers on the real captures in ../shared/corpus/raw/signals/ against hand labels.

Prints, per source (the arXiv HTML author block, OpenAlex works) and per file, the institutions in truth, found right,
found wrong (precision) and missed (recall); for the HTML pages also who-is-where (author, institution) pairs.

    python bench/institutions.py [--shared ../shared] [--labels bench/labels/institutions-signals.yaml] [-v]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Callable

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.sources.authorblock import Found, html_institutions  # noqa: E402
from generator.sources.signals import openalex_institutions  # noqa: E402

SHARED = ROOT.parent / "shared"
LABELS = ROOT / "bench" / "labels" / "institutions-signals.yaml"


def norm(name: str) -> str:
    """Names compare without case, a leading "The", a parenthesised acronym, "&" spelt "and" or commas."""
    name = re.sub(r"\s*\([^)]*\)", "", name)
    name = re.sub(r"^the\s+", "", name.strip(), flags=re.I).replace("&", " and ").replace(",", " ")
    return " ".join(name.casefold().split())


def openalex_doc(path: Path) -> object:
    """A work: the JSON file itself, or the body of the first answer of a VCR cassette (read, never edited)."""
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    cassette = yaml.safe_load(path.read_text(encoding="utf-8"))
    return json.loads(cassette["interactions"][0]["response"]["body"]["string"])


def html_doc(path: Path) -> str:
    return path.read_bytes()[:400_000].decode("utf-8", "replace")  # what the pipeline reads of a page


def score(truth: set[str], found: list[str]) -> tuple[int, list[str], list[str]]:
    """(right, wrong names, missed names)."""
    got = {norm(n): n for n in found}
    right = len(set(got) & truth)
    return right, [n for k, n in got.items() if k not in truth], sorted(truth - set(got))


def pairs(found: Found) -> set[tuple[str, str]]:
    return {(norm(a), norm(i)) for a, i in found.author_institutions() if a}


def run(source: str, folder: Path, labels: dict, read: Callable[[Path], object], parse: Callable[[object], Found],
        verbose: bool) -> tuple[float, float]:
    t = r = w = 0
    pt = pr = pw = 0
    for name, label in labels.items():
        found = parse(read(folder / name))
        truth = {norm(n) for n in label["institutions"]}
        right, wrong, missed = score(truth, found.names)
        t, r, w = t + len(truth), r + right, w + len(wrong)
        line = f"  {name[:60]:60} truth {len(truth):2}  right {right:2}  wrong {len(wrong):2}"
        if label.get("authors"):
            want = {(norm(a), norm(i)) for a, insts in label["authors"].items() for i in insts}
            got = pairs(found)
            pt, pr, pw = pt + len(want), pr + len(want & got), pw + len(got - want)
            line += f"  pairs {len(want & got)}/{len(want)} (+{len(got - want)} wrong)"
        print(line)
        if verbose:
            for n in wrong:
                print(f"      wrong: {n}")
            for n in missed:
                print(f"      missed: {n}")
    precision = r / (r + w) if r + w else 1.0
    recall = r / t if t else 1.0
    print(f"{source}: {len(labels)} papers, {t} institutions in truth, {r} found right, {w} wrong: "
          f"precision {precision:.2f}, recall {recall:.2f}")
    if pt:
        print(f"{source} (author, institution) pairs: {pr} of {pt} right, {pw} wrong")
    return precision, recall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("-v", "--verbose", action="store_true", help="name every wrong and missed institution")
    args = ap.parse_args()
    signals = args.shared / "corpus" / "raw" / "signals"
    if not signals.is_dir():
        print(f"captures not found: {signals} (is ../shared beside the repo?)", file=sys.stderr)
        return 2
    labels = yaml.safe_load(args.labels.read_text(encoding="utf-8"))
    run("arXiv HTML", signals / "arxiv-html", labels["arxiv-html"], html_doc, html_institutions, args.verbose)
    run("OpenAlex", signals / "openalex", labels["openalex"], openalex_doc, openalex_institutions, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
