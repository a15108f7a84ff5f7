"""What an LLM answer must be to be accepted: the fields, their checks (Chinese where Chinese is due, no placeholder
text, no leaked prompt, every glossary term and every result number kept), and the accepted answer's shape.

The answer is untrusted text like any other: ``validate_answer`` and ``validate_journal_answer`` either return a clean
value or raise ``InvalidAnswer`` naming what is wrong, and the enricher asks again or gives up on that paper.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .select import compile_phrase
from .store import safe_load_record

CANARY = "MAID-CANARY-5e1f0c"
CJK = re.compile(r"[\u3400-\u9fff]")
PLACEHOLDER = re.compile(
    r"summary generation failed|translation failed|generation failed|not available|\bN/?A\b|\bTODO\b|lorem ipsum|"
    r"as an ai\b|i'm sorry|i am sorry|i cannot|无法生成|生成失败|翻译失败|抱歉|暂无|待补充",
    re.I,
)
FIELDS = ("title_zh", "summary_zh", "abstract_zh", "topic", "relevance", "reason_zh", "summary_en")


@dataclass
class Enrichment:
    title_zh: str
    summary_zh: str
    abstract_zh: str
    topic: str
    relevance: int
    reason_zh: str
    summary_en: str
    glossary_missing: list[str] = field(default_factory=list)


class InvalidAnswer(ValueError):
    """The model answered, but not with what the schema asks."""


# --------------------------------------------------------------------------- glossary


def load_glossary(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    raw = safe_load_record(path.read_bytes(), path.name) or {}
    terms = raw.get("terms") if isinstance(raw, dict) else None
    if not isinstance(terms, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in terms.items()):
        raise ValueError(f"{path}: expected 'terms:' mapping English term -> Chinese term")
    return dict(terms)


def glossary_terms_in(text: str, glossary: dict[str, str]) -> dict[str, str]:
    return {en: zh for en, zh in glossary.items() if compile_phrase(en).search(text)}


def glossary_missing(abstract_en: str, abstract_zh: str, glossary: dict[str, str]) -> list[str]:
    """Glossary terms present in the English abstract whose agreed Chinese is absent from the translation."""
    return sorted(en for en, zh in glossary_terms_in(abstract_en, glossary).items() if zh.lower() not in abstract_zh.lower())


# --------------------------------------------------------------------------- validation


def strip_fences(text: str) -> str:
    text = text.strip()
    m = re.match(r"^```(?:json)?\s*(.*?)\s*```$", text, re.S)
    return m.group(1) if m else text


def prompt_windows(system_prompt: str, size: int = 40, step: int = 10) -> list[str]:
    """Overlapping slices of the instructions: an answer containing any of them is repeating the prompt."""
    text = " ".join(system_prompt.split())
    return [text[i : i + size] for i in range(0, max(1, len(text) - size + 1), step)] if len(text) >= size else []


def _parse_object(content: str | None, keys: tuple[str, ...]) -> dict:
    if not content or not content.strip():
        raise InvalidAnswer("empty answer")
    try:
        data = json.loads(strip_fences(content))
    except json.JSONDecodeError as e:
        raise InvalidAnswer(f"not valid JSON ({e.msg} at position {e.pos})") from None
    if not isinstance(data, dict):
        raise InvalidAnswer("the answer must be one JSON object")
    problems = [f"missing key {k!r}" for k in keys if k not in data]
    if problems:
        raise InvalidAnswer("; ".join(problems))
    return data


def _text_checker(data: dict, problems: list[str], forbidden: list[str]) -> Callable[..., str]:
    """``text(key, max_len, min_len=1, cjk=True)``: one string field, its problems appended to ``problems``."""

    def text(key: str, max_len: int, min_len: int = 1, cjk: bool = True) -> str:
        v = data[key]
        if not isinstance(v, str):
            problems.append(f"{key} must be a string")
            return ""
        v = v.strip()
        if len(v) < min_len:
            problems.append(f"{key} is too short ({len(v)} characters)")
        if len(v) > max_len:
            problems.append(f"{key} is too long ({len(v)} > {max_len} characters)")
        if cjk and not CJK.search(v):
            problems.append(f"{key} must be Chinese")
        if PLACEHOLDER.search(v):
            problems.append(f"{key} looks like placeholder or refusal text")
        folded = " ".join(v.split())
        if CANARY in v or any(w in folded for w in forbidden):
            problems.append(f"{key} repeats the instructions")
        return v

    return text


def _topic(data: dict, topic_ids: list[str], problems: list[str]) -> str:
    topic = data["topic"]
    if topic not in topic_ids:
        problems.append(f"topic {topic!r} is not one of {', '.join(topic_ids)}")
    return topic


def validate_answer(content: str | None, abstract_en: str, topic_ids: list[str], forbidden: list[str] = ()) -> Enrichment:
    """Parse and check one answer; raise InvalidAnswer naming every problem.

    ``forbidden``: slices of the system prompt (see ``prompt_windows``) that must not appear in any field.
    """
    data = _parse_object(content, FIELDS)
    problems: list[str] = []
    text = _text_checker(data, problems, list(forbidden))
    title_zh = text("title_zh", 400, 2)
    summary_zh = text("summary_zh", 80, 8)
    abstract_zh = text("abstract_zh", 20000, max(20, int(len(abstract_en) * 0.12)))
    reason_zh = text("reason_zh", 40, 2)
    summary_en = text("summary_en", 500, 10, cjk=False)
    topic = _topic(data, topic_ids, problems)
    rel = data["relevance"]
    if isinstance(rel, bool) or not isinstance(rel, (int, float)) or not 0 <= rel <= 100:
        problems.append(f"relevance must be a number 0-100, got {rel!r}")
        rel = 0
    if problems:
        raise InvalidAnswer("; ".join(problems))
    return Enrichment(title_zh, summary_zh, abstract_zh, topic, int(round(rel)), reason_zh, summary_en)


JOURNAL_FIELDS = ("title_zh", "objective_zh", "methods_zh", "results_zh", "conclusion_zh", "comment_zh", "topic")


@dataclass
class JournalEnrichment:
    """The structured Chinese summary of one journal article (目的 / 方法 / 结果 / 结论) and a drafted comment."""

    title_zh: str
    objective_zh: str
    methods_zh: str
    results_zh: str
    conclusion_zh: str
    comment_zh: str
    topic: str
    numbers_missing: list[str] = field(default_factory=list)


def validate_journal_answer(content: str | None, results_en: str, topic_ids: list[str],
                            forbidden: list[str] = ()) -> JournalEnrichment:
    """Parse and check a structured-summary answer; raise InvalidAnswer naming every problem.
    The numbers check is not done here (see ``numbers.missing_numbers``): it is a softer rule."""
    data = _parse_object(content, JOURNAL_FIELDS)
    problems: list[str] = []
    text = _text_checker(data, problems, list(forbidden))
    out = JournalEnrichment(
        title_zh=text("title_zh", 400, 2),
        objective_zh=text("objective_zh", 600, 4),
        methods_zh=text("methods_zh", 1500, 4),
        results_zh=text("results_zh", 2500, 4 if not results_en.strip() else 8),
        conclusion_zh=text("conclusion_zh", 800, 4),
        comment_zh=text("comment_zh", 300, 0) if data["comment_zh"] else "",
        topic=_topic(data, topic_ids, problems),
    )
    if problems:
        raise InvalidAnswer("; ".join(problems))
    return out


# --------------------------------------------------------------------------- the client
