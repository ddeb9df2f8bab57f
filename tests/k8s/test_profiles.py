"""What each environment promises: replica bounds, CPU targets, the image, probes."""

import pytest
import yaml

from conftest import APP_OVERLAYS, find, one, rendered
from k8scheck import paths
from k8scheck.crosscheck import ingress_route, parse_image

PROFILES = {
    # the classic design's settings
    "eks": {"min": 10, "max": 25, "cpu": (50, 60)},
    # small profile for a laptop cluster
    "laptop": {"min": 1, "max": 3, "cpu": (50, 60)},
}

SERVICES = {  # SpinApp -> (its components, the health route it probes)
    "gateway": (["gateway", "ui"], "/health"),
    "car-value": (["car-value-api"], "/health/car-value"),
    "sentiment": (["sentiment-api"], "/health/sentiment"),
}


@pytest.mark.parametrize("env", sorted(PROFILES))
def test_hpa_profile(env):
    docs = rendered(APP_OVERLAYS[env])
    want = PROFILES[env]
    for name in SERVICES:
        hpa = one(docs, "HorizontalPodAutoscaler", name)
        spec = hpa["spec"]
        assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert (spec["minReplicas"], spec["maxReplicas"]) == (want["min"], want["max"])
        (metric,) = spec["metrics"]
        assert metric["resource"]["name"] == "cpu"
        assert want["cpu"][0] <= metric["resource"]["target"]["averageUtilization"] <= want["cpu"][1]


@pytest.mark.parametrize("env", sorted(APP_OVERLAYS))
def test_spinapps_selective_deployment_and_probes(env):
    docs = rendered(APP_OVERLAYS[env])
    for name, (components, health) in SERVICES.items():
        spec = one(docs, "SpinApp", name)["spec"]
        assert spec["components"] == components
        assert spec["enableAutoscaling"] is True and "replicas" not in spec
        assert spec["executor"] == "containerd-shim-spin"
        for probe in ("readiness", "liveness"):
            assert spec["checks"][probe]["httpGet"]["path"] == health
        for part in ("requests", "limits"):
            assert set(spec["resources"][part]) == {"cpu", "memory"}


@pytest.mark.parametrize("env", sorted(APP_OVERLAYS))
def test_one_image_set_in_one_place_per_overlay(env):
    docs = rendered(APP_OVERLAYS[env])
    images = {a["spec"]["image"] for a in find(docs, "SpinApp")}
    assert len(images) == 1
    (image,) = images
    kustomization = yaml.safe_load((APP_OVERLAYS[env] / "kustomization.yaml").read_text())
    (entry,) = kustomization["images"]
    assert entry["name"] == "car-ml"
    assert image == f"{entry['newName']}:{entry['newTag']}"
    parsed = parse_image(image)
    assert parsed["path"].split("/")[-1] == "car-ml"


def test_base_uses_the_placeholder_image_name():
    for name in SERVICES:
        (app, *_rest) = yaml.safe_load_all((paths.K8S_DIR / "base" / f"{name}.yaml").read_text())
        assert app["kind"] == "SpinApp" and app["spec"]["image"] == "car-ml"


@pytest.mark.parametrize("env", sorted(APP_OVERLAYS))
def test_ingress_routes_every_public_path(env, spin):
    docs = rendered(APP_OVERLAYS[env])
    ingresses = find(docs, "Ingress")
    expect = {
        "/health": "gateway",
        "/api/car-analysis": "gateway",
        "/api/car-value": "gateway",
        "/api/review-sentiment": "gateway",
        "/no/such/path": "gateway",  # the gateway answers the JSON 404
        "/api/trade": "car-value",
        "/health/car-value": "car-value",
        "/api/review": "sentiment",
        "/health/sentiment": "sentiment",
    }
    for path, service in expect.items():
        assert ingress_route(ingresses, path) == ("car-ml", service), path
        # ...and Spin itself would give that path to the component that runs there.
        assert spin.route_for(path).component == SERVICES[service][0][0], path
    assert one(docs, "Ingress", "car-ml")["spec"]["ingressClassName"] == {"eks": "alb", "laptop": "traefik"}[env]


def test_eks_alb_health_checks_use_each_services_health_route():
    docs = rendered(APP_OVERLAYS["eks"])
    ing = one(docs, "Ingress", "car-ml")
    assert ing["metadata"]["annotations"]["alb.ingress.kubernetes.io/healthcheck-path"] == "/health"
    for name in ("car-value", "sentiment"):
        ann = one(docs, "SpinApp", name)["spec"]["serviceAnnotations"]
        assert ann["alb.ingress.kubernetes.io/healthcheck-path"] == SERVICES[name][1]


def _max_body_bytes() -> int:
    """The app's body limit, as its OpenAPI document states it (a Rust test
    keeps that equal to the gateway's constant)."""
    import json
    return json.loads((paths.REPO_ROOT / "docs" / "openapi.json").read_text())["info"]["x-max-body-bytes"]


def test_laptop_traefik_buffers_whole_bodies_up_to_the_apps_limit():
    docs = rendered(APP_OVERLAYS["laptop"])
    annotations = one(docs, "Ingress", "car-ml")["metadata"]["annotations"]
    assert annotations["traefik.ingress.kubernetes.io/router.middlewares"] == "car-ml-buffer-request-bodies@kubernetescrd"
    buffering = one(docs, "Middleware", "buffer-request-bodies")["spec"]["buffering"]
    # Larger bodies are refused by Traefik (413), smaller ones held in memory.
    assert buffering["maxRequestBodyBytes"] == _max_body_bytes()
    assert buffering["memRequestBodyBytes"] == _max_body_bytes()


def test_eks_alb_closes_connections_idle_for_ten_seconds():
    docs = rendered(APP_OVERLAYS["eks"])
    annotations = one(docs, "Ingress", "car-ml")["metadata"]["annotations"]
    attributes = dict(
        pair.split("=", 1) for pair in annotations["alb.ingress.kubernetes.io/load-balancer-attributes"].split(",")
    )
    assert attributes == {"idle_timeout.timeout_seconds": "10"}
