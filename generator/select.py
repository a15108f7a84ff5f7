"""Select and classify papers into medical-AI topics without any LLM.

Transparent weighted phrase scoring, all of it configured in ``config.yml``:

* every topic has weighted *include* phrases and optional *exclude* phrases;
* overlapping matches count once, for the strongest phrase (``radiolog*``
  adds nothing inside ``radiology report``);
* a phrase found in the title counts ``selection.title_weight`` times; a phrase
  repeated in the text earns a little more (+25 % per extra mention, at most
  two), so a paper *about* pathology outranks one that mentions it once;
* ``selection.context`` phrases (patient, clinical, ...) add evidence without
  voting for a topic;
* the paper's evidence is the sum over distinct matched phrases, plus
  category priors (only when some phrase matched), minus global and topic
  excludes;
* context evidence saturates at ``selection.context_cap`` (clinical words alone cannot
  outrank imaging, signal or clinical-text evidence);
* relevance % = 100 * (1 - exp(-(score / score_scale) ** selection.relevance_shape)):
  monotone, spread over the range (calibrated on hand-labelled days, see
  bench/classify.py); a paper is kept when it reaches ``selection.threshold``
  and shows an AI/ML signal (an ML category or one of ``selection.ai_phrases``);
* the context model: a match inside a link, a tool or benchmark name or a
  metaphor ("pathological shortcuts", "model surgery") is not evidence; with no
  ``context`` phrase at all, phrases lighter than ``selection.strong_phrase`` get no
  title or repetition bonus and the score is multiplied by ``no_context_factor``
  (topic words without any patient/clinical framing are often a metaphor, a
  name or one benchmark among many);
* the topic is the one whose own phrases, ``topic_priors`` for the paper's
  categories and method cues (``selection.topic_cues``: an LLM, a segmentation) scored
  highest; cues never count as medical evidence.

Phrase syntax: words separated by spaces or hyphens match either; a trailing
``*`` matches any word ending (``radiolog*``); otherwise the last word also
matches its plural.  Words with two or more capitals are matched with their
case (``CT``, ``PET``, ``BraTS``); every other word ignores case (``chest X-ray``
finds "Chest X-rays").

Every function here is pure: same paper, same config, same result.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from .config import Config, SelectionConfig, Topic
from .model import Paper, Selection


def _acronym(word: str) -> bool:
    """Words with two or more capitals (CT, PET, BraTS, MedQA, rPPG) are matched with their case."""
    return sum(c.isupper() for c in word) >= 2


@lru_cache(maxsize=None)
def compile_phrase(phrase: str) -> re.Pattern[str]:
    words = [w for w in re.split(r"[\s\-]+", phrase.strip()) if w]
    parts = []
    for i, w in enumerate(words):
        last = i == len(words) - 1
        if w.endswith("*"):
            part = re.escape(w[:-1]) + r"[\w\-]*"
        elif last and w[-1:].isalpha():
            part = re.escape(w) + r"(?:s|es)?"
        else:
            part = re.escape(w)
        parts.append(part if _acronym(w) else f"(?i:{part})")
    body = r"[\s\-]+".join(parts)
    return re.compile(r"(?<![\w])" + body + r"(?![\w])")


@lru_cache(maxsize=None)
def _needle(phrase: str) -> str:
    """A lower-case piece every match of ``phrase`` contains: a cheap test before the regex."""
    first = re.split(r"[\s\-]+", phrase.strip())[0].rstrip("*")
    return first.lower()


def count(phrase: str, text: str) -> int:
    if _needle(phrase) not in text.lower():
        return 0
    return len(compile_phrase(phrase).findall(text))


# --- the context model: where a medical-looking word is not medical evidence -------------------------------------

# Addresses: a word inside a link is part of a name.
_URL = re.compile(r"(?:https?://|www\.|github\.com/|huggingface\.co/)\S+", re.I)
# Hyphenated names (tool, model and benchmark names): a part mixing letters and digits ("DEB26") or in CamelCase
# ("SurgVLA", "ViT") makes the whole token a name.  Pure numbers do not ("COVID-19", "T1-weighted" is not a name
# either: one letter and a digit), nor plain words and plain acronyms ("PET-CT", "X-ray", "EEG-based").
_HYPHENATED = re.compile(r"(?<![\w-])\w+(?:-\w+)+")
_NAME_PART = re.compile(r"^(?=.*[A-Za-z].*)(?=.*\d)\w{3,}$|[A-Z][a-z]+[A-Z]")
# Medical words used as metaphors in ML writing, and comparisons with medicine ("inspired by ophthalmologic
# diagnostics"): a match inside one of these spans counts for nothing.
_METAPHORS = [
    re.compile(p, re.I)
    for p in (
        r"\b(?:inspired by|analog(?:ous|y) (?:to|with)|in analogy (?:to|with)|akin to|borrow\w* from|a metaphor (?:of|for)"
        r"|much like|just as)\s+(?:\w+\s+){0,3}\w+",
        r"\bpathological(?:ly)?\s+(?:\w+\s+)?(?:behaviou?r|case|example|shortcut|curvature|loss|landscape|input|instance"
        r"|pattern|failure|dependenc[ey]|solution|attractor|function|distribution|gradient|sample|prompt|query|mode)s?\b",
        r"\bdiagnos(?:e|es|ed|ing|is|tic|tics)\s+(?:\w+\s+){0,2}(?:of\s+|for\s+|in\s+)?(?:the\s+|a\s+|an\s+)?"
        r"(?:model|LLM|network|training|failure|bias|error|representation|reasoning|hallucination|agent|policy|"
        r"system|code|bug|fault|behaviou?r|capabilit(?:y|ies)|weakness|benchmark)s?\b",
        r"\b(?:symptoms?|symptomatic)\s+of\s+(?:\w+\s+){0,2}(?:over|under)?fitting\b|\bsymptoms?\s+of\s+(?:the\s+)?"
        r"(?:model|LLM|network|training|collapse|failure|bias)s?\b",
        r"\b(?:model|weight|neural|network|parameter|knowledge|representation|neuron|layer|circuit)\s+surgery\b"
        r"|\bsurgery\s+on\s+(?:the\s+)?(?:\w+\s+)?(?:model|weight|network|parameter|LLM|neuron|layer|representation)s?\b"
        r"|\bsurgical(?:ly)?\s+(?:edit|precision|removal|intervention)s?\s+(?:on|of|to|in)\s+(?:the\s+)?(?:model|weight|LLM|network)",
        r"\b(?:model|system|network|code|software|battery|machine|structural|training|dataset|data|codebase)\s+health\b",
    )
]


# A title that opens with a one-word name ("Name-CT: a benchmark for ...") names a tool: that word is a name
# wherever it recurs.  Only words with a hyphen, a digit or two capitals qualify ("Mammography:" is not a name).
_TITLE_NAME = re.compile(r"^\s*([\w][\w\-\.]*)\s*:\s")


def title_name(title: str) -> str | None:
    m = _TITLE_NAME.match(title)
    if not m:
        return None
    word = m.group(1)
    return word if ("-" in word or any(c.isdigit() for c in word) or _acronym(word)) else None


@lru_cache(maxsize=4096)
def ignored_spans(text: str, name: str | None = None) -> tuple[tuple[int, int], ...]:
    """Spans of ``text`` where a phrase match is not medical evidence: links, tool names, metaphors."""
    spans = [m.span() for m in _URL.finditer(text)]
    if name:
        spans.extend(m.span() for m in re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text))
    for m in _HYPHENATED.finditer(text):
        if any(_NAME_PART.search(part) for part in m.group().split("-")):
            spans.append(m.span())
    for rx in _METAPHORS:
        spans.extend(m.span() for m in rx.finditer(text))
    return tuple(spans)


def _counts(start: int, end: int, ignored: tuple[tuple[int, int], ...]) -> bool:
    return not any(s <= start and end <= e for s, e in ignored)


@dataclass(frozen=True)
class Hit:
    phrase: str
    weight: float  # effective weight after title bonus and repetition
    in_title: bool
    spans: frozenset[tuple[int, int, int]]  # (0 title | 1 abstract, start, end)


def _hits(
    phrases: dict[str, float], title: str, abstract: str, title_weight: float, bonus_from: float = 0.0, evidence: bool = True
) -> dict[str, Hit]:
    """Every phrase found (for ``evidence``, outside names and metaphors: see ``ignored_spans``); phrases weighing
    less than ``bonus_from`` get no title or repetition bonus.  Exclude phrases are not evidence and count anywhere."""
    out: dict[str, Hit] = {}
    name = title_name(title)
    ignored = (ignored_spans(title, name), ignored_spans(abstract, name)) if evidence else ((), ())
    low = (title + "\n" + abstract).lower()
    for phrase, w in phrases.items():
        if _needle(phrase) not in low:
            continue
        rx = compile_phrase(phrase)
        spans = frozenset(
            (f, m.start(), m.end())
            for f, text in ((0, title), (1, abstract))
            for m in rx.finditer(text)
            if _counts(m.start(), m.end(), ignored[f])
        )
        if not spans:
            continue
        nt = sum(1 for f, _, _ in spans if f == 0)
        eff = w * (title_weight if nt else 1.0) * (1 + 0.25 * min(len(spans) - 1, 2)) if w >= bonus_from else w
        out[phrase] = Hit(phrase, eff, nt > 0, spans)
    return out


def _distinct(hits: list[Hit]) -> dict[str, Hit]:
    """Strongest first; a hit whose every match overlaps a stronger hit's match adds nothing
    ("radiolog*" inside "radiology report" counts once)."""
    taken: list[tuple[int, int, int]] = []
    out: dict[str, Hit] = {}
    for h in sorted(hits, key=lambda h: (-h.weight, h.phrase)):
        if h.phrase in out:
            continue
        if all(any(f == g and s < e2 and s2 < e for g, s2, e2 in taken) for f, s, e in h.spans):
            continue
        out[h.phrase] = h
        taken.extend(h.spans)
    return out


def _category_matches(pattern: str, category: str) -> bool:
    if pattern.endswith(".*"):
        return category.startswith(pattern[:-1])
    return category == pattern


def has_ml_signal(paper: Paper, sel: SelectionConfig) -> bool:
    if any(_category_matches(p, c) for p in sel.ml_categories for c in paper.categories):
        return True
    text = f"{paper.title}\n{paper.abstract}"
    return any(count(p, text) for p in sel.ai_phrases)


def relevance_of(score: float, scale: float, shape: float = 0.6) -> int:
    """Relevance % = 100·(1 − exp(−(score/scale)^shape)): 0 without evidence, monotone, approaching 100 slowly.
    A shape below 1 spreads the well-evidenced papers over the upper range instead of bunching them at 95-100."""
    return 0 if score <= 0 else int(round(100 * (1 - math.exp(-((score / scale) ** shape)))))


def _phrase(h: Hit) -> str:
    """A matched phrase as a reader sees it: a stem pattern ``patholog*`` reads ``patholog…``."""
    return h.phrase[:-1] + "…" if h.phrase.endswith("*") else h.phrase


def _reason(topic, hits: list[Hit]) -> tuple[str, str]:
    """One sentence per language naming the topic and where its phrases were found (title first)."""
    in_title = [_phrase(h) for h in hits if h.in_title]
    elsewhere = [_phrase(h) for h in hits if not h.in_title]
    zh, en = [], []
    if in_title:
        zh.append(f"标题提到 {'、'.join(in_title)}")
        en.append(f"the title mentions {', '.join(in_title)}")
    if elsewhere:
        zh.append(f"{'摘要还提到' if in_title else '摘要提到'} {'、'.join(elsewhere)}")
        en.append(f"{'the abstract also mentions' if in_title else 'the abstract mentions'} {', '.join(elsewhere)}")
    return f"归入「{topic.name_zh}」：{'，'.join(zh)}", f"{topic.name_en}: {'; '.join(en)}"


def classify(paper: Paper, cfg: Config, threshold: int | None = None, prior: tuple[str, float] | None = None) -> Selection:
    """Score one paper.  ``threshold`` overrides ``selection.threshold`` (the LLM pre-filter uses a lower one);
    ``prior`` is a (category, weight) a source adds that arXiv's category priors do not know (a medRxiv category)."""
    sel = cfg.selection
    threshold = sel.threshold if threshold is None else threshold
    title, abstract = paper.title, paper.abstract
    topic_scores: dict[str, float] = {}
    all_hits: list[Hit] = []
    topic_penalty: dict[str, float] = {}
    context = _hits(sel.context, title, abstract, sel.title_weight)
    # without any clinical context an ambiguous topic word (weight below selection.strong_phrase) is only itself: no title or
    # repetition bonus (a biosignal used in a game or a classroom is in the title and repeated too)
    bonus_from = 0.0 if context else sel.strong_phrase
    for t in cfg.topics:
        hits = _distinct(list(_hits(t.include, title, abstract, sel.title_weight, bonus_from).values()))
        topic_scores[t.id] = sum(h.weight for h in hits.values())
        all_hits += hits.values()
        topic_penalty[t.id] = sum(h.weight for h in _hits(t.exclude, title, abstract, 1.0, evidence=False).values())

    known = set(topic_scores)
    cues = _distinct(list(_hits(dict.fromkeys(sel.topic_cues, 1.0), title, abstract, sel.title_weight).values()))
    for h in cues.values():  # h.weight: 1 × title bonus × repetition
        for tid, w in sel.topic_cues[h.phrase].items():
            if tid in known:
                topic_scores[tid] += w * h.weight

    all_hits += context.values()
    evidence = _distinct(all_hits)
    for cat, weights in sel.topic_priors.items():
        if any(_category_matches(cat, c) for c in paper.categories):
            for tid, w in weights.items():
                topic_scores[tid] = topic_scores.get(tid, 0.0) + w

    if not evidence:
        return Selection(False, None, 0, 0.0, "无医学相关线索", "no medical signal", [])

    best = _best_topic(cfg.topics, topic_scores, topic_penalty)
    priors = [(c, w) for c, w in sel.category_priors.items() if any(_category_matches(c, pc) for pc in paper.categories)]
    if prior and prior[1]:
        priors.append(prior)
    global_excl = list(_hits(sel.exclude, title, abstract, 1.0, evidence=False).values())
    in_context = sum(h.weight for h in evidence.values() if h.phrase in sel.context)
    score = (
        sum(h.weight for h in evidence.values() if h.phrase not in sel.context)
        + sel.context_cap * (1 - math.exp(-in_context / sel.context_cap))
        + sum(w for _, w in priors)
        - sum(h.weight for h in global_excl)
        - topic_penalty[best]
    )
    if not any(h.phrase in sel.context for h in evidence.values()):
        # topic words with no patient / clinical / medical context are often metaphors or benchmarks
        score *= sel.no_context_factor
    relevance = relevance_of(score, sel.score_scale, sel.relevance_shape)
    top = sorted(evidence.values(), key=lambda h: (-h.weight, h.phrase))[:4]
    topic = cfg.topic(best)
    reason_zh, reason_en = _reason(topic, top)
    pos_priors = [c for c, w in priors if w > 0]
    if pos_priors:
        reason_zh += f"；类别 {' '.join(pos_priors)} 加分"
        reason_en += f"; category {' '.join(pos_priors)} adds weight"
    negatives = [h.phrase for h in global_excl] + [
        p for p in cfg.topic(best).exclude if count(p, f"{title}\n{abstract}")
    ]
    if negatives:
        reason_zh += f"；减分：{'、'.join(negatives[:3])}"
        reason_en += f"; penalised: {', '.join(negatives[:3])}"

    keep = relevance >= threshold
    if keep and not has_ml_signal(paper, sel):
        keep = False
        reason_zh += "；未见 AI/机器学习方法"
        reason_en += "; no AI/ML method found"
    elif not keep:
        reason_zh += f"；相关度 {relevance}% 低于阈值 {threshold}%"
        reason_en += f"; relevance {relevance}% below threshold {threshold}%"
    reason_zh += "。"
    reason_en += "."
    matched = sorted(evidence, key=lambda p: (-evidence[p].weight, p))
    return Selection(keep, best, relevance, round(score, 3), reason_zh, reason_en, matched)


def _best_topic(topics: list[Topic], scores: dict[str, float], penalty: dict[str, float]) -> str:
    # highest net topic score; ties go to the topic listed first in the config
    return max(topics, key=lambda t: (scores[t.id] - penalty[t.id], -topics.index(t))).id
