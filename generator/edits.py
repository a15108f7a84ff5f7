"""Find human edits in the records and mark them, so no run ever overwrites them.

An edit is any difference between a record now and the same record at a base
commit: the pull request's base, or (``auto``) the last published state the bot
reconciled.  Every bot commit records in ``data/status.yaml`` the commit it was
made on (``reconciled: <sha>``), after marking every edit up to that commit; so
the bot commit that wrote the current ``reconciled`` value holds a tree whose
records carry all earlier edits, and everything changed after it was written by
people.  (Not "the last commit authored by the bot": a bot commit rebased onto
an editor's commit would carry that edit unmarked and hide it for ever.)  For each changed field of a paper
its name is added to the paper's ``edited`` list; a paper moved to another
section gets ``topic`` marked; a paper deleted from the record is added to
``removed``.  Runs, ``render`` and ``enrich`` respect both lists.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path


from .config import Config
from .gitops import GitError, git, last_bot_commit, shallow_edge, toplevel, with_history, yaml_at
from .kinds import Kind
from .fileio import atomic_write
from .store import Store, dump_yaml, load_yaml, safe_load_record
from .kinds.registry import DAILY, KINDS


@dataclass
class EditReport:
    base: str | None
    marked: list[str] = field(default_factory=list)  # "file: paper id: field"

    def lines(self) -> list[str]:
        if self.base is None:
            return ["mark-edits: no base commit (no git history, or no bot commit yet); nothing to compare"]
        if not self.marked:
            return [f"mark-edits: no unmarked human edits since {self.base[:10]}"]
        return [f"mark-edits: {len(self.marked)} human edits since {self.base[:10]} are now protected:"] + [
            f"  {m}" for m in self.marked
        ]


def unmarked_edits(base: dict, now: dict, kind: Kind = DAILY) -> tuple[dict[str, list[str]], list[str]]:
    """({item id: [changed fields not yet in edited]}, [item ids deleted from the record])."""
    items, key = kind.items, kind.id
    editable = kind.item.editable()
    order = [f for f in kind.item.field_names() if f in editable]  # record order: stable `edited` lists
    before = {p[key]: (s.get("topic"), p) for s in base.get("sections") or [] for p in s.get(items) or [] if isinstance(p, dict)}
    changes: dict[str, list[str]] = {}
    present = set()
    for s in now.get("sections") or []:
        for p in s.get(items) or []:
            if not isinstance(p, dict) or p.get(key) not in before:
                continue
            present.add(p[key])
            old_topic, old = before[p[key]]
            fields = [f for f in order if p.get(f) != old.get(f)]
            if s.get("topic") != old_topic and "topic" not in fields:
                fields.append("topic")
            new = [f for f in fields if f not in (p.get("edited") or [])]
            if new:
                changes[p[key]] = new
    removed = sorted(set(before) - present - set(now.get("removed") or []))
    return changes, removed


RECONCILED = "reconciled"  # data/status.yaml: the commit whose edits the published records carry


def _reconciled_at(repo: Path, ref: str, status_rel: str) -> str | None:
    status = yaml_at(repo, ref, status_rel)
    value = status.get(RECONCILED) if isinstance(status, dict) else None
    return value if isinstance(value, str) else None


def _commit(repo: Path, ref: str) -> str | None:
    proc = git(repo, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}", check=False)
    return proc.stdout.strip() or None


def recorded_base(repo: Path, status_rel: str, ref: str = "HEAD", depth: int = 200) -> str | None:
    """The newest commit whose records are known to carry every human edit made before it (None: no record of one).

    That is the bot commit which wrote the current ``reconciled`` value, when it was made directly on the commit it
    names (the protocol of ``publish``).  A commit that names another parent (a rebased or copied bot commit) is not
    trusted: the recorded commit itself is the base then, and whatever the bot changed after it is marked as well -
    protecting a field too many is recoverable, losing an edit is not.  A shallow clone fetches the older commits
    this needs (the walk back to that bot commit, or the recorded commit) rather than answer from a partial history.
    """
    value = _reconciled_at(repo, ref, status_rel)
    if value is None:
        return None
    return with_history(repo, lambda: _recorded_base(repo, status_rel, ref, depth, value))


def _recorded_base(repo: Path, status_rel: str, ref: str, depth: int, value: str) -> tuple[str | None, bool]:
    """(the base, True) or, when this clone's history is too short to tell, (None, False): fetch more, ask again.

    A shallow clone's edge commit looks like a first commit (no parents): whether it wrote ``value`` is not known
    until its parent is fetched.
    """
    edge = shallow_edge(repo)
    log = git(repo, "log", "--first-parent", f"-n{depth}", "--format=%H %P", ref, "--", status_rel, check=False)
    for line in log.stdout.splitlines():
        sha, *parents = line.split()
        if sha in edge:
            return None, False
        if _reconciled_at(repo, sha, status_rel) == value and (
                not parents or _reconciled_at(repo, parents[0], status_rel) != value):
            if parents and _commit(repo, value) == parents[0]:
                return sha, True
            break
    commit = _commit(repo, value)
    return commit, commit is not None or not edge


def mark_edits(cfg: Config, store: Store, base: str | None = None) -> EditReport:
    """Mark every unmarked human edit since ``base`` (default: the recorded base) in the working tree's records.

    Without an explicit base the status records that the working tree now carries every edit up to HEAD.
    """
    repo = toplevel(cfg.root)
    if repo is None:
        return EditReport(None)
    status_rel = str(store.status_path.relative_to(repo))
    auto = base is None
    if not auto and _commit(repo, base) is None:  # nothing compared would look like nothing edited
        raise GitError(f"mark-edits: --base {base} is not a commit in this clone"
                       + (" (a shallow clone: fetch it first)" if shallow_edge(repo) else ""))
    base = base or recorded_base(repo, status_rel) or last_bot_commit(repo)
    report = EditReport(base)
    head = _commit(repo, "HEAD")
    if auto and head:
        status = store.load_status()
        if status.get(RECONCILED) != head:
            store.save_status(dict(status, **{RECONCILED: head}))
    if base is None:
        return report
    _mark_withdrawn(repo, base, store, report)
    for kind, path in [(kind, path) for kind in KINDS for path in store.series(kind).paths()]:
        rel = str(path.relative_to(repo))
        old = yaml_at(repo, base, rel)
        if not isinstance(old, dict):
            continue  # a new record: nothing to compare with
        now = load_yaml(path)
        changes, removed = unmarked_edits(old, now, kind)
        if not changes and not removed:
            continue
        items, key, label = kind.items, kind.id, kind.label
        for s in now.get("sections") or []:
            for p in s.get(items) or []:
                new = changes.get(p.get(key))
                if new:
                    if "topic" in new:
                        p["topic"] = s.get("topic")  # the section the editor put it in wins
                    p["edited"] = list(p.get("edited") or []) + new
                    report.marked += [f"{rel}: {label} {p[key]}: {f}" for f in new]
        if removed:
            now["removed"] = list(now.get("removed") or []) + removed
            report.marked += [f"{rel}: {label} {pid}: removed" for pid in removed]
        store.series(kind).save(kind.issue.from_dict(now))
    return report


def _mark_withdrawn(repo: Path, base: str, store: Store, report: EditReport) -> None:
    """A record file deleted since ``base`` withdraws that issue: its date is listed in the status, and no run,
    rerun, backfill or catch-up writes it again (an editor restores it by deleting the date from the list)."""
    status = store.load_status()
    changed = False
    for kind in KINDS:
        rel_folder = str(store.series(kind).folder.relative_to(repo))
        listed = git(repo, "ls-tree", "-r", "--name-only", base, "--", rel_folder, check=False).stdout.splitlines()
        gone = sorted(rel for rel in listed if rel.endswith(".yaml") and not (repo / rel).exists())
        dates = sorted(store.withdrawn(kind) | {Path(rel).stem for rel in gone}, reverse=True)
        new = [rel for rel in gone if Path(rel).stem not in store.withdrawn(kind)]
        if new:
            status[kind.withdrawn] = dates
            report.marked += [f"{rel}: withdrawn (the record was deleted; no run writes it again)" for rel in new]
            changed = True
    if changed:
        store.save_status(status)


def merge_status(old: dict, mine: dict, theirs: dict) -> dict:
    """Three-way merge of data/status.yaml: this run's changes (``mine``) put on the tip's status (``theirs``), both
    changed from ``old``.  A key only one side changed takes that side's value; lists both sides changed are united
    (the newest first when they hold dates), mappings merge key by key, and ``reconciled`` stays the tip's."""
    merged = dict(theirs)
    for key in sorted(set(mine) | set(old)):
        a, b, o = mine.get(key), theirs.get(key), old.get(key)
        if key == RECONCILED or (key in mine) == (key in old) and a == o:
            continue  # the run left it as it was: the tip's value stands
        if key not in mine:  # the run dropped the key: so does the merge, unless the tip changed it
            if b == o:
                merged.pop(key, None)
        elif b == o:
            merged[key] = a  # only the run changed it
        elif isinstance(a, list) and isinstance(b, list):
            united = b + [x for x in a if x not in b and x not in (o or [])]
            if all(isinstance(x, str) for x in united) and b == sorted(b, reverse=True):
                united = sorted(set(united), reverse=True)
            merged[key] = united
        elif isinstance(a, dict) and isinstance(b, dict):
            merged[key] = merge_status(o if isinstance(o, dict) else {}, a, b)
        else:
            merged[key] = a  # both changed a machine value (last_run, …): this run's is the newer
    return merged


def run_changes(repo: Path, start: str, folder: str) -> dict[str, bytes | None]:
    """The files under ``folder`` that differ from commit ``start`` in the working tree (None: deleted)."""
    names = set(git(repo, "diff", "--name-only", "--no-renames", start, "--", folder).stdout.splitlines())
    names |= set(git(repo, "ls-files", "--others", "--exclude-standard", "--", folder).stdout.splitlines())
    return {rel: ((repo / rel).read_bytes() if (repo / rel).is_file() else None) for rel in sorted(names)}


def _blob(repo: Path, ref: str, rel: str) -> bytes | None:
    proc = subprocess.run(["git", "show", f"{ref}:{rel}"], cwd=repo, capture_output=True)
    return proc.stdout if proc.returncode == 0 else None


def reapply(repo: Path, changes: dict[str, bytes | None], start: str, status_rel: str) -> list[str]:
    """Put a run's record changes (made on commit ``start``) on the working tree, which now holds a newer tip.

    A file the tip left as it was at ``start`` takes the run's version.  A record both sides changed keeps the tip's
    (an editor's change wins and is marked; the run's own change is made again by the next run, runs being
    idempotent).  The status file merges key by key: the run's changed keys over the tip's, ``reconciled`` staying
    the tip's.  Returns one line per run change that was set aside.
    """
    set_aside = []
    for rel, ours in changes.items():
        path = repo / rel
        before = _blob(repo, start, rel)
        now = path.read_bytes() if path.is_file() else None
        if now == ours:
            continue
        if rel == status_rel and ours is not None and now is not None:
            mine, theirs = safe_load_record(ours, rel) or {}, safe_load_record(now, rel) or {}
            old = (safe_load_record(before, rel) or {}) if before is not None else {}
            atomic_write(path, dump_yaml(merge_status(old, mine, theirs)))
        elif now == before:
            if ours is None:
                path.unlink()
            else:
                atomic_write(path, ours)
        else:
            set_aside.append(f"{rel}: changed here and on the remote; the remote's version is kept "
                             "(this run's change is made again by the next run)")
    return set_aside
