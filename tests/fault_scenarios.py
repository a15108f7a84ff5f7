"""Fault scenarios on every remote, shared by tests/test_faults.py and bench/faults.py.

Each scenario sets up the loopback arXiv stand-in and the fake LLM, runs `python -m generator run` (as the workflow
does) and states what must follow: a complete issue, no issue (an empty announcement), or a clean failure - exit 1,
one `error:` line, and data/, docs/ and feeds/ exactly as they were.

Scenarios at ``level="source"`` exercise one source on its own until the pipeline reads it (medRxiv/bioRxiv today):
the saved API answers are served by the loopback ``BiorxivStandIn`` with the fault, ``fetch_window`` runs, and what
must follow is every preprint of a fault-free read ("preprints") or one clean one-line ``FetchError`` ("failure").
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from generator.model import Paper

from .conftest import LISTINGS, corpus_day, setup_project, snapshot
from .fake_llm import FakeLLM

ROOT = Path(__file__).resolve().parents[1]
DAY = "2025-06-09"
PRIOR_DAY = "2025-06-06"


@dataclass
class Scenario:
    name: str
    remote: str
    setup: Callable  # (arxiv stand-in, fake LLM) -> None
    expect: str  # "issue" | "no-issue" | "failure" | "preprints" (source level)
    check: Callable | None = None  # (record dict) -> None, extra assertions on the issue
    level: str = "run"  # "run": `python -m generator run`; "source": the source's fetch alone (setup gets (stand-in, None))


def _twice(srv, llm):
    papers = corpus_day(DAY)
    srv.set_day(DAY, papers + [papers[5]])


def _one_comment_lost(rec):
    assert any(p["comment"] for s in rec["sections"] for p in s["papers"]), "API metadata missing"


def _no_comments(rec):
    assert all(p["primary_category"] is None for s in rec["sections"] for p in s["papers"])


def _enriched(rec):
    assert all(p["title_zh"] for s in rec["sections"] for p in s["papers"])


def _some_pending(rec):
    entries = [p for s in rec["sections"] for p in s["papers"]]
    assert any(not p["title_zh"] for p in entries) and any(p["title_zh"] for p in entries)


def _faults(path, *modes):
    def setup(srv, llm):
        srv.faults[path] = list(modes)
    return setup


def _llm(*modes):
    def setup(srv, llm):
        llm.script["*"] = list(modes)
    return setup


def _refused(srv, llm):
    srv.env_override = {"ARXIV_RSS_URL": "http://127.0.0.1:9/rss/"}  # nothing listens on port 9


SCENARIOS = [
    Scenario("rss 503 twice, then the feed", "arXiv RSS", _faults("/rss", 503, 503), "issue", _one_comment_lost),
    Scenario("rss 429 with Retry-After, then the feed", "arXiv RSS", _faults("/rss", 429), "issue"),
    Scenario("rss 503 on every try", "arXiv RSS", _faults("/rss", *[503] * 10), "failure"),
    Scenario("rss connection refused", "arXiv RSS", _refused, "failure"),
    Scenario("rss connection reset mid-body, then the feed", "arXiv RSS", _faults("/rss", "reset"), "issue"),
    Scenario("rss reset mid-body on every try", "arXiv RSS", _faults("/rss", *["reset"] * 10), "failure"),
    Scenario("rss body slower than the timeout, then the feed", "arXiv RSS", _faults("/rss", "slow"), "issue"),
    Scenario("rss truncated XML on every try", "arXiv RSS", _faults("/rss", *["truncated"] * 10), "failure"),
    Scenario("rss truncated XML once, then the feed", "arXiv RSS", _faults("/rss", "truncated"), "issue"),
    Scenario("rss an HTML error page with 200", "arXiv RSS", _faults("/rss", *["garbage"] * 10), "failure"),
    Scenario("rss empty on a weekday", "arXiv RSS", _faults("/rss", "empty"), "no-issue"),
    Scenario("rss the same paper twice", "arXiv RSS", _twice, "issue"),
    Scenario("api 503 twice, then metadata", "arXiv API", _faults("/api", 503, 503), "issue", _one_comment_lost),
    Scenario("api empty page, then metadata", "arXiv API", _faults("/api", "empty"), "issue", _one_comment_lost),
    Scenario("api reset mid-body, then metadata", "arXiv API", _faults("/api", "reset"), "issue", _one_comment_lost),
    Scenario("api truncated XML, then metadata", "arXiv API", _faults("/api", "truncated"), "issue", _one_comment_lost),
    Scenario("api slower than the timeout, then metadata", "arXiv API", _faults("/api", "slow"), "issue", _one_comment_lost),
    Scenario("api down all day", "arXiv API", _faults("/api", *[503] * 50), "issue", _no_comments),
    Scenario("llm 429 with Retry-After", "LLM", _llm("429", "429"), "issue", _enriched),
    Scenario("llm 500s", "LLM", _llm("500", "500"), "issue", _enriched),
    Scenario("llm answer slower than the timeout", "LLM", _llm("slow"), "issue", _enriched),
    Scenario("llm malformed JSON", "LLM", _llm("malformed"), "issue", _enriched),
    Scenario("llm JSON that breaks the schema twice", "LLM", _llm("schema", "schema"), "issue", _some_pending),
    Scenario("llm down all day", "LLM", _llm(*["500"] * 10000), "issue"),
]


# --------------------------------------------------------------------------- medRxiv / bioRxiv (source level)

MEDRXIV_RAW = LISTINGS.parent / "raw" / "medrxiv"
PREPRINT_CAPTURES = {  # server -> a saved /details answer of 100 records (see PROVENANCE.md there)
    "medrxiv": "details_medrxiv_2026-01-01_2026-04-11_cursor0.api-biorxiv-org.json",
    "biorxiv": "details_biorxiv_2026-01-01_2026-04-11_cursor0.api-biorxiv-org.json",
}
PREPRINT_WINDOW = ("2026-01-01", "2026-04-11")


def _preprint_faults(path: str, *modes):
    def setup(srv, _llm):
        srv.faults[path] = list(modes)
    return setup


def _biorxiv_refused(srv, _llm):
    srv.env_override = {"BIORXIV_API_URL": "http://127.0.0.1:9/"}  # nothing listens on port 9


_MED = "/details/medrxiv/" + "/".join(PREPRINT_WINDOW)  # + "/<cursor>"

SCENARIOS += [
    Scenario("preprints 503 twice, then the page", "medRxiv API", _preprint_faults(_MED, 503, 503), "preprints",
             level="source"),
    Scenario("preprints plain-text error in a 200, then the page", "medRxiv API",
             _preprint_faults(_MED, "error-text"), "preprints", level="source"),
    Scenario("preprints plain-text error in a 200 on every try", "medRxiv API",
             _preprint_faults(_MED, *["error-text"] * 10), "failure", level="source"),
    Scenario("preprints an HTML page with 200, then the page", "medRxiv API", _preprint_faults(_MED, "garbage"),
             "preprints", level="source"),
    Scenario("preprints truncated JSON once, then the page", "medRxiv API", _preprint_faults(_MED, "truncated"),
             "preprints", level="source"),
    Scenario("preprints short pages", "medRxiv API", _preprint_faults(_MED, "short", "short", "short"), "preprints",
             level="source"),
    Scenario("preprints the cursor-30 request fails once", "medRxiv API", _preprint_faults(f"{_MED}/30", 503),
             "preprints", level="source"),
    Scenario("preprints the cursor-30 request resets mid-body once", "medRxiv API",
             _preprint_faults(f"{_MED}/30", "reset"), "preprints", level="source"),
    Scenario("preprints bioRxiv slower than the timeout, then the page", "bioRxiv API",
             _preprint_faults("/details/biorxiv", "slow"), "preprints", level="source"),
    Scenario("preprints API down (503 on every try)", "medRxiv API", _preprint_faults("/details", *[503] * 50),
             "failure", level="source"),
    Scenario("preprints API refuses connections", "medRxiv API", _biorxiv_refused, "failure", level="source"),
]


def preprint_standin(page_size: int = 30):
    """A started ``BiorxivStandIn`` serving the records of the saved medRxiv and bioRxiv answers."""
    import json

    from generator.standin import BiorxivStandIn

    srv = BiorxivStandIn(page_size=page_size).start()
    for server, name in PREPRINT_CAPTURES.items():
        srv.add_records(server, json.loads((MEDRXIV_RAW / name).read_bytes())["collection"])
    return srv


def preprints_config(api_url: str, **overrides):
    """The project's ``preprints`` section pointed at ``api_url``: no pacing, short timeouts, every category."""
    from dataclasses import replace

    from generator.config import load_config

    cfg = load_config(ROOT / "config.yml", env={"BIORXIV_API_URL": api_url}).preprints
    settings = dict(page_delay_seconds=0.0, retries=2, timeout_seconds=1.5, categories={})
    return replace(cfg, **{**settings, **overrides})


def run_source_scenario(sc: Scenario) -> str:
    """A source-level scenario: fetch the window with and without the fault; "" when it held."""
    from datetime import date

    from generator.http import FetchError
    from generator.sources.biorxiv import BiorxivClient, fetch_window

    start, end = (date.fromisoformat(d) for d in PREPRINT_WINDOW)
    srv = preprint_standin()
    srv.slow_seconds = 4.0
    try:
        clean = fetch_window(BiorxivClient(preprints_config(srv.api_url)), preprints_config(srv.api_url), start, end)
        sc.setup(srv, None)
        cfg = preprints_config(srv.env_override.get("BIORXIV_API_URL", srv.api_url))
        try:
            window = fetch_window(BiorxivClient(cfg, sleep=lambda s: None), cfg, start, end)
        except FetchError as e:
            if sc.expect != "failure":
                return f"FetchError: {e}"
            message = str(e)
            if "\n" in message or not message.startswith("http://127.0.0.1:"):
                return f"not one line naming the request: {message!r}"
            return ""
        if sc.expect == "failure":
            return f"expected a FetchError, got {len(window.preprints)} preprints"
        got = [(p.doi, p.version) for p in window.preprints]
        want = [(p.doi, p.version) for p in clean.preprints]
        if got != want:
            return f"preprints differ from a fault-free read: {len(got)} vs {len(want)}"
        if len(set(got)) != len(got) or not got:
            return "duplicate or missing preprints"
        return ""
    finally:
        srv.stop()


def run_scenario(sc: Scenario) -> str:
    """Run one scenario in a fresh temporary project; return "" when it held, else what went wrong."""
    from generator.standin import ArxivStandIn

    if sc.level == "source":
        return run_source_scenario(sc)

    with tempfile.TemporaryDirectory(prefix="fault-") as tmp, ArxivStandIn() as srv, FakeLLM() as llm:
        srv.slow_seconds = 4.0
        llm.slow_seconds = 3.0
        project = setup_project(Path(tmp), srv, timeout_seconds=1.5, retries=2)
        raw = yaml.safe_load(project.config.read_text())
        raw["arxiv"]["timeout_seconds"] = 2.0
        project.config.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
        env = dict(os.environ, **project.env, PYTHONPATH=str(ROOT), LLM_BASE_URL=llm.base_url, LLM_API_KEY="k-fault")
        cmd = [sys.executable, "-m", "generator", "-c", str(project.config), "run"]
        # an earlier day is already published: a clean failure must leave it (and everything else) untouched
        srv.set_day(PRIOR_DAY, corpus_day(PRIOR_DAY))
        subprocess.run(cmd, cwd=project.root, env=env, capture_output=True, check=True)
        before = snapshot(project.root)
        srv.requests.clear()
        srv.set_day(DAY, corpus_day(DAY))
        srv.env_override = {}
        sc.setup(srv, llm)
        env.update(srv.env_override)
        proc = subprocess.run(cmd, cwd=project.root, env=env, capture_output=True, text=True, timeout=600)
        after = snapshot(project.root)
        record = project.root / f"data/issues/2025/{DAY}.yaml"
        errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error: ")]
        try:
            if sc.expect == "failure":
                assert proc.returncode == 1, f"exit {proc.returncode}, expected 1"
                assert len(errors) == 1 and errors[0] == proc.stderr.strip().splitlines()[-1], proc.stderr[-400:]
                assert after == before, f"changed: {sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))[:5]}"
            elif sc.expect == "no-issue":
                assert proc.returncode == 0, proc.stderr[-400:]
                assert not record.exists()
                assert "No arXiv announcement" in proc.stdout
            else:
                assert proc.returncode == 0, proc.stderr[-400:]
                rec = yaml.safe_load(record.read_text())
                ids = [p["id"] for s in rec["sections"] for p in s["papers"]]
                assert ids and len(ids) == len(set(ids)), "duplicate or missing entries"
                if sc.check:
                    sc.check(rec)
        except AssertionError as e:
            return f"{e}"
    return ""


__all__ = ["SCENARIOS", "Scenario", "run_scenario", "LISTINGS", "Paper"]
