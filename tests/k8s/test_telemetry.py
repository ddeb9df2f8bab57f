"""Telemetry in every environment: the executor points at the Collector's
OTLP/HTTP receiver through its Service, the Collector's pipelines are whole,
and the Grafana dashboard queries the series and log fields that exist."""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import APP_OVERLAYS, REPO, one, rendered
from k8scheck.telemetry import collector_config, otlp_http_port, telemetry_problems

TELEMETRY = REPO / "k8s" / "components" / "telemetry"


def _telemetry(problems):
    return [p for p in problems if p.check == "telemetry"]


@pytest.mark.parametrize("env", sorted(APP_OVERLAYS))
def test_the_executor_sends_traces_and_metrics_to_the_collectors_otlp_http_port(env):
    docs = rendered(APP_OVERLAYS[env])
    otel = one(docs, "SpinAppExecutor", "containerd-shim-spin")["spec"]["deploymentConfig"]["otel"]
    assert set(otel) == {"exporter_otlp_traces_endpoint", "exporter_otlp_metrics_endpoint"}
    service = one(docs, "Service", "otel-collector")
    collector = one(docs, "Deployment", "otel-collector")
    (http_port,) = [p for p in service["spec"]["ports"] if p["name"] == "otlp-http"]
    (container,) = collector["spec"]["template"]["spec"]["containers"]
    (target,) = [p["containerPort"] for p in container["ports"] if p["name"] == http_port["targetPort"]]
    assert target == otlp_http_port(collector_config(collector, docs)) == 4318
    for key, path in (("exporter_otlp_traces_endpoint", "/v1/traces"),
                      ("exporter_otlp_metrics_endpoint", "/v1/metrics")):
        url = urlsplit(otel[key])
        assert url.hostname == "otel-collector.car-ml.svc.cluster.local"
        assert url.port == http_port["port"]
        assert url.path == path


@pytest.mark.parametrize("env", sorted(APP_OVERLAYS))
def test_the_overlay_has_no_telemetry_problems(env):
    assert _telemetry(telemetry_problems(rendered(APP_OVERLAYS[env]))) == []


def _otel(docs):
    return one(docs, "SpinAppExecutor", "containerd-shim-spin")["spec"]["deploymentConfig"]["otel"]


def _collector_config_map(docs):
    return next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("otel-collector-config-"))


def _edit_config(docs, edit):
    config_map = _collector_config_map(docs)
    import yaml
    config = yaml.safe_load(config_map["data"]["config.yaml"])
    edit(config)
    config_map["data"]["config.yaml"] = yaml.safe_dump(config)


BROKEN = [
    ("no-otel-block", lambda d: one(d, "SpinAppExecutor", "containerd-shim-spin")["spec"]["deploymentConfig"].pop("otel"),
     "no otel block"),
    ("wrong-service", lambda d: _otel(d).update(
        exporter_otlp_traces_endpoint="http://otel.car-ml.svc.cluster.local:4318/v1/traces"),
     "'otel.car-ml.svc.cluster.local' is not a Service"),
    ("wrong-namespace", lambda d: _otel(d).update(
        exporter_otlp_traces_endpoint="http://otel-collector.monitoring.svc.cluster.local:4318/v1/traces"),
     "is not a Service of this set"),
    ("grpc-port-for-http", lambda d: _otel(d).update(
        exporter_otlp_metrics_endpoint="http://otel-collector.car-ml.svc.cluster.local:4317/v1/metrics"),
     "not the Collector's OTLP/HTTP receiver (4318)"),
    ("port-not-on-the-service", lambda d: _otel(d).update(
        exporter_otlp_metrics_endpoint="http://otel-collector.car-ml.svc.cluster.local:55681/v1/metrics"),
     "has no port 55681"),
    ("signal-endpoint-without-its-path", lambda d: _otel(d).update(
        exporter_otlp_traces_endpoint="http://otel-collector.car-ml.svc.cluster.local:4318"),
     "this endpoint's path must be '/v1/traces'"),
    ("receiver-on-another-port", lambda d: _edit_config(
        d, lambda c: c["receivers"]["otlp"]["protocols"]["http"].update(endpoint="0.0.0.0:4319")),
     "not the Collector's OTLP/HTTP receiver (4319)"),
    ("pipeline-uses-an-undefined-exporter", lambda d: _edit_config(
        d, lambda c: c["service"]["pipelines"]["traces"]["exporters"].append("zipkin")),
     "'zipkin' is not defined in exporters"),
    ("no-prometheus-exporter", lambda d: _edit_config(
        d, lambda c: c["service"]["pipelines"]["metrics"].update(exporters=["debug"])),
     "metrics must be exported to Prometheus"),
    ("service-selects-nothing", lambda d: one(d, "Service", "otel-collector")["spec"].update(
        selector={"app.kubernetes.io/name": "otelcol"}),
     "selects no Deployment"),
]


@pytest.mark.parametrize("case", BROKEN, ids=[c[0] for c in BROKEN])
def test_broken_telemetry_fails(validator, eks_docs, case):
    _id, mutate, text = case
    assert _telemetry(validator.validate(eks_docs)) == []
    mutate(eks_docs)
    problems = _telemetry(validator.validate(eks_docs))
    assert any(text in str(p) for p in problems), "\n".join(map(str, problems))


# --- the dashboard ---------------------------------------------------------------

def _dashboard(docs):
    return json.loads(one(docs, "ConfigMap", "car-ml-grafana-dashboard")["data"]["car-ml.json"])


def _prometheus_name(otel_name, suffix):
    return otel_name.replace(".", "_") + suffix


def test_the_dashboard_is_provisioned_for_grafanas_sidecar(eks_docs):
    config_map = one(eks_docs, "ConfigMap", "car-ml-grafana-dashboard")
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    dashboard = _dashboard(eks_docs)
    assert dashboard["uid"] == "car-ml"
    titles = [p["title"] for p in dashboard["panels"]]
    for wanted in ("Requests per second", "Latency p50 and p99", "Error rate, by status",
                   "Replicas per SpinApp", "Sentiment labels", "Car value estimates"):
        assert any(t.startswith(wanted) for t in titles), titles
    for panel in dashboard["panels"]:
        assert panel["description"], panel["title"]
        assert panel["datasource"]["uid"] in ("${prometheus}", "${loki}")


def test_the_dashboards_metrics_are_those_the_collector_exports(eks_docs):
    import yaml
    config = yaml.safe_load(_collector_config_map(eks_docs)["data"]["config.yaml"])
    spanmetrics = config["connectors"]["spanmetrics"]
    assert spanmetrics["histogram"]["unit"] == "s"
    namespace = spanmetrics["namespace"]
    known = {
        _prometheus_name(f"{namespace}.calls", "_total"),
        _prometheus_name(f"{namespace}.duration", "_seconds_bucket"),
        # Spin's own counter `spin.request_count`, a monotonic sum
        "spin_request_count_total",
        # kube-state-metrics
        "kube_deployment_status_replicas_available",
    }
    labels = {d["name"].replace(".", "_") for d in spanmetrics["dimensions"]} | {
        "span_kind", "component_id", "deployment", "namespace", "le"}
    for panel in _dashboard(eks_docs)["panels"]:
        if panel["datasource"]["type"] != "prometheus":
            continue
        for target in panel["targets"]:
            metrics = set(re.findall(r"\b([a-z_]+)[{[]", target["expr"]))
            assert metrics and metrics <= known, (panel["title"], metrics - known)
            used = set(re.findall(r"by \(([^)]*)\)", target["expr"]))
            used = {label.strip() for group in used for label in group.split(",")}
            assert used <= labels, (panel["title"], used - labels)


def test_the_dashboards_log_queries_read_fields_of_the_payload_lines(eks_docs):
    """Loki's `json` stage names nested fields `car_value_usd`: every field a
    query reads is in the documented example line."""
    schema = re.search(r'pub const SCHEMA: &str = "([^"]+)"',
                       (REPO / "crates/payload-log/src/lib.rs").read_text()).group(1)
    doc = (REPO / "docs/OPERATING.md").read_text()
    example = json.loads(next(line for line in doc.splitlines() if line.startswith('{"schema":')))

    def flatten(obj, prefix=""):
        for key, value in obj.items():
            if isinstance(value, dict):
                yield from flatten(value, f"{prefix}{key}_")
            else:
                yield f"{prefix}{key}"

    fields = set(flatten(example))
    for panel in _dashboard(eks_docs)["panels"]:
        if panel["datasource"]["type"] != "loki":
            continue
        for target in panel["targets"]:
            expr = target["expr"]
            assert f'"schema":"{schema}"' in expr
            read = set(re.findall(r"unwrap (\w+)", expr))
            read |= {label.strip() for group in re.findall(r"by \(([^)]*)\)", expr) for label in group.split(",")}
            read |= set(re.findall(r"\| (\w+) !=", expr))
            assert read and read <= fields, (panel["title"], read - fields)
