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
    text = (WORKFLOWS / "pr.yml").read_text().replace("fetch-depth: 0", "fetch-dept: 0")
    (bad / "pr.yml").write_text(text)
    proc = subprocess.run([actionlint(), str(bad / "pr.yml")], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1 and "fetch-dept" in proc.stdout


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
    for command in ("mark-edits", "run --fail-if-empty", "journal --date", "build --incremental", "publish", "keepalive"):
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
