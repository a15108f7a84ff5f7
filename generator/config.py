"""Load and validate the project's one configuration file (``config.yml``).

The file is checked against a small declarative schema before anything runs.
Every problem is reported as ``<file>: <dotted.key>: <what is wrong>`` so a
maintainer can find the line at once; unknown keys get a "did you mean" hint.

Remote endpoints and secrets can be overridden by environment variables
(see ``ENV_OVERRIDES``) so that tests and forks point them elsewhere without
editing the file.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

DEFAULT_CONFIG_NAME = "config.yml"

# environment variable -> dotted config key it overrides
ENV_OVERRIDES = {
    "ARXIV_RSS_URL": "arxiv.rss_url",
    "ARXIV_API_URL": "arxiv.api_url",
    "LLM_BASE_URL": "llm.base_url",
    "LLM_MODEL": "llm.model",
    "SITE_URL": "site.url",
    "NCBI_EUTILS_URL": "journal.eutils_url",
    "HF_API_URL": "signals.hf_api_url",
    "ARXIV_HTML_URL": "signals.arxiv_html_url",
    "OPENALEX_URL": "signals.openalex_url",
    "BIORXIV_API_URL": "preprints.api_url",
}

CATEGORY_RE = re.compile(r"^[a-z-]+(\.[A-Za-z-]+)?\Z")
TOPIC_ID_RE = re.compile(r"^[a-z][a-z0-9_]*\Z")


class ConfigError(Exception):
    """A configuration problem; ``str()`` is one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# --------------------------------------------------------------------------
# typed configuration objects (what the rest of the program sees)


@dataclass(frozen=True)
class Topic:
    id: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    include: dict[str, float]
    exclude: dict[str, float]


@dataclass(frozen=True)
class SiteConfig:
    title_zh: str
    title_en: str
    url: str
    repo_url: str
    edit_branch: str


@dataclass(frozen=True)
class ArxivConfig:
    categories: list[str]
    rss_url: str
    api_url: str
    api_delay_seconds: float
    api_batch_size: int
    retries: int
    timeout_seconds: float
    include_replacements: bool
    backfill_max_results: int


@dataclass(frozen=True)
class SelectionConfig:
    threshold: int
    score_scale: float
    title_weight: float
    category_priors: dict[str, float]
    ml_categories: list[str]
    context: dict[str, float]
    no_context_factor: float
    topic_priors: dict[str, dict[str, float]]
    ai_phrases: list[str]
    exclude: dict[str, float]
    max_papers: int
    topic_cues: dict[str, dict[str, float]]  # method phrase -> {topic id: weight}: choose the topic, never evidence
    relevance_shape: float  # relevance % = 100 * (1 - exp(-(score / score_scale) ** relevance_shape))
    context_cap: float  # context words alone saturate at this much evidence
    strong_phrase: float  # phrases this heavy keep title/repetition bonuses without clinical context


@dataclass(frozen=True)
class FeedsConfig:
    max_items: int
    max_issue_items: int
    topic_page_items: int


@dataclass(frozen=True)
class LLMConfig:
    enabled: bool
    base_url: str
    model: str
    api_key_env: str
    prompt: str
    json_mode: bool
    temperature: float
    max_output_tokens: int
    max_concurrency: int
    timeout_seconds: float
    retries: int
    max_calls_per_run: int
    max_tokens_per_run: int
    prefilter_threshold: int
    keep_threshold: int
    glossary: str
    price_input_per_mtok: float
    price_output_per_mtok: float
    allow_config_base_url: bool = False
    # where the key may go: LLM_BASE_URL from the environment (a repository variable), else the built-in default,
    # else base_url only with allow_config_base_url — a merged change to config.yml alone cannot send the key elsewhere
    key_base_url: str = ""

    @property
    def key_allowed(self) -> bool:
        return self.base_url.rstrip("/") == self.key_base_url.rstrip("/")


@dataclass(frozen=True)
class JournalConfig:
    """The weekly journal digest (文献快递) from PubMed."""

    enabled: bool
    title_zh: str
    title_en: str
    eutils_url: str
    api_key_env: str
    tool: str
    email: str
    journals: list[str]
    query: str
    exclude_types: list[str]
    window_days: int
    date_type: str
    max_articles: int
    retries: int
    timeout_seconds: float
    default_topic: str
    prompt: str
    ai_comment: bool
    # where NCBI_API_KEY may go: NCBI_EUTILS_URL from the environment, else NCBI's own E-utilities
    key_eutils_url: str = ""


@dataclass(frozen=True)
class HighlightsConfig:
    """The weekly highlights page (本周精选): top papers per topic, editors pin or remove by pull request."""

    enabled: bool
    per_topic: int
    max_items: int


@dataclass(frozen=True)
class EmailConfig:
    """The optional email digest; the server and the list are secrets (environment), never in this file."""

    enabled: bool
    from_address: str
    recipients_env: str
    port: int
    starttls: bool
    timeout_seconds: float
    unsubscribe: str
    highlights: bool


@dataclass(frozen=True)
class SignalsConfig:
    """Optional per-paper extras from other remotes: Hugging Face upvotes, institutions (arXiv HTML, OpenAlex).
    They never delay or break an issue: short timeouts, one retry, and a breaker that stops asking a remote after
    ``max_failures`` consecutive failures."""

    hf: bool
    hf_api_url: str
    institutions: bool
    arxiv_html_url: str
    openalex_url: str
    timeout_seconds: float
    retries: int
    delay_seconds: float
    max_failures: int


@dataclass(frozen=True)
class PreprintsConfig:
    """medRxiv and bioRxiv preprints (api.biorxiv.org ``/details``).

    ``categories`` maps each server to its category filter with a prior weight per category (names as the API writes
    them, lower case): a server with categories keeps only preprints in them, a server without keeps every category
    (prior 0), and ``"*"`` stands for every category not listed (with its weight).  The pipeline adds the prior to the
    classifier's score.
    """

    enabled: bool
    servers: list[str]
    api_url: str
    categories: dict[str, dict[str, float]]
    window_days: int
    page_delay_seconds: float
    retries: int
    timeout_seconds: float
    max_records: int

    def prior(self, server: str, category: str) -> float | None:
        """The prior weight of ``category`` on ``server``; None when the server's filter leaves it out."""
        weights = self.categories.get(server) or {}
        if not weights:
            return 0.0
        return weights.get(normalize_category(category), weights.get("*"))


@dataclass(frozen=True)
class PathsConfig:
    data: Path
    docs: Path
    feeds: Path
    site: Path
    cache: Path


@dataclass(frozen=True)
class Config:
    path: Path
    root: Path
    site: SiteConfig
    arxiv: ArxivConfig
    selection: SelectionConfig
    topics: list[Topic]
    feeds: FeedsConfig
    llm: LLMConfig
    journal: JournalConfig
    highlights: HighlightsConfig
    email: EmailConfig
    signals: SignalsConfig
    paths: PathsConfig
    preprints: PreprintsConfig | None = None  # last, with a default: code that builds a Config by hand keeps working

    def topic(self, topic_id: str) -> Topic:
        for t in self.topics:
            if t.id == topic_id:
                return t
        raise KeyError(topic_id)

    @property
    def topic_ids(self) -> list[str]:
        return [t.id for t in self.topics]


# --------------------------------------------------------------------------
# the schema: a tiny set of option types in the spirit of MkDocs' config_options


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
    return v


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


def _str_list(item: Callable[[Any], str] | None = None, non_empty: bool = False):
    item = item or _str()

    def check(v: Any) -> list[str]:
        if not isinstance(v, list):
            raise Invalid(f"expected a list, got {type(v).__name__}")
        if non_empty and not v:
            raise Invalid("must not be empty")
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
    if not (Path(__file__).parent / "prompts" / f"{v}.system.txt").exists():
        raise Invalid(f"no prompt {v!r} in generator/prompts/ (expected {v}.system.txt and {v}.user.txt)")
    return v


PREPRINT_SERVERS = ("medrxiv", "biorxiv")


def normalize_category(name: str) -> str:
    """A medRxiv/bioRxiv category as compared: lower case, '_' as space, spaces collapsed ("Cell_Biology" ->
    "cell biology"); the API writes them in lower case, its category filter takes either form."""
    return " ".join(name.replace("_", " ").lower().split())


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
        "title_zh": Opt(_str(), "医学 AI 每日速递"),
        "title_en": Opt(_str(), "Medical AI Daily"),
        "url": Opt(_url, "https://example.github.io/medical-ai-daily/"),
        "repo_url": Opt(_url, "https://github.com/example/medical-ai-daily"),
        "edit_branch": Opt(_str(), "main"),
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
    "name_zh": Opt(_str(), required=True),
    "name_en": Opt(_str(), required=True),
    "description_zh": Opt(_str(allow_empty=True), ""),
    "description_en": Opt(_str(allow_empty=True), ""),
    "include": Opt(_weights(), None, required=True),
    "exclude": Opt(_weights(), {}),
}

TOP_LEVEL = list(SCHEMA) + ["topics"]


def _set_dotted(raw: dict, dotted: str, value: str) -> None:
    section, key = dotted.split(".")
    if not isinstance(raw.get(section), dict):
        raw[section] = {}
    raw[section][key] = value


def load_config(path: str | os.PathLike | None = None, env: dict[str, str] | None = None) -> Config:
    """Read, override from the environment, validate and return the config.

    Raises ConfigError listing every problem found (not only the first).
    """
    env = os.environ if env is None else env
    path = Path(path or env.get("MEDAIDAILY_CONFIG") or DEFAULT_CONFIG_NAME).resolve()
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: config file not found"]) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError([f"{name}: not valid YAML{where}: {getattr(e, 'problem', e)}"]) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError([f"{name}: the top level must be a mapping of sections"])

    for var, dotted in ENV_OVERRIDES.items():
        if env.get(var):
            _set_dotted(raw, dotted, env[var])

    problems: list[str] = []
    for key in raw:
        if key not in TOP_LEVEL:
            hint = difflib.get_close_matches(str(key), TOP_LEVEL, n=1)
            more = f" (did you mean '{hint[0]}'?)" if hint else f" (known sections: {', '.join(TOP_LEVEL)})"
            problems.append(f"{name}: {key}: unknown section{more}")
    values = {sec: _section(schema, raw.get(sec), f"{name}: {sec}", problems) for sec, schema in SCHEMA.items()}
    topics = _load_topics(raw.get("topics"), name, problems)

    sel = values["selection"]
    for cat in sel["category_priors"]:
        if not CATEGORY_RE.match(cat) and not cat.endswith(".*"):
            problems.append(f"{name}: selection.category_priors.{cat}: not an arXiv category")
    known = {t.id for t in topics}
    for key in ("topic_priors", "topic_cues"):
        for what, weights in sel[key].items():
            for tid in weights:
                if known and tid not in known:
                    problems.append(f"{name}: selection.{key}.{what}.{tid}: no such topic (topics: {', '.join(sorted(known))})")
    _check_preprints(values["preprints"], problems)
    jt = values["journal"]["default_topic"]
    if known and jt not in known:
        problems.append(f"{name}: journal.default_topic: no such topic {jt!r} (topics: {', '.join(sorted(known))})")
    if problems:
        raise ConfigError([p if p.startswith(name) else f"{name}: {p}" for p in problems])

    root = path.parent
    paths = values["paths"]
    site = values["site"]
    if not site["url"].endswith("/"):
        site["url"] += "/"
    for section, key in (("journal", "eutils_url"), ("signals", "hf_api_url"), ("signals", "arxiv_html_url"),
                         ("signals", "openalex_url"), ("preprints", "api_url")):
        if not values[section][key].endswith("/"):
            values[section][key] += "/"
    _key_destinations(values, env)
    return Config(
        path=path,
        root=root,
        site=SiteConfig(**site),
        arxiv=ArxivConfig(**values["arxiv"]),
        selection=SelectionConfig(**sel),
        topics=topics,
        feeds=FeedsConfig(**values["feeds"]),
        llm=LLMConfig(**values["llm"]),
        journal=JournalConfig(**values["journal"]),
        highlights=HighlightsConfig(**values["highlights"]),
        email=EmailConfig(**values["email"]),
        signals=SignalsConfig(**values["signals"]),
        preprints=PreprintsConfig(**values["preprints"]),
        paths=PathsConfig(**{k: (root / v) for k, v in paths.items()}),
    )


def _check_preprints(values: dict[str, Any], problems: list[str]) -> None:
    """Categories only for servers that are read: a filter for a server left out is a forgotten edit."""
    for server in values["categories"]:
        if server not in values["servers"]:
            problems.append(f"preprints.categories.{server}: not in preprints.servers "
                            f"({', '.join(values['servers'])})")


def _key_destinations(values: dict[str, dict], env: Any) -> None:
    """Where each API key may be sent, decided by the environment and the code, never by config.yml alone: a pull
    request that changes ``llm.base_url`` or ``journal.eutils_url`` cannot send a key to its own server."""
    llm, journal = values["llm"], values["journal"]
    from_env = (env.get("LLM_BASE_URL") or "").strip()
    llm["key_base_url"] = from_env or (llm["base_url"] if llm["allow_config_base_url"] else SCHEMA["llm"]["base_url"].default)
    eutils = (env.get("NCBI_EUTILS_URL") or "").strip() or SCHEMA["journal"]["eutils_url"].default
    journal["key_eutils_url"] = eutils if eutils.endswith("/") else eutils + "/"


def _load_topics(raw: Any, name: str, problems: list[str]) -> list[Topic]:
    if raw is None:
        problems.append(f"{name}: topics: required section is missing (a list of topics)")
        return []
    if not isinstance(raw, list) or not raw:
        problems.append(f"{name}: topics: expected a non-empty list of topics")
        return []
    topics: list[Topic] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        tid = item.get("id") if isinstance(item, dict) else None
        where = f"{name}: topics[{i}]" + (f" ({tid})" if isinstance(tid, str) else "")
        vals = _section(TOPIC_SCHEMA, item, where, problems)
        if isinstance(tid, str):
            if not TOPIC_ID_RE.match(tid):
                problems.append(f"{where}.id: {tid!r} must be lower-case letters, digits and '_'")
            if tid in seen:
                problems.append(f"{where}.id: duplicate topic id {tid!r}")
            seen.add(tid)
        if vals.get("include") == {}:
            problems.append(f"{where}.include: needs at least one phrase")
        if all(isinstance(vals.get(k), str) for k in ("id", "name_zh", "name_en")) and vals.get("include"):
            topics.append(Topic(**vals))
    return topics

