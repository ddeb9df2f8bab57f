"""spin.toml parsing and Spin's route matching, as the cross-checks use them."""

import textwrap

import pytest

from k8scheck.spin import HttpRoute, SpinManifest


@pytest.mark.parametrize("route,path,ok", [
    ("/...", "/", True),
    ("/...", "/anything/at/all", True),
    ("/health/...", "/health", True),
    ("/health/...", "/health/x", True),
    ("/health/...", "/healthz", False),
    ("/api/trade", "/api/trade", True),
    ("/api/trade", "/api/trade/x", False),
    ("/api/trade", "/api", False),
    ("/users/:id", "/users/42", True),
    ("/users/:id", "/users/42/x", False),
])
def test_route_matching(route, path, ok):
    assert HttpRoute("c", route).matches(path) is ok


def test_most_specific_route_wins(tmp_path):
    f = tmp_path / "spin.toml"
    f.write_text(textwrap.dedent("""
        spin_manifest_version = 2
        [application]
        name = "x"
        [[trigger.http]]
        route = "/..."
        component = "a"
        [[trigger.http]]
        route = "/api/..."
        component = "b"
        [[trigger.http]]
        route = "/api/exact"
        component = "c"
        [[trigger.http]]
        route = { private = true }
        component = "d"
        [component.a]
        source = "a.wasm"
        [component.b]
        source = "b.wasm"
        [component.c]
        source = "c.wasm"
        [component.d]
        source = "d.wasm"
    """))
    m = SpinManifest.load(f)
    assert m.components == {"a", "b", "c", "d"}
    assert m.private == {"d"}
    assert m.http_components() == {"a", "b", "c"}
    assert m.route_for("/api/exact").component == "c"
    assert m.route_for("/api/other").component == "b"
    assert m.route_for("/else").component == "a"
    assert m.route_for("/api/other", ["a"]).component == "a"
    assert m.route_for("/api/other", ["c"]) is None


def test_the_real_manifest_matches_the_documented_app(spin):
    assert spin.app_name == "car-ml"
    assert {"gateway", "car-value-api", "sentiment-api", "car-value", "sentiment"} <= spin.components
    assert spin.route_for("/health").component == "gateway"
    assert spin.route_for("/health/car-value").component == "car-value-api"
    assert spin.route_for("/health/sentiment").component == "sentiment-api"
    assert spin.route_for("/api/trade").component == "car-value-api"
    assert spin.route_for("/api/review").component == "sentiment-api"
    assert spin.route_for("/").component == "ui"
    assert spin.route_for("/ui/app.css").component == "ui"
    assert spin.route_for("/api/car-value").component == "gateway"
