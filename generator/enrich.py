"""Bilingual enrichment through any OpenAI-compatible chat endpoint.

One structured call per paper returns JSON with the Chinese title, a one-line
Chinese summary, the Chinese abstract, the LLM's topic and relevance, a short
Chinese reason and a one-line English summary.  Every answer is validated; an
invalid one is retried once with the validation errors, and otherwise the
paper stays un-enriched (shown with a 待翻译 badge) - never placeholder text.

Operating properties:

* **Cache and resume**: each valid answer is written to disk the moment it
  arrives, keyed by (arXiv id + version, prompt name + prompt text hash,
  model).  A rerun costs zero calls; a run killed halfway resumes.
* **Degrade**: no key, a disabled block, a provider that is down (a circuit
  breaker stops after consecutive failures) or an exhausted budget leave the
  remaining papers un-enriched; the run still completes.
* **Retries**: 429 and 5xx with exponential backoff and jitter, honouring
  ``Retry-After``; timeouts are bounded by ``llm.timeout_seconds``.
* **Concurrency**: ``llm.max_concurrency`` calls in flight; results are keyed
  by paper, so output order never depends on timing.
* **Prompt injection**: paper text is sent as a JSON data block between
  markers, with instructions never to follow it; the system prompt carries a
  canary, and an answer that contains the canary or any placeholder is rejected.

The API key is read from the environment variable named by ``llm.api_key_env``
and is never logged, cached or written anywhere.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import openai

from .config import Config
from .fileio import atomic_write
from .answers import (CANARY, CJK, FIELDS, JOURNAL_FIELDS, PLACEHOLDER, Enrichment, InvalidAnswer,  # noqa: F401
                      JournalEnrichment, glossary_missing, glossary_terms_in, load_glossary, prompt_windows,
                      strip_fences, validate_answer, validate_journal_answer)
from .kinds import Task
from .kinds.arxiv_daily import TASK as DAILY_TASK, PaperInput  # noqa: F401  (PaperInput: the daily task's input)

log = logging.getLogger(__name__)

PROMPTS = Path(__file__).resolve().parent / "prompts"
CIRCUIT_BREAKER = 5  # consecutive failed papers before the provider is considered down


@dataclass
class EnrichStats:
    requested: int = 0
    calls: int = 0
    cache_hits: int = 0
    enriched: int = 0
    failed: int = 0
    skipped: int = 0  # not attempted: budget exhausted or provider down
    retries: int = 0
    invalid_answers: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reason_skipped: str = ""

    def cost(self, cfg: Config) -> float:
        return (self.prompt_tokens * cfg.llm.price_input_per_mtok + self.completion_tokens * cfg.llm.price_output_per_mtok) / 1e6

    def line(self, cfg: Config) -> str:
        price = f"est. cost ${self.cost(cfg):.4f}" if (cfg.llm.price_input_per_mtok or cfg.llm.price_output_per_mtok) else "est. cost n/a (set llm.price_*)"
        out = (
            f"LLM: {self.enriched}/{self.requested} enriched, {self.calls} calls ({self.retries} retries, "
            f"{self.invalid_answers} invalid answers), {self.cache_hits} cache hits, "
            f"tokens {self.prompt_tokens} in / {self.completion_tokens} out, {price}"
        )
        if self.failed or self.skipped:
            out += f"; {self.failed} failed, {self.skipped} not attempted" + (f" ({self.reason_skipped})" if self.reason_skipped else "")
        return out


def api_key(cfg: Config, env: dict[str, str]) -> str | None:
    return (env.get(cfg.llm.api_key_env) or "").strip() or None


def untrusted_base_url(cfg: Config) -> str:
    """Why the key must not go to ``llm.base_url`` ("" when it may): only config.yml names that URL."""
    if cfg.llm.key_allowed:
        return ""
    host = urlsplit(cfg.llm.base_url).netloc or cfg.llm.base_url
    return (f"llm.base_url ({host}) comes from {cfg.path.name} alone, and {cfg.llm.api_key_env} goes only to a base "
            "URL from the environment: set the repository variable LLM_BASE_URL to it, or opt in with "
            "llm.allow_config_base_url: true")


def make_enricher(cfg: Config, env: dict[str, str], task: Task = DAILY_TASK) -> tuple["Enricher | None", str]:
    """The enricher of a kind's ``task`` for this run, or None and the one line that says why not."""
    if not cfg.llm.enabled:
        return None, f"LLM enrichment is off (llm.enabled: false): {task.without}."
    key = api_key(cfg, env)
    if not key:
        return None, f"{cfg.llm.api_key_env} is not set: {task.without}; {task.later}."
    if untrusted_base_url(cfg):
        return None, f"{untrusted_base_url(cfg)}; {task.without}."
    return Enricher(cfg, key, task=task), ""


class Enricher:
    """``Enricher(cfg, key, task=kind.task).enrich_many(inputs)`` -> {id: answer or None}: one client, cache, budget,
    retry policy and circuit breaker for every kind's task (and for small JSON tasks, ``complete_json``)."""

    def __init__(self, cfg: Config, key: str, client: Any | None = None, sleep: Callable[[float], None] = time.sleep,
                 task: Task = DAILY_TASK):
        self.cfg = cfg
        self.llm = cfg.llm
        self.task = task
        self.result_type = task.answer
        self.prompt = task.prompt(cfg)
        if client is None and untrusted_base_url(cfg):  # the same rule for every caller, not only make_enricher
            raise ValueError(untrusted_base_url(cfg))
        self.client = client or openai.OpenAI(
            api_key=key, base_url=cfg.llm.base_url, timeout=cfg.llm.timeout_seconds, max_retries=0
        )
        self.sleep = sleep
        self.system = (PROMPTS / f"{self.prompt}.system.txt").read_text(encoding="utf-8")
        self.forbidden = prompt_windows(self.system.replace("{canary}", CANARY))
        self.user_template = (PROMPTS / f"{self.prompt}.user.txt").read_text(encoding="utf-8")
        self.prompt_hash = hashlib.sha256((self.system + "\0" + self.user_template).encode()).hexdigest()[:12]
        self.glossary = load_glossary(cfg.root / self.llm.glossary)
        self.cache_dir = cfg.paths.cache / "llm"
        self.stats = EnrichStats()
        self._lock = threading.Lock()
        self._consecutive_failures = 0
        self._down = False

    @property
    def signature(self) -> str:
        """Who wrote an enrichment: recorded on each entry."""
        return f"{self.llm.model} · {self.prompt}"

    # ------------------------------------------------------------------ cache

    def _cache_path(self, p: PaperInput) -> Path:
        key = f"{p.id}v{p.version or 0}|{self.prompt}|{self.prompt_hash}|{self.llm.model}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:24]
        return self.cache_dir / digest[:2] / f"{p.id.replace('/', '_')}v{p.version or 0}-{digest}.json"

    def cached(self, p: PaperInput) -> Enrichment | None:
        path = self._cache_path(p)
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return self.result_type(**data["answer"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a damaged cache file %s", path)
            return None

    def _store(self, p: PaperInput, e: Enrichment) -> None:
        doc = {"id": p.id, "version": p.version, "model": self.llm.model, "prompt": self.prompt,
               "prompt_hash": self.prompt_hash, "answer": asdict(e)}
        atomic_write(self._cache_path(p), json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True))

    # ------------------------------------------------------------------ prompt

    def _prompt(self, text: str, marker: str, doc: dict) -> list[dict[str, str]]:
        """System prompt + the user template filled with topics, the glossary terms found in ``text`` and ``doc``
        (the untrusted paper text, as JSON between ``<<<MARKER`` lines; look-alike markers inside it are broken up)."""
        topics = "\n".join(f"- {t.id}: {t.name_zh} — {t.description_en}" for t in self.cfg.topics)
        terms = glossary_terms_in(text, self.glossary)
        glossary = "\n".join(f"- {en} → {zh}" for en, zh in sorted(terms.items())) or "- (none)"
        body = json.dumps(doc, ensure_ascii=False, indent=1)
        body = body.replace(f"{marker}>>>", f"{marker}> > >").replace(f"<<<{marker}", f"< < <{marker}")
        user = (self.user_template.replace("{topics}", topics).replace("{glossary}", glossary)
                .replace("{" + marker.lower() + "}", body))
        return [{"role": "system", "content": self.system.replace("{canary}", CANARY)}, {"role": "user", "content": user}]

    def messages(self, p: Any) -> list[dict[str, str]]:
        return self._prompt(f"{p.title}\n{p.abstract}", self.task.marker, self.task.document(self.cfg, p))

    def validate(self, content: str | None, p: Any) -> tuple[Any, str]:
        """(the checked answer, a softer problem worth one more request or ''); raises InvalidAnswer."""
        return self.task.check(self, content, p)

    # ------------------------------------------------------------------ calls

    def _budget_left(self) -> bool:
        with self._lock:
            if self.stats.calls >= self.llm.max_calls_per_run:
                self.stats.reason_skipped = f"llm.max_calls_per_run {self.llm.max_calls_per_run} reached"
                return False
            if self.stats.prompt_tokens + self.stats.completion_tokens >= self.llm.max_tokens_per_run:
                self.stats.reason_skipped = f"llm.max_tokens_per_run {self.llm.max_tokens_per_run} reached"
                return False
            return True

    def _call(self, messages: list[dict[str, str]]) -> str | None:
        """One chat completion with retries on 429/5xx/timeouts; returns the content."""
        kwargs: dict[str, Any] = dict(model=self.llm.model, messages=messages, temperature=self.llm.temperature,
                                      max_tokens=self.llm.max_output_tokens)
        if self.llm.json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        for attempt in range(self.llm.retries + 1):
            if not self._budget_left():
                raise BudgetExhausted()
            if self._down and attempt:
                raise ProviderError("provider looks down; retry abandoned")
            with self._lock:
                self.stats.calls += 1
                if attempt:
                    self.stats.retries += 1
            try:
                resp = self.client.chat.completions.create(**kwargs)
            except (openai.RateLimitError, openai.InternalServerError, openai.APITimeoutError,
                    openai.APIConnectionError) as e:
                if attempt >= self.llm.retries:
                    raise ProviderError(_describe(e)) from None
                wait = _retry_after(e)
                if wait is None:
                    wait = min(30.0, 1.0 * 2**attempt) * random.uniform(0.5, 1.0)
                log.info("LLM %s; retry %d/%d in %.1fs", _describe(e), attempt + 1, self.llm.retries, wait)
                self.sleep(min(wait, 60.0))
                continue
            except openai.APIStatusError as e:  # 400/401/403/404...: retrying will not help
                raise ProviderError(_describe(e)) from None
            usage = getattr(resp, "usage", None)
            with self._lock:
                self.stats.prompt_tokens += getattr(usage, "prompt_tokens", 0) or 0
                self.stats.completion_tokens += getattr(usage, "completion_tokens", 0) or 0
            choice = resp.choices[0] if resp.choices else None
            return choice.message.content if choice and choice.message else None
        return None

    def enrich_one(self, p: PaperInput) -> Enrichment | None:
        hit = self.cached(p)
        if hit is not None:
            with self._lock:
                self.stats.cache_hits += 1
                self.stats.enriched += 1
            return hit
        if self._down:
            with self._lock:
                self.stats.skipped += 1
            return None
        messages = self.messages(p)
        fallback = None  # a valid answer with a softer problem, kept in case the second try is worse
        try:
            for attempt in range(2):  # the answer, then once more with the validation errors
                content = self._call(messages)
                try:
                    e, soft = self.validate(content, p)
                except InvalidAnswer as err:
                    with self._lock:
                        self.stats.invalid_answers += 1
                    log.info("LLM answer for %s invalid (%s)%s", p.id, err, "; asking again" if attempt == 0 else "")
                    problem = f"That answer is invalid: {err}."
                else:
                    if not soft or attempt == 1:
                        return self._accept(p, e)
                    fallback = e
                    log.info("LLM answer for %s: %s; asking again", p.id, soft)
                    problem = f"Almost: {soft}."
                messages = messages + [
                    {"role": "assistant", "content": (content or "")[:20000]},
                    {"role": "user", "content": f"{problem} Reply with the corrected JSON object only."},
                ]
            if fallback is not None:
                return self._accept(p, fallback)
            self._failed(p, "no valid answer after one retry")
        except BudgetExhausted:
            with self._lock:
                self.stats.skipped += 1
        except ProviderError as err:
            self._failed(p, str(err))
        return None

    def complete_json(self, system: str, user: str) -> dict | None:
        """One small JSON task with the same client, budget, retries and breaker; None when it cannot be had."""
        if self._down:
            return None
        try:
            content = self._call([{"role": "system", "content": system}, {"role": "user", "content": user}])
        except (BudgetExhausted, ProviderError) as e:
            log.info("LLM task not done: %s", e or type(e).__name__)
            return None
        try:
            data = json.loads(strip_fences(content or ""))
        except json.JSONDecodeError:
            return None
        return data if isinstance(data, dict) else None

    def _accept(self, p: Any, e: Any) -> Any:
        self._store(p, e)
        with self._lock:
            self.stats.enriched += 1
            self._consecutive_failures = 0
        return e

    def _failed(self, p: PaperInput, why: str) -> None:
        log.warning("LLM enrichment failed for %s: %s (the paper stays English-only)", p.id, why)
        with self._lock:
            self.stats.failed += 1
            self._consecutive_failures += 1
            if self._consecutive_failures >= CIRCUIT_BREAKER and not self._down:
                self._down = True
                self.stats.reason_skipped = f"provider looks down after {CIRCUIT_BREAKER} consecutive failures"
                log.warning("LLM provider looks down; not calling it again in this run")

    def enrich_many(self, papers: list[PaperInput], progress: bool = True) -> dict[str, Enrichment | None]:
        self.stats.requested += len(papers)
        results: dict[str, Enrichment | None] = {}
        done = 0
        with ThreadPoolExecutor(max_workers=self.llm.max_concurrency, thread_name_prefix="llm") as pool:
            futures = {pool.submit(self.enrich_one, p): p for p in papers}
            for fut in futures:
                p = futures[fut]
                results[p.id] = fut.result()
                done += 1
                if progress and (done % 10 == 0 or done == len(papers)):
                    log.info("LLM enrichment: %d/%d", done, len(papers))
        return results


class BudgetExhausted(Exception):
    pass


class ProviderError(Exception):
    pass


def _retry_after(e: Exception) -> float | None:
    resp = getattr(e, "response", None)
    headers = getattr(resp, "headers", None) or {}
    try:
        return max(0.0, float(headers.get("retry-after", "")))
    except (TypeError, ValueError):
        return None


def _describe(e: Exception) -> str:
    status = getattr(e, "status_code", None)
    name = type(e).__name__
    return f"{name} (HTTP {status})" if status else name
