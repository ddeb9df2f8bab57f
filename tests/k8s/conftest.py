"""Shared fixtures: the validator, and every overlay rendered once per session."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from k8scheck import Validator, paths
from k8scheck.render import load_yaml_file, render_kustomization
from k8scheck.spin import SpinManifest

HERE = Path(__file__).resolve().parent
REPO = paths.REPO_ROOT

APP_OVERLAYS = {p.name: p for p in paths.app_overlays()}
LOADTEST_OVERLAYS = {p.name: p for p in paths.loadtest_overlays()}


@pytest.fixture(scope="session")
def spin() -> SpinManifest:
    path = paths.spin_toml_path()
    if not path.is_file():
        pytest.fail(f"{path} is missing: the cross-checks read the app's real Spin manifest")
    return SpinManifest.load(path)


@pytest.fixture(scope="session")
def validator(spin) -> Validator:
    return Validator(spin=spin)


_rendered: dict[Path, list[dict]] = {}


def rendered(directory: Path) -> list[dict]:
    """`kubectl kustomize` output, cached; callers get their own deep copy."""
    if directory not in _rendered:
        _rendered[directory] = render_kustomization(directory)
    return copy.deepcopy(_rendered[directory])


@pytest.fixture
def eks_docs() -> list[dict]:
    return rendered(APP_OVERLAYS["eks"])


@pytest.fixture
def laptop_docs() -> list[dict]:
    return rendered(APP_OVERLAYS["laptop"])


@pytest.fixture(scope="session")
def runtime_class() -> dict:
    (doc,) = load_yaml_file(paths.RUNTIME_CLASS_FILE)
    return doc


def find(docs, kind, name=None):
    hits = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    return hits


def one(docs, kind, name):
    hits = find(docs, kind, name)
    assert len(hits) == 1, f"expected one {kind}/{name}, found {len(hits)}"
    return hits[0]
