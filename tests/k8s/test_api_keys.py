"""Both environments serve the API behind keys: every SpinApp that serves an
`/api` route (the gateway's and each model service's) takes the Spin
variable `api_keys` from the same Secret, never a literal in the manifests."""

import json
import os
import shutil
import subprocess
import tomllib

import pytest

from conftest import APP_OVERLAYS, HERE, LOADTEST_OVERLAYS, REPO, find, one, rendered

LOADTEST_BASE = REPO / "k8s/loadtest/base"

SECRET = {"name": "car-ml-api-keys", "key": "api_keys"}


@pytest.mark.parametrize("env", sorted(APP_OVERLAYS))
@pytest.mark.parametrize("spinapp", ["gateway", "car-value", "sentiment"])
def test_every_service_takes_api_keys_from_the_secret(env, spinapp):
    app = one(rendered(APP_OVERLAYS[env]), "SpinApp", spinapp)
    (binding,) = [v for v in app["spec"].get("variables", []) if v["name"] == "api_keys"]
    assert "value" not in binding, "a key must not be written into the manifests"
    assert binding["valueFrom"] == {"secretKeyRef": SECRET}


@pytest.mark.parametrize("env", sorted(APP_OVERLAYS))
def test_no_manifest_holds_a_secret(env):
    assert find(rendered(APP_OVERLAYS[env]), "Secret") == []


def test_the_variable_is_a_secret_read_by_every_component_with_an_api_route_and_no_model():
    manifest = tomllib.loads((REPO / "spin.toml").read_text())
    assert manifest["variables"]["api_keys"] == {"default": "", "secret": True}
    readers = sorted(c for c, spec in manifest["component"].items() if "api_keys" in spec.get("variables", {}))
    assert readers == ["car-value-api", "gateway", "sentiment-api"]
    # A model reading a variable would be wrapped in Spin's deny-all adapter
    # wherever it is composed.
    models = {dep["component"] for spec in manifest["component"].values()
              for dep in spec.get("dependencies", {}).values()}
    assert models == {"car-value", "sentiment"}
    assert all("variables" not in manifest["component"][model] for model in models)


@pytest.mark.parametrize("env", sorted(LOADTEST_OVERLAYS))
def test_the_load_test_takes_the_keys_from_the_same_secret(env):
    job = one(rendered(LOADTEST_OVERLAYS[env]), "Job", "car-ml-loadtest")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    (binding,) = [e for e in container["env"] if e["name"] == "API_KEYS"]
    assert binding["valueFrom"]["secretKeyRef"] == {**SECRET, "optional": True}


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_load_test_sends_the_first_key_as_a_bearer_token():
    script = LOADTEST_BASE / "loadtest.js"
    proc = subprocess.run(
        ["node", str(HERE / "k6_harness.mjs"), str(script), str(LOADTEST_BASE / "requests.json")],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "K6_EXTRA_ENV": json.dumps({"API_KEYS": " , first-key, second-key"})},
    )
    assert proc.returncode == 0, proc.stderr
    sent = json.loads(proc.stdout)["requests"]
    assert {s["params"]["headers"].get("Authorization") for s in sent} == {"Bearer first-key"}
