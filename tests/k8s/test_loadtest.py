"""The load generator: a real load tool, in-cluster, aimed at the gateway."""

import json
import re
import shutil
import subprocess
from urllib.parse import urlparse

import pytest

from conftest import APP_OVERLAYS, HERE, LOADTEST_OVERLAYS, find, one, rendered
from k8scheck import paths

BASE = paths.K8S_DIR / "loadtest" / "base"


def _config(docs):
    (cm,) = [d for d in find(docs, "ConfigMap") if d["metadata"]["name"].startswith("car-ml-loadtest-config")]
    return cm["data"]


@pytest.mark.parametrize("env", sorted(LOADTEST_OVERLAYS))
def test_job_runs_pinned_k6_against_the_gateway_service(env):
    docs = rendered(LOADTEST_OVERLAYS[env])
    job = one(docs, "Job", "car-ml-loadtest")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert re.fullmatch(r"grafana/k6:\d+\.\d+\.\d+", container["image"]), "pin a k6 release"
    assert container["args"][0] == "run"
    cfg = _config(docs)
    url = urlparse(cfg["TARGET"])
    service, namespace = url.hostname.split(".")[:2]
    app_docs = rendered(APP_OVERLAYS[env])
    gateway = one(app_docs, "SpinApp", service)
    assert gateway["metadata"]["namespace"] == namespace == job["metadata"]["namespace"]
    assert "gateway" in gateway["spec"]["components"]
    assert url.port in (None, 80)
    assert int(cfg["VUS"]) > 0


def test_eks_load_is_heavier_than_laptop():
    eks = _config(rendered(LOADTEST_OVERLAYS["eks"]))
    laptop = _config(rendered(LOADTEST_OVERLAYS["laptop"]))
    assert int(eks["VUS"]) > int(laptop["VUS"])


def test_requests_hit_gateway_routes(spin):
    requests = json.loads((BASE / "requests.json").read_text())["requests"]
    assert {r["path"] for r in requests} >= {"/api/car-analysis", "/api/car-value", "/api/review-sentiment"}
    for r in requests:
        assert r["method"] in ("GET", "POST")
        assert ("body" in r) == (r["method"] == "POST")
        route = spin.route_for(r["path"])
        assert route is not None and route.component == "gateway", r["path"]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_k6_script_runs_and_prints_throughput_and_latency(tmp_path):
    """Run loadtest.js under node with k6's modules stubbed: it must pick the
    configured requests, send JSON, and print a per-endpoint summary."""
    proc = subprocess.run(
        ["node", str(HERE / "k6_harness.mjs"), str(BASE / "loadtest.js"), str(BASE / "requests.json")],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    sent = out["requests"]
    assert len(sent) == 400
    paths_sent = {s["url"] for s in sent}
    assert paths_sent == {
        "http://gateway.example/api/car-analysis", "http://gateway.example/api/car-value",
        "http://gateway.example/api/review-sentiment", "http://gateway.example/health"}
    for s in sent:
        if s["method"] == "POST":
            json.loads(s["body"])
            assert s["params"]["headers"]["Content-Type"] == "application/json"
        assert s["params"]["tags"]["endpoint"]
    assert out["options"]["scenarios"]["gateway"]["stages"][1]["target"] == 7
    summary = out["summary"]
    assert "req/s" in summary and "p95 ms" in summary and "p99 ms" in summary
    assert re.search(r"^ALL\s+1000\s+50\.0\s", summary, re.M), summary
    assert re.search(r"^car-value\s+300\s+", summary, re.M), summary
