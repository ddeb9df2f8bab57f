"""checkov passes on the Terraform and the workflows: no failed check, and
every skipped one is skipped inline with its reason."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import CHECKOV, EKS, WORKFLOWS

# No calls to checkov's platform: nothing leaves the machine.
OFFLINE = ["--skip-download", "--compact", "-o", "json"]


@pytest.mark.parametrize("framework, directory", [("terraform", EKS), ("github_actions", WORKFLOWS)],
                         ids=["terraform", "github_actions"])
def test_checkov(framework, directory):
    result = subprocess.run([str(CHECKOV), "-d", str(directory), "--framework", framework, *OFFLINE],
                            capture_output=True, text=True, timeout=600)
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    results = report["results"]
    failed = [f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
              for c in results["failed_checks"]]
    assert not failed, "\n".join(failed)
    assert results["passed_checks"], "checkov checked nothing"
    for check in results["skipped_checks"]:
        reason = (check.get("check_result") or {}).get("suppress_comment", "")
        assert reason and reason != "No comment provided", f"{check['check_id']} skipped without a reason"
    assert result.returncode == 0, result.stderr[-2000:]
