"""The gateway keeps its prediction history in Spin's key-value store
`default`, which every environment points at a Redis shared by all gateway
replicas (runtime config through the SpinApp), never a pod's own SQLite file;
the URL of the managed one comes from a Secret."""

import tomllib

import pytest

from conftest import APP_OVERLAYS, REPO, find, one, rendered


def store(env):
    app = one(rendered(APP_OVERLAYS[env]), "SpinApp", "gateway")
    (default,) = app["spec"]["runtimeConfig"]["keyValueStores"]
    return default


def test_the_gateway_is_the_one_component_with_a_store():
    manifest = tomllib.loads((REPO / "spin.toml").read_text())
    users = {c: spec["key_value_stores"] for c, spec in manifest["component"].items()
             if "key_value_stores" in spec}
    assert users == {"gateway": ["default"]}


@pytest.mark.parametrize("env", sorted(APP_OVERLAYS))
def test_every_environment_gives_the_gateway_a_redis(env):
    default = store(env)
    assert (default["name"], default["type"]) == ("default", "redis")
    assert [option["name"] for option in default["options"]] == ["url"]
    for model in ("car-value", "sentiment"):
        assert "runtimeConfig" not in one(rendered(APP_OVERLAYS[env]), "SpinApp", model)["spec"]


def test_the_laptop_runs_redis_on_a_persistent_volume():
    docs = rendered(APP_OVERLAYS["laptop"])
    (url,) = store("laptop")["options"]
    assert url["value"] == "redis://redis.car-ml.svc.cluster.local:6379"
    service = one(docs, "Service", "redis")
    assert service["spec"]["ports"][0]["port"] == 6379
    pod = one(docs, "Deployment", "redis")["spec"]["template"]["spec"]
    (volume,) = pod["volumes"]
    assert volume["persistentVolumeClaim"]["claimName"] == "redis-data"
    assert "--appendonly" in pod["containers"][0]["args"]
    assert one(docs, "PersistentVolumeClaim", "redis-data")["spec"]["resources"]["requests"]["storage"]


def test_the_managed_redis_url_comes_from_a_secret():
    (url,) = store("eks")["options"]
    assert "value" not in url
    assert url["valueFrom"] == {"secretKeyRef": {"name": "car-ml-key-value", "key": "url"}}
    assert find(rendered(APP_OVERLAYS["eks"]), "Deployment", "redis") == []
