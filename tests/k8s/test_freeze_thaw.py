"""scripts/freeze and scripts/thaw against a fake cluster (tests/k8s/fakes/kubectl)
that plays the SpinKube operator (and its webhook) and the HPA controller."""

import copy
import json
import os
import subprocess

import pytest

from conftest import APP_OVERLAYS, HERE, REPO, find, rendered

FAKE_KUBECTL = HERE / "fakes" / "kubectl"
SCRIPT = REPO / "scripts" / "k8s-freeze-thaw"


@pytest.fixture
def cluster(tmp_path):
    """The eks overlay as "applied", HPAs having scaled to various counts, plus
    one SpinApp with a fixed replica count (no HPA)."""
    docs = rendered(APP_OVERLAYS["eks"])
    state = {}
    for d in docs:
        if d["kind"] in ("SpinApp", "HorizontalPodAutoscaler"):
            d["metadata"]["uid"] = f"uid-{d['metadata']['name']}"  # server fields must not leak back
            d["metadata"]["resourceVersion"] = "1"
            d["status"] = {"observed": True}
            state.setdefault(d["kind"], {})[f"car-ml/{d['metadata']['name']}"] = d
    fixed = copy.deepcopy(state["SpinApp"]["car-ml/sentiment"])
    fixed["metadata"]["name"] = "batch"
    fixed["spec"].pop("enableAutoscaling")
    fixed["spec"]["replicas"] = 2
    state["SpinApp"]["car-ml/batch"] = fixed
    state["Deployment"] = {
        f"car-ml/{n}": {"apiVersion": "apps/v1", "kind": "Deployment",
                        "metadata": {"name": n, "namespace": "car-ml"}, "spec": {"replicas": r}}
        for n, r in {"gateway": 17, "car-value": 10, "sentiment": 25, "batch": 2}.items()
    }
    # An unrelated namespace must be left alone.
    other = copy.deepcopy(state["SpinApp"]["car-ml/gateway"])
    other["metadata"]["namespace"] = "other"
    state["SpinApp"]["other/gateway"] = other
    state["Deployment"]["other/gateway"] = {"apiVersion": "apps/v1", "kind": "Deployment",
                                            "metadata": {"name": "gateway", "namespace": "other"},
                                            "spec": {"replicas": 4}}
    path = tmp_path / "cluster.json"
    path.write_text(json.dumps(state))
    return path


def run(cluster, *args, script=SCRIPT):
    env = {**os.environ, "KUBECTL": str(FAKE_KUBECTL), "FAKE_KUBE_STATE": str(cluster)}
    cmd = [str(script), *args] if script != SCRIPT else ["python3", str(SCRIPT), *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)


def snapshot(cluster):
    return json.loads(cluster.read_text())


def replicas(state, ns="car-ml"):
    return {k.split("/")[1]: d["spec"]["replicas"] for k, d in state["Deployment"].items() if k.startswith(ns + "/")}


def test_freeze_then_thaw_restores_exactly(cluster):
    before = snapshot(cluster)

    proc = run(cluster, "freeze")
    assert proc.returncode == 0, proc.stderr
    frozen = snapshot(cluster)
    assert replicas(frozen) == {"gateway": 0, "car-value": 0, "sentiment": 0, "batch": 0}
    assert not [k for k in frozen.get("HorizontalPodAutoscaler", {}) if k.startswith("car-ml/")]
    assert "car-ml/car-ml-freeze-state" in frozen["ConfigMap"]
    assert frozen["SpinApp"]["car-ml/batch"]["spec"].get("enableAutoscaling") is True
    assert replicas(frozen, "other") == {"gateway": 4}

    # Freezing again must not overwrite the record of the real previous state.
    proc = run(cluster, "freeze")
    assert proc.returncode == 0 and "already frozen" in proc.stdout
    assert snapshot(cluster) == frozen

    proc = run(cluster, "status")
    assert proc.returncode == 0 and "frozen since" in proc.stdout

    proc = run(cluster, "thaw")
    assert proc.returncode == 0, proc.stderr
    after = snapshot(cluster)
    assert replicas(after) == {"gateway": 17, "car-value": 10, "sentiment": 25, "batch": 2}
    assert after["SpinApp"] == before["SpinApp"]
    assert "ConfigMap" not in after or "car-ml/car-ml-freeze-state" not in after["ConfigMap"]
    # HPAs are back as they were, minus what only the API server sets.
    for key, hpa in before["HorizontalPodAutoscaler"].items():
        restored = after["HorizontalPodAutoscaler"][key]
        assert restored["spec"] == hpa["spec"]
        assert restored["metadata"]["labels"] == hpa["metadata"]["labels"]
        assert "uid" not in restored["metadata"] and "status" not in restored

    # Thawing what is not frozen is an error.
    proc = run(cluster, "thaw")
    assert proc.returncode == 1 and "not frozen" in proc.stderr


def test_freeze_and_thaw_wrappers(cluster):
    assert run(cluster, script=REPO / "scripts" / "freeze").returncode == 0
    assert set(replicas(snapshot(cluster)).values()) == {0}
    assert run(cluster, "-n", "car-ml", script=REPO / "scripts" / "thaw").returncode == 0
    assert replicas(snapshot(cluster))["gateway"] == 17


def test_freeze_records_state_before_changing_anything(cluster):
    run(cluster, "freeze")
    calls = [json.loads(line) for line in (cluster.parent / "cluster.json.log").read_text().splitlines()]
    mutating = [c for c in calls if c[0] in ("create", "delete", "patch", "scale", "replace")]
    assert mutating[0][0] == "create", "the state ConfigMap must be written first"


def test_freeze_fails_cleanly_without_spinapps(cluster):
    proc = run(cluster, "freeze", "-n", "empty")
    assert proc.returncode == 1 and "no SpinApps" in proc.stderr
