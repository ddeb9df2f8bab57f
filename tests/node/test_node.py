"""The pushed image on containerd-shim-spin, run as the spin-operator runs
each SpinApp of k8s/ (its components, its variables and the Secret's API
keys, the executor's settings): every route answers as `spin up` does, a
restarted task serves again, and a wrong setting stops or warns in words a
user can act on."""

import time

import pytest

from conftest import SECRETS, listening, request

KEY = SECRETS[("car-ml-api-keys", "api_keys")]
AUTH = {"authorization": f"Bearer {KEY}"}
CAR = {"year": 2018, "mileage": 45000}
REVIEW = {"review": "Great car! Smooth and quiet on the highway, though the brakes squeal."}

# Every route of spin.toml with good and bad input, with and without a key:
# (method, path, JSON body or None, headers).
REQUESTS = [
    ("GET", "/health", None, {}),
    ("GET", "/health/car-value", None, {}),
    ("GET", "/health/sentiment", None, {}),
    ("POST", "/api/car-analysis", {**CAR, **REVIEW}, AUTH),
    ("POST", "/api/car-value", CAR, AUTH),
    ("POST", "/api/car-value", CAR, {}),
    ("POST", "/api/car-value", {**CAR, "fuel": "steam"}, AUTH),
    ("POST", "/api/review-sentiment", REVIEW, AUTH),
    ("POST", "/api/review-sentiment", {"review": ""}, AUTH),
    ("POST", "/api/trade", CAR, AUTH),
    ("POST", "/api/trade", CAR, {}),
    ("POST", "/api/trade", {"year": 1900, "mileage": 1}, AUTH),
    ("POST", "/api/review", REVIEW, AUTH),
    ("POST", "/api/review", REVIEW, {}),
    ("GET", "/api/trade", None, AUTH),
    ("GET", "/api/models", None, AUTH),
    ("GET", "/openapi.json", None, {}),
    ("GET", "/v2", None, {}),
    ("GET", "/v2/models/sentiment", None, AUTH),
    ("POST", "/v2/models/car-value/infer", {"inputs": [
        {"name": "year", "shape": [1], "datatype": "INT32", "data": [2018]},
        {"name": "mileage", "shape": [1], "datatype": "FP64", "data": [45000.0]}]}, AUTH),
    ("GET", "/", None, {}),
    ("GET", "/ui/app.js", None, {}),
    ("GET", "/ui/app.css", None, {}),
    ("GET", "/no/such/route", None, {}),
]

DEPLOYMENTS = ["gateway", "car-value", "sentiment"]
# A prediction route of each deployment: (SpinApp, path, body).
PREDICTIONS = [
    ("gateway", "/api/car-value", CAR),
    ("car-value", "/api/trade", CAR),
    ("sentiment", "/api/review", REVIEW),
]


def in_log_soon(pod, text: str, seconds: float = 10) -> bool:
    """Whether `text` reaches the pod's log within `seconds`."""
    deadline = time.monotonic() + seconds
    while text not in pod.output():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.parametrize("name", DEPLOYMENTS)
def test_each_deployment_answers_every_route_as_spin_up_does(image, name, run_pod, spin_up,
                                                             spinapps):
    pod = run_pod(image, name)
    reference = spin_up(name)
    differences = []
    for method, path, body, headers in REQUESTS:
        on_node = request(pod.port, method, path, body, headers)
        expected = request(reference, method, path, body, headers)
        if on_node != expected:
            differences.append(f"{method} {path}: node {on_node}\n  spin up {expected}")
    assert not differences, "\n".join(differences)
    # The probes the operator sets pass.
    for probe in spinapps[name]["spec"]["checks"].values():
        assert request(pod.port, "GET", probe["httpGet"]["path"]).status == 200


@pytest.mark.parametrize("name, path, body", PREDICTIONS)
def test_every_service_needs_the_key_from_the_secret(image, run_pod, name, path, body):
    pod = run_pod(image, name)
    refused = request(pod.port, "POST", path, body)
    assert refused.status == 401, refused
    assert refused.json()["error"]["code"] == "unauthorized"
    assert request(pod.port, "POST", path, body, AUTH).status == 200


def test_a_stopped_and_restarted_task_serves_again(image, run_pod):
    pod = run_pod(image, "car-value")
    before = request(pod.port, "POST", "/api/trade", CAR, AUTH)
    assert before.status == 200
    pod.kill("SIGTERM")  # as the kubelet stops a container
    assert not listening(pod.port)
    pod.restart()
    assert request(pod.port, "POST", "/api/trade", CAR, AUTH) == before


def test_a_component_the_image_lacks_stops_the_pod_naming_it(image, run_pod, containerd):
    pod = run_pod(image, "car-value", {"SPIN_COMPONENTS_TO_RETAIN": "car-valeu"}, serving=False)
    output = pod.wait_until_stopped()
    said = output + containerd.tail(200)
    assert "car-valeu" in said, said


def test_a_payload_log_level_it_does_not_know_is_said_in_the_pods_log(image, run_pod):
    pod = run_pod(image, "gateway", {"SPIN_VARIABLE_PAYLOAD_LOG": "loud"})
    assert request(pod.port, "POST", "/api/car-value", CAR, AUTH).status == 200
    warning = 'payload_log = "loud" is not off, summary or full; using summary'
    assert in_log_soon(pod, warning), f"the pod's log:\n{pod.output()}"



@pytest.mark.parametrize("name, path, body", PREDICTIONS)
def test_each_prediction_is_a_payload_line_in_the_pods_log(image, run_pod, name, path, body):
    # What `kubectl logs` shows and the drift report reads (docs/OPERATING.md).
    pod = run_pod(image, name)
    assert request(pod.port, "POST", path, body, AUTH).status == 200
    line = f'{{"schema":"car-ml.prediction.v1","route":"{path}"'
    assert in_log_soon(pod, line), f"the pod's log:\n{pod.output()}"
