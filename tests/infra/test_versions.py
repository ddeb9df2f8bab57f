"""The cluster infra/eks makes runs what k8s/ and docs/DEPLOY.md expect: the
same shim, operator, cert-manager and Kubernetes versions, the RuntimeClass's
handler, and the Collector's back-ends where its manifests send to."""

from __future__ import annotations

import importlib.util
import re

import yaml

from conftest import DEPLOY_MD, ROOT, SHIM_SCRIPT, blocks, default, local, resolve

VERSION = r"v?\d+\.\d+\.\d+"


def deploy_md() -> str:
    return DEPLOY_MD.read_text()


def found(pattern: str, text: str) -> set[str]:
    versions = set(re.findall(pattern, text))
    assert versions, f"no match for {pattern!r}"
    return versions


def k8s_paths():
    """tests/k8s/k8scheck/paths.py, loaded alone (its package needs the k8s tools)."""
    spec = importlib.util.spec_from_file_location("k8s_paths", ROOT / "tests/k8s/k8scheck/paths.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shim(terraform):
    shim = default(terraform, "spin_shim_version")
    script = re.search(r"^shim=(\S+)$", SHIM_SCRIPT.read_text(), re.M).group(1)
    docs = (found(rf"containerd-shim-spin`? ({VERSION})", deploy_md())
            | found(rf"containerd-shim-spin/k3d:({VERSION})", deploy_md()))
    assert {script} | docs == {shim}


def test_spin_operator(terraform):
    operator = local(terraform, "spin_operator_version")
    docs = (found(rf"spin-operator/releases/download/v({VERSION})", deploy_md())
            | found(rf"--version ({VERSION}) --wait", deploy_md()))
    crds = {p.name.removeprefix("spin-operator-v") for p in (ROOT / "k8s/crds").glob("spin-operator-v*")}
    crds |= found(rf"release \*\*v({VERSION})\*\*", (k8s_paths().CRD_DIR / "README.md").read_text())
    assert docs | crds | {k8s_paths().CRD_DIR.name.removeprefix("spin-operator-v")} == {operator}
    assert local(terraform, "spin_operator_crds").endswith("/k8s/crds/spin-operator-v${local.spin_operator_version}")
    release = blocks(terraform, "resource")["helm_release.spin_operator"]
    assert resolve(terraform, release["version"]) == operator


def test_cert_manager(terraform):
    cert_manager = local(terraform, "cert_manager_version")
    assert found(rf"cert-manager/releases/download/({VERSION})", deploy_md()) == {cert_manager}
    release = blocks(terraform, "resource")["helm_release.cert_manager"]
    assert resolve(terraform, release["version"]) == cert_manager


def test_kubernetes(terraform):
    version = default(terraform, "kubernetes_version")
    # The manifests are validated against this version's schemas.
    assert version in k8s_paths().K8S_VERSIONS
    # The cluster autoscaler's minor version must be the cluster's.
    tag = local(terraform, "cluster_autoscaler_tags")[version]
    assert tag.startswith(f"v{version}.")
    section = deploy_md().split("## From nothing to a serving cluster", 1)[1].split("\n## ", 1)[0]
    assert found(r"Kubernetes (\d+\.\d+)", section) == {version}


def test_runtime_handler_is_the_scripts_runtime():
    handler = yaml.safe_load((ROOT / "runtime-class.yaml").read_text())["handler"]
    assert re.search(r"^runtime=(\S+)$", SHIM_SCRIPT.read_text(), re.M).group(1) == handler


def collector_manifests() -> list[dict]:
    return list(yaml.safe_load_all((ROOT / "k8s/components/telemetry/collector.yaml").read_text()))


def test_jaeger_is_where_the_collector_sends_traces(terraform):
    (deployment,) = [d for d in collector_manifests() if d["kind"] == "Deployment"]
    env = {e["name"]: e.get("value") for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    jaeger = blocks(terraform, "resource")["helm_release.jaeger"]
    service = re.search(r'fullnameOverride = "([^"]+)"', jaeger["values"][0]).group(1)
    assert env["JAEGER_OTLP_ENDPOINT"] == f"{service}.{jaeger['namespace']}.svc.cluster.local:4317"


def test_prometheus_scrapes_the_collector(terraform):
    (deployment,) = [d for d in collector_manifests() if d["kind"] == "Deployment"]
    pod = deployment["spec"]["template"]
    ports = {p["name"]: p["containerPort"] for p in pod["spec"]["containers"][0]["ports"]}
    values = blocks(terraform, "resource")["helm_release.kube_prometheus_stack"]["values"][0]
    port = re.search(r'podMetricsEndpoints = \[\{\s*port = "([^"]+)"\s*\}\]', values).group(1)
    assert ports[port] == 8889
    label = re.search(r'"app.kubernetes.io/name" = "([^"]+)"', values).group(1)
    assert pod["metadata"]["labels"]["app.kubernetes.io/name"] == label
    assert re.search(rf'matchNames = \[\s*"{deployment["metadata"]["namespace"]}"\s*\]', values)
