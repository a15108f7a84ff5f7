"""Secrets stay secret: no key in any log line at any verbosity, in any error, record, page or feed; the LLM key goes
only to a base URL from the environment (or one config.yml explicitly opts in to), the NCBI key only to NCBI's
E-utilities or the URL the environment names.  Every remote is a loopback stand-in."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from generator.corpus import load_listing
from generator.http import FetchError, install_redaction, redact
from generator.standin import PubMedStandIn

from .conftest import setup_project
from .fake_llm import FakeLLM

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "generator" / "sample"
DAY, WEEK_END = "2025-03-05", "2025-03-07"
SECRETS = {"LLM_API_KEY": "sk-SENTINEL-llm-7f3a9c", "NCBI_API_KEY": "ncbiSENTINEL0b1c2d3e4f",
           "SMTP_PASSWORD": "smtp-SENTINEL-pass-55", "GITHUB_TOKEN": "ghs_SENTINELtoken000111"}


class Recorder(ThreadingHTTPServer):
    """A loopback server that notes every request's path and Authorization header and refuses it (401)."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Recording)
        self.seen: list[tuple[str, str]] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


class _Recording(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append((self.path, self.headers.get("Authorization", "")))
        body = json.dumps({"error": {"message": "invalid key", "type": "invalid_request_error"}}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def cli(project, *args, env=None):
    e = dict(os.environ, **project.env, PYTHONPATH=str(ROOT))
    for var in (*SECRETS, "LLM_BASE_URL", "NCBI_EUTILS_URL"):
        e.pop(var, None)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "generator", "-c", str(project.config), *args], cwd=project.root,
                          env=e, capture_output=True, text=True, timeout=600)


def edit_config(project, **sections):
    data = yaml.safe_load(project.config.read_text())
    for name, values in sections.items():
        data[name].update(values)
    project.config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def written_text(project) -> str:
    return "\n".join(p.read_text(errors="replace") for folder in ("data", "docs", "feeds")
                     for p in (project.root / folder).rglob("*") if p.is_file())


def test_verbose_runs_leave_no_key_in_any_output_record_page_or_feed(project, arxiv_server):
    arxiv_server.set_day(DAY, load_listing(SAMPLE / f"{DAY}.jsonl"))
    edit_config(project, llm={"retries": 1}, journal={"retries": 1, "timeout_seconds": 5})
    with FakeLLM() as llm, PubMedStandIn() as pubmed:
        pubmed.add_xml((SAMPLE / "pubmed-2025-03-07.xml").read_bytes(), "2025-03-05")
        env = {**SECRETS, "LLM_BASE_URL": llm.base_url, "NCBI_EUTILS_URL": pubmed.eutils_url}
        runs = [cli(project, "-v", "run", env=env), cli(project, "-v", "journal", "--date", WEEK_END, env=env)]
        assert llm.requests, "the LLM stand-in was not asked: the key was never used"
        assert pubmed.searches and all(q.get("api_key") == SECRETS["NCBI_API_KEY"] for q in pubmed.searches)
        pubmed.faults["/eutils/esearch.fcgi"] = ["reset"] * 10  # failures print their URLs
        runs.append(cli(project, "-v", "journal", "--date", "2025-03-14", env=env))
    assert [r.returncode for r in runs] == [0, 0, 1], [r.stderr.splitlines()[-3:] for r in runs]
    assert "DEBUG" in runs[0].stderr + runs[0].stdout  # -v really logged at debug level
    outputs = "\n".join(r.stdout + r.stderr for r in runs) + written_text(project)
    for name, value in SECRETS.items():
        assert value not in outputs, f"{name} leaked"
    assert "api_key=***" in outputs  # urllib3's request lines are still there, with the key masked


def test_redaction_masks_keys_in_messages_arguments_tracebacks_and_errors(monkeypatch, capsys):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    root.addHandler(handler)
    try:
        install_redaction()
        log = logging.getLogger("test.secrets")
        log.warning("GET /x?db=pubmed&api_key=%s&term=y", "abc123secret")
        log.warning("headers %s", {"Authorization": "Bearer tok-abc-123456"})
        log.warning("token=ghp_abcdef key=zzz999zzz password=hunter2hunter")
        log.warning("the raw key %s and %s", SECRETS["LLM_API_KEY"], SECRETS["SMTP_PASSWORD"])
        try:
            raise RuntimeError(f"boom with {SECRETS['GITHUB_TOKEN']}")
        except RuntimeError:
            log.exception("failed")
    finally:
        root.removeHandler(handler)
    err = capsys.readouterr().err
    for leaked in ("abc123secret", "tok-abc-123456", "ghp_abcdef", "zzz999zzz", "hunter2hunter", *SECRETS.values()):
        assert leaked not in err
    assert "api_key=***" in err and "Bearer ***" in err and "boom with ***" in err
    assert "&term=y" in err  # only the secret is masked
    assert SECRETS["NCBI_API_KEY"] not in str(FetchError(f"https://x/?api_key={SECRETS['NCBI_API_KEY']}: HTTP 500"))
    assert redact("nothing secret here") == "nothing secret here"


def test_the_llm_key_goes_only_to_a_base_url_from_the_environment_unless_config_opts_in(project, arxiv_server):
    arxiv_server.set_day(DAY, load_listing(SAMPLE / f"{DAY}.jsonl"))
    with Recorder() as elsewhere:
        # a merged config change points llm.base_url elsewhere; the repository variable LLM_BASE_URL is unset
        edit_config(project, llm={"base_url": elsewhere.base_url, "retries": 0})
        proc = cli(project, "run", env={"LLM_API_KEY": SECRETS["LLM_API_KEY"]})
        assert proc.returncode == 0, proc.stderr
        assert elsewhere.seen == []  # not one request: the key never left
        assert "llm.base_url" in proc.stdout and "LLM_BASE_URL" in proc.stdout and "待翻译" in proc.stdout
        record = yaml.safe_load((project.root / f"data/issues/2025/{DAY}.yaml").read_text())
        assert record["sections"] and not any(p.get("title_zh") for s in record["sections"] for p in s["papers"])
        # the explicit opt-in: now config.yml decides, and the key goes there
        edit_config(project, llm={"allow_config_base_url": True})
        cli(project, "run", "--date", DAY, env={"LLM_API_KEY": SECRETS["LLM_API_KEY"]})
        assert elsewhere.seen and all(auth == f"Bearer {SECRETS['LLM_API_KEY']}" for _, auth in elsewhere.seen)


def test_the_ncbi_key_goes_only_to_ncbi_or_the_url_the_environment_names(tmp_path, arxiv_server):
    with PubMedStandIn() as pubmed:
        pubmed.add_xml((SAMPLE / "pubmed-2025-03-07.xml").read_bytes(), "2025-03-05")
        project = setup_project(tmp_path / "config", arxiv_server)
        edit_config(project, journal={"eutils_url": pubmed.eutils_url, "retries": 0})  # only config.yml names it
        proc = cli(project, "journal", "--date", WEEK_END, env={"NCBI_API_KEY": SECRETS["NCBI_API_KEY"]})
        assert proc.returncode == 0, proc.stderr
        assert pubmed.searches and not any("api_key" in q for q in pubmed.searches)
        assert "NCBI_EUTILS_URL" in proc.stdout + proc.stderr
        pubmed.searches.clear()
        project = setup_project(tmp_path / "env", arxiv_server)
        cli(project, "journal", "--date", WEEK_END,
            env={"NCBI_API_KEY": SECRETS["NCBI_API_KEY"], "NCBI_EUTILS_URL": pubmed.eutils_url})
        assert pubmed.searches and all(q.get("api_key") == SECRETS["NCBI_API_KEY"] for q in pubmed.searches)
