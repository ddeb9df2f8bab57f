"""Validate custom resources against a CRD's openAPIV3Schema, as an API server
with strict field validation (`kubectl apply`, the default since 1.27) would.

A CRD schema is structural: fields it does not declare are *pruned* by the API
server, and with `fieldValidation=Strict` the request is rejected instead. So an
object schema without `additionalProperties` and without
`x-kubernetes-preserve-unknown-fields: true` gets `additionalProperties: false`
here. `metadata` is checked against Kubernetes' own ObjectMeta schema, as the
API server does for every object. Any schema keyword not handled below makes
the conversion fail loudly, so a newer CRD cannot silently weaken the check.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource

from .problem import Problem, json_path, obj_id

OBJECT_META_REF = "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

INT_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}

# Keywords copied as they are (same meaning in OpenAPI v3.0 and JSON Schema 2020-12).
_PLAIN = {
    "type", "enum", "pattern", "minimum", "maximum", "multipleOf",
    "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
    "minProperties", "maxProperties", "required",
}
# Keywords that do not constrain a manifest's shape.
_IGNORED = {"description", "default", "example", "title", "x-kubernetes-map-type", "x-kubernetes-embedded-resource"}


class UnsupportedSchema(Exception):
    pass


def to_json_schema(node: dict[str, Any], where: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    preserve = bool(node.get("x-kubernetes-preserve-unknown-fields"))
    for key, value in node.items():
        if key in _PLAIN:
            out[key] = value
        elif key in _IGNORED or key == "x-kubernetes-preserve-unknown-fields":
            continue
        elif key == "properties":
            out["properties"] = {k: to_json_schema(v, f"{where}.{k}") for k, v in value.items()}
        elif key == "additionalProperties":
            out["additionalProperties"] = value if isinstance(value, bool) else to_json_schema(value, f"{where}.*")
        elif key == "items":
            out["items"] = to_json_schema(value, f"{where}[]")
        elif key in ("anyOf", "allOf", "oneOf"):
            out[key] = [to_json_schema(v, where) for v in value]
        elif key == "not":
            out["not"] = to_json_schema(value, where)
        elif key == "format":
            if value in INT_BOUNDS:
                lo, hi = INT_BOUNDS[value]
                out.setdefault("minimum", lo)
                out.setdefault("maximum", hi)
            # other formats (date-time, byte, ...) are informational here
        elif key in ("exclusiveMinimum", "exclusiveMaximum"):
            if not isinstance(value, bool):
                raise UnsupportedSchema(f"{where}: {key} must be a boolean in OpenAPI v3.0")
        elif key == "nullable":
            if value:
                out["__nullable__"] = True
        elif key == "x-kubernetes-int-or-string":
            if value and "anyOf" not in node:
                out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
        elif key == "x-kubernetes-list-type":
            if value == "set":
                out["uniqueItems"] = True
            elif value not in ("atomic", "map"):
                raise UnsupportedSchema(f"{where}: x-kubernetes-list-type {value!r}")
        elif key == "x-kubernetes-list-map-keys":
            continue  # key uniqueness of map-lists is not checked (none in these CRDs)
        else:
            raise UnsupportedSchema(f"{where or '(root)'}: schema keyword {key!r} is not handled")
    if out.get("type") == "object" and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    if out.pop("__nullable__", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    # OpenAPI v3.0 `exclusiveMinimum: true` + `minimum: x` is 2020-12's `exclusiveMinimum: x`.
    for key, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if node.get(key) is True and bound in node:
            out[key] = out.pop(bound)
    return out


class CRDSchema:
    """One served version of one CRD, ready to validate objects."""

    def __init__(self, crd: dict[str, Any], version: dict[str, Any], definitions: dict[str, Any]):
        self.group = crd["spec"]["group"]
        self.kind = crd["spec"]["names"]["kind"]
        self.scope = crd["spec"]["scope"]
        self.version = version["name"]
        self.api_version = f"{self.group}/{self.version}"
        schema = to_json_schema(version["schema"]["openAPIV3Schema"])
        props = schema.setdefault("properties", {})
        props["apiVersion"] = {"type": "string", "const": self.api_version}
        props["kind"] = {"type": "string", "const": self.kind}
        props["metadata"] = {"$ref": OBJECT_META_REF}
        schema["required"] = sorted(set(schema.get("required", [])) | {"apiVersion", "kind", "metadata"})
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        self.schema = schema
        registry = Resource.from_contents(definitions) @ Registry()
        self._validator = jsonschema.Draft202012Validator(schema, registry=registry)

    def problems(self, obj: dict[str, Any]) -> list[Problem]:
        found = []
        for err in sorted(self._validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path))):
            found.append(Problem("crd-schema", obj_id(obj), json_path(err.absolute_path), err.message))
        if not (obj.get("metadata") or {}).get("name"):
            found.append(Problem("crd-schema", obj_id(obj), "metadata.name", "a name is required"))
        return found


class CRDSet:
    """All CRDs in some folders, by (apiVersion, kind)."""

    def __init__(self, crd_dir: Path, definitions: dict[str, Any], extra_dirs: tuple[Path, ...] = ()):
        self.by_key: dict[tuple[str, str], CRDSchema] = {}
        self.crd_dir = crd_dir
        for path in [p for d in (crd_dir, *extra_dirs) for p in sorted(d.glob("*.yaml"))]:
            for doc in yaml.safe_load_all(path.read_text()):
                if not doc or doc.get("kind") != "CustomResourceDefinition":
                    continue
                for version in doc["spec"]["versions"]:
                    if version.get("served"):
                        s = CRDSchema(doc, version, definitions)
                        self.by_key[(s.api_version, s.kind)] = s
        if not self.by_key:
            raise UnsupportedSchema(f"no CustomResourceDefinition found in {crd_dir}")

    @cached_property
    def groups(self) -> set[str]:
        return {s.group for s in self.by_key.values()}

    def handles(self, obj: dict[str, Any]) -> bool:
        group = str(obj.get("apiVersion", "")).split("/")[0]
        return group in self.groups

    def problems(self, obj: dict[str, Any]) -> list[Problem]:
        key = (obj.get("apiVersion"), obj.get("kind"))
        schema = self.by_key.get(key)
        if schema is None:
            return [Problem("crd-schema", obj_id(obj), "", f"no served CRD version for apiVersion {key[0]} kind {key[1]}")]
        return schema.problems(obj)

    def is_namespaced(self, obj: dict[str, Any]) -> bool:
        s = self.by_key.get((obj.get("apiVersion"), obj.get("kind")))
        return bool(s and s.scope == "Namespaced")
