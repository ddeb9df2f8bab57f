"""Both environments serve the API behind keys: the gateway's SpinApp takes
the Spin variable `api_keys` from a Secret, never a literal in the manifests."""

import tomllib

import pytest

from conftest import APP_OVERLAYS, REPO, find, one, rendered

SECRET = {"name": "car-ml-api-keys", "key": "api_keys"}


@pytest.mark.parametrize("env", sorted(APP_OVERLAYS))
def test_the_gateway_takes_api_keys_from_a_secret(env):
    gateway = one(rendered(APP_OVERLAYS[env]), "SpinApp", "gateway")
    (binding,) = [v for v in gateway["spec"].get("variables", []) if v["name"] == "api_keys"]
    assert "value" not in binding, "a key must not be written into the manifests"
    assert binding["valueFrom"] == {"secretKeyRef": SECRET}


@pytest.mark.parametrize("env", sorted(APP_OVERLAYS))
def test_no_manifest_holds_a_secret_or_gives_the_models_the_keys(env):
    docs = rendered(APP_OVERLAYS[env])
    assert find(docs, "Secret") == []
    for name in ("car-value", "sentiment"):
        names = [v["name"] for v in one(docs, "SpinApp", name)["spec"].get("variables", [])]
        assert "api_keys" not in names, name


def test_the_variable_is_a_secret_of_the_app_read_only_by_the_gateway():
    manifest = tomllib.loads((REPO / "spin.toml").read_text())
    assert manifest["variables"]["api_keys"] == {"default": "", "secret": True}
    readers = [c for c, spec in manifest["component"].items() if "api_keys" in spec.get("variables", {})]
    assert readers == ["gateway"]
