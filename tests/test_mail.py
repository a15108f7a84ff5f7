"""The email digest, delivered to a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import corpus_day
from generator.kinds.registry import DAILY

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is installed by `pip install -e '.[test]'`")

ROOT = Path(__file__).resolve().parents[1]
DAY, NEXT_WEEK_DAY = "2025-06-06", "2025-06-09"  # a Friday, then the Monday of the next ISO week


class Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse: set[str] = set()  # addresses answered with 550 at RCPT TO
        self.drop_after: int | None = None  # hang up at the next MAIL FROM once this many messages were accepted

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if self.drop_after is not None and len(self.messages) >= self.drop_after:
            server.transport.close()
            return "421 4.3.2 Service shutting down"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:  # the server names the address in its answer, as real ones do
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 OK"


@pytest.fixture
def smtp():
    import socket

    inbox = Inbox()
    with socket.socket() as probe:  # a free port (the controller checks its own server by connecting to it)
        probe.bind(("127.0.0.1", 0))
        inbox.port = probe.getsockname()[1]
    controller = aiosmtpd_controller.Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def mail_project(project):
    data = yaml.safe_load(project.config.read_text())
    data["email"].update(enabled=True, starttls=False, from_address="Digest <digest@example.org>",
                         unsubscribe="https://digest.example.org/unsubscribe")
    project.config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return project


def cli(project, *args, env=None, check=True):
    e = dict(os.environ, **project.env, PYTHONPATH=str(ROOT))
    for var in ("LLM_API_KEY", "SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "EMAIL_TO"):
        e.pop(var, None)
    e.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "generator", "-c", str(project.config), *args], cwd=project.root,
                          env=e, capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def smtp_env(inbox, to="ana@example.org, Bo <bo@example.org>"):
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(inbox.port), "EMAIL_TO": to}


def test_a_published_issue_is_mailed_once_per_recipient_as_multipart(project, smtp):
    mail_project(project)
    papers = corpus_day(DAY)
    for p in papers:  # every title, so the kept ones carry it too
        p.title = "Hostile <script>alert(1)</script> & <b>bold</b> " + p.title
    project.server.set_day(DAY, papers)
    cli(project, "run")
    out = cli(project, "email", env=smtp_env(smtp)).stdout
    assert f"email: issue:{DAY} sent to 2 recipients" in out
    assert [rcpt for rcpt, _ in smtp.messages] == [["ana@example.org"], ["bo@example.org"]]
    for rcpt, msg in smtp.messages:
        assert msg["To"] == rcpt[0]  # one recipient per message: the list is never disclosed
        assert msg.get_content_type() == "multipart/alternative" and msg["List-Unsubscribe"] == "<https://digest.example.org/unsubscribe>"
        assert "第 1 期" in msg["Subject"]
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        assert f"https://digest.example.org/issues/2025/{DAY}/" in text and rcpt[0] in text and "Unsubscribe" in text
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html and rcpt[0] in html
    # the second scheduled run of the day, or a retry: nothing twice
    assert "nothing new to send" in cli(project, "email", env=smtp_env(smtp)).stdout
    assert len(smtp.messages) == 2


def test_no_issue_no_mail_and_last_weeks_highlights_follow_on_monday(project, smtp):
    mail_project(project)
    project.server.set_day("2025-06-07", [])  # Saturday: empty announcement
    cli(project, "run")
    assert "nothing new to send" in cli(project, "email", env=smtp_env(smtp, "ana@example.org")).stdout
    assert smtp.messages == []
    project.server.set_day(DAY, corpus_day(DAY))
    cli(project, "run")
    cli(project, "email", env=smtp_env(smtp, "ana@example.org"))
    assert [m["Subject"] for _, m in smtp.messages][-1].endswith("篇）") and len(smtp.messages) == 1
    project.server.set_day(NEXT_WEEK_DAY, corpus_day(NEXT_WEEK_DAY))
    cli(project, "run")
    out = cli(project, "email", env=smtp_env(smtp, "ana@example.org")).stdout
    assert f"issue:{NEXT_WEEK_DAY} sent" in out and "highlights:2025-W23 sent" in out
    weekly = smtp.messages[-1][1]
    assert "本周精选 2025-W23" in weekly["Subject"] and "highlights/2025/2025-W23/" in weekly.get_body(("plain",)).get_content()
    assert "nothing new to send" in cli(project, "email", env=smtp_env(smtp, "ana@example.org")).stdout
    status = yaml.safe_load((project.root / "data/status.yaml").read_text())
    assert status["email_sent"] == {"issue": NEXT_WEEK_DAY, "highlights": "2025-W23"}


def mailed(inbox) -> list[str]:
    return [rcpt for rcpts, _ in inbox.messages for rcpt in rcpts]


def assert_no_address(project, outputs, addresses):
    """The repository is public and the step summary is world-readable: no address in either, nor in any log."""
    texts = list(outputs) + [p.read_text(errors="replace") for p in (project.root / "data").rglob("*") if p.is_file()]
    summary = project.root / "summary.md"
    if summary.exists():
        texts.append(summary.read_text())
    for addr in addresses:
        for text in texts:
            assert addr not in text, f"{addr} disclosed in: {text[:400]}"
    assert not any("bozena" in text for text in texts)  # nor the refused one's name alone (server answers echo it)


def test_a_refused_recipient_is_retried_once_on_the_next_run_and_nobody_is_mailed_twice(project, smtp):
    mail_project(project)
    project.server.set_day(DAY, corpus_day(DAY))
    cli(project, "run")
    to = "ana@example.org, Bo <bozena.secret@example.org>, cy@example.org"
    env = {**smtp_env(smtp, to), "GITHUB_STEP_SUMMARY": str(project.root / "summary.md")}
    smtp.refuse = {"bozena.secret@example.org"}
    first = cli(project, "-v", "email", env=env)  # exit 0: the issue is published; the failure is a warning
    assert mailed(smtp) == ["ana@example.org", "cy@example.org"]
    assert "WARNING" in first.stdout and "recipient 2 of 3 refused (550)" in first.stdout
    status = yaml.safe_load((project.root / "data/status.yaml").read_text())
    assert status["email_sent"]["issue"] == DAY and status["email_pending"][f"issue:{DAY}"]  # one digest owed
    smtp.refuse = set()
    second = cli(project, "email", env=env)
    assert mailed(smtp) == ["ana@example.org", "cy@example.org", "bozena.secret@example.org"]
    assert f"email: issue:{DAY} sent to 1 recipient" in second.stdout
    third = cli(project, "email", env=env)
    assert "nothing new to send" in third.stdout and len(smtp.messages) == 3
    assert "email_pending" not in yaml.safe_load((project.root / "data/status.yaml").read_text())
    assert_no_address(project, [first.stdout, first.stderr, second.stdout, second.stderr, third.stdout],
                      ["bozena.secret@example.org", "ana@example.org", "cy@example.org"])


def test_a_recipient_refused_twice_is_given_up_after_one_retry(project, smtp):
    mail_project(project)
    project.server.set_day(DAY, corpus_day(DAY))
    cli(project, "run")
    env = smtp_env(smtp, "ana@example.org, bozena.secret@example.org")
    smtp.refuse = {"bozena.secret@example.org"}
    cli(project, "email", env=env)
    again = cli(project, "email", env=env)
    assert "recipient 2 of 2 refused (550)" in again.stdout and "not retried" in again.stdout
    assert "nothing new to send" in cli(project, "email", env=env).stdout
    assert mailed(smtp) == ["ana@example.org"]
    assert "email_pending" not in yaml.safe_load((project.root / "data/status.yaml").read_text())


def test_server_down_costs_nothing_and_everyone_is_mailed_once_next_time(project, smtp):
    mail_project(project)
    project.server.set_day(DAY, corpus_day(DAY))
    cli(project, "run")
    before = project.snapshot("data")
    proc = cli(project, "email", env={**smtp_env(smtp), "SMTP_PORT": "9"})  # nothing listens on port 9: exit 0
    assert "WARNING email: SMTP 127.0.0.1:9 unreachable (ConnectionRefusedError)" in proc.stdout
    assert "1 email due (issue:2025-06-06) will be sent on the next run" in proc.stdout
    assert project.snapshot("data") == before  # nothing marked sent
    # a missing secret is a configuration error: exit 1, one line
    proc = cli(project, "email", env={"EMAIL_TO": "ana@example.org"}, check=False)
    assert proc.returncode == 1 and "SMTP_HOST is not set: 1 email due (issue:2025-06-06) not sent" in proc.stderr
    cli(project, "email", env=smtp_env(smtp))
    assert mailed(smtp) == ["ana@example.org", "bo@example.org"]
    assert "nothing new to send" in cli(project, "email", env=smtp_env(smtp)).stdout
    assert len(smtp.messages) == 2


def test_the_connection_lost_midway_owes_the_rest_and_mails_them_once(project, smtp):
    mail_project(project)
    project.server.set_day(DAY, corpus_day(DAY))
    cli(project, "run")
    env = smtp_env(smtp, "ana@example.org, bo@example.org, cy@example.org")
    smtp.drop_after = 1  # the server hangs up after the first message
    out = cli(project, "email", env=env).stdout
    assert "WARNING" in out and mailed(smtp) == ["ana@example.org"]
    smtp.drop_after = None
    cli(project, "email", env=env)
    assert mailed(smtp) == ["ana@example.org", "bo@example.org", "cy@example.org"]
    assert "nothing new to send" in cli(project, "email", env=env).stdout


# --- the bodies, byte for byte: the issue and highlights emails of the demo (and of hostile text) ----------------------
# Regenerate on purpose (and say why in the commit) with MAID_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_mail.py

GOLDEN = Path(__file__).parent / "golden"
HOSTILE = "<script>alert(1)</script> & \"double\" 'single' \u202eflip\u0007 bell\n  folded"
READER, ODD_READER = "ana@example.org", "o'brien&co@example.org"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's records (invented sample days, a medRxiv preprint, an editor's pins for week 2025-W10)."""
    from generator.config import load_config
    from generator.demo import run_demo
    from generator.store import Store

    out = tmp_path_factory.mktemp("demo")
    assert run_demo(out) == 0
    cfg = load_config(out / "config.yml", env={"SITE_URL": "https://digest.example.org/"})
    return cfg, Store.of(cfg)


def _bodies(cfg, mail, to: str) -> tuple[str, str]:
    """What a reader gets: the subject and plain part, and the HTML part, of the message for ``to``."""
    from generator.mail import message_for

    msg = message_for(cfg, mail, to)
    return (f"Subject: {msg['Subject']}\n\n{msg.get_body(('plain',)).get_content()}",
            msg.get_body(("html",)).get_content())


def _assert_golden(name: str, bodies: tuple[str, str]) -> None:
    for suffix, body in zip(("txt", "html"), bodies):
        path = GOLDEN / f"mail-{name}.{suffix}"
        if os.environ.get("MAID_UPDATE_GOLDEN"):
            path.write_bytes(body.encode("utf-8"))
        assert body.encode("utf-8") == path.read_bytes(), f"{path.name} differs from what the mail code writes now"


def _week(cfg, store, week_id: str):
    from generator.render.highlights import build_weeks

    edits = {k: v for k, v in store.highlight_edits().items() if isinstance(v, dict)}
    return next(w for w in build_weeks(cfg, list(store.series(DAILY).all()), edits) if w.id == week_id)


def test_the_demo_issue_email_is_byte_identical_to_the_recorded_one(demo):
    from generator.mail import issue_mail

    cfg, store = demo
    _assert_golden("issue-2025-03-05", _bodies(cfg, issue_mail(cfg, store.series(DAILY).get("2025-03-05")), READER))


def test_the_demo_highlights_email_is_byte_identical_to_the_recorded_one(demo):
    from generator.mail import highlights_mail

    cfg, store = demo
    week = _week(cfg, store, "2025-W10")
    assert week.note_zh and any(p.pinned for p in week.picks) and any(p.comment for p in week.picks)
    _assert_golden("highlights-2025-W10", _bodies(cfg, highlights_mail(cfg, week), READER))


def test_hostile_text_in_an_issue_email_is_escaped_byte_for_byte_as_recorded(demo):
    """Every branch of the issue email (editor's note, Chinese title, LLM relevance, each summary fallback, a topic
    missing from the config) with markup, quotes, control and bidi characters in every field and the address."""
    from dataclasses import replace

    from generator.mail import issue_mail

    cfg, store = demo
    cfg = replace(cfg, site=replace(cfg.site, title_en=f"Digest {HOSTILE}"))
    issue = store.series(DAILY).get("2025-03-05")
    issue.editor_note_zh = HOSTILE
    entries = [e for s in issue.sections for e in s.entries]
    first, second = entries[0], entries[1]
    first.title, first.title_zh, first.summary_zh = HOSTILE, HOSTILE, HOSTILE
    first.authors, first.llm_relevance = [HOSTILE, "B. Author"], 93
    second.summary_zh, second.summary_en = "", f"English summary {HOSTILE}"
    issue.sections[-1].topic = f"unlisted {HOSTILE}"
    bodies = _bodies(cfg, issue_mail(cfg, issue), ODD_READER)
    assert "<script>" not in bodies[1] and "&lt;script&gt;" in bodies[1] and "\u202e" not in bodies[1]
    _assert_golden("issue-hostile", bodies)


def test_hostile_text_in_a_highlights_email_is_escaped_byte_for_byte_as_recorded(demo):
    from dataclasses import replace

    from generator.mail import highlights_mail

    cfg, store = demo
    week = _week(cfg, store, "2025-W10")
    week = replace(week, note_zh="", note_en=HOSTILE)
    week.picks[0].comment = HOSTILE
    week.picks[1].entry.title_zh, week.picks[1].entry.title = HOSTILE, HOSTILE
    bodies = _bodies(cfg, highlights_mail(cfg, week), ODD_READER)
    assert "<script>" not in bodies[1] and "&lt;script&gt;" in bodies[1]
    _assert_golden("highlights-hostile", bodies)


def test_a_preprint_in_the_issue_email_is_named_by_its_server_not_as_arxiv(demo):
    from generator.mail import issue_mail

    cfg, store = demo
    issue = store.series(DAILY).get("2025-03-05")
    preprints = [e for e in issue.entries if e.paper.source_name != "arXiv"]
    assert preprints, "the demo issue lists a medRxiv preprint"
    html = issue_mail(cfg, issue).html
    for e in issue.entries:
        assert f"{e.paper.source_name}:{e.id}" in html
    assert not any(f"arXiv:{e.id}" in html for e in preprints)
