"""The LLM as judge and translator of a day's candidates: enrichment applied to entries, keep or drop decided.

With an LLM the keyword selector is a generous pre-filter and the LLM's relevance decides; a candidate it could not
judge falls back to the keyword decision - unless the LLM turned it down on an earlier run of the same day (its
verdict is kept in the drop log), which then stands: a rerun without the LLM never publishes what it rejected.
"""

from __future__ import annotations

from typing import Any

from .config import Config
from .enrich import Enricher
from .issue import enrich_items
from .kinds.arxiv_daily import TASK, needs_enrichment
from .model import Dropped, Entry


LLM_VERDICT_PREFIX = "LLM relevance "


def llm_verdicts(dropped: list[dict], listed: set[str]) -> dict[str, Dropped]:
    """The candidates of a day's drop log that the LLM turned down (and that are not listed in the issue)."""
    out = {}
    for d in dropped:
        if isinstance(d, dict) and str(d.get("reason_en", "")).startswith(LLM_VERDICT_PREFIX) and d.get("id") not in listed:
            out[d["id"]] = Dropped(d["id"], d.get("title", ""), d.get("topic"), d.get("relevance", 0),
                                   d.get("reason_zh", ""), d.get("reason_en", ""))
    return out


def apply_verdicts(sel: Any, verdicts: dict[str, Dropped], ids: set[str]) -> None:
    """Move the kept candidates in ``ids`` to the drop log with the LLM's earlier verdict on them."""
    stay = [(p, s) for p, s in sel.kept if p.id not in ids]
    taken = {p.id for p, _ in sel.kept} - {p.id for p, _ in stay}
    sel.kept[:] = stay
    sel.dropped[:] = [d for d in sel.dropped if d.id not in taken] + [verdicts[i] for i in sorted(taken)]
    sel.dropped.sort(key=lambda d: (-d.relevance, d.id))


def judge(cfg: Config, fresh: list[Entry], old: dict[str, Entry], enricher: Enricher, sel: Any,
           report: Any, verdicts: dict[str, Dropped] | None = None) -> list[Entry]:
    """Enrich the candidates and keep those the LLM (or, failing it, its earlier verdict or the keyword score)
    accepts.
    (``sel`` is the run's SelectResult and ``report`` its RunReport: the pipeline owns those types and imports this
    module, so they are not named here.)"""
    verdicts = verdicts or {}
    todo = [e for e in fresh if not (e.id in old and not needs_enrichment(old[e.id], enricher.signature) and old[e.id].version == e.version)]
    results = enrich_items(TASK, enricher, todo)
    report.llm = enricher.stats
    kept = []
    for e in fresh:
        r = results.get(e.id)
        if r is not None:
            if r.glossary_missing:
                report.glossary_flags[e.id] = r.glossary_missing
            keep = r.relevance >= cfg.llm.keep_threshold
        elif e.id in verdicts:
            keep = False
        else:
            keep = e.relevance >= cfg.selection.threshold
        if keep or e.id in old:  # a paper already in this issue is never taken out by a rerun
            kept.append(e)
        elif r is None and e.id in verdicts:
            report.llm_rejected += 1
            sel.dropped.append(verdicts[e.id])
        elif r is not None:
            report.llm_rejected += 1
            sel.dropped.append(Dropped(
                e.id, e.title, r.topic, r.relevance,
                f"大模型判定相关度 {r.relevance}% 低于 {cfg.llm.keep_threshold}%：{r.reason_zh}；关键词 {e.relevance}%",
                f"{LLM_VERDICT_PREFIX}{r.relevance}% below {cfg.llm.keep_threshold}%; keyword relevance {e.relevance}%",
            ))
        else:
            sel.dropped.append(Dropped(e.id, e.title, e.topic, e.relevance, e.reason_zh + "（未经大模型判定）",
                                       e.reason_en + " (not judged by the LLM)"))
    return kept
