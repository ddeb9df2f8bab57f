# The OpenTelemetry Collector's back-ends (k8s/components/telemetry,
# docs/OPERATING.md): Jaeger, to which it sends traces, and Prometheus, which
# scrapes its metrics, with Grafana for the dashboard it ships and
# kube-state-metrics for the replicas panel. Both keep their data on the
# node (in memory, or emptyDir): enough to follow requests and alerts, not an
# archive. Loki, for the dashboard's payload-log panels, is not installed.

resource "helm_release" "jaeger" {
  count = var.observability ? 1 : 0

  name             = "jaeger"
  repository       = "https://jaegertracing.github.io/helm-charts"
  chart            = "jaeger"
  version          = "4.11.1"
  namespace        = "observability"
  create_namespace = true

  # The Service the Collector sends to: jaeger-collector.observability.svc.cluster.local:4317.
  values = [yamlencode({ fullnameOverride = "jaeger-collector" })]

  depends_on = [helm_release.aws_load_balancer_controller]
}

resource "helm_release" "kube_prometheus_stack" {
  count = var.observability ? 1 : 0

  name             = "kube-prometheus-stack"
  repository       = "https://prometheus-community.github.io/helm-charts"
  chart            = "kube-prometheus-stack"
  version          = "88.5.3"
  namespace        = "observability"
  create_namespace = true

  values = [yamlencode({
    prometheus = {
      prometheusSpec = { retention = "7d" }
      # The Collector's Prometheus exporter, port `prometheus` (8889) of its pods.
      additionalPodMonitors = [{
        name                = "otel-collector"
        namespaceSelector   = { matchNames = ["car-ml"] }
        selector            = { matchLabels = { "app.kubernetes.io/name" = "otel-collector" } }
        podMetricsEndpoints = [{ port = "prometheus" }]
      }]
    }
    grafana = {
      # The chart's dashboard sidecar loads the ConfigMap car-ml-grafana-dashboard
      # (label grafana_dashboard: "1") from any namespace; traces are one click away.
      additionalDataSources = [{
        name   = "Jaeger"
        type   = "jaeger"
        uid    = "jaeger"
        access = "proxy"
        url    = "http://jaeger-collector.observability.svc.cluster.local:16686"
      }]
    }
  })]

  depends_on = [helm_release.aws_load_balancer_controller]
}
