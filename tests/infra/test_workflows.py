"""The GitHub Actions workflows: actionlint passes (with shellcheck on their
scripts), actions are pinned to releases, and each workflow does what
docs/DEPLOY.md says, with the AWS roles infra/eks/github.tf trusts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import yaml

from conftest import BIN, ROOT, WORKFLOWS, blocks, default

FILES = sorted(WORKFLOWS.glob("*.yml"))


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    workflow["on"] = workflow.pop(True)
    return workflow


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in steps(job))


def actionlint(*files) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([str(BIN / "actionlint"), "-no-color", *map(str, files)], cwd=ROOT, env=env,
                          capture_output=True, text=True)


def test_actionlint():
    result = actionlint(*FILES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_checks_scripts_too(tmp_path):
    """A control: with shellcheck on PATH, actionlint finds a script's mistake."""
    bad = tmp_path / "bad.yml"
    bad.write_text((WORKFLOWS / "cluster-schedule.yml").read_text().replace('"scripts/$ACTION"', "scripts/$ACTION"))
    result = actionlint(bad)
    assert result.returncode != 0 and "SC2086" in result.stdout, result.stdout


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_actions_are_pinned_to_releases(path):
    for uses in re.findall(r"^\s*(?:-\s+)?uses:\s*(\S+)", path.read_text(), re.M):
        if uses.startswith("./"):
            assert (ROOT / uses).is_file(), uses
        else:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+\.\d+\.\d+", uses), f"{path.name}: {uses}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_long_lived_keys(path):
    text = path.read_text()
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    workflow = load(path.name)
    assert workflow["permissions"] == {"contents": "read"}, "least privilege at the top"


def test_pull_requests_run_the_readme_test_command():
    workflow = load("test.yml")
    assert "pull_request" in workflow["on"] and "workflow_call" in workflow["on"]
    (job,) = workflow["jobs"].values()
    assert "make test" in (ROOT / "README.md").read_text()
    assert any(step.get("run") == "make test" for step in steps(job))
    cached = "\n".join(step["with"]["path"] for step in steps(job)
                       if step.get("uses", "").startswith("actions/cache@"))
    for path in ("cargo/registry", "target", ".venv"):
        assert path in cached


def test_release_deploys_through_oidc_to_a_protected_environment(terraform):
    workflow = load("release.yml")
    assert workflow["on"] == {"push": {"tags": ["v*.*.*"]}}
    assert workflow["jobs"]["test"]["uses"] == "./.github/workflows/test.yml"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "test"
    assert deploy["environment"] == default(terraform, "github_environment")
    assert deploy["permissions"]["id-token"] == "write"
    (login,) = [s for s in steps(deploy) if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
    assert login["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    assert deploy["env"]["SPIN_DEPLOY_PLUGIN"] == "kdeploy"
    # `spin deploy` hands over to SPIN_DEPLOY_PLUGIN from Spin 4 on.
    assert deploy["env"]["SPIN_VERSION"].startswith("v4.")
    script = runs(deploy)
    assert "make plugin" in script and "spin registry login" in script
    assert re.search(r"^spin deploy --registry \S+ --overlay eks --context \S+$", script, re.M)


@pytest.mark.parametrize("action, hour", [("freeze", 19), ("thaw", 7)])
def test_freeze_and_thaw_on_a_schedule(action, hour, terraform):
    workflow = load(f"{action}.yml")
    assert [s["cron"] for s in workflow["on"]["schedule"]] == [f"0 {hour} * * 1-5"]
    assert "workflow_dispatch" in workflow["on"]
    (job,) = workflow["jobs"].values()
    assert job["uses"] == "./.github/workflows/cluster-schedule.yml"
    assert job["with"] == {"action": action}
    assert job["permissions"]["id-token"] == "write"
    assert os.access(ROOT / "scripts" / action, os.X_OK)
    # No environment: the token's subject is the branch, which the schedule role trusts.
    (run,) = load("cluster-schedule.yml")["jobs"].values()
    assert "environment" not in run
    assert default(terraform, "github_schedule_ref") == "refs/heads/main"
    (login,) = [s for s in steps(run) if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
    assert login["with"]["role-to-assume"] == "${{ vars.AWS_SCHEDULE_ROLE_ARN }}"
    assert '"scripts/$ACTION"' in runs(run)


def test_workflow_variables_are_terraform_outputs(terraform):
    outputs = blocks(terraform, "output")["github_variables"]["value"]
    used = set()
    for path in FILES:
        used |= set(re.findall(r"vars\.(\w+)", path.read_text()))
    assert used == set(re.findall(r"(\w+)\s*=", outputs))


def test_shellcheck_is_there():
    assert shutil.which("shellcheck", path=str(BIN))
