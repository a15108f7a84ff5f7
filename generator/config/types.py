"""The configuration as the code sees it: one frozen dataclass per section of ``config.yml``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PREPRINT_SERVERS = ("medrxiv", "biorxiv")


def normalize_category(name: str) -> str:
    """A medRxiv/bioRxiv category as compared: lower case, '_' as space, spaces collapsed ("Cell_Biology" ->
    "cell biology"); the API writes them in lower case, its category filter takes either form."""
    return " ".join(name.replace("_", " ").lower().split())


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
class Watch:
    """An editors' named query over the records (config.yml ``watches``): its own page and RSS/Atom feeds.  A paper
    matches when every criterion that is given holds; inside one criterion any item is enough."""

    id: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    topics: list[str]
    keywords: list[str]
    authors: list[str]
    institutions: list[str]
    min_relevance: int


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
    watches: tuple[Watch, ...] = ()

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
