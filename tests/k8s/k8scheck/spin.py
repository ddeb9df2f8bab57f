"""What the Spin manifest (spin.toml, manifest version 2) says the app serves."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class HttpRoute:
    component: str
    route: str  # e.g. "/api/trade", "/health/...", "/..."

    @property
    def wildcard(self) -> bool:
        return self.route.endswith("/...")

    @property
    def base(self) -> str:
        """The fixed part: "/health/..." -> "/health", "/..." -> "/"."""
        return (self.route[: -len("/...")] or "/") if self.wildcard else self.route

    def matches(self, path: str) -> bool:
        """Spin's HTTP router: exact routes match the path itself (`:name` matches
        one segment); `/x/...` matches /x and everything under it."""
        path = path.split("?", 1)[0]
        want = [s for s in self.base.split("/") if s]
        got = [s for s in path.split("/") if s]
        if self.wildcard:
            if len(got) < len(want):
                return False
            got = got[: len(want)]
        elif len(got) != len(want) or (path.endswith("/") and path != "/" and not self.route.endswith("/")):
            return False
        return all(w.startswith(":") or w == g for w, g in zip(want, got))

    def specificity(self) -> tuple[int, int]:
        """Spin prefers exact routes, then the longest wildcard prefix."""
        return (0 if self.wildcard else 1, len([s for s in self.base.split("/") if s]))


@dataclass
class SpinManifest:
    path: Path
    app_name: str
    components: set[str]
    routes: list[HttpRoute]
    private: set[str]  # components with a private (unroutable) HTTP trigger

    @classmethod
    def load(cls, path: Path) -> "SpinManifest":
        data = tomllib.loads(Path(path).read_text())
        if data.get("spin_manifest_version") != 2:
            raise ValueError(f"{path}: expected spin_manifest_version = 2")
        components = set((data.get("component") or {}).keys())
        routes, private = [], set()
        for i, trig in enumerate(((data.get("trigger") or {}).get("http")) or []):
            comp = trig.get("component")
            if not isinstance(comp, str):
                raise ValueError(f"{path}: [[trigger.http]] #{i + 1}: only `component = \"id\"` is supported")
            route = trig.get("route")
            if isinstance(route, dict) and route.get("private"):
                private.add(comp)
                continue
            if not isinstance(route, str) or not route.startswith("/"):
                raise ValueError(f"{path}: [[trigger.http]] #{i + 1}: route {route!r} is not a path")
            routes.append(HttpRoute(comp, route))
        return cls(path, (data.get("application") or {}).get("name", ""), components, routes, private)

    def routes_of(self, components) -> list[HttpRoute]:
        wanted = set(components)
        return [r for r in self.routes if r.component in wanted]

    def http_components(self) -> set[str]:
        return {r.component for r in self.routes}

    def route_for(self, path: str, components=None) -> HttpRoute | None:
        """The route Spin would pick for `path` among `components` (all by default)."""
        candidates = [r for r in (self.routes if components is None else self.routes_of(components)) if r.matches(path)]
        return max(candidates, key=HttpRoute.specificity, default=None)
