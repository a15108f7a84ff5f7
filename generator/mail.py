"""The email digest: a newly published issue (and each finished week's highlights) as HTML + plain-text email.

    python -m generator email        # after `run`; sends only what was published and not mailed yet

What is due comes from the records alone: the newest issue, if ``data/status.yaml`` says the last run published it,
and the highlights of the newest week that has ended (an issue of a later week exists).  What was mailed is recorded
in ``data/status.yaml`` (``email_sent``), so the second daily run or a retry sends nothing twice.  Each recipient gets
their own message (the list is never disclosed) with an unsubscribe note naming their address and a
``List-Unsubscribe`` header.  The server and the list are secrets: ``SMTP_HOST``, ``SMTP_PORT`` (optional),
``SMTP_USER``, ``SMTP_PASSWORD`` and the variable named by ``email.recipients_env``.

Paper text is escaped in the HTML part (``render.text.esc``); the plain part is plain text.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr

from .config import Config
from .model import Issue
from .render.highlights import Week, build_weeks, week_bounds, week_id
from .render.text import clean, esc, truncate
from .store import Store

log = logging.getLogger(__name__)


class MailError(Exception):
    """The email step cannot go on; the message is one line."""


@dataclass
class Mail:
    key: str  # what was mailed, for email_sent: "issue:2025-06-09" / "highlights:2025-W24"
    subject: str
    text: str
    html: str


def _issue_url(cfg: Config, day: str) -> str:
    return f"{cfg.site.url}issues/{day[:4]}/{day}/"


def issue_mail(cfg: Config, issue: Issue) -> Mail:
    url = _issue_url(cfg, issue.date)
    names = {t.id: t for t in cfg.topics}
    n = len(issue.entries)
    subject = f"{cfg.site.title_zh} 第 {issue.number} 期 · {issue.date}（{n} 篇）"
    text = [f"{cfg.site.title_zh} · {cfg.site.title_en}", f"第 {issue.number} 期 · Issue {issue.number} · {issue.date} · {n} 篇 papers",
            url, ""]
    html = [f'<h1 style="font-size:20px;margin:0 0 4px">{esc(cfg.site.title_zh)} 第 {issue.number} 期</h1>',
            f'<p style="color:#666;margin:0 0 16px">{esc(cfg.site.title_en)} · Issue {issue.number} · {issue.date} · '
            f'{n} 篇 papers · <a href="{esc(url)}">在网站阅读 · Read on the site</a></p>']
    note = issue.editor_note_zh.strip() or issue.editor_note_en.strip()
    if note:
        text += [f"编者按 · Editor's note: {clean(note)}", ""]
        html.append(f'<p style="border-left:3px solid #00897b;padding-left:8px">{esc(note)}</p>')
    for s in issue.sections:
        if not s.entries:
            continue
        t = names.get(s.topic)
        head = f"{t.name_zh} · {t.name_en}" if t else s.topic
        text += [f"== {head} ({len(s.entries)}) =="]
        html.append(f'<h2 style="font-size:16px;margin:20px 0 8px">{esc(head)}（{len(s.entries)}）</h2>')
        for e in s.entries:
            link = f"{url}#{e.anchor}"
            zh = clean(e.title_zh)
            summary = clean(e.summary_zh) or clean(e.summary_en) or clean(e.reason_en)
            text += [f"- {zh + ' | ' if zh else ''}{clean(e.title)}", f"  {summary}", f"  {link}"]
            html.append(
                '<div style="margin:0 0 12px">'
                + (f'<div style="font-weight:600">{esc(zh)}</div>' if zh else "")
                + f'<div><a href="{esc(link)}">{esc(e.title)}</a></div>'
                + f'<div style="color:#555;font-size:13px">{esc(truncate(", ".join(e.authors), 160))} · '
                  f'arXiv:{esc(e.id)} · {e.llm_relevance if e.llm_relevance is not None else e.relevance}%</div>'
                + f'<div style="font-size:14px">{esc(summary)}</div></div>')
        text.append("")
    return Mail(f"issue:{issue.date}", subject, "\n".join(text), "\n".join(html))


def highlights_mail(cfg: Config, week: Week) -> Mail:
    monday, sunday = week_bounds(week.id)
    url = f"{cfg.site.url}highlights/{week.id[:4]}/{week.id}/"
    subject = f"{cfg.site.title_zh} · 本周精选 {week.id}（{len(week.picks)} 篇）"
    text = [f"本周精选 · Weekly highlights {week.id} ({monday} – {sunday})", url, ""]
    html = [f'<h1 style="font-size:20px;margin:0 0 4px">本周精选 · Weekly highlights {week.id}</h1>',
            f'<p style="color:#666">{monday} – {sunday} · <a href="{esc(url)}">在网站阅读 · Read on the site</a></p>']
    if week.note_zh.strip() or week.note_en.strip():
        note = week.note_zh.strip() or week.note_en.strip()
        text += [clean(note), ""]
        html.append(f'<p style="border-left:3px solid #00897b;padding-left:8px">{esc(note)}</p>')
    html.append("<ol>")
    for p in week.picks:
        e = p.entry
        link = f"{_issue_url(cfg, p.day)}#{e.anchor}"
        zh = clean(e.title_zh)
        why = clean(p.comment) or clean(e.summary_zh) or clean(e.summary_en) or clean(e.reason_en)
        text += [f"{'* ' if p.pinned else '- '}{zh + ' | ' if zh else ''}{clean(e.title)}", f"  {why}", f"  {link}"]
        html.append(f'<li style="margin-bottom:10px">' + (f"<strong>{esc(zh)}</strong><br>" if zh else "")
                    + f'<a href="{esc(link)}">{esc(e.title)}</a><br><span style="font-size:14px">{esc(why)}</span></li>')
    html.append("</ol>")
    return Mail(f"highlights:{week.id}", subject, "\n".join(text), "\n".join(html))


def _recipients(cfg: Config, env: dict[str, str]) -> list[str]:
    raw = env.get(cfg.email.recipients_env, "")
    out = []
    for item in raw.replace(";", ",").replace("\n", ",").split(","):
        addr = parseaddr(item.strip())[1]
        if addr and "@" in addr and addr not in out:
            out.append(addr)
    return out


def message_for(cfg: Config, mail: Mail, to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = mail.subject
    msg["From"] = cfg.email.from_address
    msg["To"] = formataddr(("", to))
    msg["Message-ID"] = make_msgid(domain=(parseaddr(cfg.email.from_address)[1].split("@")[-1] or "localhost"))
    unsubscribe = cfg.email.unsubscribe
    msg["List-Unsubscribe"] = f"<{unsubscribe}>"
    note_text = (f"\n--\n您收到这封邮件，是因为 {to} 订阅了{cfg.site.title_zh}。退订：{unsubscribe}\n"
                 f"You receive this because {to} subscribed to {cfg.site.title_en}. Unsubscribe: {unsubscribe}\n")
    note_html = (f'<hr><p style="color:#888;font-size:12px">您收到这封邮件，是因为 {esc(to)} 订阅了{esc(cfg.site.title_zh)}。'
                 f'<a href="{esc(unsubscribe)}">退订</a> · You receive this because {esc(to)} subscribed to '
                 f'{esc(cfg.site.title_en)}. <a href="{esc(unsubscribe)}">Unsubscribe</a>.</p>')
    msg.set_content(mail.text + note_text)
    msg.add_alternative(f'<!doctype html><html><body style="font-family:sans-serif;max-width:680px">{mail.html}{note_html}'
                        "</body></html>", subtype="html")
    return msg


@dataclass
class EmailReport:
    due: list[str] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)  # mail key -> messages delivered
    failed: list[str] = field(default_factory=list)
    note: str = ""

    def lines(self) -> list[str]:
        if self.note:
            return [self.note]
        out = [f"email: {key} sent to {n} recipients" for key, n in self.sent.items()]
        out += [f"email: FAILED {f}" for f in self.failed]
        return out or ["email: nothing new to send"]


def due_mails(cfg: Config, store: Store) -> list[Mail]:
    status = store.load_status()
    sent = status.get("email_sent") or {}
    issues = list(store.issues())
    out = []
    last = status.get("last_run") or {}
    if last.get("outcome") == "published" and last.get("date") and sent.get("issue") != last["date"]:
        issue = store.get_issue(last["date"])
        if issue is not None and issue.entries:
            out.append(issue_mail(cfg, issue))
    if cfg.email.highlights and cfg.highlights.enabled and issues:
        current = week_id(max(i.date for i in issues))
        weeks = [w for w in build_weeks(cfg, issues, {k: v for k, v in store.highlight_edits().items() if isinstance(v, dict)})
                 if w.id < current and w.picks]
        if weeks and sent.get("highlights", "") < weeks[0].id:
            out.append(highlights_mail(cfg, weeks[0]))
    return out


def run_email(cfg: Config, store: Store, env: dict[str, str], smtp: type = smtplib.SMTP) -> EmailReport:
    report = EmailReport()
    if not cfg.email.enabled:
        report.note = "email: off (email.enabled: false)"
        return report
    mails = due_mails(cfg, store)
    report.due = [m.key for m in mails]
    if not mails:
        return report
    host = (env.get("SMTP_HOST") or "").strip()
    recipients = _recipients(cfg, env)
    if not host or not recipients:
        missing = "SMTP_HOST" if not host else cfg.email.recipients_env
        raise MailError(f"{missing} is not set: {len(mails)} emails due ({', '.join(report.due)}) were not sent")
    port = int(env.get("SMTP_PORT") or cfg.email.port)
    try:
        with smtp(host, port, timeout=cfg.email.timeout_seconds) as server:
            if cfg.email.starttls:
                server.starttls(context=ssl.create_default_context())
            if env.get("SMTP_USER"):
                server.login(env["SMTP_USER"], env.get("SMTP_PASSWORD", ""))
            for mail in mails:
                for to in recipients:
                    try:
                        server.send_message(message_for(cfg, mail, to))
                        report.sent[mail.key] = report.sent.get(mail.key, 0) + 1
                    except smtplib.SMTPRecipientsRefused:
                        report.failed.append(f"{mail.key} to {to}: refused")
    except (OSError, smtplib.SMTPException) as e:
        if not report.sent:
            raise MailError(f"SMTP {host}:{port}: {type(e).__name__}: {' '.join(str(e).split())[:200]}") from None
        report.failed.append(f"connection lost after {sum(report.sent.values())} messages ({type(e).__name__})")
    status = store.load_status()
    sent = dict(status.get("email_sent") or {})
    for mail in mails:
        if report.sent.get(mail.key):
            kind, _, value = mail.key.partition(":")
            sent[kind] = value
    status["email_sent"] = sent
    store.save_status(status)
    return report
