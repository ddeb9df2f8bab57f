"""Telemetry checks: every SpinAppExecutor sends OpenTelemetry to a Collector
that is really there, and the Collector's configuration is whole.

An `otel` endpoint must name a Service of the rendered set (by its cluster DNS
name) and one of its ports; that port must lead to a container port of a
Deployment the Service selects, on which the Collector's OTLP/HTTP receiver
listens (Spin exports OTLP over HTTP/protobuf by default). A signal's own
endpoint is the full URL (`.../v1/traces`), the combined one has no path, as
the OTLP exporters read them. The Collector's configuration is the ConfigMap
its Deployment mounts at the `--config` path: each pipeline may only use
components it defines.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import yaml

from .problem import Problem, obj_id

SIGNAL_PATHS = {
    "exporter_otlp_traces_endpoint": "/v1/traces",
    "exporter_otlp_metrics_endpoint": "/v1/metrics",
    "exporter_otlp_logs_endpoint": "/v1/logs",
    "exporter_otlp_endpoint": "",
}


def _of(docs, kind):
    return [d for d in docs if d.get("kind") == kind]


def _meta(obj, key):
    return (obj.get("metadata") or {}).get(key)


def _service_for_host(host: str, namespace: str, services: list[dict]) -> dict | None:
    """The Service a cluster DNS name resolves to from `namespace`."""
    for svc in services:
        name, ns = _meta(svc, "name"), _meta(svc, "namespace")
        names = {f"{name}.{ns}.svc.cluster.local", f"{name}.{ns}.svc", f"{name}.{ns}"}
        if ns == namespace:
            names.add(name)
        if host in names:
            return svc
    return None


def _selected_deployments(svc: dict, deployments: list[dict]) -> list[dict]:
    selector = (svc.get("spec") or {}).get("selector") or {}
    found = []
    for dep in deployments:
        if _meta(dep, "namespace") != _meta(svc, "namespace"):
            continue
        labels = ((((dep.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels")) or {}
        if selector and all(labels.get(k) == v for k, v in selector.items()):
            found.append(dep)
    return found


def _containers(dep: dict) -> list[dict]:
    return ((((dep.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers")) or []


def _container_port(dep: dict, target) -> int | None:
    """The container port number a Service's targetPort (name or number) means."""
    for container in _containers(dep):
        for port in container.get("ports") or []:
            if target in (port.get("name"), port.get("containerPort")):
                return port.get("containerPort")
    return None


def collector_config(dep: dict, docs: list[dict]) -> dict | None:
    """The Collector configuration a Deployment runs: the `--config=` file,
    read from the ConfigMap volume mounted over its directory."""
    pod = ((dep.get("spec") or {}).get("template") or {}).get("spec") or {}
    volumes = {v.get("name"): v for v in pod.get("volumes") or []}
    for container in pod.get("containers") or []:
        for arg in container.get("args") or []:
            if not str(arg).startswith("--config="):
                continue
            path = str(arg).split("=", 1)[1]
            directory, _, file_name = path.rpartition("/")
            for mount in container.get("volumeMounts") or []:
                if mount.get("mountPath", "").rstrip("/") != directory:
                    continue
                cm_name = ((volumes.get(mount.get("name")) or {}).get("configMap") or {}).get("name")
                for cm in _of(docs, "ConfigMap"):
                    if _meta(cm, "name") == cm_name and _meta(cm, "namespace") == _meta(dep, "namespace"):
                        text = (cm.get("data") or {}).get(file_name)
                        return yaml.safe_load(text) if text else None
    return None


def _listen_port(endpoint: Any) -> int | None:
    try:
        return int(str(endpoint).rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return None


def otlp_http_port(config: dict) -> int | None:
    http = ((((config.get("receivers") or {}).get("otlp") or {}).get("protocols")) or {}).get("http")
    if http is None:
        return None
    return _listen_port((http or {}).get("endpoint", "0.0.0.0:4318"))


def config_problems(oid: str, config: dict) -> list[Problem]:
    """Each pipeline uses only defined components; traces and metrics leave
    the Collector (OTLP and Prometheus)."""
    found = []
    sections = {key: set((config.get(key) or {}).keys())
                for key in ("receivers", "processors", "exporters", "connectors", "extensions")}
    service = config.get("service") or {}
    for ext in service.get("extensions") or []:
        if ext not in sections["extensions"]:
            found.append(Problem("telemetry", oid, "service.extensions", f"extension {ext!r} is not defined"))
    pipelines = service.get("pipelines") or {}
    for name, pipeline in pipelines.items():
        for role, defined in (("receivers", sections["receivers"] | sections["connectors"]),
                              ("processors", sections["processors"]),
                              ("exporters", sections["exporters"] | sections["connectors"])):
            for component in (pipeline or {}).get(role) or []:
                if component not in defined:
                    found.append(Problem("telemetry", oid, f"service.pipelines.{name}.{role}",
                                         f"{component!r} is not defined in {role}"))
    for connector in sections["connectors"]:
        used_out = any(connector in ((p or {}).get("exporters") or []) for p in pipelines.values())
        used_in = any(connector in ((p or {}).get("receivers") or []) for p in pipelines.values())
        if not (used_out and used_in):
            found.append(Problem("telemetry", oid, "connectors",
                                 f"connector {connector!r} must export from one pipeline and receive in another"))
    exporters_of = lambda signal: [e.split("/")[0] for e in ((pipelines.get(signal) or {}).get("exporters") or [])]
    if "otlp" not in exporters_of("traces"):
        found.append(Problem("telemetry", oid, "service.pipelines.traces", "traces must be exported over OTLP (to Jaeger)"))
    if "prometheus" not in exporters_of("metrics"):
        found.append(Problem("telemetry", oid, "service.pipelines.metrics", "metrics must be exported to Prometheus"))
    if otlp_http_port(config) is None:
        found.append(Problem("telemetry", oid, "receivers.otlp", "no OTLP/HTTP receiver: Spin exports over HTTP"))
    return found


def telemetry_problems(docs: list[dict[str, Any]]) -> list[Problem]:
    found: list[Problem] = []
    services = _of(docs, "Service")
    deployments = _of(docs, "Deployment")
    for executor in [d for d in docs if d.get("kind") == "SpinAppExecutor"]:
        oid = obj_id(executor)
        otel = (((executor.get("spec") or {}).get("deploymentConfig")) or {}).get("otel")
        if not otel:
            found.append(Problem("telemetry", oid, "spec.deploymentConfig.otel",
                                 "no otel block: the Spin pods would send no traces or metrics"))
            continue
        for key, url in otel.items():
            at = f"spec.deploymentConfig.otel.{key}"
            parts = urlsplit(str(url))
            if parts.scheme not in ("http", "https") or not parts.hostname:
                found.append(Problem("telemetry", oid, at, f"{url!r} is not an http(s) URL"))
                continue
            want_path = SIGNAL_PATHS.get(key)
            if want_path is not None and parts.path.rstrip("/") != want_path:
                found.append(Problem("telemetry", oid, at,
                                     f"{url!r}: this endpoint's path must be {want_path or 'empty'!r}"))
            svc = _service_for_host(parts.hostname, _meta(executor, "namespace"), services)
            if svc is None:
                found.append(Problem("telemetry", oid, at, f"{parts.hostname!r} is not a Service of this set"))
                continue
            port = parts.port or (443 if parts.scheme == "https" else 80)
            svc_port = next((p for p in (svc.get("spec") or {}).get("ports") or [] if p.get("port") == port), None)
            if svc_port is None:
                found.append(Problem("telemetry", oid, at, f"Service {_meta(svc, 'name')!r} has no port {port}"))
                continue
            backends = _selected_deployments(svc, deployments)
            if not backends:
                found.append(Problem("telemetry", oid, at, f"Service {_meta(svc, 'name')!r} selects no Deployment"))
            for dep in backends:
                container_port = _container_port(dep, svc_port.get("targetPort", port))
                config = collector_config(dep, docs)
                if config is None:
                    found.append(Problem("telemetry", obj_id(dep), "", "no Collector configuration mounted at its --config path"))
                elif container_port != otlp_http_port(config):
                    found.append(Problem("telemetry", oid, at,
                                         f"port {port} of Service {_meta(svc, 'name')!r} leads to container port "
                                         f"{container_port}, not the Collector's OTLP/HTTP receiver ({otlp_http_port(config)})"))
    for dep in deployments:
        config = collector_config(dep, docs)
        if config is not None:
            found += config_problems(obj_id(dep), config)
    return found
