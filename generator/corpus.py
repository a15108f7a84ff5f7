"""Read listing files (one JSON paper per line) into ``Paper``s.

The format is that of ``../shared/corpus/listings/*.jsonl`` and of the
project's own demo sample (``generator/sample/*.jsonl``); the loopback arXiv
stand-in serves such a file as an RSS feed and an API.
"""

from __future__ import annotations

import json
from pathlib import Path

from .config import CATEGORY_RE
from .model import ANNOUNCE_TYPES, Paper



def paper_from_json(d: dict) -> Paper:
    cats = [c for c in d.get("categories") or [] if CATEGORY_RE.match(c)]
    announce = d.get("announce_type") or d.get("announce_type_inferred") or "new"
    return Paper(
        id=d["id"],
        version=d.get("version") or 1,
        title=d["title"],
        abstract=d["abstract"],
        authors=list(d.get("authors") or []),
        categories=cats,
        primary_category=d.get("primary_category") or (cats[0] if cats else None),
        announce_type=announce if announce in ANNOUNCE_TYPES else "new",
        comment=d.get("comment"),
        journal_ref=d.get("journal_ref"),
        doi=d.get("doi"),
        license=d.get("license"),
    )


def load_listing(path: Path) -> list[Paper]:
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(paper_from_json(json.loads(line)))
    return out
