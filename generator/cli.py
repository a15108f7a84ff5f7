"""Command line: ``python -m generator <command>``.

    run       fetch today's arXiv announcement (or --date D via the API), select, write the issue, render
    email     mail a newly published issue (and last week's highlights) to the list; nothing twice
    journal   fetch the week's AI articles from the configured journals (PubMed), write the journal issue, render
    render    re-render every page and feed from the records
    build     render, then build the MkDocs site (strict) into site/
    enrich    fill in Chinese fields still missing (LLM)
    validate  check the config, every record, and hand-edited pages
    mark-edits  protect human edits (fields an editor changed) from later runs
    catch-up  write the scheduled work a cancelled or skipped run left undone (journal weeks, weekdays)
    publish   commit records, pages and feeds as the bot and push; a rejected push is reconciled, rebuilt, pushed again
    keepalive keep GitHub from disabling the schedule
    demo      the whole pipeline offline on the project's sample data, into a separate folder

Exit status: 0 on success (including a day with no announcement), 1 with a
one-line reason on failure, 3 with ``run --fail-if-empty`` when a non-empty
announcement produced no issue.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

from . import __version__
from .config import ConfigError, load_config
from .gitops import GitError, git, toplevel
from .http import FetchError
from .mail import MailError
from .enrich import make_enricher
from .issue import enrich_items, merge_issue
from .pipeline import RunError, run_day
from .render.site import render_all
from .sitebuild import BuildError
from .store import RecordError, Store
from .writing import writing
from .kinds.registry import DAILY, JOURNAL, KINDS

log = logging.getLogger("generator")


def _date(s: str) -> date | None:
    if not s.strip():  # an empty workflow input means "no date"
        return None
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2025-06-09, got {s!r}") from None


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m generator",
        description="Medical AI Daily (医学 AI 每日速递): build the daily bilingual medical-AI digest.",
    )
    ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    ap.add_argument("-c", "--config", type=Path, default=None, help="config file (default: ./config.yml or $MEDAIDAILY_CONFIG)")
    ap.add_argument("-v", "--verbose", action="store_true", help="log every step")
    ap.add_argument("-q", "--quiet", action="store_true", help="only warnings and the summary")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="fetch, select and publish one announcement day",
                       description="Fetch the arXiv announcement the RSS feed holds now (dated by the feed), select the "
                       "medical-AI papers, write or update the issue record and render pages and feeds.")
    p.add_argument("--date", type=_date, help="backfill a past announcement day through the arXiv API instead")
    p.add_argument("--no-render", action="store_true", help="write the record only")
    p.add_argument("--fail-if-empty", action="store_true",
                   help="exit 3 when the feed had papers but none was selected (for scheduled runs)")

    p = sub.add_parser("journal", help="write the weekly journal digest (文献快递) from PubMed",
                       description="Search PubMed (NCBI E-utilities) for the AI articles the configured journals "
                       "published in the week ending on the run date (or --date), classify them into topics, add the "
                       "structured Chinese summary through the LLM and write the numbered journal issue.")
    p.add_argument("--date", type=_date, help="last day of the week to cover (default: today, UTC)")
    p.add_argument("--no-render", action="store_true", help="write the record only")

    sub.add_parser("email", help="mail a newly published issue and the last finished week's highlights",
                   description="Send what was published and not mailed yet (see data/status.yaml email_sent) as HTML + "
                   "plain-text email, one message per recipient. Needs email.enabled, SMTP_HOST and the recipient list "
                   "in the environment variable named by email.recipients_env. Sends nothing on a day without an issue.")

    p = sub.add_parser("enrich", help="fill in Chinese titles, summaries and abstracts that are still missing",
                       description="Backfill enrichment for records whose papers are still English-only (after an "
                       "outage, or when a key is added later). Papers are never removed by this command.")
    p.add_argument("--since", type=_date, help="only issues dated on or after this day (default: all)")
    p.add_argument("--no-render", action="store_true", help="update the records only")

    sub.add_parser("themes", help="write the reviews' theme paragraphs with the LLM (validated, cached; optional)",
                   description="For each quarterly and yearly review, ask the LLM for a short theme paragraph per cluster "
                   "of papers; a paragraph that names a paper outside its cluster, a number not in the cited papers or a "
                   "title not in the archive is asked once more, then dropped. Answers are cached: a rerun makes no call. "
                   "Without LLM_API_KEY nothing is done (the reviews' data-driven parts stand alone); exit 0 either way.")

    sub.add_parser("render", help="render all pages and feeds from the records",
                   description="Re-render every generated page (docs/) and feed (feeds/) from data/. Deterministic.")

    p = sub.add_parser("build", help="render, then build the site with MkDocs (strict)",
                       description="Render pages and feeds, then run `mkdocs build --strict`; feeds are copied into the site.")
    p.add_argument("--site-dir", type=Path, help="output folder (default: paths.site from the config)")
    p.add_argument("--no-strict", action="store_true", help="do not treat MkDocs warnings as errors")
    p.add_argument("--incremental", action="store_true",
                   help="rebuild only pages whose sources changed since the last build into the same folder "
                   "(falls back to a full build when the theme, hooks, assets or mkdocs.yml changed, or a page was removed)")

    p = sub.add_parser("validate", help="check the config, every record, and hand-edited pages",
                       description="Check config.yml and every issue record (each problem names file, paper and field), "
                       "and that generated pages and feeds were not edited by hand. With --base, only generated files "
                       "changed since that commit are compared (a pull request that edits records only is fine).")
    p.add_argument("--base", help="git ref to compare with (e.g. origin/main in a pull request)")

    p = sub.add_parser("mark-edits", help="protect human edits made since the bot's last commit (or --base)",
                       description="Compare every record with the same record at a base commit and list each changed "
                       "field in the paper's `edited` list (and deleted papers in `removed`), so runs never overwrite them.")
    p.add_argument("--base", help="git ref to compare with (default: the last commit made by the bot)")

    p = sub.add_parser("catch-up", help="write the journal weeks and weekday issues a cancelled run left undone",
                       description="Decide from the records and the date what scheduled work is due and not done: every "
                       "journal week (ending on a Monday) since the newest journal record, and the last few weekdays "
                       "that have no issue, no drop log and no 'no announcement' entry (backfilled through the arXiv "
                       "API). Bounded; a day or week that fails is reported and left for the next run (exit 0).")
    p.add_argument("--today", type=_date, help="the date to decide from (default: today, UTC)")
    p.add_argument("--days", type=int, default=3, help="weekdays before today to backfill when missing (default 3)")
    p.add_argument("--weeks", type=int, default=4, help="at most this many missed journal weeks (default 4)")
    p.add_argument("--no-render", action="store_true", help="write the records only")

    p = sub.add_parser("publish", help="commit data/, docs/ and feeds/ as the bot and push (reconcile and retry)",
                       description="Commit the records, pages and feeds as github-actions[bot] and push. A rejected "
                       "push is reconciled: the remote tip is taken, its human edits marked, this run's record changes "
                       "put back (a record both sides changed keeps the remote's), pages and feeds rendered again "
                       "(--build: and the site built again), and the push retried.")
    p.add_argument("--message", "-m", default=None, help="commit message (default: names the newest issue)")
    p.add_argument("--remote", default="origin")
    p.add_argument("--branch", default=None, help="default: the current branch")
    p.add_argument("--build", action="store_true", help="after reconciling, build the site again (what is deployed)")
    p.add_argument("--retries", type=int, default=4, help="reconcile-and-push rounds after a rejected push (default 4)")

    p = sub.add_parser("keepalive", help="re-enable the scheduled workflow (GitHub disables idle schedules)",
                       description="Call the GitHub API to enable the scheduled workflow; uses GITHUB_TOKEN, "
                       "GITHUB_REPOSITORY and GITHUB_API_URL from the Actions environment.")
    p.add_argument("--workflow", default="daily.yml")

    p = sub.add_parser("demo", help="run everything offline on the sample data",
                       description="Copy the site skeleton into a separate folder, serve the project's own sample days "
                       "through a loopback arXiv stand-in, run each day, and build the site there.")
    p.add_argument("--out", type=Path, default=Path("build/demo"), help="demo folder (default: build/demo)")
    p.add_argument("--url", default="http://127.0.0.1:8000/",
                   help="the address the demo is built for and served at (default: http://127.0.0.1:8000/)")
    return ap


def _setup_logging(args: argparse.Namespace) -> None:
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s" if args.verbose else "%(message)s")
    from .http import install_redaction

    install_redaction()  # keys masked in every line, whatever the level (urllib3 logs query strings at DEBUG)
    if not args.verbose:
        # the openai client's HTTP library (httpx, or httpx2 from openai 3) logs one "HTTP Request" line per call at
        # INFO: noise, unless -v asks for it
        for noisy in ("arxiv", "urllib3", "jieba", "mkdocs", "httpx", "httpx2", "httpcore", "openai"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def cmd_run(cfg, args) -> int:
    t0 = time.monotonic()
    store = Store.of(cfg)
    enricher, note = make_enricher(cfg, dict(os.environ))
    with writing(cfg):
        report = run_day(cfg, args.date, store, enricher)
        report.llm_note = note if report.outcome != "no_announcement" else ""
        if not args.no_render:
            t = time.monotonic()
            res = render_all(cfg, store)
            report.timings["render"] = time.monotonic() - t
            log.info("rendered: %d files written, %d unchanged, %d removed", len(res.written), res.unchanged, len(res.removed))
    report.timings["total"] = time.monotonic() - t0
    lines = report.lines(cfg)
    for line in lines:
        print(line)
    _step_summary(lines)
    if report.outcome == "nothing_selected" and args.fail_if_empty:
        return 3
    return 0


def cmd_journal(cfg, args) -> int:
    from .journal import run_week
    from .sources.pubmed import EUtils

    if not cfg.journal.enabled:
        print("the journal digest is off (journal.enabled: false in config.yml)")
        return 0
    t0 = time.monotonic()
    env = dict(os.environ)
    store = Store.of(cfg)
    enricher, note = make_enricher(cfg, env, JOURNAL.task)
    client = EUtils(cfg.journal, (env.get(cfg.journal.api_key_env) or "").strip() or None)
    end = args.date or datetime.now(timezone.utc).date()
    with writing(cfg):
        report = run_week(cfg, end, store, client, enricher)
        report.llm_note = note if report.outcome != "nothing_found" else ""
        if not args.no_render:
            t = time.monotonic()
            render_all(cfg, store)
            report.timings["render"] = time.monotonic() - t
    report.timings["total"] = time.monotonic() - t0
    lines = report.lines(cfg)
    for line in lines:
        print(line)
    _step_summary(lines)
    return 0


def cmd_email(cfg, args) -> int:
    """Exit 0 whenever the configuration is complete: a delivery problem (server down, recipient refused) is a
    WARNING line — also a GitHub annotation — recorded in data/status.yaml and retried by the next run, so this step
    can follow publish and deploy without ever costing the issue.  Exit 1 (MailError) only for a missing secret."""
    from .mail import run_email

    with writing(cfg):
        report = run_email(cfg, Store.of(cfg), dict(os.environ))
    lines = report.lines()
    for line in lines:
        print(line)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for warning in report.warnings:
            print(f"::warning title=email::{warning}")
    _step_summary(lines)
    return 0


def cmd_enrich(cfg, args) -> int:
    """Every kind's items still missing their Chinese fields, through the kind's own task; one line per kind."""
    store = Store.of(cfg)
    lines, left, changed_any = [], 0, False
    with writing(cfg):
        for kind in KINDS:
            enricher, note = make_enricher(cfg, dict(os.environ), kind.task)
            if enricher is None:
                print(note)
                return 1
            issues = [i for i in store.series(kind).all() if not args.since or i.date >= args.since.isoformat()]
            todo = [(i, e) for i in issues for e in i.entries if kind.task.needs(e, enricher.signature)]
            if kind is not DAILY and not todo:
                continue  # the journal digest is named only when it had something to do
            results = enrich_items(kind.task, enricher, [e for _, e in todo])
            changed = {issue.date for issue, e in todo if results.get(e.item_id) is not None}
            for issue in issues:
                if issue.date in changed:  # the LLM may move an item to another topic: regroup the sections
                    store.series(kind).save(merge_issue(kind, issue.date, issue.number, [], issue, cfg,
                                                        **issue.header()))
            changed_any |= bool(changed)
            lines.append(f"{_count(len(todo), kind.item_noun)} in {_count(len(issues), kind.noun.split(' ', 1)[1])} "
                         f"needed enrichment; {_count(len(changed), 'issue')} updated")
            lines.append(enricher.stats.line(cfg))
            left += sum(1 for _, e in todo if results.get(e.item_id) is None) if enricher.stats.failed else 0
        if changed_any and not args.no_render:  # once, after every kind's records are written
            render_all(cfg, store)
    for line in lines:
        print(line)
    return 1 if left else 0


def cmd_themes(cfg, args) -> int:
    from .render import review_themes
    from .render.site import Snapshot, reviews_of

    enricher, note = make_enricher(cfg, dict(os.environ))
    if enricher is None:
        print(f"review themes: not written ({note})")
        return 0
    store = Store.of(cfg)
    with writing(cfg):
        snap = Snapshot.load(store, dropped_for=())
        stats = review_themes.fill_themes(cfg, reviews_of(cfg, snap), snap.issues, enricher)
    print(stats.line())
    _step_summary([stats.line()])
    return 0


def cmd_render(cfg, args) -> int:
    with writing(cfg):
        res = render_all(cfg)
    print(f"rendered: {len(res.written)} files written, {res.unchanged} unchanged, {len(res.removed)} removed")
    return 0


def cmd_build(cfg, args) -> int:
    from .sitebuild import build_site

    t = time.monotonic()
    site = args.site_dir or cfg.paths.site
    with writing(cfg):
        res = render_all(cfg, settle_mtimes=args.incremental)
    log.info("rendered: %d files written, %d unchanged", len(res.written), res.unchanged)
    dirty = build_site(cfg, site, strict=not args.no_strict, incremental=args.incremental, removed=bool(res.removed))
    print(f"site built in {site} ({time.monotonic() - t:.1f}s, {'incremental' if dirty else 'full'})")
    return 0


def _count(n: int, noun: str) -> str:
    """"1 problem", "2 problems": the summary lines are read by people, not parsed."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def cmd_validate(cfg, args) -> int:
    from .validate import check_records, check_rendered

    store = Store.of(cfg)
    n, problems = check_records(cfg, store)
    if not problems:
        stale = check_rendered(cfg, store)
        if args.base:
            repo = toplevel(cfg.root)
            changed = set(git(repo, "diff", "--name-only", args.base, "--").stdout.split()) if repo else set()
            changed |= set(git(repo, "ls-files", "--others", "--exclude-standard").stdout.split()) if repo else set()
            stale = [m for m in stale if m.split(":", 1)[0] in changed]
        problems += stale
    for p in problems:
        print(p, file=sys.stderr)
    print(f"config OK; {_count(n, 'record')} checked; {_count(len(problems), 'problem')}")
    return 1 if problems else 0


def cmd_mark_edits(cfg, args) -> int:
    from .edits import mark_edits

    with writing(cfg):
        report = mark_edits(cfg, Store.of(cfg), args.base)
    for line in report.lines():
        print(line)
    return 0


def cmd_publish(cfg, args) -> int:
    from .edits import RECONCILED, run_changes
    from .gitops import auth_env, head, publish

    repo = toplevel(cfg.root)
    if repo is None:
        raise RunError(f"{cfg.root} is not in a git repository")
    paths = [str(p.relative_to(repo)) for p in (cfg.paths.data, cfg.paths.docs, cfg.paths.feeds) if p.exists()]
    store = Store.of(cfg)
    newest = max((p.stem for p in store.series(DAILY).paths()), default=None)
    newest_journal = max((p.stem for p in store.series(JOURNAL).paths()), default=None)
    if newest_journal and (newest is None or newest_journal > newest):
        default = f"Journal digest, week to {newest_journal}: records, pages and feeds"
    else:
        default = f"Issue of {newest}: records, pages and feeds" if newest else "Update records, pages and feeds"
    message = args.message or default
    start = head(repo)
    changes = run_changes(repo, start, str(cfg.paths.data.relative_to(repo)))
    from .publishing import reconciler

    reconcile = reconciler(cfg, repo, changes, args.build)
    print(publish(repo, paths, message, reconcile=reconcile, reconciled=store.load_status().get(RECONCILED) == start,
                  status_rel=str(store.status_path.relative_to(repo)), remote=args.remote, branch=args.branch,
                  retries=args.retries, env=auth_env()))
    return 0


def cmd_catch_up(cfg, args) -> int:
    from .journal import run_week
    from .sources.pubmed import EUtils

    today = args.today or datetime.now(timezone.utc).date()
    store = Store.of(cfg)
    from .schedule import due_work

    weeks, days = due_work(cfg, store, today, max(args.days, 0), max(args.weeks, 0))
    env = dict(os.environ)
    lines, done = [], 0
    for end in weeks:
        try:
            enricher, _ = make_enricher(cfg, env, JOURNAL.task)
            client = EUtils(cfg.journal, (env.get(cfg.journal.api_key_env) or "").strip() or None)
            with writing(cfg):
                report = run_week(cfg, end, store, client, enricher)
            lines.append(f"catch-up: journal week to {end}: {report.lines(cfg)[0]}")
            done += 1
        except (FetchError, RunError, RecordError) as e:
            lines.append(f"WARNING catch-up: journal week to {end} failed, due again next run: {' '.join(str(e).split())}")
    for day in days:
        try:
            enricher, _ = make_enricher(cfg, env)
            with writing(cfg):
                report = run_day(cfg, day, store, enricher)
            lines.append(f"catch-up: {day}: {report.lines(cfg)[0]}")
            done += 1
        except (FetchError, RunError, RecordError) as e:
            lines.append(f"WARNING catch-up: {day} failed, due again next run: {' '.join(str(e).split())}")
    if not weeks and not days:
        lines.append(f"catch-up: nothing due on {today}")
    if done and not args.no_render:
        with writing(cfg):
            render_all(cfg, store)
    for line in lines:
        print(line)
    _step_summary(lines)
    return 0


def cmd_keepalive(cfg, args) -> int:
    from .gitops import keepalive

    print(keepalive(args.workflow))
    return 0


def _step_summary(lines: list[str]) -> None:
    """Append to the GitHub Actions job summary when running there."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("### Medical AI Daily\n\n" + "".join(f"- {ln}\n" for ln in lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args)
    try:
        if args.command == "demo":
            from .demo import run_demo

            return run_demo(args.out, args.url)
        cfg = load_config(args.config)
        commands = {"run": cmd_run, "journal": cmd_journal, "email": cmd_email, "enrich": cmd_enrich, "render": cmd_render, "themes": cmd_themes, "build": cmd_build,
                    "validate": cmd_validate, "mark-edits": cmd_mark_edits, "publish": cmd_publish, "catch-up": cmd_catch_up,
                    "keepalive": cmd_keepalive}
        return commands[args.command](cfg, args)
    except ConfigError as e:
        for p in e.problems:
            print(f"config error: {p}", file=sys.stderr)
        return 1
    except (FetchError, RunError, RecordError, GitError, MailError, BuildError) as e:
        print(f"error: {' '.join(str(e).split())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
