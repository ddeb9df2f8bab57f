"""Checks across objects, and against spin.toml, that no schema can express.

They mirror what would go wrong in a real cluster: the SpinKube operator's
admission webhook (executor must exist, replicas vs autoscaling), an HPA aimed
at a Deployment that never appears, a probe or an Ingress path that the
component does not serve, a PDB that selects nothing, several images.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from .builtin import DNS1035_LABEL
from .problem import Problem, obj_id
from .spin import SpinManifest

SPINAPP_API = "core.spinkube.dev/v1alpha1"
OPERATOR_NAME_LABEL = "core.spinkube.dev/app-name"
SPIN_HTTP_PORT = 80
SPIN_HTTP_PORT_NAME = "http-app"
TRAEFIK_MIDDLEWARES = "traefik.ingress.kubernetes.io/router.middlewares"

# docker/distribution reference grammar, simplified: [host[:port]/]path[:tag][@digest]
_IMAGE = re.compile(
    r"^(?:(?P<host>[a-zA-Z0-9.-]+(?::[0-9]+)?)/)?"
    r"(?P<path>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[a-f0-9]{64}))?$"
)


def _ns(obj) -> str | None:
    return (obj.get("metadata") or {}).get("namespace")


def _name(obj) -> str | None:
    return (obj.get("metadata") or {}).get("name")


def of_kind(docs: Iterable[dict], kind: str, api_version: str | None = None) -> list[dict]:
    return [d for d in docs if d.get("kind") == kind and (api_version is None or d.get("apiVersion") == api_version)]


def parse_image(ref: str) -> dict[str, str | None] | None:
    m = _IMAGE.match(ref or "")
    if not m:
        return None
    parts = m.groupdict()
    host = parts["host"]
    # Like docker: the first segment is a registry only if it has '.' or ':' or is localhost.
    if host is not None and "." not in host and ":" not in host and host != "localhost":
        parts["path"] = f"{host}/{parts['path']}"
        parts["host"] = None
    return parts


def spinapp_pod_labels(app: dict) -> dict[str, str]:
    labels = dict((app.get("spec") or {}).get("podLabels") or {})
    labels[OPERATOR_NAME_LABEL] = _name(app)
    return labels


def _selects(selector: dict, labels: dict[str, str]) -> bool:
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def ingress_route(ingresses: list[dict], path: str) -> tuple[str, str] | None:
    """(namespace, service) an Ingress controller would send `path` to: an Exact
    match wins, then the longest Prefix match (by path elements)."""
    best, best_key = None, None
    for ing in ingresses:
        for rule in (ing.get("spec") or {}).get("rules") or []:
            if rule.get("host"):
                continue  # host-specific rules are not exercised here
            for p in ((rule.get("http") or {}).get("paths")) or []:
                pp, kind = p.get("path", "/"), p.get("pathType")
                if kind == "Exact":
                    ok, key = path == pp, (1, 0)
                elif kind == "Prefix":
                    want = [s for s in pp.split("/") if s]
                    got = [s for s in path.split("/") if s]
                    ok, key = got[: len(want)] == want, (0, len(want))
                else:
                    continue
                if ok and (best_key is None or key > best_key):
                    svc = ((p.get("backend") or {}).get("service")) or {}
                    best, best_key = (_ns(ing), svc.get("name")), key
    return best


def crosscheck(
    docs: list[dict[str, Any]],
    spin: SpinManifest | None,
    runtime_class_name: str | None = None,
    app_name: str = "car-ml",
) -> list[Problem]:
    found: list[Problem] = []
    apps = of_kind(docs, "SpinApp", SPINAPP_API)
    executors = of_kind(docs, "SpinAppExecutor", SPINAPP_API)
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    pdbs = of_kind(docs, "PodDisruptionBudget")
    ingresses = of_kind(docs, "Ingress")
    deployments = {(_ns(d), _name(d)) for d in of_kind(docs, "Deployment")}
    services = {(_ns(d), _name(d)) for d in of_kind(docs, "Service")}
    # The operator makes a Deployment and a Service named after each SpinApp.
    app_by_key = {(_ns(a), _name(a)): a for a in apps}
    deployments |= set(app_by_key)
    services |= set(app_by_key)

    # --- Traefik middlewares an Ingress names exist -------------------------
    middlewares = {f"{_ns(m)}-{_name(m)}@kubernetescrd" for m in of_kind(docs, "Middleware", "traefik.io/v1alpha1")}
    for ing in ingresses:
        named = ((ing.get("metadata") or {}).get("annotations") or {}).get(TRAEFIK_MIDDLEWARES, "")
        for ref in filter(None, (r.strip() for r in named.split(","))):
            if ref not in middlewares:
                found.append(Problem("crosscheck", obj_id(ing), f"metadata.annotations.{TRAEFIK_MIDDLEWARES}",
                                     f"no Traefik Middleware {ref!r} in this set: Traefik would refuse the route"))

    # --- every namespaced object says where it goes ------------------------
    namespaces = {_name(n) for n in of_kind(docs, "Namespace")}
    for d in docs:
        if d.get("kind") in ("Namespace", "RuntimeClass"):
            continue
        if not _ns(d):
            found.append(Problem("crosscheck", obj_id(d), "metadata.namespace",
                                 "no namespace: it would land in whatever namespace kubectl's context has"))
        elif namespaces and _ns(d) not in namespaces:
            found.append(Problem("crosscheck", obj_id(d), "metadata.namespace",
                                 f"namespace {_ns(d)!r} is not the one this set creates ({sorted(namespaces)})"))

    # --- apply order: the webhook needs the executor before the SpinApps ----
    order = [d.get("kind") for d in docs]
    if "Namespace" in order and order.index("Namespace") != 0:
        found.append(Problem("crosscheck", "", "", "the Namespace must come first in the rendered output"))
    if apps and executors:
        app_ids, exec_ids = {id(a) for a in apps}, {id(e) for e in executors}
        first_app = min(i for i, d in enumerate(docs) if id(d) in app_ids)
        last_exec = max(i for i, d in enumerate(docs) if id(d) in exec_ids)
        if last_exec > first_app:
            found.append(Problem("crosscheck", "", "",
                                 "a SpinAppExecutor comes after a SpinApp: the operator's webhook would reject "
                                 "the SpinApp on first apply (set `sortOptions: {order: fifo}` and list it first)"))

    # --- executors ----------------------------------------------------------
    exec_by_key = {(_ns(e), _name(e)): e for e in executors}
    for e in executors:
        cfg = ((e.get("spec") or {}).get("deploymentConfig")) or {}
        if (e.get("spec") or {}).get("createDeployment") is not True:
            found.append(Problem("crosscheck", obj_id(e), "spec.createDeployment",
                                 "must be true: nothing else would create the Deployments the HPAs scale"))
        if runtime_class_name and cfg.get("runtimeClassName") != runtime_class_name:
            found.append(Problem("crosscheck", obj_id(e), "spec.deploymentConfig.runtimeClassName",
                                 f"{cfg.get('runtimeClassName')!r} is not the RuntimeClass {runtime_class_name!r}"))

    # --- SpinApps -------------------------------------------------------------
    images = {}
    deployed: dict[str, list[str]] = {}
    for a in apps:
        oid, spec = obj_id(a), a.get("spec") or {}
        name = _name(a) or ""
        if not DNS1035_LABEL.match(name) or len(name) > 63:
            found.append(Problem("crosscheck", oid, "metadata.name",
                                 "the operator names a Service after the SpinApp: it must be a DNS-1035 label"))
        if (_ns(a), spec.get("executor")) not in exec_by_key:
            found.append(Problem("crosscheck", oid, "spec.executor",
                                 f"no SpinAppExecutor {spec.get('executor')!r} in namespace {_ns(a)!r} "
                                 "(the operator's webhook rejects the SpinApp)"))
        autoscaled = spec.get("enableAutoscaling") is True
        targeting = [h for h in hpas if _ns(h) == _ns(a) and ((h.get("spec") or {}).get("scaleTargetRef") or {}).get("name") == name]
        if autoscaled:
            if spec.get("replicas") not in (None, 0):
                found.append(Problem("crosscheck", oid, "spec.replicas",
                                     "replicas cannot be set when enableAutoscaling is true (operator webhook)"))
            if len(targeting) != 1:
                found.append(Problem("crosscheck", oid, "spec.enableAutoscaling",
                                     f"expected exactly one HorizontalPodAutoscaler for Deployment {name!r}, found {len(targeting)}"))
        else:
            if not isinstance(spec.get("replicas"), int) or spec["replicas"] < 1:
                found.append(Problem("crosscheck", oid, "spec.replicas",
                                     "without enableAutoscaling, replicas must be > 0 (operator webhook)"))
            if targeting:
                found.append(Problem("crosscheck", oid, "spec.enableAutoscaling",
                                     "an HPA targets this app but enableAutoscaling is not true: operator and HPA would fight"))
        res = spec.get("resources") or {}
        for part in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in (res.get(part) or {}):
                    found.append(Problem("crosscheck", oid, f"spec.resources.{part}.{r}", "must be set"))
        images.setdefault(spec.get("image"), []).append(name)

        comps = spec.get("components")
        if not comps:
            found.append(Problem("crosscheck", oid, "spec.components",
                                 "list the components to run (selective deployment), one service per SpinApp"))
            comps = []
        for c in comps:
            deployed.setdefault(c, []).append(name)
        if spin is not None:
            for c in comps:
                if c not in spin.components:
                    found.append(Problem("crosscheck", oid, "spec.components",
                                         f"component {c!r} is not in {spin.path.name} (has: {sorted(spin.components)})"))
                elif c not in spin.http_components():
                    found.append(Problem("crosscheck", oid, "spec.components",
                                         f"component {c!r} has no HTTP route in {spin.path.name}"))
        checks = spec.get("checks") or {}
        for probe in ("readiness", "liveness"):
            at = f"spec.checks.{probe}.httpGet.path"
            path = (((checks.get(probe) or {}).get("httpGet")) or {}).get("path")
            if not path:
                found.append(Problem("crosscheck", oid, at, f"a {probe} check is required"))
                continue
            if not path.startswith("/health"):
                found.append(Problem("crosscheck", oid, at, f"{path!r} is not a health route (/health...)"))
            if spin is not None:
                route = spin.route_for(path, comps)
                if route is None:
                    served = [r.route for r in spin.routes_of(comps)]
                    found.append(Problem("crosscheck", oid, at,
                                         f"{path!r} is not served by components {comps} (routes: {served})"))

    # --- one image, naming one app ---------------------------------------------
    if len(images) > 1:
        found.append(Problem("crosscheck", "", "", f"SpinApps use more than one image: {images}"))
    for ref, names in images.items():
        parsed = parse_image(ref or "")
        if parsed is None:
            found.append(Problem("crosscheck", "", "", f"image {ref!r} (SpinApps {names}) is not a valid reference"))
            continue
        repo_name = parsed["path"].split("/")[-1]
        if repo_name != app_name:
            found.append(Problem("crosscheck", "", "",
                                 f"image {ref!r} does not name the app {app_name!r} (repository {repo_name!r})"))
        if parsed["host"] is None and "/" not in parsed["path"]:
            found.append(Problem("crosscheck", "", "",
                                 f"image {ref!r} has no registry: set `images:` in the overlay"))
        if not parsed["tag"] and not parsed["digest"]:
            found.append(Problem("crosscheck", "", "", f"image {ref!r} has neither tag nor digest"))
        if parsed["tag"] == "latest" and not parsed["digest"]:
            found.append(Problem("crosscheck", "", "", f"image {ref!r}: pin a version, not `latest`"))
    if spin is not None and apps:
        for c, names in deployed.items():
            if len(names) > 1:
                found.append(Problem("crosscheck", "", "", f"component {c!r} runs in several SpinApps: {names}"))
        missing = spin.http_components() - set(deployed)
        if missing:
            found.append(Problem("crosscheck", "", "",
                                 f"components with HTTP routes in {spin.path.name} that no SpinApp runs: {sorted(missing)}"))

    # --- HPAs -----------------------------------------------------------------
    for h in hpas:
        oid, spec = obj_id(h), h.get("spec") or {}
        ref = spec.get("scaleTargetRef") or {}
        if ref.get("apiVersion") != "apps/v1" or ref.get("kind") != "Deployment":
            found.append(Problem("crosscheck", oid, "spec.scaleTargetRef",
                                 "must target apps/v1 Deployment (the operator's Deployment of the SpinApp)"))
        key = (_ns(h), ref.get("name"))
        if key not in deployments:
            found.append(Problem("crosscheck", oid, "spec.scaleTargetRef.name",
                                 f"no Deployment {ref.get('name')!r} in namespace {_ns(h)!r} (no SpinApp of that name)"))
            continue
        app = app_by_key.get(key)
        if app is not None:
            uses_cpu = any((m.get("resource") or {}).get("name") == "cpu" for m in spec.get("metrics") or [])
            requests = ((app.get("spec") or {}).get("resources") or {}).get("requests") or {}
            if uses_cpu and "cpu" not in requests:
                found.append(Problem("crosscheck", oid, "spec.metrics",
                                     f"CPU utilization needs resources.requests.cpu on SpinApp {key[1]!r}"))
            if (app.get("spec") or {}).get("enableAutoscaling") is not True:
                found.append(Problem("crosscheck", oid, "spec.scaleTargetRef.name",
                                     f"SpinApp {key[1]!r} does not set enableAutoscaling: true"))

    # --- PDBs -----------------------------------------------------------------
    for p in pdbs:
        oid = obj_id(p)
        selector = (p.get("spec") or {}).get("selector") or {}
        chosen = [a for a in apps if _ns(a) == _ns(p) and _selects(selector, spinapp_pod_labels(a))]
        if len(chosen) != 1:
            found.append(Problem("crosscheck", oid, "spec.selector",
                                 f"selects the pods of {len(chosen)} SpinApps {[_name(a) for a in chosen]}, expected 1"))
    for a in apps:
        covering = [p for p in pdbs if _ns(p) == _ns(a)
                    and _selects((p.get("spec") or {}).get("selector") or {}, spinapp_pod_labels(a))]
        if pdbs and not covering:
            found.append(Problem("crosscheck", obj_id(a), "", "no PodDisruptionBudget covers this SpinApp's pods"))

    # --- Ingress: backends exist and every route reaches the right SpinApp -----
    for ing in ingresses:
        oid = obj_id(ing)
        for r, rule in enumerate((ing.get("spec") or {}).get("rules") or []):
            for i, p in enumerate(((rule.get("http") or {}).get("paths")) or []):
                at = f"spec.rules[{r}].http.paths[{i}].backend.service"
                svc = ((p.get("backend") or {}).get("service")) or {}
                key = (_ns(ing), svc.get("name"))
                if key not in services:
                    found.append(Problem("crosscheck", oid, at, f"no Service {svc.get('name')!r} (no SpinApp of that name)"))
                    continue
                port = svc.get("port") or {}
                if key in app_by_key and port.get("number", SPIN_HTTP_PORT) != SPIN_HTTP_PORT \
                        and port.get("name") != SPIN_HTTP_PORT_NAME:
                    found.append(Problem("crosscheck", oid, f"{at}.port",
                                         f"a SpinApp's Service listens on port {SPIN_HTTP_PORT} ({SPIN_HTTP_PORT_NAME})"))
                app = app_by_key.get(key)
                if spin is not None and app is not None:
                    comps = (app.get("spec") or {}).get("components") or []
                    if spin.route_for(p.get("path", "/"), comps) is None:
                        found.append(Problem("crosscheck", oid, f"spec.rules[{r}].http.paths[{i}].path",
                                             f"{p.get('path')!r} goes to SpinApp {key[1]!r}, whose components {comps} "
                                             "do not serve it"))
    if ingresses and spin is not None and apps:
        found += _route_reachability(ingresses, apps, spin)
    return found


def _route_reachability(ingresses, apps, spin: SpinManifest) -> list[Problem]:
    """Every route in spin.toml (and every probe path) must reach, through the
    Ingress, the SpinApp running the component Spin itself would pick for it."""
    found = []
    app_of_component = {}
    for a in apps:
        for c in (a.get("spec") or {}).get("components") or []:
            app_of_component[c] = a
    paths = {r.base for r in spin.routes if r.component in app_of_component}
    for a in apps:
        for probe in ("readiness", "liveness"):
            p = ((((a.get("spec") or {}).get("checks") or {}).get(probe) or {}).get("httpGet") or {}).get("path")
            if p:
                paths.add(p)
    for path in sorted(paths):
        route = spin.route_for(path)
        if route is None:
            continue
        want = app_of_component.get(route.component)
        got = ingress_route(ingresses, path)
        if want is None:
            continue
        if got is None:
            found.append(Problem("crosscheck", "", "",
                                 f"no Ingress path matches {path!r} (served by component {route.component!r})"))
        elif got != (_ns(want), _name(want)):
            found.append(Problem("crosscheck", "", "",
                                 f"the Ingress sends {path!r} to Service {got[1]!r}, but component "
                                 f"{route.component!r} (route {route.route!r}) runs in SpinApp {_name(want)!r}"))
    return found
