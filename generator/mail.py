"""The email digest: a newly published issue (and each finished week's highlights) as HTML + plain-text email.

    python -m generator email        # after `run`; sends only what was published and not mailed yet

What is due comes from the records alone: the newest issue, if ``data/status.yaml`` says the last run published it,
and the highlights of the newest week that has ended (an issue of a later week exists).  What was mailed is recorded
in ``data/status.yaml`` (``email_sent``), so the second daily run or a retry sends nothing twice.  A recipient the
server refused or never reached is owed that mail once more (``email_pending``: a keyed digest per recipient, never
the address — the repository is public), and no log line, summary or error names an address: "recipient 2 of 5
refused (550)".  Each recipient gets their own message (the list is never disclosed) with an unsubscribe note naming
their address and a ``List-Unsubscribe`` header.  The server and the list are secrets: ``SMTP_HOST``,
``SMTP_PORT`` (optional), ``SMTP_USER``, ``SMTP_PASSWORD`` and the variable named by ``email.recipients_env``.

The HTML part is written by templates (``templates/mail_*.html.j2``: paper text through the ``esc`` filter); the plain
part is plain text, written here from the same rows.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr

from markupsafe import Markup

from .config import Config
from .model import Entry, Issue
from .render.highlights import Week, build_weeks, week_bounds, week_id
from .render.templating import macro
from .render.text import clean
from .store import Store
from .kinds.registry import DAILY

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


@dataclass(frozen=True)
class _Row:
    """One paper as both bodies show it: chosen once here, written as text here and as HTML by the template."""

    entry: Entry
    title_zh: str  # cleaned; "" when untranslated
    link: str
    why: str  # the line under the title: the editor's comment, else a summary, else why it was selected
    pinned: bool = False


def _row(entry: Entry, link: str, comment: str = "", pinned: bool = False) -> _Row:
    why = clean(comment) or clean(entry.summary_zh) or clean(entry.summary_en) or clean(entry.reason_en)
    return _Row(entry, clean(entry.title_zh), link, why, pinned)


def _text(row: _Row, mark: str = "- ") -> list[str]:
    """A row in the plain body: titles, the line under them, the link."""
    zh = f"{row.title_zh} | " if row.title_zh else ""
    return [f"{mark}{zh}{clean(row.entry.title)}", f"  {row.why}", f"  {row.link}"]


def issue_mail(cfg: Config, issue: Issue) -> Mail:
    url = _issue_url(cfg, issue.date)
    names = {t.id: t for t in cfg.topics}
    n = len(issue.entries)
    subject = f"{cfg.site.title_zh} 第 {issue.number} 期 · {issue.date}（{n} 篇）"
    text = [f"{cfg.site.title_zh} · {cfg.site.title_en}", f"第 {issue.number} 期 · Issue {issue.number} · {issue.date} · {n} 篇 papers",
            url, ""]
    note = issue.editor_note_zh.strip() or issue.editor_note_en.strip()
    if note:
        text += [f"编者按 · Editor's note: {clean(note)}", ""]
    groups = []
    for s in issue.sections:
        if not s.entries:
            continue
        t = names.get(s.topic)
        head = f"{t.name_zh} · {t.name_en}" if t else s.topic
        rows = [_row(e, f"{url}#{e.anchor}") for e in s.entries]
        groups.append((head, rows))
        text += [f"== {head} ({len(rows)}) =="] + [line for row in rows for line in _text(row)] + [""]
    html = macro("mail_issue.html.j2", "issue")(cfg.site, issue.number, issue.date, n, url, note, groups)
    return Mail(f"issue:{issue.date}", subject, "\n".join(text), str(html))


def highlights_mail(cfg: Config, week: Week) -> Mail:
    monday, sunday = week_bounds(week.id)
    url = f"{cfg.site.url}highlights/{week.id[:4]}/{week.id}/"
    subject = f"{cfg.site.title_zh} · 本周精选 {week.id}（{len(week.picks)} 篇）"
    text = [f"本周精选 · Weekly highlights {week.id} ({monday} – {sunday})", url, ""]
    note = week.note_zh.strip() or week.note_en.strip()
    if note:
        text += [clean(note), ""]
    rows = [_row(p.entry, f"{_issue_url(cfg, p.day)}#{p.entry.anchor}", p.comment, p.pinned) for p in week.picks]
    text += [line for row in rows for line in _text(row, "* " if row.pinned else "- ")]
    html = macro("mail_highlights.html.j2", "highlights")(week.id, monday, sunday, url, note, rows)
    return Mail(f"highlights:{week.id}", subject, "\n".join(text), str(html))


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
    msg.set_content(mail.text + note_text)
    body = Markup(mail.html)  # rendered by a mail body template: escaped there, not again
    msg.add_alternative(str(macro("mail_message.html.j2", "message")(body, to, cfg.site, unsubscribe)), subtype="html")
    return msg


@dataclass
class EmailReport:
    due: list[str] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)  # mail key -> messages delivered
    warnings: list[str] = field(default_factory=list)  # delivery problems: recorded and retried, never an exit status
    note: str = ""

    def lines(self) -> list[str]:
        if self.note:
            return [self.note]
        out = [f"email: {key} sent to {_n(n, 'recipient')}" for key, n in self.sent.items()]
        out += [f"WARNING email: {w}" for w in self.warnings]
        return out or ["email: nothing new to send"]


def _n(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def recipient_digest(addr: str, recipients: list[str]) -> str:
    """What ``email_pending`` records instead of an address (the repository is public).

    Keyed with the whole list, itself a secret: a digest tells nobody without the list whether an address is on it.
    If the list changes between a failure and its retry, the owed recipients no longer match and are not retried —
    the safe side: nobody is mailed twice.
    """
    key = hashlib.sha256("\n".join(sorted(a.lower() for a in recipients)).encode()).digest()
    return hmac.new(key, addr.lower().encode(), hashlib.sha256).hexdigest()[:16]


def due_mails(cfg: Config, store: Store) -> list[Mail]:
    status = store.load_status()
    sent = status.get("email_sent") or {}
    issues = list(store.series(DAILY).all())
    out = []
    last = status.get("last_run") or {}
    if last.get("outcome") == "published" and last.get("date") and sent.get("issue") != last["date"]:
        issue = store.series(DAILY).get(last["date"])
        if issue is not None and issue.entries:
            out.append(issue_mail(cfg, issue))
    if cfg.email.highlights and cfg.highlights.enabled and issues:
        current = week_id(max(i.date for i in issues))
        weeks = [w for w in build_weeks(cfg, issues, {k: v for k, v in store.highlight_edits().items() if isinstance(v, dict)})
                 if w.id < current and w.picks]
        if weeks and sent.get("highlights", "") < weeks[0].id:
            out.append(highlights_mail(cfg, weeks[0]))
    return out


def _mail_for_key(cfg: Config, store: Store, key: str) -> Mail | None:
    """Rebuild a mail owed to some recipients from the records (None when its issue or week is gone)."""
    kind, _, value = key.partition(":")
    if kind == "issue":
        issue = store.series(DAILY).get(value)
        return issue_mail(cfg, issue) if issue is not None and issue.entries else None
    if kind == "highlights":
        issues = list(store.series(DAILY).all())
        edits = {k: v for k, v in store.highlight_edits().items() if isinstance(v, dict)}
        week = next((w for w in build_weeks(cfg, issues, edits) if w.id == value and w.picks), None)
        return highlights_mail(cfg, week) if week is not None else None
    return None


@dataclass
class _Job:
    """One mail to some of the list: everyone (a new mail) or those it is owed to (a retry)."""

    mail: Mail
    to: list[int]  # positions in the recipient list
    retry: bool
    started: bool = False
    delivered: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (position, SMTP code)

    @property
    def unsent(self) -> list[int]:
        done = set(self.delivered) | {i for i, _ in self.refused}
        return [i for i in self.to if i not in done]


def _code(e: BaseException) -> int | None:
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        return max((c for c, _ in e.recipients.values()), default=None)
    return getattr(e, "smtp_code", None)


def _why(e: BaseException) -> str:
    """An SMTP failure in words that never carry the server's text (it may name the address or the user)."""
    code = _code(e)
    return f"{type(e).__name__} {code}" if code else type(e).__name__


def _deliver(cfg: Config, env: dict[str, str], host: str, port: int, recipients: list[str], jobs: list[_Job],
             smtp: type) -> str:
    """Send every job over one connection; returns why the connection failed ("" when it did not).

    A refused recipient (or message) is noted on its job and the rest go on; a lost connection stops the run and
    leaves the rest unsent.
    """
    try:
        with smtp(host, port, timeout=cfg.email.timeout_seconds) as server:
            if cfg.email.starttls:
                server.starttls(context=ssl.create_default_context())
            if env.get("SMTP_USER"):
                server.login(env["SMTP_USER"], env.get("SMTP_PASSWORD", ""))
            for job in jobs:
                job.started = True
                for i in job.to:
                    try:
                        server.send_message(message_for(cfg, job.mail, recipients[i]))
                        job.delivered.append(i)
                    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as e:
                        if _code(e) == 421:  # "service not available, closing": the server hung up
                            raise
                        job.refused.append((i, str(_code(e) or type(e).__name__)))
    except (OSError, smtplib.SMTPException) as e:
        return _why(e)
    return ""


def run_email(cfg: Config, store: Store, env: dict[str, str], smtp: type = smtplib.SMTP) -> EmailReport:
    """Send what is due and what is owed; record per recipient what is still owed, as digests.

    Delivery problems (server unreachable, recipient refused, connection lost) never raise: they are warnings, and
    ``data/status.yaml`` says what the next run does about them — a new mail not begun stays due for everyone; a
    recipient refused or not reached is owed that mail once more (``email_pending``: mail key -> digests); an owed
    mail refused again is given up.  Only an incomplete configuration raises ``MailError``.
    """
    report = EmailReport()
    if not cfg.email.enabled:
        report.note = "email: off (email.enabled: false)"
        return report
    status = store.load_status()
    pending = {str(k): [str(d) for d in v or []] for k, v in (status.get("email_pending") or {}).items()}
    mails = [m for m in due_mails(cfg, store) if m.key not in pending]
    report.due = list(pending) + [m.key for m in mails]
    if not report.due:
        return report
    host = (env.get("SMTP_HOST") or "").strip()
    recipients = _recipients(cfg, env)
    if not host or not recipients:
        missing = "SMTP_HOST" if not host else cfg.email.recipients_env
        raise MailError(f"{missing} is not set: {_n(len(report.due), 'email')} due ({', '.join(report.due)}) not sent")
    try:
        port = int(env.get("SMTP_PORT") or cfg.email.port)
    except ValueError:
        raise MailError("SMTP_PORT is not a port number") from None
    position = {recipient_digest(a, recipients): i for i, a in enumerate(recipients)}
    jobs = []
    for key, owed in pending.items():
        mail, to = _mail_for_key(cfg, store, key), sorted(position[d] for d in owed if d in position)
        if mail is None or not to:
            why = f"its {key.partition(':')[0]} is gone" if mail is None else "the recipient list changed"
            report.warnings.append(f"{key}: {_n(len(owed), 'owed message')} dropped ({why})")
            continue
        jobs.append(_Job(mail, to, retry=True))
    jobs += [_Job(m, list(range(len(recipients))), retry=False) for m in mails]
    failure = _deliver(cfg, env, host, port, recipients, jobs, smtp) if jobs else ""
    _record(store, status, pending, jobs, recipients, report, failure, f"{host}:{port}")
    return report


def _record(store: Store, status: dict, pending: dict[str, list[str]], jobs: list[_Job], recipients: list[str],
            report: EmailReport, failure: str, server: str) -> None:
    """Turn what happened into warnings and into ``email_sent`` / ``email_pending``; write the status if it changed."""
    sent = dict(status.get("email_sent") or {})
    owed: dict[str, list[str]] = {}
    for job in jobs:
        key = job.mail.key
        if job.delivered:
            report.sent[key] = len(job.delivered)
        for i, code in job.refused:
            fate = " again; not retried" if job.retry else "; retried on the next run"
            report.warnings.append(f"{key}: recipient {i + 1} of {len(recipients)} refused ({code}){fate}")
        if not job.started:  # the connection never got to it: as it was (due for everyone, or still owed)
            if job.retry:
                owed[key] = pending[key]
            continue
        if not job.retry:
            kind, _, value = key.partition(":")
            sent[kind] = value
        again = job.unsent + ([] if job.retry else [i for i, _ in job.refused])
        if again:
            owed[key] = [recipient_digest(recipients[i], recipients) for i in sorted(again)]
    if failure and not any(j.started for j in jobs):
        keys = [j.mail.key for j in jobs]
        report.warnings.append(f"SMTP {server} unreachable ({failure}); {_n(len(keys), 'email')} due "
                               f"({', '.join(keys)}) will be sent on the next run")
    elif failure:
        lost = sum(len(j.unsent) for j in jobs if j.started)
        report.warnings.append(f"SMTP connection lost after {_n(sum(len(j.delivered) for j in jobs), 'message')} "
                               f"({failure}); {_n(lost, 'message')} owed, sent on the next run")
    if owed:
        status["email_pending"] = owed
    else:
        status.pop("email_pending", None)
    if sent:
        status["email_sent"] = sent
    if status != store.load_status():
        store.save_status(status)
