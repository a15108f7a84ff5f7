"""Theme paragraphs of a review, written by an LLM and kept only when every claim in them is grounded.

Per topic, the period's papers are grouped into clusters by the topic phrase they share (the selector's phrases,
matched by its own machinery); each cluster of at least MIN_CLUSTER papers goes to the LLM once (titles, summaries,
counted figures) and comes back as one paragraph in Chinese and one in English.  A paragraph is shown only when

* every paper it names is one of the cluster's papers, cited as ``[[id]]`` (rendered as a link to the entry), and
  no other paper id appears in it;
* every number in it is written in the cited papers' titles or summaries, or is one of the counted figures;
* every title in 《》 or quotes is an archive title.

An answer with problems is asked for once more with the list of problems, then dropped: the data-driven parts of the
review stand alone.  Answers (and drops) are cached by the prompt, the model and the cluster's exact input, so a
rerun makes no call; ``render`` only reads the cache (and checks every answer again), it never calls the LLM.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..enrich import CJK, PROMPTS
from ..fileio import atomic_write
from ..model import title_key
from ..numbers import all_numbers
from . import review_model as review_mod

if TYPE_CHECKING:
    from ..config import Config
    from ..enrich import Enricher
    from ..model import Issue
    from .review_model import Listed, Review

log = logging.getLogger(__name__)

PROMPT = "review-v1"
MAX_CLUSTERS = 3  # per topic
CLUSTER_SIZE = 8  # papers sent per cluster (the most relevant)
MIN_CLUSTER = 2
MAX_CHARS = 900
CITE_RE = re.compile(r"\[\[([^\[\]\s]{1,220})\]\]")
# anything that reads as a paper id: a new- or old-style arXiv id (with a version or not), a DOI
ID_LIKE = re.compile(r"(?<![\w.])(?:\d{4}\.\d{4,5}(?:v\d+)?|10\.\d{4,9}/[^\s\]）》」”\"',;，。；]+|[a-z-]+(?:\.[A-Z]{2})?/\d{7})")
QUOTED = re.compile(r"《([^》]{1,400})》|“([^”]{1,400})”|「([^」]{1,400})」|\"([^\"]{1,400})\"")


@dataclass
class Cluster:
    topic: str
    phrase: str
    papers: list["Listed"]
    figures: dict[str, int] = field(default_factory=dict)  # counted figures a paragraph may quote

    @property
    def ids(self) -> list[str]:
        return [p.entry.id for p in self.papers]


@dataclass
class Theme:
    cluster: Cluster
    zh: str
    en: str


def clusters(cfg: "Config", review: "Review") -> dict[str, list[Cluster]]:
    """Topic id -> its clusters: papers grouped by the most widely shared topic phrase, each paper in one cluster."""
    out: dict[str, list[Cluster]] = {}
    for t in cfg.topics:
        papers = sorted((p for p in review.papers if p.entry.topic == t.id),
                        key=lambda p: (-p.rank, p.day, p.entry.id))
        terms = {p.entry.id: review_mod.terms_of(p.entry, dict(t.include)) for p in papers}
        freq: dict[str, int] = {}
        for found in terms.values():
            for phrase in found:
                freq[phrase] = freq.get(phrase, 0) + 1
        taken: set[str] = set()
        found_clusters: list[Cluster] = []
        for phrase in sorted(freq, key=lambda ph: (-freq[ph], ph)):
            members = [p for p in papers if phrase in terms[p.entry.id] and p.entry.id not in taken]
            if len(members) < MIN_CLUSTER:
                continue
            members = members[:CLUSTER_SIZE]
            taken.update(p.entry.id for p in members)
            figures = {"papers_in_cluster": len(members), "papers_in_topic": len(papers),
                       "papers_in_period": len(review.papers), "issues_in_period": len(review.days)}
            found_clusters.append(Cluster(t.id, phrase, members, figures))
            if len(found_clusters) == MAX_CLUSTERS:
                break
        if found_clusters:
            out[t.id] = found_clusters
    return out


def cluster_input(cluster: Cluster, period: str) -> dict[str, Any]:
    """What the LLM is given about a cluster (and the cache key's content)."""
    return {"period": period, "topic": cluster.topic, "shared_phrase": cluster.phrase, "figures": cluster.figures,
            "papers": [{"id": p.entry.id, "title": p.entry.title, "title_zh": p.entry.title_zh,
                        "summary": p.entry.summary_en or p.entry.summary_zh, "summary_zh": p.entry.summary_zh}
                       for p in cluster.papers]}


def _allowed_numbers(cluster: Cluster, cited: list[str], period: str) -> set[str]:
    by_id = {p.entry.id: p.entry for p in cluster.papers}
    texts = [f"{by_id[i].title} {by_id[i].title_zh} {by_id[i].summary_zh} {by_id[i].summary_en}" for i in cited]
    texts.append(" ".join(str(v) for v in cluster.figures.values()) + " " + period)
    return all_numbers(" ".join(texts))


def problems_of(text: str, lang: str, cluster: Cluster, period: str, titles: set[str]) -> list[str]:
    """What makes one paragraph ungrounded (empty: it may be shown)."""
    if not isinstance(text, str) or not text.strip():
        return [f"{lang}: missing"]
    out = []
    if len(text) > MAX_CHARS:
        out.append(f"{lang}: longer than {MAX_CHARS} characters")
    if lang == "zh" and not CJK.search(text):
        out.append("zh: not Chinese")
    cited = CITE_RE.findall(text)
    if not cited:
        out.append(f"{lang}: cites no paper as [[id]]")
    foreign = [c for c in cited if c not in cluster.ids]
    out += [f"{lang}: [[{c}]] is not one of the cluster's papers" for c in dict.fromkeys(foreign)]
    bare = CITE_RE.sub(" ", text)
    out += [f"{lang}: {m} names a paper without citing it as [[id]]" for m in dict.fromkeys(ID_LIKE.findall(bare))]
    allowed = _allowed_numbers(cluster, [c for c in cited if c in cluster.ids], period)
    unknown = sorted(all_numbers(bare) - allowed)
    if unknown:
        out.append(f"{lang}: numbers not in the cited papers' summaries or the figures: {', '.join(unknown)}")
    for m in QUOTED.finditer(bare):
        inner = next(g for g in m.groups() if g is not None)
        title_like = m.group(1) is not None or len(inner.split()) >= 4 or len(CJK.findall(inner)) >= 10
        if title_like and title_key(inner) not in titles:
            out.append(f"{lang}: {m.group(0)} is not the title of a paper in the archive")
    return out


def check_answer(data: Any, cluster: Cluster, period: str, titles: set[str]) -> tuple[Theme | None, list[str]]:
    if not isinstance(data, dict):
        return None, ["the answer is not a JSON object with zh and en"]
    problems = [p for lang in ("zh", "en") for p in problems_of(data.get(lang), lang, cluster, period, titles)]
    return (None if problems else Theme(cluster, data["zh"].strip(), data["en"].strip())), problems


def archive_titles(issues: list["Issue"]) -> set[str]:
    return {title_key(t) for i in issues for e in i.entries for t in (e.title, e.title_zh) if t.strip()}


def segments(text: str, cluster: Cluster) -> list[tuple[str, "Listed | None"]]:
    """A checked paragraph as (text, None) and (id, the cited paper) pieces, for the template to escape and link."""
    by_id = {p.entry.id: p for p in cluster.papers}
    out: list[tuple[str, Listed | None]] = []
    pos = 0
    for m in CITE_RE.finditer(text):
        out.append((text[pos:m.start()], None))
        out.append((m.group(1), by_id[m.group(1)]))
        pos = m.end()
    out.append((text[pos:], None))
    return [s for s in out if s[0]]


# ------------------------------------------------------------------ the prompt and the cache


def _prompt_files() -> tuple[str, str]:
    return ((PROMPTS / f"{PROMPT}.system.txt").read_text(encoding="utf-8"),
            (PROMPTS / f"{PROMPT}.user.txt").read_text(encoding="utf-8"))


def cache_path(cfg: "Config", cluster: Cluster, period: str) -> Path:
    system, user = _prompt_files()
    key = json.dumps({"prompt": PROMPT, "text": system + "\0" + user, "model": cfg.llm.model,
                      "input": cluster_input(cluster, period)}, ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return cfg.paths.cache / "reviews" / f"{period}-{cluster.topic}-{digest}.json"


def _read(path: Path) -> dict | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def user_message(cluster: Cluster, period: str, problems: list[str] = ()) -> str:
    _, template = _prompt_files()
    body = json.dumps(cluster_input(cluster, period), ensure_ascii=False, indent=1)
    body = body.replace("CLUSTER>>>", "CLUSTER> > >").replace("<<<CLUSTER", "< < <CLUSTER")
    text = template.replace("{cluster}", body)
    if problems:
        text += ("\n\nYour previous answer could not be used: " + "; ".join(problems)
                 + ". Reply with the corrected JSON object only.")
    return text


def _ask(enricher: "Enricher", cluster: Cluster, period: str, titles: set[str]) -> dict | None:
    """The cache document for a cluster: the checked answer, or the problems of the second answer; None when the
    LLM gave no answer at all (nothing is cached, a later run asks again)."""
    system, _ = _prompt_files()
    problems: list[str] = []
    for _attempt in range(2):
        data = enricher.complete_json(system, user_message(cluster, period, problems))
        if data is None:
            return None
        theme, problems = check_answer(data, cluster, period, titles)
        if theme is not None:
            return {"answer": {"zh": theme.zh, "en": theme.en}, "problems": []}
        log.info("review theme %s/%s/%s: %s", period, cluster.topic, cluster.phrase, "; ".join(problems))
    return {"answer": None, "problems": problems}


@dataclass
class ThemeStats:
    clusters: int = 0
    cached: int = 0
    asked: int = 0
    shown: int = 0
    dropped: int = 0
    unanswered: int = 0

    def line(self) -> str:
        return (f"review themes: {self.clusters} clusters, {self.cached} from the cache, {self.asked} asked, "
                f"{self.shown} shown, {self.dropped} dropped, {self.unanswered} unanswered")


def fill_themes(cfg: "Config", reviews: list["Review"], issues: list["Issue"], enricher: "Enricher") -> ThemeStats:
    """Ask the LLM for every cluster not in the cache yet; each answer (or drop) is cached."""
    stats = ThemeStats()
    titles = archive_titles(issues)
    for r in reviews:
        for found in clusters(cfg, r).values():
            for c in found:
                stats.clusters += 1
                path = cache_path(cfg, c, r.period.id)
                doc = _read(path)
                if doc is None:
                    stats.asked += 1
                    doc = _ask(enricher, c, r.period.id, titles)
                    if doc is None:
                        stats.unanswered += 1
                        continue
                    atomic_write(path, json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True))
                else:
                    stats.cached += 1
                if doc.get("answer"):
                    stats.shown += 1
                else:
                    stats.dropped += 1
    return stats


def load_themes(cfg: "Config", reviews: list["Review"], issues: list["Issue"]) -> None:
    """Attach the cached, checked theme paragraphs to each review (no call: render never asks the LLM).  Every
    answer is checked again, so a cache file edited by hand cannot put an ungrounded paragraph on a page."""
    titles = archive_titles(issues)
    for r in reviews:
        r.themes = {}
        for topic, found in clusters(cfg, r).items():
            for c in found:
                doc = _read(cache_path(cfg, c, r.period.id))
                theme, _ = check_answer((doc or {}).get("answer"), c, r.period.id, titles)
                if theme is not None:
                    r.themes.setdefault(topic, []).append(theme)
