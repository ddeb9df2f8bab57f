"""A validation finding, printable and easy to assert on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def obj_id(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace") if isinstance(meta, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    kind = obj.get("kind", "?")
    return f"{kind}/{ns}/{name}" if ns else f"{kind}/{name}"


def json_path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(root)"


@dataclass(frozen=True)
class Problem:
    #: which rule found it: "schema", "crd-schema", "semantic", "crosscheck", ...
    check: str
    #: Kind/namespace/name of the object, or "" for set-wide findings
    obj: str
    #: where in the object ("spec.minReplicas"), or "" when not about one field
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.obj}: " if self.obj else ""
        at = f"{self.path}: " if self.path else ""
        return f"[{self.check}] {where}{at}{self.message}"
