"""Find human edits in the records and mark them, so no run ever overwrites them.

An edit is any difference between a record now and the same record at a base
commit: the pull request's base, or (``auto``) the last commit the bot made -
everything after it was written by people.  For each changed field of a paper
its name is added to the paper's ``edited`` list; a paper moved to another
section gets ``topic`` marked; a paper deleted from the record is added to
``removed``.  Runs, ``render`` and ``enrich`` respect both lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import Config
from .gitops import last_bot_commit, toplevel, yaml_at
from .model import Entry, Issue, JournalEntry, JournalIssue
from .store import Store, load_yaml
from .validate import EDITABLE, JOURNAL_EDITABLE


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


# (items key, id key, editable fields in record order) for each kind of record
DAILY = ("papers", "id", [f for f in Entry.__dataclass_fields__ if f in EDITABLE])
JOURNAL = ("articles", "pmid", [f for f in JournalEntry.__dataclass_fields__ if f in JOURNAL_EDITABLE])


def unmarked_edits(base: dict, now: dict, kind: tuple = DAILY) -> tuple[dict[str, list[str]], list[str]]:
    """({item id: [changed fields not yet in edited]}, [item ids deleted from the record])."""
    items, key, order = kind  # record order: stable `edited` lists
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


def mark_edits(cfg: Config, store: Store, base: str | None = None) -> EditReport:
    repo = toplevel(cfg.root)
    if repo is None:
        return EditReport(None)
    base = base or last_bot_commit(repo)
    report = EditReport(base)
    if base is None:
        return report
    records = [(p, DAILY, "paper", lambda d: store.save_issue(Issue.from_dict(d))) for p in store.issue_paths()]
    records += [(p, JOURNAL, "PMID", lambda d: store.save_journal(JournalIssue.from_dict(d))) for p in store.journal_paths()]
    for path, kind, label, save in records:
        rel = str(path.relative_to(repo))
        old = yaml_at(repo, base, rel)
        if not isinstance(old, dict):
            continue  # a new record: nothing to compare with
        now = load_yaml(path)
        changes, removed = unmarked_edits(old, now, kind)
        if not changes and not removed:
            continue
        items, key, _ = kind
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
        save(now)
    return report
