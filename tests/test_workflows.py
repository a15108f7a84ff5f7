"""The GitHub workflows: actionlint-clean, least privilege, and every step a project command."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def actionlint() -> str:
    exe = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
    if not Path(exe).exists():
        if os.environ.get("CI"):
            pytest.fail("actionlint is not installed; `pip install -e '.[test]'` provides it")
        pytest.skip("actionlint is not installed (pip install -e '.[test]')")
    return exe


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def test_actionlint_reports_nothing():
    proc = subprocess.run([actionlint(), *sorted(map(str, WORKFLOWS.glob("*.yml")))], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path):
    bad = tmp_path / ".github" / "workflows"
    bad.mkdir(parents=True)
    # (inputs of SHA-pinned actions are not known to actionlint; permissions and expressions are)
    text = (WORKFLOWS / "pr.yml").read_text().replace("contents: read", "contents: raed")
    (bad / "pr.yml").write_text(text)
    proc = subprocess.run([actionlint(), str(bad / "pr.yml")], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1 and "raed" in proc.stdout


def _run_steps(wf: dict) -> list[str]:
    return [s["run"] for job in wf["jobs"].values() for s in job.get("steps", []) if "run" in s]


@pytest.mark.parametrize("name", ["daily.yml", "pr.yml"])
def test_every_run_step_is_a_project_command(name):
    for cmd in _run_steps(load(name)):
        assert "\n" not in cmd.strip(), f"multi-line shell in {name}: {cmd!r}"
        assert re.match(r"^python -m (generator|pip install|pytest)\b", cmd), f"{name}: {cmd!r} is not a project command"


def test_daily_schedule_permissions_and_concurrency():
    wf = load("daily.yml")
    on = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads the key `on` as true
    crons = [c["cron"] for c in on["schedule"]]
    weekly = [c for c in crons if c.split()[4] != "1-5"]
    for cron in crons:
        minute, hour, _, _, weekdays = cron.split()
        assert minute != "0" and weekdays in ("1-5", "1")
        assert int(hour) >= 5  # after midnight US Eastern in winter (05:00 UTC) as well as summer
    assert "date" in on["workflow_dispatch"]["inputs"] and on["workflow_dispatch"]["inputs"]["journal"]["type"] == "boolean"
    # the weekly cron runs the journal digest and not the arXiv day; every other trigger the other way round
    steps = {s.get("run", "").split(" --")[0]: s for s in wf["jobs"]["publish"]["steps"]}
    [journal_cron] = weekly
    assert f"github.event.schedule == '{journal_cron}'" in steps["python -m generator journal"]["if"]
    assert f"github.event.schedule != '{journal_cron}'" in steps["python -m generator run"]["if"]
    assert "NCBI_API_KEY" in steps["python -m generator journal"]["env"]
    assert wf["concurrency"]["cancel-in-progress"] is False
    assert wf["permissions"] == {"contents": "read"}
    assert wf["jobs"]["publish"]["permissions"] == {"contents": "write", "actions": "write"}
    assert wf["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    uses = [s.get("uses", "") for job in wf["jobs"].values() for s in job["steps"]]
    for action in ("actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages", "actions/cache"):
        assert any(u.startswith(action + "@") for u in uses), action
    runs = " ".join(_run_steps(wf))
    for command in ("mark-edits", "catch-up", "run --fail-if-empty", "journal --date", "build --incremental",
                    "publish --build", "keepalive"):
        assert f"python -m generator {command}" in runs


def test_pull_request_workflow_exposes_no_secrets_to_forks():
    text = "\n".join(ln for ln in (WORKFLOWS / "pr.yml").read_text().splitlines() if not ln.lstrip().startswith("#"))
    wf = load("pr.yml")
    on = wf[True] if True in wf else wf["on"]
    assert list(on) == ["pull_request"]
    assert "pull_request_target" not in text and "secrets." not in text
    assert wf["permissions"] == {"contents": "read"}
    runs = " ".join(_run_steps(wf))
    assert "python -m generator validate --base" in runs and "python -m generator build" in runs and "pytest" in runs


# ------------------------------------------------------------------ the publish protocol and the supply chain

ACTION = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+?)@(\S+)(.*)$")


@pytest.mark.parametrize("name", ["daily.yml", "pr.yml"])
def test_every_action_is_pinned_by_a_commit_sha_with_its_tag(name):
    lines = [m for ln in (WORKFLOWS / name).read_text().splitlines() if (m := ACTION.match(ln))]
    assert lines, name
    for m in lines:
        action, ref, comment = m.groups()
        assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{name}: {action}@{ref} is not pinned by a full commit SHA"
        assert re.fullmatch(r"\s+# v\d+(\.\d+)*", comment), f"{name}: {action}@{ref} needs its tag in a comment"


def _steps(wf: dict, job: str) -> list[dict]:
    return wf["jobs"][job].get("steps", [])


@pytest.mark.parametrize("name", ["daily.yml", "pr.yml"])
def test_checkouts_keep_no_credentials(name):
    wf = load(name)
    checkouts = [s for job in wf["jobs"] for s in _steps(wf, job) if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    for step in checkouts:
        assert step["with"]["persist-credentials"] is False, name
        assert "token" not in step["with"]


def test_every_daily_job_checks_out_the_tip_of_main_not_the_triggering_commit():
    wf = load("daily.yml")
    checkouts = [s for job in wf["jobs"] for s in _steps(wf, job) if s.get("uses", "").startswith("actions/checkout@")]
    assert len(checkouts) == 2 and all(s["with"]["ref"] == "main" for s in checkouts)


@pytest.mark.parametrize("name", ["daily.yml", "pr.yml"])
def test_checkouts_fetch_only_the_newest_commits_not_the_whole_history(name):
    """The history grows every weekday: a job fetches a few commits; what needs older ones fetches them itself
    (gitops.with_history; tests/test_shallow.py runs the commands in shallow clones)."""
    wf = load(name)
    checkouts = [s for job in wf["jobs"] for s in _steps(wf, job) if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    for step in checkouts:
        depth = step["with"].get("fetch-depth", 1)  # the action's default is 1; 0 means the whole history
        assert isinstance(depth, int) and 1 <= depth <= 50, f"{name}: fetch-depth {depth!r}"


def test_pull_request_validate_compares_with_the_base_tip_the_shallow_checkout_holds():
    """A pull request's checkout is GitHub's merge commit; its first parent is the base branch's tip.  Depth 2 holds
    it, and nothing else is fetched (origin/<base> is not: a depth-limited checkout fetches only the merge ref)."""
    wf = load("pr.yml")
    [checkout] = [s for s in _steps(wf, "check") if s.get("uses", "").startswith("actions/checkout@")]
    assert checkout["with"]["fetch-depth"] == 2
    [validate] = [s["run"] for s in _steps(wf, "check") if s.get("run", "").startswith("python -m generator validate")]
    assert validate == "python -m generator validate --base HEAD^1"


def test_only_publish_and_keepalive_are_given_the_token():
    wf = load("daily.yml")
    for job in wf["jobs"]:
        for step in _steps(wf, job):
            env = " ".join(str(v) for v in (step.get("env") or {}).values())
            if "github.token" in env or "GITHUB_TOKEN" in env or "secrets.GITHUB_TOKEN" in env:
                assert re.match(r"python -m generator (publish|keepalive)\b", step.get("run", "")), step
            assert "token" not in (step.get("with") or {}), step
    assert "github.token" not in str(wf["jobs"]["publish"].get("env", "")) and "env" not in wf


def test_the_jobs_that_hold_a_write_token_install_only_hashed_locked_packages():
    wf = load("daily.yml")
    for job in ("publish", "email"):
        installs = [s["run"] for s in _steps(wf, job) if s.get("run", "").startswith("python -m pip")]
        assert installs == ["python -m pip install --require-hashes -r requirements.lock",
                            "python -m pip install --no-deps -e ."], job
    lock = (ROOT / "requirements.lock").read_text()
    blocks = re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})+)", lock, re.M)
    pinned = {name.lower().replace("_", "-") for name, _, _ in blocks}
    requirements = [ln for ln in lock.splitlines() if ln and not ln[0].isspace() and not ln.startswith("#")]
    assert len(blocks) == len(requirements) > 10  # every requirement exact, every one with its hashes
    for dep in load_pyproject_dependencies():
        assert dep in pinned, f"requirements.lock lacks {dep}: run `make lock`"
    make = (ROOT / "Makefile").read_text()
    assert re.search(r"^lock:", make, re.M) and "--generate-hashes" in make


def load_pyproject_dependencies() -> list[str]:
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return [re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0].lower().replace("_", "-") for d in deps]


def test_daily_steps_run_in_the_order_of_the_protocol():
    wf = load("daily.yml")
    order = [s.get("run") or s.get("uses", "").split("@")[0] for s in _steps(wf, "publish")]
    names = [o.split(" --")[0] for o in order]
    sequence = ["python -m generator mark-edits", "python -m generator catch-up", "python -m generator run",
                "python -m generator journal", "python -m generator build", "python -m generator publish",
                "actions/upload-pages-artifact"]
    assert [names.index(n) for n in sequence] == sorted(names.index(n) for n in sequence), names
    assert "python -m generator email" not in names  # a mail failure cannot stop the publish job


def test_email_comes_after_the_deploy_and_records_what_it_sent_through_publish():
    wf = load("daily.yml")
    assert wf["jobs"]["deploy"]["needs"] == "publish"
    assert wf["jobs"]["email"]["needs"] == "deploy"
    assert wf["jobs"]["email"]["permissions"] == {"contents": "write"}
    runs = [s["run"] for s in _steps(wf, "email") if "run" in s]
    first = next(i for i, r in enumerate(runs) if r.startswith("python -m generator email"))
    assert runs[0].startswith("python -m pip") and any(r == "python -m generator mark-edits" for r in runs[:first])
    assert any(r.startswith("python -m generator publish") for r in runs[first + 1:])


def _ignored(path: str, patterns: list[str]) -> bool:
    """GitHub's path filter globs: `*` stays within a folder, `**` crosses folders."""
    def rx(glob: str) -> str:
        out, i = "", 0
        while i < len(glob):
            if glob.startswith("**", i):
                out, i = out + ".*", i + 2
            elif glob[i] == "*":
                out, i = out + "[^/]*", i + 1
            else:
                out, i = out + re.escape(glob[i]), i + 1
        return out
    return any(re.fullmatch(rx(p), path) for p in patterns)


def test_every_path_the_site_build_reads_triggers_a_deploy():
    wf = load("daily.yml")
    on = wf[True] if True in wf else wf["on"]
    push = on["push"]
    assert push["branches"] == ["main"] and "paths" not in push  # an ignore list, not an allowlist
    ignored = push["paths-ignore"]
    assert re.search(r"^docs_dir:\s*docs\s*$", (ROOT / "mkdocs.yml").read_text(), re.M)  # README.md is not in it
    site_inputs = ["mkdocs.yml", "overrides/main.html", "overrides/hooks/site_hooks.py", "docs/about.md",
                   "docs/guarantees.en.md", "docs/assets/stylesheets/digest.css", "generator/render/pages.py",
                   "generator/prompts/enrich-v1.user.txt", "data/issues/2025/2025-03-03.yaml", "data/status.yaml",
                   "data/highlights/2025-W10.yaml", "data/journal/2025/2025-03-10.yaml", "config.yml",
                   "glossary.yml", "institutions.yml", "pyproject.toml", "requirements.lock"]
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    site_inputs += [t for t in tracked if t.split("/")[0] in ("docs", "overrides", "generator", "data")]
    for path in site_inputs:
        assert not _ignored(path, ignored), f"a push changing {path} would not redeploy the site"
    for path in ("tests/test_race.py", "bench/exports.py", "README.md", ".github/workflows/pr.yml"):
        assert _ignored(path, ignored), path
