"""Every object passes strict schema validation and the cross-checks."""

import pytest

from conftest import APP_OVERLAYS, LOADTEST_OVERLAYS, rendered
from k8scheck import paths
from k8scheck.render import load_yaml_file


def _report(problems):
    return "\n".join(str(p) for p in problems)


@pytest.mark.parametrize("env", sorted(APP_OVERLAYS))
def test_app_overlay_is_valid(validator, env):
    problems = validator.validate(rendered(APP_OVERLAYS[env]))
    assert not problems, _report(problems)


@pytest.mark.parametrize("env", sorted(LOADTEST_OVERLAYS))
def test_loadtest_overlay_is_valid(validator, env):
    # Cross-checks against the app are in test_loadtest.py.
    problems = validator.validate(rendered(LOADTEST_OVERLAYS[env]), cross=False)
    assert not problems, _report(problems)


def test_runtime_class_is_valid(validator):
    problems = validator.validate(load_yaml_file(paths.RUNTIME_CLASS_FILE), cross=False)
    assert not problems, _report(problems)


@pytest.mark.parametrize("version", paths.K8S_VERSIONS)
def test_each_kubernetes_version_is_really_checked(validator, version):
    """Each version's schemas are loaded and applied to every built-in object."""
    from k8scheck import builtin

    docs = rendered(APP_OVERLAYS["eks"]) + rendered(LOADTEST_OVERLAYS["eks"]) + load_yaml_file(paths.RUNTIME_CLASS_FILE)
    builtin_docs = [d for d in docs if not validator.crds.handles(d)]
    assert {d["kind"] for d in builtin_docs} == {
        "Namespace", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress", "Job", "ConfigMap", "RuntimeClass",
        "Deployment", "Service"}
    for d in builtin_docs:
        assert builtin.has_schema(d, version), d["kind"]
        assert builtin.schema_problems(d, version) == []


def test_spinkube_objects_are_checked_against_the_crds(validator):
    docs = rendered(APP_OVERLAYS["eks"])
    custom = [d for d in docs if validator.crds.handles(d)]
    assert sorted(d["kind"] for d in custom) == ["SpinApp", "SpinApp", "SpinApp", "SpinAppExecutor"]
