"""The daily run with enrichment: a replayed real day, the fake LLM, the CLI as the Action calls it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from .conftest import corpus_day
from .fake_llm import FakeLLM

ROOT = Path(__file__).resolve().parents[1]
DAY = "2025-06-09"
KEY = "sk-SENTINEL-pipeline-test-7777"


@pytest.fixture
def llm():
    with FakeLLM() as server:
        yield server


def env_for(project, llm, key=True):
    env = dict(os.environ, **project.env, PYTHONPATH=str(ROOT), LLM_BASE_URL=llm.base_url)
    env.pop("LLM_API_KEY", None)
    if key:
        env["LLM_API_KEY"] = KEY
    return env


def cli(project, env, *args, check=True):
    proc = subprocess.run([sys.executable, "-m", "generator", "-c", str(project.config), *args],
                          cwd=project.root, env=env, capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def record(project):
    return yaml.safe_load((project.root / f"data/issues/2025/{DAY}.yaml").read_text())


def entries(rec):
    return [p for s in rec["sections"] for p in s["papers"]]


def test_enriched_day_shows_chinese_and_rerun_makes_no_call(project, llm):
    project.server.set_day(DAY, corpus_day(DAY))
    env = env_for(project, llm)
    out = cli(project, env, "run").stdout
    assert "LLM: " in out and "enriched" in out
    calls = len(llm.requests)
    rec = record(project)
    kept = entries(rec)
    assert kept and all(p["title_zh"].startswith("关于") and p["summary_zh"] and p["abstract_zh"] for p in kept)
    assert all(p["llm_relevance"] == 80 and p["reason_llm_zh"] and p["enriched_by"] for p in kept)
    # the LLM saw the generous pre-filter: more candidates than were finally needed at the keyword bar
    assert calls >= len(kept)
    cli(project, env, "build")
    page = (project.root / f"site/issues/2025/{DAY}/index.html").read_text()
    assert "关于" in page and "AI中文摘要" in page and "与该专题的研究对象直接相关" in page
    assert "待翻译" not in page

    before = project.snapshot("data", "docs", "feeds", "site")
    out2 = cli(project, env, "run").stdout
    cli(project, env, "build")
    assert len(llm.requests) == calls, "a rerun must not call the LLM"
    assert "0 calls" in out2
    after = project.snapshot("data", "docs", "feeds", "site")
    assert [k for k in set(before) | set(after) if before.get(k) != after.get(k)] == []
    for path, content in after.items():
        assert KEY.encode() not in content, path


def test_without_key_the_day_builds_pending_and_enrich_fills_it_later(project, llm):
    project.server.set_day(DAY, corpus_day(DAY))
    proc = cli(project, env_for(project, llm, key=False), "run")
    assert "LLM_API_KEY is not set" in proc.stdout
    assert not llm.requests
    kept = entries(record(project))
    assert all(p["title_zh"] == "" and p["enriched_by"] == "" for p in kept)
    cli(project, env_for(project, llm, key=False), "build")
    assert "待翻译" in (project.root / f"site/issues/2025/{DAY}/index.html").read_text()

    # an editor already fixed one title: enrich must not overwrite it
    rec = record(project)
    first = rec["sections"][0]["papers"][0]
    first["title_zh"], first["edited"] = "编辑手工翻译的标题", ["title_zh"]
    (project.root / f"data/issues/2025/{DAY}.yaml").write_text(yaml.safe_dump(rec, allow_unicode=True, sort_keys=False))

    out = cli(project, env_for(project, llm), "enrich", "--since", DAY).stdout
    assert f"{len(kept)} papers in 1 issue needed enrichment" in out
    after = {p["id"]: p for p in entries(record(project))}
    assert after[first["id"]]["title_zh"] == "编辑手工翻译的标题"
    assert after[first["id"]]["summary_zh"]  # the rest of that entry was filled
    assert all(p["title_zh"] and p["abstract_zh"] for p in after.values())
    assert set(after) == {p["id"] for p in kept}  # enrich never removes a paper
    cli(project, env_for(project, llm), "build")
    assert "待翻译" not in (project.root / f"site/issues/2025/{DAY}/index.html").read_text()


def test_llm_judge_drops_and_rescues_candidates(project, llm):
    papers = corpus_day(DAY)
    project.server.set_day(DAY, papers)
    from generator.config import load_config
    from generator.select import classify

    cfg = load_config(project.config, env=project.env)
    scored = {p.id: classify(p, cfg, cfg.llm.prefilter_threshold) for p in papers}
    strong = max((pid for pid, s in scored.items() if s.keep), key=lambda pid: scored[pid].relevance)  # the keywords' surest
    assert scored[strong].relevance >= 80
    weak = next(pid for pid, s in scored.items() if s.keep and s.relevance < cfg.selection.threshold)
    llm.relevance[strong] = 5     # the LLM says: not medical AI
    llm.relevance[weak] = 95      # the LLM says: clearly medical AI
    cli(project, env_for(project, llm), "run")
    ids = {p["id"] for p in entries(record(project))}
    assert strong not in ids and weak in ids
    dropped = yaml.safe_load((project.root / f"data/dropped/2025/{DAY}.yaml").read_text())["dropped"]
    d = next(d for d in dropped if d["id"] == strong)
    assert d["relevance"] == 5 and "LLM relevance 5%" in d["reason_en"] and "大模型判定" in d["reason_zh"]


def test_provider_down_falls_back_to_keyword_selection(project, llm):
    raw = yaml.safe_load(project.config.read_text())
    raw["llm"].update(retries=2, max_concurrency=4)
    project.config.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
    llm.script["*"] = ["500"] * 10000
    project.server.set_day(DAY, corpus_day(DAY))
    out = cli(project, env_for(project, llm), "run").stdout
    assert "provider looks down" in out
    kept = entries(record(project))
    assert kept and all(p["relevance"] >= 50 and p["title_zh"] == "" for p in kept)
    # the breaker stops calling: at most the 5 failures that trip it plus the papers in flight, each with its retries
    assert len(llm.requests) <= (5 + 4) * 3


def test_killed_mid_run_resumes_where_it_stopped(project, llm):
    project.server.set_day(DAY, corpus_day(DAY))
    llm.latency = 0.25
    env = env_for(project, llm)
    proc = subprocess.Popen([sys.executable, "-m", "generator", "-c", str(project.config), "run"], cwd=project.root,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cache = project.root / ".cache/llm"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(cache.rglob("*.json"))) < 8:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    cached = len(list(cache.rglob("*.json")))
    assert cached >= 8
    assert not (project.root / f"data/issues/2025/{DAY}.yaml").exists()  # nothing half-written
    first_calls = len(llm.requests)

    llm.latency = 0.0
    cli(project, env, "run")
    candidates = len(list(cache.rglob("*.json")))
    resumed_calls = len(llm.requests) - first_calls
    assert resumed_calls == candidates - cached  # only what had not been answered
    kept = entries(record(project))
    assert kept and all(p["title_zh"] for p in kept)

    # and the result is the same as an uninterrupted run
    clean = project.root / "clean"
    from generator.demo import copy_skeleton

    copy_skeleton(clean)
    (clean / "config.yml").write_text(project.config.read_text())
    subprocess.run([sys.executable, "-m", "generator", "-c", str(clean / "config.yml"), "run"], cwd=clean, env=env,
                   check=True, capture_output=True)
    assert (clean / f"data/issues/2025/{DAY}.yaml").read_bytes() == (project.root / f"data/issues/2025/{DAY}.yaml").read_bytes()


def test_rerun_changes_no_byte_when_the_llm_files_papers_under_other_topics(project, llm):
    """The LLM's topic wins on the first run; a rerun (every answer cached) must not regroup under the keyword topics."""
    project.server.set_day(DAY, corpus_day(DAY))
    llm.shift_topics = True
    env = env_for(project, llm)
    cli(project, env, "run")
    rec = record(project)
    moved = [p for p in entries(rec) if p["llm_topic"] and p["topic"] == p["llm_topic"]]
    assert moved and all(p["topic"] == s["topic"] for s in rec["sections"] for p in s["papers"])
    from generator.config import load_config
    from generator.select import classify

    cfg = load_config(project.config, env=project.env)
    keyword = {p.id: classify(p, cfg, cfg.llm.prefilter_threshold).topic for p in corpus_day(DAY)}
    assert all(keyword[p["id"]] != p["topic"] for p in moved), "the fake LLM must disagree with the keywords"
    before = project.snapshot("data", "docs", "feeds")
    calls = len(llm.requests)
    cli(project, env, "run")
    assert len(llm.requests) == calls
    after = project.snapshot("data", "docs", "feeds")
    assert [k for k in set(before) | set(after) if before.get(k) != after.get(k)] == []
    # without the key the LLM's judgement already in the record still decides: the issue record does not change
    # (the drop log may then explain candidates with the keyword threshold of a keyless run)
    cli(project, env_for(project, llm, key=False), "run")
    after = project.snapshot("data/issues")
    assert after == project.snapshot("data/issues") and after == {k: v for k, v in before.items() if k.startswith("data/issues")}


def test_a_keyless_rerun_does_not_publish_what_the_llm_turned_down(project, llm):
    papers = corpus_day(DAY)
    project.server.set_day(DAY, papers)
    from generator.config import load_config
    from generator.select import classify

    cfg = load_config(project.config, env=project.env)
    kept = {p.id: s for p in papers if (s := classify(p, cfg)).keep}
    strong = max(kept, key=lambda pid: kept[pid].relevance)  # the keywords' surest paper
    assert kept[strong].relevance >= 80
    llm.relevance[strong] = 5
    cli(project, env_for(project, llm), "run")
    rec = (project.root / f"data/issues/2025/{DAY}.yaml").read_bytes()
    assert strong not in {p["id"] for p in entries(record(project))}
    for env in (env_for(project, llm, key=False), dict(env_for(project, llm), LLM_BASE_URL="http://127.0.0.1:9/v1")):
        cli(project, env, "run")  # no key; then an LLM that cannot be reached
        assert (project.root / f"data/issues/2025/{DAY}.yaml").read_bytes() == rec
        dropped = yaml.safe_load((project.root / f"data/dropped/2025/{DAY}.yaml").read_text())["dropped"]
        assert next(d for d in dropped if d["id"] == strong)["reason_en"].startswith("LLM relevance 5%")
