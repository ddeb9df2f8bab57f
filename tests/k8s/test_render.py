"""Every overlay renders offline into the objects the issue asks for."""

import pytest

from conftest import APP_OVERLAYS, LOADTEST_OVERLAYS, find, one, rendered

SERVICES = ("gateway", "car-value", "sentiment")


def test_the_expected_environments_exist():
    assert set(APP_OVERLAYS) == {"eks", "laptop"}
    assert set(LOADTEST_OVERLAYS) == {"eks", "laptop"}


@pytest.mark.parametrize("env", sorted(APP_OVERLAYS))
def test_app_overlay_renders_one_spinapp_hpa_pdb_per_service_and_the_telemetry(env):
    docs = rendered(APP_OVERLAYS[env])
    kinds = sorted((d["kind"], d["metadata"]["name"]) for d in docs)
    # The Collector's configuration, named with kustomize's content hash.
    (collector_config,) = [d["metadata"]["name"] for d in docs if d["kind"] == "ConfigMap"
                           and d["metadata"]["name"].startswith("otel-collector-config-")]
    expected = sorted(
        [("Namespace", "car-ml"), ("SpinAppExecutor", "containerd-shim-spin"), ("Ingress", "car-ml")]
        + [(k, s) for s in SERVICES for k in ("SpinApp", "HorizontalPodAutoscaler", "PodDisruptionBudget")]
        + [("Deployment", "otel-collector"), ("Service", "otel-collector"),
           ("ConfigMap", "car-ml-grafana-dashboard"), ("ConfigMap", collector_config)]
        # Traefik buffers request bodies (the ALB of eks is configured by
        # annotations); the laptop runs the history's Redis (eks: ElastiCache).
        + ([("Middleware", "buffer-request-bodies"), ("Deployment", "redis"), ("Service", "redis"),
            ("PersistentVolumeClaim", "redis-data")] if env == "laptop" else [])
    )
    assert kinds == expected
    assert all(d["metadata"].get("namespace") == "car-ml" for d in docs if d["kind"] != "Namespace")


@pytest.mark.parametrize("env", sorted(APP_OVERLAYS))
def test_apply_order_namespace_then_executor_then_apps(env):
    kinds = [d["kind"] for d in rendered(APP_OVERLAYS[env])]
    assert kinds[0] == "Namespace"
    assert kinds.index("SpinAppExecutor") < kinds.index("SpinApp")


@pytest.mark.parametrize("env", sorted(LOADTEST_OVERLAYS))
def test_loadtest_overlay_renders_a_job_and_its_configmaps(env):
    docs = rendered(LOADTEST_OVERLAYS[env])
    assert sorted(d["kind"] for d in docs) == ["ConfigMap", "ConfigMap", "Job"]
    job = one(docs, "Job", "car-ml-loadtest")
    cms = {d["metadata"]["name"] for d in find(docs, "ConfigMap")}
    pod = job["spec"]["template"]["spec"]
    refs = {e["configMapRef"]["name"] for e in pod["containers"][0]["envFrom"]} | {
        v["configMap"]["name"] for v in pod["volumes"]}
    assert refs == cms, "the Job must use the generated (hash-suffixed) ConfigMaps"


def test_runtime_class(runtime_class):
    assert runtime_class == {
        "apiVersion": "node.k8s.io/v1",
        "kind": "RuntimeClass",
        "metadata": {"name": "wasmtime-spin-v2"},
        "handler": "spin",
    }
