"""A review's editor file, ``data/reviews/<period>.yaml``: its shape, its texts and the papers it names (for
``validate``; rendering uses a valid file and treats a broken one as empty).  See ``review`` for what it steers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

from .. import layout
from ..config import Config
from ..layout import data_path
from ..model import ARXIV_ID_RE, DOI_RE
from ..advisory import advisory
from ..store import RecordError
from . import sanitize

EDITOR_KEYS = {"intro", "comments", "pinned", "removed"}
PERIOD_NAME = re.compile(r"^\d{4}(?:-Q[1-4])?$")


def _ids_ok(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) and (ARXIV_ID_RE.match(x) or DOI_RE.match(x)) for x in v)


def _bilingual(v: Any) -> bool:
    return isinstance(v, dict) and all(k in ("zh", "en") and isinstance(t, (str, type(None))) for k, t in v.items())


def check_editor_file(raw: Any, path: str, topic_ids: list[str]) -> list[str]:
    """Problems in a review's editor file (empty: valid)."""
    if raw is None:
        return []
    if not isinstance(raw, dict):
        return [f"{path}: expected a mapping with intro:, comments:, pinned:, removed:"]
    out = [f"{path}: unknown key {k!r} (known: {', '.join(sorted(EDITOR_KEYS))})" for k in raw if k not in EDITOR_KEYS]
    for key in ("pinned", "removed"):
        if not _ids_ok(raw.get(key, [])):
            out.append(f"{path}: {key}: expected a list of paper ids in quotes, like ['2506.05361']")
    if not _bilingual(raw.get("intro", {})):
        out.append(f"{path}: intro: expected {{zh: '...', en: '...'}}")
    comments = raw.get("comments", {})
    if not isinstance(comments, dict) or not all(_bilingual(v) for v in comments.values()):
        out.append(f"{path}: comments: expected topic: {{zh: '...', en: '...'}}")
    else:
        out += [f"{path}: comments: unknown topic {k!r} (topics: {', '.join(topic_ids)})"
                for k in comments if k not in topic_ids]
    return out


def check_editor_text(raw: Any, path: str) -> list[str]:
    """What the page would show as text instead of as written (for ``validate``; rendering sanitises regardless)."""
    if not isinstance(raw, dict):
        return []
    texts = [(f"intro.{lang}", t) for lang, t in (raw.get("intro") or {}).items()] if _bilingual(raw.get("intro")) else []
    comments = raw.get("comments") if isinstance(raw.get("comments"), dict) else {}
    texts += [(f"comments.{topic}.{lang}", t) for topic, v in comments.items() if _bilingual(v) for lang, t in v.items()]
    return [line for where, text in texts if isinstance(text, str) for line in sanitize.report(path, where, text)]


def editor_path(cfg: Config, period: str) -> str:
    return data_path(cfg, layout.review_record(period))


def file_problems(cfg: Config, store: Any, listed: dict[str, set[str]], rel: Callable[[Path, Config], str]) -> list[str]:
    """Every review editor file: its name, its shape, then (advisory, as for the highlights) its texts and whether
    each paper it pins or removes is a paper of that period.  ``listed``: issue date -> the ids it lists."""
    from .review_model import Period  # the period arithmetic lives with the review's numbers

    out: list[str] = []
    for p in store.review_paths():
        name = rel(p, cfg)
        if not PERIOD_NAME.match(p.stem):
            out.append(f"{name}: name review files by year or quarter, like data/reviews/2025.yaml or 2025-Q2.yaml")
            continue
        try:
            raw = store.load_raw(p)
        except RecordError as e:
            out.append(str(e).replace(str(p), name))
            continue
        found = check_editor_file(raw, name, cfg.topic_ids)
        if found:
            out += found
            continue
        period = Period(p.stem)
        ids = {i for day, found_ids in listed.items() if period.holds(day) for i in found_ids}
        refs = [(k, x) for k in ("pinned", "removed") for x in (raw or {}).get(k) or []]
        out += advisory([f"{name}: {k}: {x} is not a paper of {p.stem} (a typo, or another period?)"
                         for k, x in refs if x not in ids] + check_editor_text(raw, name))
    return out
