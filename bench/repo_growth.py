"""Months of daily publishes in a scratch repository: what the repository weighs, and what a clone costs.

    python bench/repo_growth.py [--days 90] [--papers 30] [--dropped 60] [--articles 15] [--depths 1,20] [--keep]

Each weekday commits what the bot commits, rendered by the project's own renderer (``render_all``): the day's record
(data/issues/YYYY/DATE.yaml, real corpus papers from ../shared/corpus/listings with Chinese fields of realistic
length, as in bench/site_scale.py) and its drop log, data/status.yaml, both pages of the issue and their
``.entries.html`` fragments, and every page and feed the new issue changes (home, archive, topic pages, weekly
highlights, the quarterly and yearly reviews, RSS and Atom with the newest N items: rewritten every day).  Mondays
add the week's journal digest (data/journal/...).  Then the email job's commit (``email_sent`` in the status), as
in .github/workflows/daily.yml: two bot commits a weekday.

Every ``--every`` days the repository is packed (``git gc``) and its size printed; at the end it is pushed to a
bare origin, which is packed as GitHub packs it, and cloned from it over ``file://`` (the pack protocol, as from
GitHub, minus the network): a full clone against ``--depth N`` clones (what the workflow checks out).  Prints the
packed size, the object count, clone times and sizes, growth per publishing day, and a linear extrapolation to
``--years`` years.  The scratch repository is removed unless ``--keep``.

Three shortcuts keep it fast and change no byte (``--check`` renders the last day again without them and
compares): no theme paragraphs are written (they need the LLM; ``themes`` is optional), so the reviews' theme
clusters, which only look those paragraphs up, are not computed; the reviews are computed once per render, not once
for the pages and again for the feeds; files are not fsynced (a scratch folder).  Rendering still grows with the
archive: the default 90 days take about 2.5 minutes of CPU here (longer while others share the two cores),
half a year 4, a whole year (``--days 260``) 7-9; the growth per day is steady (219, 236 KB a day over the first two quarters), so the last
interval's rate extrapolates well.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.config import load_config  # noqa: E402
from generator.corpus import load_listing  # noqa: E402
from generator.demo import SAMPLE, copy_skeleton  # noqa: E402
from generator.gitops import BOT_EMAIL, BOT_NAME  # noqa: E402
from generator.kinds.registry import DAILY, JOURNAL  # noqa: E402
from generator.model import DailyIssue, Entry, JournalEntry, JournalIssue, Section, Selection  # noqa: E402
from generator.model.base import Dropped  # noqa: E402
from generator.render import review_themes, site as render_site  # noqa: E402
from generator.sources.pubmed import parse_articles  # noqa: E402
from generator.store import Store  # noqa: E402
from tests.synthetic import LISTINGS, ZH  # noqa: E402

BOT = ["-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}"]
HUMAN = ["-c", "user.name=Maintainer", "-c", "user.email=maintainer@example.org"]


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, **env) if env else None)
    if proc.returncode:
        raise SystemExit(f"git {' '.join(args[:3])}: {proc.stderr.strip()}")
    return proc.stdout.strip()


def weekdays(start: date, n: int) -> list[date]:
    out, d = [], start
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


class Day:
    """The records one weekday's run writes: the issue, its drop log, the status; on Mondays the journal week."""

    def __init__(self, cfg, store: Store, papers: int, dropped: int, articles: int):
        self.cfg, self.store, self.papers, self.dropped, self.articles = cfg, store, papers, dropped, articles
        self.corpus = [p for f in sorted(LISTINGS.glob("*.jsonl")) for p in load_listing(f)]
        self.pubmed = parse_articles((SAMPLE / "pubmed-2025-03-07.xml").read_bytes())
        self.k = self.number = self.weeks = 0
        self.per_month: dict[str, int] = {}

    def issue(self, day: date) -> None:
        iso, topics = day.isoformat(), self.cfg.topic_ids
        month = iso[2:4] + iso[5:7]
        seq = self.per_month[month] = self.per_month.get(month, 0) + 1
        by_topic: dict[str, list[Entry]] = {}
        drops = []
        for j in range(self.papers + self.dropped):
            p = self.corpus[self.k % len(self.corpus)]
            self.k += 1
            topic = topics[self.k % len(topics)]
            pid = f"{month}.{seq * 200 + j:05d}"  # a valid arXiv id, unique in the archive
            if j >= self.papers:
                drops.append(Dropped(pid, p.title, topic, 20 + self.k % 30, "相关性不足（影像方法，非医学应用）",
                                     "not relevant enough (an imaging method without a medical application)"))
                continue
            e = Entry.from_paper(p, Selection(True, topic, 60 + self.k % 40, 5.0, "医学影像｜命中：segmentation（标题）、CT",
                                              "Medical imaging | matched: segmentation (title), CT"))
            e.id = pid
            e.title_zh = "基于深度学习的" + p.title[:12] + "医学图像分割与诊断研究"
            e.summary_zh, e.summary_en, e.abstract_zh = ZH[:60], "A method is proposed and validated on multi-centre data.", ZH * 4
            e.reason_llm_zh, e.llm_relevance, e.llm_topic, e.enriched_by = "影像分割方法，直接相关", 85, topic, "bench"
            by_topic.setdefault(topic, []).append(e)
        self.number += 1
        self.store.series(DAILY).save(DailyIssue(date=iso, number=self.number, candidates=300 + self.k % 200,
                                                 categories=list(self.cfg.arxiv.categories),
                                                 sections=[Section(t, es) for t, es in by_topic.items()]))
        self.store.save_dropped(iso, drops)
        status = self.store.load_status()
        status["last_run"] = {"date": iso, "outcome": "published", "candidates": 300 + self.k % 200,
                              "kept": self.papers, "number": self.number}
        status.setdefault("no_announcement", [])
        self.store.save_status(status)

    def journal(self, monday: date) -> None:
        self.weeks += 1
        topics = self.cfg.topic_ids
        by_topic: dict[str, list[JournalEntry]] = {}
        for j in range(self.articles):
            a = self.pubmed[j % len(self.pubmed)]
            e = JournalEntry.from_article(a, topics[j % len(topics)], 60 + j, "命中：deep learning（摘要）", "matched")
            e.pmid = str(30_000_000 + self.weeks * 100 + j)
            e.title_zh, e.objective_zh, e.methods_zh = "深度学习辅助诊断的多中心研究", ZH[:40], ZH * 2
            e.results_zh, e.conclusion_zh, e.comment_ai_zh = ZH * 2, ZH[:50], ZH[:80]
            by_topic.setdefault(e.topic, []).append(e)
        self.store.series(JOURNAL).save(JournalIssue(
            monday.isoformat(), self.weeks, start=(monday - timedelta(days=6)).isoformat(),
            journals=sorted({a.journal for a in self.pubmed}), found=self.articles * 3,
            sections=[Section(t, es) for t, es in by_topic.items()]))
        status = self.store.load_status()
        status["journal_last_run"] = {"date": monday.isoformat(), "outcome": "published", "number": self.weeks}
        self.store.save_status(status)


def stamp(store: Store, **values) -> None:
    store.save_status(dict(store.load_status(), **values))


def packed(repo: Path) -> tuple[int, int]:
    """(bytes in packs, objects), after ``git gc``."""
    git(repo, "gc", "-q")
    info = dict(line.split(": ", 1) for line in git(repo, "count-objects", "-v").splitlines())
    return int(info["size-pack"]) * 1024 + int(info["size"]) * 1024, int(info["in-pack"]) + int(info["count"])


def tracked(repo: Path) -> int:
    """Bytes of the files HEAD holds (the working tree a checkout writes)."""
    return sum(int(line.split()[3]) for line in git(repo, "ls-tree", "-r", "-l", "HEAD").splitlines())


def du(path: Path, skip_git: bool = False) -> int:
    total = 0
    for dirpath, dirnames, filenames in os.walk(path):
        if skip_git and ".git" in dirnames:
            dirnames.remove(".git")
        total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in filenames)
    return total


def clone(origin: Path, dest: Path, depth: int | None, repeat: int) -> tuple[float, int, int, int]:
    """(seconds: the best of ``repeat``, .git bytes, working tree bytes, commits) of a clone over file://."""
    took = float("inf")
    for _ in range(repeat):
        shutil.rmtree(dest, ignore_errors=True)
        t = time.monotonic()
        git(dest.parent, "clone", "-q", *([f"--depth={depth}"] if depth else []), origin.as_uri(), str(dest))
        took = min(took, time.monotonic() - t)
    return took, du(dest / ".git"), du(dest, skip_git=True), int(git(dest, "rev-list", "--count", "HEAD"))


def mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=90, help="publishing weekdays to simulate (default 90: a "
                    "quarter and a half; 260 is a year)")
    ap.add_argument("--papers", type=int, default=30, help="papers per issue (the corpus days keep 13-68, mean 31)")
    ap.add_argument("--dropped", type=int, default=60, help="candidates in each day's drop log")
    ap.add_argument("--articles", type=int, default=15, help="articles in each week's journal digest")
    ap.add_argument("--start", type=date.fromisoformat, default=date(2026, 1, 5), help="the first day (a Monday)")
    ap.add_argument("--every", type=int, default=45, help="pack and print the size every N days (default 45)")
    ap.add_argument("--depths", default="1,20", help="shallow clone depths to compare with a full clone")
    ap.add_argument("--repeat", type=int, default=2, help="time each clone this many times, print the best")
    ap.add_argument("--years", type=float, default=5, help="extrapolate to this many years")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder and print it")
    ap.add_argument("--check", action="store_true", help="at the end, render unpatched: no file may change")
    args = ap.parse_args()
    if not LISTINGS.is_dir():
        print(f"corpus not found: {LISTINGS}", file=sys.stderr)
        return 2
    depths = [int(d) for d in args.depths.split(",") if d.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="repo-growth-"))
    t0 = time.monotonic()
    try:
        work, origin = tmp / "work", tmp / "origin.git"
        copy_skeleton(work)
        shutil.copyfile(ROOT / ".gitignore", work / ".gitignore")
        cfg = load_config(work / "config.yml", env={})
        store = Store.of(cfg)
        render_site.render_all(cfg, store)  # the skeleton's own generated pages, as the repository holds them
        git(tmp, "init", "-q", "--bare", "-b", "main", str(origin))
        git(work, "init", "-q", "-b", "main")
        git(work, "add", "-A")
        git(work, *HUMAN, "commit", "-q", "-m", "Site skeleton")
        seed_bytes, seed_objects = packed(work)
        print(f"seed (site skeleton): {mb(seed_bytes)} packed, {seed_objects} objects")

        def no_theme_clusters(cfg, reviews, issues):  # see the docstring: nothing to look up without the LLM
            for r in reviews:
                r.themes = {}

        themes_of, review_themes.load_themes = review_themes.load_themes, no_theme_clusters
        reviews_of, last = render_site.reviews_of, {}

        def reviews_once(cfg, snap):  # the pages and the feeds of one render ask for the same reviews
            if last.get("snap") is not snap:
                last.update(snap=snap, reviews=reviews_of(cfg, snap))
            return last["reviews"]

        render_site.reviews_of = reviews_once
        os.fsync = lambda fd: None  # a scratch folder: durability costs time here and changes no byte
        records = Day(cfg, store, args.papers, args.dropped, args.articles)
        days = weekdays(args.start, args.days)
        checkpoints: list[tuple[int, int, int, int]] = [(0, seed_bytes, seed_objects, tracked(work))]
        render_s = commit_s = 0.0
        for n, day in enumerate(days, 1):
            when = {"GIT_AUTHOR_DATE": f"{day.isoformat()}T05:45:00Z", "GIT_COMMITTER_DATE": f"{day.isoformat()}T05:45:00Z"}
            stamp(store, reconciled=git(work, "rev-parse", "HEAD"))  # mark-edits
            if day.weekday() == 0:
                records.journal(day)
            records.issue(day)
            t = time.monotonic()
            render_site.render_all(cfg, store)
            render_s += time.monotonic() - t
            t = time.monotonic()
            git(work, "add", "-A", "--", "data", "docs", "feeds")
            git(work, *BOT, "commit", "-q", "-m", f"Issue of {day}: records, pages and feeds", env=when)
            # the email job: mark-edits stamps the publish commit, the mail is sent, email_sent is recorded
            stamp(store, reconciled=git(work, "rev-parse", "HEAD"), email_sent={"issue": day.isoformat()})
            git(work, "add", "-A", "--", "data")
            when = {k: v.replace("05:45", "06:20") for k, v in when.items()}
            git(work, *BOT, "commit", "-q", "-m", "Email digest sent (status)", env=when)
            commit_s += time.monotonic() - t
            if n % args.every == 0 or n == len(days):
                size, objects = packed(work)
                checkpoints.append((n, size, objects, tracked(work)))
                print(f"day {n:>4} ({day}): {mb(size)} packed, {objects} objects, "
                      f"+{(size - checkpoints[-2][1]) / (n - checkpoints[-2][0]) / 1e3:.0f} KB a day since day "
                      f"{checkpoints[-2][0]}; files {mb(checkpoints[-1][3])}  [{time.monotonic() - t0:.0f}s]")
        if args.check:
            render_site.reviews_of, review_themes.load_themes = reviews_of, themes_of
            (cfg.paths.cache / "render-manifest.json").unlink(missing_ok=True)
            res = render_site.render_all(cfg, store)
            print(f"check: the unpatched renderer rewrote {len(res.written)} files, removed {len(res.removed)}")
            if res.written or res.removed:
                return 1
        print(f"simulated {len(days)} publishing days ({2 * len(days)} bot commits): render {render_s:.0f}s, "
              f"git {commit_s:.0f}s")

        git(work, "remote", "add", "origin", str(origin))
        git(work, "push", "-q", "origin", "main")
        size, objects = packed(origin)
        print(f"\norigin after {len(days)} days (git gc): {mb(size)} packed, {objects} objects; "
              f".git {mb(du(origin))}")
        results = []
        for depth in [None, *depths]:
            took, dot_git, tree, commits = clone(origin, tmp / f"clone-{depth or 'full'}", depth, args.repeat)
            results.append((depth, took, dot_git, tree, commits))
            label = f"--depth {depth}" if depth else "full clone"
            print(f"  {label:<12} {took:6.2f}s  .git {mb(dot_git):>9}  working tree {mb(tree):>9}  {commits} commits")

        # per publishing day: on average, and over the last interval (the rate to extrapolate with: feeds are capped,
        # but the archive pages, the year's review and the trees of the year's folders grow with the year)
        (n0, size0, _, tree0), (n1, _, _, tree1) = checkpoints[-2], checkpoints[-1]
        per_day = (size - seed_bytes) / len(days)
        recent = (size - size0) / max(1, n1 - n0)
        tree_rate = (tree1 - tree0) / max(1, n1 - n0)
        print(f"\ngrowth, packed: {per_day / 1e3:.0f} KB a publishing day on average, {recent / 1e3:.0f} KB a day "
              f"over the last {n1 - n0} days: {mb(recent * 260)} a year; files checked out: {tree_rate / 1e3:.0f} KB a day")
        full = results[0]
        shallowest = min(results[1:], key=lambda r: r[0], default=None)
        for years in sorted({1.0, args.years}):
            total_days = round(years * 260)
            if total_days <= len(days):
                continue
            left = total_days - len(days)
            history_est, tree_est = size + recent * left, tree1 + tree_rate * left
            print(f"extrapolated to {years:g} year{'s' if years != 1 else ''} ({total_days} publishing days), linear "
                  f"at the recent rates:")
            print(f"  full clone: .git ≈ {mb(history_est)} (the whole history) + working tree ≈ {mb(tree_est)}; "
                  f"clone ≈ {full[1] * history_est / max(1, full[2]):.1f}s here + the transfer of {mb(history_est)}")
            for depth, took, dot_git, tree, _ in results[1:]:
                # the newest files, compressed as now, and the last `depth` commits' changes, as now
                est = shallowest[2] * tree_est / max(1, tree1) + dot_git - shallowest[2]
                print(f"  --depth {depth}: .git ≈ {mb(est)} (it grows with the files, not with the history): "
                      f"{est / history_est:.0%} of the full clone's (now {dot_git / max(1, full[2]):.0%})")
        print(f"total {time.monotonic() - t0:.0f}s")
        if args.keep:
            print(f"kept: {tmp}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
