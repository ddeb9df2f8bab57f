"""Where things are, relative to this file (the repo can be cloned anywhere)."""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root: tests/k8s/k8scheck/paths.py -> three levels up.
REPO_ROOT = Path(__file__).resolve().parents[3]

K8S_DIR = REPO_ROOT / "k8s"

#: The SpinKube CRDs the manifests are validated against (copied, with LICENSE).
CRD_DIR = K8S_DIR / "crds" / "spin-operator-v0.6.1"

#: Cut-down CRDs of other projects' kinds an overlay uses (Traefik's
#: Middleware), each saying where its fields come from.
OTHER_CRD_DIRS = (REPO_ROOT / "tests" / "k8s" / "crds",)

RUNTIME_CLASS_FILE = REPO_ROOT / "runtime-class.yaml"

#: Kubernetes minor versions whose built-in schemas every object must pass
#: (schemas bundled by the pinned `kubernetes-validate`). 1.30 is the oldest
#: still common on EKS; the list runs to the newest the laptop clusters ship.
K8S_VERSIONS = ("1.30", "1.31", "1.32", "1.33", "1.34", "1.35")


def spin_toml_path() -> Path:
    """The app's Spin manifest: `spin.toml` at the repo root.

    `K8S_TEST_SPIN_TOML` may point elsewhere (only for developing these tests
    before the real manifest exists).
    """
    override = os.environ.get("K8S_TEST_SPIN_TOML")
    return Path(override) if override else REPO_ROOT / "spin.toml"


def app_overlays() -> list[Path]:
    """Every deployable environment: k8s/overlays/<env>/."""
    return sorted(p.parent for p in (K8S_DIR / "overlays").glob("*/kustomization.yaml"))


def loadtest_overlays() -> list[Path]:
    """Every load-test flavour: k8s/loadtest/overlays/<env>/."""
    return sorted(p.parent for p in (K8S_DIR / "loadtest" / "overlays").glob("*/kustomization.yaml"))
