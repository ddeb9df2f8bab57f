"""Validate built-in kinds against Kubernetes' own schemas, strictly.

The schemas are the "local-strict" JSON schemas that the pinned PyPI package
`kubernetes-validate` bundles for each Kubernetes minor version, generated from
Kubernetes' OpenAPI: unknown fields (`additionalProperties: false`), wrong
types and missing required fields fail. Unlike `kubernetes_validate.validate`,
every error is reported, not only the first.

A few rules an API server enforces in code rather than in the OpenAPI (names,
label syntax, enums, HPA bounds, PDB, Ingress, resource quantities) are in
`semantic_problems`, limited to the kinds and fields this repo uses.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import jsonschema
from kubernetes_validate import utils as kv
from referencing import Registry, Resource

from .problem import Problem, json_path, obj_id


@lru_cache(maxsize=None)
def definitions(version: str) -> dict[str, Any]:
    return kv.schema_contents(f"kubernetes-json-schema/{_schema_dir(version)}/_definitions.json", version)


def _schema_dir(version: str) -> str:
    # kubernetes-validate ships only x.y.0 schemas.
    if version not in [kv.major_minor(v) for v in kv.all_versions()]:
        raise ValueError(f"kubernetes-validate {kv.__version__} has no schemas for Kubernetes {version}")
    return f"v{version}.0-local-strict"


@lru_cache(maxsize=None)
def _validator(version: str, kind: str, api_version: str):
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    name = f"kubernetes-json-schema/{_schema_dir(version)}/{kind.lower()}-{group_version}.json"
    try:
        schema = kv.schema_contents(name, version)
    except FileNotFoundError:
        return None
    registry = Resource.from_contents(definitions(version)) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry)


def has_schema(obj: dict[str, Any], version: str) -> bool:
    return _validator(version, str(obj.get("kind", "")), str(obj.get("apiVersion", ""))) is not None


def schema_problems(obj: dict[str, Any], version: str) -> list[Problem]:
    validator = _validator(version, str(obj.get("kind", "")), str(obj.get("apiVersion", "")))
    if validator is None:
        return [Problem("schema", obj_id(obj), "",
                        f"Kubernetes {version} has no kind {obj.get('kind')} in {obj.get('apiVersion')}")]
    return [
        Problem("schema", obj_id(obj), json_path(e.absolute_path), f"{e.message} (Kubernetes {version})")
        for e in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))
    ]


# --- rules the API server enforces in code ---------------------------------

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
PERCENT = re.compile(r"^[0-9]+%$")
QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eE][+-]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$")

_SUFFIX = {
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
    "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"),
    "P": Decimal("1e15"), "E": Decimal("1e18"),
    "Ki": Decimal(2**10), "Mi": Decimal(2**20), "Gi": Decimal(2**30), "Ti": Decimal(2**40),
    "Pi": Decimal(2**50), "Ei": Decimal(2**60),
}

# Names that must be DNS-1123 labels (everything else: subdomain).
_LABEL_NAMED = {"Namespace"}
_DNS1035_NAMED = {"Service"}


def parse_quantity(value: Any) -> Decimal | None:
    """A Kubernetes resource.Quantity as a Decimal, or None if malformed."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if not isinstance(value, str):
        return None
    m = QUANTITY.match(value)
    if not m:
        return None
    try:
        number = Decimal(m.group(1))
    except InvalidOperation:
        return None
    suffix = m.group(2) or ""
    if suffix[:1] in ("e", "E"):
        return number * (Decimal(10) ** int(suffix[1:]))
    return number * _SUFFIX[suffix]


def _qualified_key_problem(key: str) -> str | None:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not DNS1123_SUBDOMAIN.match(prefix)):
        return f"key {key!r}: prefix must be a DNS subdomain"
    if len(name) > 63 or not LABEL_NAME.match(name):
        return f"key {key!r}: name part must be 63 characters or less, alphanumeric, '-', '_' or '.'"
    return None


def metadata_problems(obj: dict[str, Any], namespaced: bool | None = None) -> list[Problem]:
    oid, found = obj_id(obj), []
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return [Problem("semantic", oid, "metadata", "metadata is required")]
    name, kind = meta.get("name"), obj.get("kind")
    if not isinstance(name, str) or not name:
        found.append(Problem("semantic", oid, "metadata.name", "a name is required"))
    elif kind in _DNS1035_NAMED:
        if len(name) > 63 or not DNS1035_LABEL.match(name):
            found.append(Problem("semantic", oid, "metadata.name", f"{name!r} is not a DNS-1035 label"))
    elif kind in _LABEL_NAMED:
        if len(name) > 63 or not DNS1123_LABEL.match(name):
            found.append(Problem("semantic", oid, "metadata.name", f"{name!r} is not a DNS-1123 label"))
    elif len(name) > 253 or not DNS1123_SUBDOMAIN.match(name):
        found.append(Problem("semantic", oid, "metadata.name", f"{name!r} is not a DNS-1123 subdomain"))
    ns = meta.get("namespace")
    if ns is not None and (not isinstance(ns, str) or len(ns) > 63 or not DNS1123_LABEL.match(ns)):
        found.append(Problem("semantic", oid, "metadata.namespace", f"{ns!r} is not a DNS-1123 label"))
    if namespaced is False and ns is not None:
        found.append(Problem("semantic", oid, "metadata.namespace", f"{kind} is cluster-scoped: no namespace"))
    for field in ("labels", "annotations"):
        for key, value in (meta.get(field) or {}).items():
            msg = _qualified_key_problem(str(key))
            if msg:
                found.append(Problem("semantic", oid, f"metadata.{field}", msg))
            if field == "labels" and isinstance(value, str) and (len(value) > 63 or not LABEL_VALUE.match(value)):
                found.append(Problem("semantic", oid, f"metadata.{field}.{key}", f"{value!r} is not a valid label value"))
    return found


def resources_problems(oid: str, path: str, resources: Any) -> list[Problem]:
    """Quantities parse, and requests do not exceed limits (the API server rejects that for pods)."""
    found: list[Problem] = []
    if not isinstance(resources, dict):
        return found
    parsed: dict[str, dict[str, Decimal]] = {}
    for part in ("requests", "limits"):
        for res, q in (resources.get(part) or {}).items():
            value = parse_quantity(q)
            if value is None:
                found.append(Problem("semantic", oid, f"{path}.{part}.{res}", f"{q!r} is not a quantity"))
            else:
                parsed.setdefault(part, {})[res] = value
    for res, req in parsed.get("requests", {}).items():
        lim = parsed.get("limits", {}).get(res)
        if lim is not None and req > lim:
            found.append(Problem("semantic", oid, f"{path}.requests.{res}",
                                 f"request {resources['requests'][res]} exceeds limit {resources['limits'][res]}"))
    return found


def _hpa(obj, oid) -> list[Problem]:
    found, spec = [], obj.get("spec") or {}
    lo, hi = spec.get("minReplicas", 1), spec.get("maxReplicas")
    if isinstance(lo, int) and lo < 1:
        found.append(Problem("semantic", oid, "spec.minReplicas", "must be at least 1"))
    if isinstance(lo, int) and isinstance(hi, int) and hi < lo:
        found.append(Problem("semantic", oid, "spec.maxReplicas", f"{hi} is below minReplicas {lo}"))
    members = {"Resource": "resource", "Pods": "pods", "Object": "object",
               "External": "external", "ContainerResource": "containerResource"}
    for i, metric in enumerate(spec.get("metrics") or []):
        t = metric.get("type")
        if t not in members:
            found.append(Problem("semantic", oid, f"spec.metrics[{i}].type", f"{t!r} is not one of {sorted(members)}"))
            continue
        body = metric.get(members[t])
        if not isinstance(body, dict):
            found.append(Problem("semantic", oid, f"spec.metrics[{i}]", f"type {t} needs .{members[t]}"))
            continue
        target = body.get("target") or {}
        tt = target.get("type")
        if tt not in ("Utilization", "Value", "AverageValue"):
            found.append(Problem("semantic", oid, f"spec.metrics[{i}].{members[t]}.target.type",
                                 f"{tt!r} is not Utilization, Value or AverageValue"))
        elif tt == "Utilization" and not (isinstance(target.get("averageUtilization"), int)
                                          and target["averageUtilization"] > 0):
            found.append(Problem("semantic", oid, f"spec.metrics[{i}].{members[t]}.target.averageUtilization",
                                 "must be a positive integer for type Utilization"))
    ref = spec.get("scaleTargetRef") or {}
    if not ref.get("kind") or not ref.get("name"):
        found.append(Problem("semantic", oid, "spec.scaleTargetRef", "kind and name are required"))
    return found


def _pdb(obj, oid) -> list[Problem]:
    found, spec = [], obj.get("spec") or {}
    given = [k for k in ("minAvailable", "maxUnavailable") if k in spec]
    if len(given) != 1:
        found.append(Problem("semantic", oid, "spec", "set exactly one of minAvailable and maxUnavailable"))
    for k in given:
        v = spec[k]
        if isinstance(v, str) and not PERCENT.match(v):
            found.append(Problem("semantic", oid, f"spec.{k}", f"{v!r} is neither an integer nor a percentage"))
        if isinstance(v, int) and v < 0:
            found.append(Problem("semantic", oid, f"spec.{k}", "must not be negative"))
    if not (spec.get("selector") or {}).get("matchLabels") and not (spec.get("selector") or {}).get("matchExpressions"):
        found.append(Problem("semantic", oid, "spec.selector", "an empty selector selects every pod in the namespace"))
    return found


def _ingress(obj, oid) -> list[Problem]:
    found, spec = [], obj.get("spec") or {}
    for r, rule in enumerate(spec.get("rules") or []):
        for p, path in enumerate(((rule.get("http") or {}).get("paths")) or []):
            at = f"spec.rules[{r}].http.paths[{p}]"
            if path.get("pathType") not in ("Exact", "Prefix", "ImplementationSpecific"):
                found.append(Problem("semantic", oid, f"{at}.pathType", f"{path.get('pathType')!r} is not valid"))
            if not str(path.get("path", "")).startswith("/"):
                found.append(Problem("semantic", oid, f"{at}.path", "must be an absolute path"))
            port = (((path.get("backend") or {}).get("service") or {}).get("port")) or {}
            if ("number" in port) == ("name" in port):
                found.append(Problem("semantic", oid, f"{at}.backend.service.port", "set exactly one of number and name"))
    return found


def _pod_template(spec: dict, oid: str, at: str) -> list[Problem]:
    found = []
    pod = ((spec.get("template") or {}).get("spec")) or {}
    names = set()
    for i, c in enumerate(pod.get("containers") or []):
        n = c.get("name", "")
        if not DNS1123_LABEL.match(n) or len(n) > 63:
            found.append(Problem("semantic", oid, f"{at}.containers[{i}].name", f"{n!r} is not a DNS-1123 label"))
        if n in names:
            found.append(Problem("semantic", oid, f"{at}.containers[{i}].name", f"duplicate container name {n!r}"))
        names.add(n)
        if not c.get("image"):
            found.append(Problem("semantic", oid, f"{at}.containers[{i}].image", "an image is required"))
        found += resources_problems(oid, f"{at}.containers[{i}].resources", c.get("resources"))
    return found


def _job(obj, oid) -> list[Problem]:
    spec = obj.get("spec") or {}
    found = _pod_template(spec, oid, "spec.template.spec")
    rp = (((spec.get("template") or {}).get("spec")) or {}).get("restartPolicy")
    if rp not in ("Never", "OnFailure"):
        found.append(Problem("semantic", oid, "spec.template.spec.restartPolicy", "a Job needs Never or OnFailure"))
    return found


def _runtime_class(obj, oid) -> list[Problem]:
    handler = obj.get("handler")
    if not isinstance(handler, str) or not DNS1123_LABEL.match(handler):
        return [Problem("semantic", oid, "handler", f"{handler!r} is not a DNS-1123 label")]
    return []


_KIND_RULES = {
    "HorizontalPodAutoscaler": _hpa,
    "PodDisruptionBudget": _pdb,
    "Ingress": _ingress,
    "Job": _job,
    "RuntimeClass": _runtime_class,
}

CLUSTER_SCOPED = {"Namespace", "RuntimeClass", "ClusterRole", "ClusterRoleBinding", "IngressClass",
                  "CustomResourceDefinition", "PriorityClass", "StorageClass", "PersistentVolume"}


def semantic_problems(obj: dict[str, Any]) -> list[Problem]:
    kind = obj.get("kind")
    found = metadata_problems(obj, namespaced=kind not in CLUSTER_SCOPED)
    rule = _KIND_RULES.get(kind)
    if rule:
        found += rule(obj, obj_id(obj))
    return found
