"""Broken manifests must fail validation, each for the right reason."""

import subprocess
import sys

import pytest

from conftest import HERE, find, one
from k8scheck.crd import UnsupportedSchema, to_json_schema


def _set(docs, kind, name, path, value):
    obj = one(docs, kind, name)
    *parents, last = path.split(".")
    for p in parents:
        obj = obj[int(p)] if isinstance(obj, list) else obj.setdefault(p, {})
    obj[last] = value


def _del(docs, kind, name, path):
    obj = one(docs, kind, name)
    *parents, last = path.split(".")
    for p in parents:
        obj = obj[int(p)] if isinstance(obj, list) else obj[p]
    del obj[last]


def _swap_executor_last(docs):
    executor = one(docs, "SpinAppExecutor", "containerd-shim-spin")
    docs.remove(executor)
    docs.append(executor)


def _old_hpa_api(docs):
    one(docs, "HorizontalPodAutoscaler", "gateway")["apiVersion"] = "autoscaling/v2beta2"


# (id, mutation, check that must fire, text the message must contain)
BROKEN = [
    # SpinApp / SpinAppExecutor against the CRD schema
    ("spinapp-unknown-field", lambda d: _set(d, "SpinApp", "gateway", "spec.replica", 3),
     "crd-schema", "'replica' was unexpected"),
    ("spinapp-unknown-nested-field", lambda d: _set(d, "SpinApp", "car-value", "spec.checks.readiness.httpGet.port", 8080),
     "crd-schema", "'port' was unexpected"),
    ("spinapp-unknown-metadata-field", lambda d: _set(d, "SpinApp", "sentiment", "metadata.label", {"a": "b"}),
     "crd-schema", "'label' was unexpected"),
    ("spinapp-wrong-type-bool", lambda d: _set(d, "SpinApp", "gateway", "spec.enableAutoscaling", "true"),
     "crd-schema", "is not of type 'boolean'"),
    ("spinapp-wrong-type-list", lambda d: _set(d, "SpinApp", "gateway", "spec.components", "gateway"),
     "crd-schema", "is not of type 'array'"),
    ("spinapp-wrong-type-int32", lambda d: _set(d, "SpinApp", "gateway", "spec.checks.liveness.periodSeconds", 2**40),
     "crd-schema", "is greater than the maximum"),
    ("spinapp-bad-quantity", lambda d: _set(d, "SpinApp", "gateway", "spec.resources.limits.cpu", "lots"),
     "crd-schema", "does not match"),
    ("spinapp-missing-image", lambda d: _del(d, "SpinApp", "gateway", "spec.image"),
     "crd-schema", "'image' is a required property"),
    ("executor-unknown-field", lambda d: _set(d, "SpinAppExecutor", "containerd-shim-spin", "spec.deploymentConfig.runtimeClass", "x"),
     "crd-schema", "'runtimeClass' was unexpected"),
    # built-in kinds against Kubernetes' schemas
    ("hpa-unknown-field", lambda d: _set(d, "HorizontalPodAutoscaler", "gateway", "spec.minReplica", 1),
     "schema", "'minReplica' was unexpected"),
    ("hpa-wrong-type", lambda d: _set(d, "HorizontalPodAutoscaler", "gateway", "spec.maxReplicas", "25"),
     "schema", "is not of type 'integer'"),
    ("hpa-removed-api-version", _old_hpa_api, "schema", "has no kind HorizontalPodAutoscaler in autoscaling/v2beta2"),
    ("ingress-wrong-type", lambda d: _set(d, "Ingress", "car-ml", "spec.rules.0.http.paths.0.backend.service.port.number", "80"),
     "schema", "is not of type 'integer'"),
    ("pdb-unknown-field", lambda d: _set(d, "PodDisruptionBudget", "gateway", "spec.maxUnavailble", 1),
     "schema", "'maxUnavailble' was unexpected"),
    # rules the API server or the operator's webhook enforce in code
    ("hpa-min-above-max", lambda d: _set(d, "HorizontalPodAutoscaler", "car-value", "spec.minReplicas", 30),
     "semantic", "below minReplicas"),
    ("pdb-both-bounds", lambda d: _set(d, "PodDisruptionBudget", "gateway", "spec.minAvailable", 1),
     "semantic", "exactly one of minAvailable and maxUnavailable"),
    ("spinapp-request-above-limit", lambda d: _set(d, "SpinApp", "gateway", "spec.resources.requests.memory", "4Gi"),
     "semantic", "exceeds limit"),
    ("bad-name", lambda d: _set(d, "PodDisruptionBudget", "gateway", "metadata.name", "Gateway_PDB"),
     "semantic", "not a DNS-1123 subdomain"),
    ("replicas-with-autoscaling", lambda d: _set(d, "SpinApp", "sentiment", "spec.replicas", 2),
     "crosscheck", "replicas cannot be set when enableAutoscaling is true"),
    ("missing-executor", lambda d: _set(d, "SpinApp", "gateway", "spec.executor", "wasmtime"),
     "crosscheck", "no SpinAppExecutor 'wasmtime'"),
    ("executor-after-spinapps", _swap_executor_last, "crosscheck", "SpinAppExecutor comes after a SpinApp"),
    ("executor-wrong-runtime-class", lambda d: _set(d, "SpinAppExecutor", "containerd-shim-spin",
                                                    "spec.deploymentConfig.runtimeClassName", "wasmtime-spin"),
     "crosscheck", "is not the RuntimeClass 'wasmtime-spin-v2'"),
    # cross-checks between objects and spin.toml
    ("hpa-targets-missing-deployment", lambda d: _set(d, "HorizontalPodAutoscaler", "sentiment", "spec.scaleTargetRef.name", "sentiments"),
     "crosscheck", "no Deployment 'sentiments'"),
    ("hpa-targets-wrong-kind", lambda d: _set(d, "HorizontalPodAutoscaler", "sentiment", "spec.scaleTargetRef.kind", "SpinApp"),
     "crosscheck", "must target apps/v1 Deployment"),
    ("probe-unserved-route", lambda d: _set(d, "SpinApp", "car-value", "spec.checks.readiness.httpGet.path", "/health"),
     "crosscheck", "'/health' is not served by components ['car-value-api']"),
    ("probe-not-a-health-route", lambda d: _set(d, "SpinApp", "gateway", "spec.checks.liveness.httpGet.path", "/api/car-value"),
     "crosscheck", "is not a health route"),
    ("component-not-in-spin-toml", lambda d: _set(d, "SpinApp", "sentiment", "spec.components", ["sentiment-v2"]),
     "crosscheck", "component 'sentiment-v2' is not in spin.toml"),
    ("component-deployed-twice", lambda d: _set(d, "SpinApp", "sentiment", "spec.components", ["sentiment-api", "car-value-api"]),
     "crosscheck", "runs in several SpinApps"),
    ("two-images", lambda d: _set(d, "SpinApp", "sentiment", "spec.image", "ghcr.io/acme/car-ml:0.2.0"),
     "crosscheck", "more than one image"),
    ("image-of-another-app", lambda d: [_set(d, "SpinApp", n, "spec.image", "ghcr.io/acme/bike-ml:1.0")
                                        for n in ("gateway", "car-value", "sentiment")],
     "crosscheck", "does not name the app 'car-ml'"),
    ("image-not-rewritten", lambda d: [_set(d, "SpinApp", n, "spec.image", "car-ml")
                                       for n in ("gateway", "car-value", "sentiment")],
     "crosscheck", "has no registry"),
    ("pdb-selects-nothing", lambda d: _set(d, "PodDisruptionBudget", "gateway", "spec.selector.matchLabels",
                                           {"app.kubernetes.io/component": "gateway-v2"}),
     "crosscheck", "selects the pods of 0 SpinApps"),
    ("ingress-route-to-wrong-app", lambda d: _set(d, "Ingress", "car-ml", "spec.rules.0.http.paths.0.backend.service.name", "sentiment"),
     "crosscheck", "'/api/trade' goes to SpinApp 'sentiment'"),
    ("ingress-missing-service", lambda d: _set(d, "Ingress", "car-ml", "spec.rules.0.http.paths.4.backend.service.name", "frontend"),
     "crosscheck", "no Service 'frontend'"),
    ("no-namespace", lambda d: one(d, "PodDisruptionBudget", "car-value")["metadata"].pop("namespace"),
     "crosscheck", "no namespace"),
]


def _assert_breaking_fails(validator, docs, case):
    _id, mutate, check, text = case
    assert validator.validate(docs) == [], "the unbroken overlay must pass first"
    mutate(docs)
    problems = validator.validate(docs)
    hits = [p for p in problems if p.check == check and text in str(p)]
    assert hits, f"expected a [{check}] problem containing {text!r}; got:\n" + "\n".join(map(str, problems))


@pytest.mark.parametrize("case", BROKEN, ids=[c[0] for c in BROKEN])
def test_broken_manifest_fails(validator, eks_docs, case):
    _assert_breaking_fails(validator, eks_docs, case)


BROKEN_LAPTOP = [
    ("middleware-not-found", lambda d: _set(d, "Ingress", "car-ml", "metadata.annotations",
                                            {"traefik.ingress.kubernetes.io/router.middlewares": "car-ml-buffer@kubernetescrd"}),
     "crosscheck", "no Traefik Middleware 'car-ml-buffer@kubernetescrd'"),
    ("middleware-wrong-type", lambda d: _set(d, "Middleware", "buffer-request-bodies",
                                             "spec.buffering.maxRequestBodyBytes", "64Ki"),
     "crd-schema", "is not of type 'integer'"),
    ("middleware-unchecked-kind", lambda d: _set(d, "Middleware", "buffer-request-bodies", "spec.rateLimit", {"average": 100}),
     "crd-schema", "'rateLimit' was unexpected"),
]


@pytest.mark.parametrize("case", BROKEN_LAPTOP, ids=[c[0] for c in BROKEN_LAPTOP])
def test_broken_laptop_manifest_fails(validator, laptop_docs, case):
    _assert_breaking_fails(validator, laptop_docs, case)


def test_broken_overlay_fails_end_to_end(validator):
    """A kustomization layered on the laptop overlay with typical mistakes:
    rendered by kubectl and validated like the real ones."""
    problems = validator.validate_kustomization(HERE / "fixtures" / "broken-overlay")
    text = "\n".join(map(str, problems))
    assert "'replica' was unexpected" in text
    assert "is not of type 'boolean'" in text
    assert "no Deployment 'gateway-deployment'" in text
    assert "'/healthz' is not served" in text


def test_cli_exits_non_zero_on_a_broken_overlay():
    proc = subprocess.run([sys.executable, "-m", "k8scheck", str(HERE / "fixtures" / "broken-overlay")],
                          cwd=HERE, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAIL" in proc.stdout


def test_cli_passes_on_the_real_overlays():
    proc = subprocess.run([sys.executable, "-m", "k8scheck"], cwd=HERE, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_crd_schema_conversion_refuses_what_it_cannot_check():
    with pytest.raises(UnsupportedSchema):
        to_json_schema({"type": "object", "x-kubernetes-validations": [{"rule": "self.a > 0"}]})


def test_crd_schema_conversion_semantics():
    s = to_json_schema({
        "type": "object",
        "properties": {
            "a": {"type": "integer", "format": "int32"},
            "b": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            "c": {"type": "object", "additionalProperties": {"type": "string"}},
            "d": {"type": "string", "nullable": True},
            "e": {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
        },
    })
    assert s["additionalProperties"] is False
    assert (s["properties"]["a"]["minimum"], s["properties"]["a"]["maximum"]) == (-(2**31), 2**31 - 1)
    assert "additionalProperties" not in s["properties"]["b"]
    assert s["properties"]["c"]["additionalProperties"] == {"type": "string"}
    assert s["properties"]["d"]["type"] == ["string", "null"]
    assert s["properties"]["e"] == {"type": "integer", "exclusiveMinimum": 0}


JOB_BROKEN = [
    ("job-unknown-nested-field", ["spec", "template", "spec", "containers", 0, "securityContext"], "runAsNonRot", True,
     "'runAsNonRot' was unexpected"),
    ("job-wrong-type", ["spec"], "backoffLimit", "0", "is not of type 'integer'"),
    ("job-unknown-volume-field", ["spec", "template", "spec", "volumes", 0, "configMap"], "nam", "x",
     "'nam' was unexpected"),
]


@pytest.mark.parametrize("case", JOB_BROKEN, ids=[c[0] for c in JOB_BROKEN])
def test_broken_loadtest_job_fails(validator, case):
    from conftest import LOADTEST_OVERLAYS, rendered

    _id, path, key, value, text = case
    docs = rendered(LOADTEST_OVERLAYS["laptop"])
    obj = one(docs, "Job", "car-ml-loadtest")
    for p in path:
        obj = obj[p]
    obj[key] = value
    problems = validator.validate(docs, cross=False)
    assert any(p.check == "schema" and text in str(p) for p in problems), "\n".join(map(str, problems))
