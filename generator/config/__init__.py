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
from pathlib import Path
from typing import Any

import yaml

from .types import *  # noqa: F401,F403  (every section's dataclass, as one module)
from .schema import CATEGORY_RE, SCHEMA, TOP_LEVEL, TOPIC_ID_RE, TOPIC_SCHEMA, WATCH_SCHEMA, Invalid, Opt, _section  # noqa: F401

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
    watches = _load_watches(raw.get("watches"), name, {t.id for t in topics}, problems)

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
        watches=tuple(watches),
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


MAX_WATCHES = 50  # each one is matched against the whole archive and writes two pages and four feeds


def _load_watches(raw: Any, name: str, topic_ids: set[str], problems: list[str]) -> list[Watch]:
    """``watches``: optional; each one a named query with at least one criterion, its topics known."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(f"{name}: watches: expected a list of watches")
        return []
    if len(raw) > MAX_WATCHES:
        problems.append(f"{name}: watches: at most {MAX_WATCHES} watches, got {len(raw)}")
        return []
    watches: list[Watch] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        wid = item.get("id") if isinstance(item, dict) else None
        where = f"{name}: watches[{i}]" + (f" ({wid})" if isinstance(wid, str) else "")
        before = len(problems)
        vals = _section(WATCH_SCHEMA, item, where, problems)
        if isinstance(wid, str):
            if not TOPIC_ID_RE.match(wid.replace("-", "_")):
                problems.append(f"{where}.id: {wid!r} must be lower-case letters, digits, '-' and '_'")
            elif len(wid) > 64:
                problems.append(f"{where}.id: at most 64 characters, got {len(wid)}")
            elif wid == "index":
                problems.append(f"{where}.id: 'index' is reserved (the page that lists the watches)")
            if wid in seen:
                problems.append(f"{where}.id: duplicate watch id {wid!r}")
            seen.add(wid)
        for tid in vals.get("topics") or []:
            if topic_ids and tid not in topic_ids:
                problems.append(f"{where}.topics: no such topic {tid!r} (topics: {', '.join(sorted(topic_ids))})")
        if not any(vals.get(k) for k in ("topics", "keywords", "authors", "institutions", "min_relevance")):
            problems.append(f"{where}: needs at least one of topics, keywords, authors, institutions, min_relevance")
        if len(problems) == before:
            watches.append(Watch(**vals))
    return watches
