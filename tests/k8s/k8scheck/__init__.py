"""Offline validation of this repo's Kubernetes manifests.

    validator = Validator()                 # loads CRDs, spin.toml, schemas
    problems = validator.validate(docs)     # [] when everything is fine

Each rendered object is checked against:
  * built-in kinds: Kubernetes' own JSON schemas for every version in
    paths.K8S_VERSIONS, strictly (unknown fields and wrong types fail), plus
    the API server's in-code rules for the fields used here (builtin.py);
  * SpinApp / SpinAppExecutor: the SpinKube CRDs' openAPIV3Schema with
    strict-field-validation semantics (crd.py);
  * each other and spin.toml (crosscheck.py);
  * the telemetry wiring: executor -> Collector Service -> its OTLP receiver,
    and the Collector's pipelines (telemetry.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from . import builtin, paths
from .crd import CRDSet
from .crosscheck import crosscheck
from .problem import Problem, obj_id
from .render import load_yaml_file, render_kustomization
from .spin import SpinManifest
from .telemetry import telemetry_problems

__all__ = ["Validator", "Problem", "SpinManifest", "render_kustomization", "load_yaml_file", "paths"]


class Validator:
    def __init__(
        self,
        spin: SpinManifest | None | str = "default",
        versions: Iterable[str] = paths.K8S_VERSIONS,
        crd_dir: Path = paths.CRD_DIR,
        runtime_class_file: Path | None = paths.RUNTIME_CLASS_FILE,
    ):
        self.versions = tuple(versions)
        self.crds = CRDSet(crd_dir, builtin.definitions(self.versions[-1]), paths.OTHER_CRD_DIRS)
        self.spin = SpinManifest.load(paths.spin_toml_path()) if spin == "default" else spin
        self.runtime_class_name = None
        if runtime_class_file is not None:
            rcs = [d for d in load_yaml_file(runtime_class_file) if d.get("kind") == "RuntimeClass"]
            if len(rcs) != 1:
                raise ValueError(f"{runtime_class_file}: expected exactly one RuntimeClass")
            self.runtime_class_name = rcs[0]["metadata"]["name"]

    def object_problems(self, obj: dict[str, Any]) -> list[Problem]:
        """Schema and per-object rules for one object."""
        for field in ("apiVersion", "kind"):
            if not isinstance(obj.get(field), str) or not obj.get(field):
                return [Problem("schema", obj_id(obj), field, f"{field} is required")]
        if self.crds.handles(obj):
            return self.crds.problems(obj) + builtin.metadata_problems(obj, namespaced=True)
        found: list[Problem] = []
        for version in self.versions:
            found += builtin.schema_problems(obj, version)
        return found + builtin.semantic_problems(obj)

    def validate(self, docs: list[dict[str, Any]], cross: bool = True) -> list[Problem]:
        found: list[Problem] = []
        for obj in docs:
            found += self.object_problems(obj)
        # Resource quantities of SpinApps (the CRD only checks their syntax).
        for obj in docs:
            if obj.get("kind") == "SpinApp":
                found += builtin.resources_problems(obj_id(obj), "spec.resources", (obj.get("spec") or {}).get("resources"))
        if cross:
            found += crosscheck(docs, self.spin, self.runtime_class_name)
            found += telemetry_problems(docs)
        return _dedupe(found)

    def validate_kustomization(self, directory: Path) -> list[Problem]:
        return self.validate(render_kustomization(directory))


def _dedupe(problems: list[Problem]) -> list[Problem]:
    """The same schema error in several Kubernetes versions is reported once
    (listing the versions)."""
    merged: dict[tuple, list[str]] = {}
    order: list[tuple] = []
    for p in problems:
        msg, version = p.message, None
        if msg.endswith(")") and "(Kubernetes " in msg:
            msg, _, version = msg.rpartition(" (Kubernetes ")
            version = version[:-1]
        key = (p.check, p.obj, p.path, msg)
        if key not in merged:
            merged[key] = []
            order.append(key)
        if version:
            merged[key].append(version)
    out = []
    for key in order:
        check, obj, path, msg = key
        versions = merged[key]
        out.append(Problem(check, obj, path, f"{msg} (Kubernetes {', '.join(versions)})" if versions else msg))
    return out
