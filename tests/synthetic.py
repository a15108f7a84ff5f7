"""A synthetic archive of real corpus papers with Chinese fields of realistic length (scale tests and benches)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from generator.corpus import load_listing
from generator.model import Entry, DailyIssue, Section, Selection
from generator.store import Store
from generator.kinds.registry import DAILY

LISTINGS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "listings"
ZH = "本研究提出一种用于医学影像分析的深度学习方法，在多中心数据上验证了其有效性与泛化能力，并与现有方法进行了系统比较。"


def weekdays_back(end: date, n: int) -> list[str]:
    out, d = [], end
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d.isoformat())
        d -= timedelta(days=1)
    return sorted(out)


def synth_archive(store: Store, cfg, n_issues: int, per_issue: int, end: date = date(2026, 7, 1)) -> list[str]:
    papers = [p for f in sorted(LISTINGS.glob("*.jsonl")) for p in load_listing(f)]
    topics = cfg.topic_ids
    days = weekdays_back(end, n_issues)
    k = 0
    per_month: dict[str, int] = {}
    for number, day in enumerate(days, 1):
        month = day[2:4] + day[5:7]
        seq = per_month[month] = per_month.get(month, 0) + 1
        by_topic: dict[str, list[Entry]] = {}
        for j in range(per_issue):
            p = papers[k % len(papers)]
            k += 1
            topic = topics[k % len(topics)]
            e = Entry.from_paper(p, Selection(True, topic, 60 + k % 40, 5.0, "医学影像｜命中：segmentation（标题）、CT", "Medical imaging | matched: segmentation (title), CT"))
            e.id = f"{month}.{seq * 100 + j:05d}"  # a valid arXiv id, unique in the archive
            e.title_zh = "基于深度学习的" + p.title[:12] + "医学图像分割与诊断研究"
            e.summary_zh = ZH[:60]
            e.summary_en = "A deep learning method is proposed and validated on multi-centre data."
            e.abstract_zh = ZH * 4
            e.reason_llm_zh, e.llm_relevance, e.llm_topic, e.enriched_by = "影像分割方法，直接相关", 85, topic, "bench"
            by_topic.setdefault(topic, []).append(e)
        store.series(DAILY).save(DailyIssue(date=day, number=number, sections=[Section(t, es) for t, es in by_topic.items()],
                               candidates=300, categories=list(cfg.arxiv.categories)))
    return days


