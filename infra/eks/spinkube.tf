# SpinKube as docs/DEPLOY.md section 2 installs it by hand, at the same
# versions (tests/infra holds them equal): cert-manager for the operator's
# webhooks, the operator's CRDs and this repository's RuntimeClass, then the
# operator. The overlays bring their own SpinAppExecutor.

locals {
  cert_manager_version  = "v1.14.3"
  spin_operator_version = "0.6.1"
  # The CRDs exactly as released, which tests/k8s validates the manifests against.
  spin_operator_crds = "${path.module}/../../k8s/crds/spin-operator-v${local.spin_operator_version}"
}

resource "helm_release" "cert_manager" {
  name             = "cert-manager"
  repository       = "https://charts.jetstack.io"
  chart            = "cert-manager"
  version          = local.cert_manager_version
  namespace        = "cert-manager"
  create_namespace = true

  values = [yamlencode({ installCRDs = true })]

  # The load balancer controller's webhooks must answer before other charts create Services.
  depends_on = [helm_release.aws_load_balancer_controller]
}

resource "kubectl_manifest" "spin_operator_crds" {
  for_each = fileset(local.spin_operator_crds, "*.yaml")

  yaml_body = file("${local.spin_operator_crds}/${each.value}")
  # Server-side: the SpinApp CRD is too large for client-side apply's annotation.
  server_side_apply = true

  depends_on = [module.eks]
}

resource "kubectl_manifest" "runtime_class" {
  yaml_body = file("${path.module}/../../runtime-class.yaml")

  depends_on = [module.eks]
}

resource "helm_release" "spin_operator" {
  name             = "spin-operator"
  repository       = "oci://ghcr.io/spinframework/charts"
  chart            = "spin-operator"
  version          = local.spin_operator_version
  namespace        = "spin-operator"
  create_namespace = true

  depends_on = [helm_release.cert_manager, kubectl_manifest.spin_operator_crds]
}
