"""The small declarative schema ``config.yml`` is checked against: one ``Opt`` (checker, default) per key.

Each checker returns the clean value or raises ``Invalid`` with what is wrong; ``load_config`` prefixes the file and
the dotted key.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .types import PREPRINT_SERVERS, normalize_category

CATEGORY_RE = re.compile(r"^[a-z-]+(\.[A-Za-z-]+)?\Z")
TOPIC_ID_RE = re.compile(r"^[a-z][a-z0-9_]*\Z")


class Invalid(Exception):
    pass


@dataclass
class Opt:
    """One option: a checker that turns raw YAML into a value or raises Invalid."""

    check: Callable[[Any], Any]
    default: Any = None
    required: bool = False


def _str(allow_empty: bool = False) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if not isinstance(v, str):
            raise Invalid(f"expected a string, got {type(v).__name__} {v!r}")
        if not allow_empty and not v.strip():
            raise Invalid("must not be empty")
        return v

    return check


def _url(v: Any) -> str:
    v = _str()(v)
    if not re.match(r"^https?://[^\s/]+", v):
        raise Invalid(f"expected an http(s) URL, got {v!r}")
    if re.search(r"[\s\"'<>\\`]", v):  # addresses end up in hrefs of every page: nothing that ends an attribute
        raise Invalid(f"an http(s) URL has no spaces, quotes, '<', '>', backslashes or backticks, got {v!r}")
    return v


def _branch(v: Any) -> str:
    v = _str()(v)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,99}", v) or ".." in v:
        raise Invalid(f"expected a git branch name (letters, digits, '.', '_', '-', '/'), got {v!r}")
    return v


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _text(most: int, allow_empty: bool = False, one_line: bool = True) -> Callable[[Any], str]:
    """A name or description shown to readers (pages, feeds): no control or direction characters, bounded."""
    base = _str(allow_empty)

    def check(v: Any) -> str:
        v = base(v)
        if _CONTROL.search(v) or (one_line and "\n" in v):
            raise Invalid(f"no control character or line break allowed, got {v!r}")
        if len(v) > most:
            raise Invalid(f"at most {most} characters, got {len(v)}")
        return v

    return check


def _number(lo: float | None = None, hi: float | None = None, integer: bool = False):
    def check(v: Any):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise Invalid(f"expected a number, got {type(v).__name__} {v!r}")
        if integer and not float(v).is_integer():
            raise Invalid(f"expected a whole number, got {v!r}")
        if lo is not None and v < lo:
            raise Invalid(f"must be at least {lo}, got {v!r}")
        if hi is not None and v > hi:
            raise Invalid(f"must be at most {hi}, got {v!r}")
        return int(v) if integer else float(v)

    return check


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise Invalid(f"expected true or false, got {v!r}")
    return v


def _str_list(item: Callable[[Any], str] | None = None, non_empty: bool = False, most: int | None = None):
    item = item or _str()

    def check(v: Any) -> list[str]:
        if not isinstance(v, list):
            raise Invalid(f"expected a list, got {type(v).__name__}")
        if non_empty and not v:
            raise Invalid("must not be empty")
        if most is not None and len(v) > most:
            raise Invalid(f"at most {most} items, got {len(v)}")
        out = []
        for i, x in enumerate(v):
            try:
                out.append(item(x))
            except Invalid as e:
                raise Invalid(f"item {i + 1}: {e}") from None
        if len(set(out)) != len(out):
            dup = sorted({x for x in out if out.count(x) > 1})
            raise Invalid(f"duplicate entries: {', '.join(dup)}")
        return out

    return check


def _category(v: Any) -> str:
    v = _str()(v)
    if not CATEGORY_RE.match(v):
        raise Invalid(f"{v!r} is not an arXiv category like 'cs.CV' or 'q-bio.QM'")
    return v


def _weights(allow_negative: bool = False):
    """A mapping phrase -> weight (number).  Phrases keep their case: see select.compile_phrase."""

    def check(v: Any) -> dict[str, float]:
        if v is None:
            return {}
        if not isinstance(v, dict):
            raise Invalid(f"expected a mapping of phrase: weight, got {type(v).__name__}")
        out: dict[str, float] = {}
        for k, w in v.items():
            if not isinstance(k, str) or not k.strip():
                raise Invalid(f"phrase {k!r} must be a non-empty string")
            if isinstance(w, bool) or not isinstance(w, (int, float)):
                raise Invalid(f"weight of {k!r} must be a number, got {w!r}")
            if not allow_negative and w < 0:
                raise Invalid(f"weight of {k!r} must not be negative")
            out[k.strip()] = float(w)
        return out

    return check


def _topic_cues(v: Any) -> dict[str, dict[str, float]]:
    """phrase -> {topic id: weight}; topic ids are checked against `topics` later."""
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise Invalid(f"expected a mapping of phrase: {{topic: weight}}, got {type(v).__name__}")
    out = {}
    for phrase, weights in v.items():
        if not isinstance(phrase, str) or not phrase.strip():
            raise Invalid(f"{phrase!r} is not a phrase")
        try:
            out[phrase] = _weights()(weights)
        except Invalid as e:
            raise Invalid(f"{phrase}: {e}") from None
    return out


def _topic_priors(v: Any) -> dict[str, dict[str, float]]:
    """category -> {topic id: weight}; topic ids are checked against `topics` later."""
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise Invalid(f"expected a mapping of category: {{topic: weight}}, got {type(v).__name__}")
    out = {}
    for cat, weights in v.items():
        if not isinstance(cat, str) or not (CATEGORY_RE.match(cat) or cat.endswith(".*")):
            raise Invalid(f"{cat!r} is not an arXiv category (or a pattern like 'q-bio.*')")
        try:
            out[cat] = _weights()(weights)
        except Invalid as e:
            raise Invalid(f"{cat}: {e}") from None
    return out


def _choice(*options: str):
    def check(v: Any) -> str:
        if v not in options:
            raise Invalid(f"expected one of {', '.join(options)}, got {v!r}")
        return v

    return check


def _prompt_name(v: Any) -> str:
    v = _str()(v)
    if not (Path(__file__).resolve().parents[1] / "prompts" / f"{v}.system.txt").exists():
        raise Invalid(f"no prompt {v!r} in generator/prompts/ (expected {v}.system.txt and {v}.user.txt)")
    return v


def _server_categories(v: Any) -> dict[str, dict[str, float]]:
    """server -> {category: prior weight}; servers are checked against ``preprints.servers`` later."""
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise Invalid(f"expected a mapping of server: {{category: weight}}, got {type(v).__name__}")
    out: dict[str, dict[str, float]] = {}
    for server, weights in v.items():
        if server not in PREPRINT_SERVERS:
            raise Invalid(f"{server!r} is not a preprint server (expected one of {', '.join(PREPRINT_SERVERS)})")
        try:
            checked = _weights(allow_negative=True)(weights)
        except Invalid as e:
            raise Invalid(f"{server}: {e}") from None
        out[server] = {}
        for name, weight in checked.items():
            key = normalize_category(name)
            if key in out[server]:
                raise Invalid(f"{server}: {name!r} is listed twice (categories compare in lower case)")
            out[server][key] = weight
    return out


def _section(schema: dict[str, Opt], raw: Any, where: str, problems: list[str]) -> dict[str, Any]:
    """Validate one mapping against ``schema``; collect problems, return values."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a mapping, got {type(raw).__name__}")
        return {k: o.default for k, o in schema.items()}
    out: dict[str, Any] = {}
    for key in raw:
        if key not in schema:
            hint = difflib.get_close_matches(str(key), list(schema), n=1)
            more = f" (did you mean '{hint[0]}'?)" if hint else f" (known keys: {', '.join(schema)})"
            problems.append(f"{where}.{key}: unknown key{more}")
    for key, opt in schema.items():
        if key not in raw:
            if opt.required:
                problems.append(f"{where}.{key}: required key is missing")
            out[key] = opt.default
            continue
        try:
            out[key] = opt.check(raw[key])
        except Invalid as e:
            problems.append(f"{where}.{key}: {e}")
            out[key] = opt.default
    return out


DEFAULT_CATEGORIES = [
    "cs.CV", "cs.LG", "cs.AI", "cs.CL", "eess.IV", "eess.SP", "q-bio.QM", "q-bio.NC", "physics.med-ph",
]

# PubMed title abbreviations ([ta]) of journals for medical imaging and clinical AI
DEFAULT_JOURNALS = [
    "Radiology", "Eur Radiol", "NPJ Digit Med", "Lancet Digit Health", "Med Image Anal", "IEEE Trans Med Imaging",
    "Eur J Nucl Med Mol Imaging", "J Nucl Med", "Nat Med",
]
DEFAULT_AI_QUERY = (
    '"artificial intelligence"[tiab] OR "deep learning"[tiab] OR "machine learning"[tiab] OR "neural network*"[tiab] '
    'OR "large language model*"[tiab] OR "foundation model*"[tiab] OR radiomics[tiab] OR "Artificial Intelligence"[mh]'
)
DEFAULT_EXCLUDED_TYPES = ["Editorial", "Comment", "Letter", "Published Erratum", "Retraction Notice", "News"]

SCHEMA: dict[str, dict[str, Opt]] = {
    "site": {
        "title_zh": Opt(_text(200), "医学 AI 每日速递"),
        "title_en": Opt(_text(200), "Medical AI Daily"),
        "url": Opt(_url, "https://example.github.io/medical-ai-daily/"),
        "repo_url": Opt(_url, "https://github.com/example/medical-ai-daily"),
        "edit_branch": Opt(_branch, "main"),
    },
    "arxiv": {
        "categories": Opt(_str_list(_category, non_empty=True), DEFAULT_CATEGORIES),
        "rss_url": Opt(_url, "https://rss.arxiv.org/rss/"),
        "api_url": Opt(_url, "https://export.arxiv.org/api/query"),
        "api_delay_seconds": Opt(_number(0, 60), 3.0),
        "api_batch_size": Opt(_number(1, 2000, integer=True), 100),
        "retries": Opt(_number(0, 10, integer=True), 3),
        "timeout_seconds": Opt(_number(0.1, 600), 30.0),
        "include_replacements": Opt(_bool, False),
        "backfill_max_results": Opt(_number(1, 30000, integer=True), 3000),
    },
    "selection": {
        "threshold": Opt(_number(1, 100, integer=True), 50),
        "score_scale": Opt(_number(0.1, 1000), 4.0),
        "title_weight": Opt(_number(1, 10), 1.5),
        "category_priors": Opt(_weights(allow_negative=True), {}),
        "ml_categories": Opt(_str_list(), ["cs.*", "stat.ML", "eess.IV", "eess.SP", "eess.AS"]),
        "context": Opt(_weights(), {}),
        "no_context_factor": Opt(_number(0, 1), 0.7),
        "topic_priors": Opt(_topic_priors, {}),
        "ai_phrases": Opt(_str_list(), []),
        "exclude": Opt(_weights(), {}),
        "max_papers": Opt(_number(1, 1000, integer=True), 200),
        "topic_cues": Opt(_topic_cues, {}),
        "relevance_shape": Opt(_number(0.05, 1), 0.6),
        "context_cap": Opt(_number(0.1, 100), 6.0),
        "strong_phrase": Opt(_number(0, 100), 2.5),
    },
    "feeds": {
        "max_items": Opt(_number(1, 10000, integer=True), 100),
        "max_issue_items": Opt(_number(1, 1000, integer=True), 30),
        "topic_page_items": Opt(_number(1, 10000, integer=True), 60),
    },
    "llm": {
        "enabled": Opt(_bool, True),
        "base_url": Opt(_url, "https://api.deepseek.com/v1"),
        "model": Opt(_str(), "deepseek-chat"),
        "api_key_env": Opt(_str(), "LLM_API_KEY"),
        "prompt": Opt(_prompt_name, "enrich-v1"),
        "json_mode": Opt(_bool, True),
        "temperature": Opt(_number(0, 2), 0.2),
        "max_output_tokens": Opt(_number(100, 100000, integer=True), 3000),
        "max_concurrency": Opt(_number(1, 64, integer=True), 4),
        "timeout_seconds": Opt(_number(0.1, 600), 60.0),
        "retries": Opt(_number(0, 10, integer=True), 4),
        "max_calls_per_run": Opt(_number(0, 100000, integer=True), 300),
        "max_tokens_per_run": Opt(_number(0, 10**9, integer=True), 2_000_000),
        "prefilter_threshold": Opt(_number(1, 100, integer=True), 20),
        "keep_threshold": Opt(_number(1, 100, integer=True), 50),
        "glossary": Opt(_str(), "glossary.yml"),
        "price_input_per_mtok": Opt(_number(0, 1000), 0.0),
        "price_output_per_mtok": Opt(_number(0, 1000), 0.0),
        "allow_config_base_url": Opt(_bool, False),
    },
    "journal": {
        "enabled": Opt(_bool, True),
        "title_zh": Opt(_str(), "医学影像与AI文献快递"),
        "title_en": Opt(_str(), "Journal Digest: Medical Imaging & AI"),
        "eutils_url": Opt(_url, "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"),
        "api_key_env": Opt(_str(), "NCBI_API_KEY"),
        "tool": Opt(_str(), "medical-ai-daily"),
        "email": Opt(_str(allow_empty=True), ""),
        "journals": Opt(_str_list(non_empty=True), DEFAULT_JOURNALS),
        "query": Opt(_str(), DEFAULT_AI_QUERY),
        "exclude_types": Opt(_str_list(), DEFAULT_EXCLUDED_TYPES),
        "window_days": Opt(_number(1, 62, integer=True), 7),
        "date_type": Opt(_choice("edat", "pdat", "mdat"), "edat"),
        "max_articles": Opt(_number(1, 2000, integer=True), 80),
        "retries": Opt(_number(0, 10, integer=True), 3),
        "timeout_seconds": Opt(_number(0.1, 600), 30.0),
        "default_topic": Opt(_str(), "imaging"),
        "prompt": Opt(_prompt_name, "journal-v1"),
        "ai_comment": Opt(_bool, True),
    },
    "highlights": {
        "enabled": Opt(_bool, True),
        "per_topic": Opt(_number(1, 20, integer=True), 3),
        "max_items": Opt(_number(1, 200, integer=True), 15),
    },
    "email": {
        "enabled": Opt(_bool, False),
        "from_address": Opt(_str(), "Medical AI Daily <digest@example.org>"),
        "recipients_env": Opt(_str(), "EMAIL_TO"),
        "port": Opt(_number(1, 65535, integer=True), 587),
        "starttls": Opt(_bool, True),
        "timeout_seconds": Opt(_number(1, 600), 30.0),
        "unsubscribe": Opt(_str(), "mailto:digest@example.org?subject=unsubscribe"),
        "highlights": Opt(_bool, True),
    },
    "signals": {
        "hf": Opt(_bool, True),
        "hf_api_url": Opt(_url, "https://huggingface.co/api/"),
        "institutions": Opt(_bool, True),
        "arxiv_html_url": Opt(_url, "https://arxiv.org/html/"),
        "openalex_url": Opt(_url, "https://api.openalex.org/"),
        "timeout_seconds": Opt(_number(0.1, 120), 10.0),
        "retries": Opt(_number(0, 5, integer=True), 1),
        "delay_seconds": Opt(_number(0, 10), 0.5),
        "max_failures": Opt(_number(1, 100, integer=True), 3),
    },
    "preprints": {
        # off until the pipeline reads preprints; the lead turns it on with the integration
        "enabled": Opt(_bool, False),
        "servers": Opt(_str_list(_choice(*PREPRINT_SERVERS), non_empty=True), list(PREPRINT_SERVERS)),
        "api_url": Opt(_url, "https://api.biorxiv.org/"),
        "categories": Opt(_server_categories, {}),
        "window_days": Opt(_number(1, 31, integer=True), 3),
        "page_delay_seconds": Opt(_number(0, 60), 1.0),
        "retries": Opt(_number(0, 10, integer=True), 3),
        "timeout_seconds": Opt(_number(0.1, 600), 30.0),
        "max_records": Opt(_number(1, 100000, integer=True), 5000),
    },
    "paths": {
        "data": Opt(_str(), "data"),
        "docs": Opt(_str(), "docs"),
        "feeds": Opt(_str(), "feeds"),
        "site": Opt(_str(), "site"),
        "cache": Opt(_str(), ".cache"),
    },
}

TOPIC_SCHEMA: dict[str, Opt] = {
    "id": Opt(_str(), required=True),
    "name_zh": Opt(_text(200), required=True),
    "name_en": Opt(_text(200), required=True),
    "description_zh": Opt(_text(2000, allow_empty=True, one_line=False), ""),
    "description_en": Opt(_text(2000, allow_empty=True, one_line=False), ""),
    "include": Opt(_weights(), None, required=True),
    "exclude": Opt(_weights(), {}),
}

def _short(v: Any) -> str:
    v = _text(120)(v)
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", v) if not unicodedata.combining(ch))
    if not bare.strip(" *"):  # what the watches' folding (case, accents, '*') would leave of it
        raise Invalid(f"{v!r} matches every paper (nothing is left of it once case, accents and '*' are taken away)")
    return v


WATCH_SCHEMA: dict[str, Opt] = {
    "id": Opt(_str(), required=True),
    "name_zh": Opt(_text(200), required=True),
    "name_en": Opt(_text(200), required=True),
    "description_zh": Opt(_text(2000, allow_empty=True, one_line=False), ""),
    "description_en": Opt(_text(2000, allow_empty=True, one_line=False), ""),
    # each list is capped: a watch is matched against every paper of the archive at every render
    "topics": Opt(_str_list(most=50), []),          # any of these topics (ids; checked against `topics`)
    "keywords": Opt(_str_list(_short, most=50), []),  # any of these words or phrases in the title, Chinese title, abstract
    "authors": Opt(_str_list(_short, most=50), []),   # any author whose name contains one of these
    "institutions": Opt(_str_list(_short, most=50), []),  # any institution (English or Chinese name) containing one
    "min_relevance": Opt(_number(0, 100, integer=True), 0),
}

TOP_LEVEL = list(SCHEMA) + ["topics", "watches"]
