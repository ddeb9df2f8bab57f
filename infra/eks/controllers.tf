# The AWS Load Balancer Controller (IngressClass `alb`, for the eks overlay's
# Ingress) and the cluster autoscaler (nodes for the HPAs' replicas), each
# with an IAM role for its service account (IRSA).

module "lb_controller_irsa" {
  #checkov:skip=CKV_TF_1:A registry module pinned to one exact release, as terraform-aws-modules publish them; a commit hash needs a git source, which drops the version.
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts"
  version = "6.5.0"

  name                                   = "${var.cluster_name}-aws-load-balancer-controller"
  attach_load_balancer_controller_policy = true

  oidc_providers = {
    cluster = {
      provider_arn               = module.eks.oidc_provider_arn
      namespace_service_accounts = ["kube-system:aws-load-balancer-controller"]
    }
  }
}

resource "helm_release" "aws_load_balancer_controller" {
  name       = "aws-load-balancer-controller"
  repository = "https://aws.github.io/eks-charts"
  chart      = "aws-load-balancer-controller"
  version    = "3.5.0"
  namespace  = "kube-system"

  values = [yamlencode({
    clusterName = module.eks.cluster_name
    # Given, because the nodes' metadata service is out of the pods' reach (hop limit 1).
    region = var.region
    vpcId  = module.vpc.vpc_id
    serviceAccount = {
      name        = "aws-load-balancer-controller"
      annotations = { "eks.amazonaws.com/role-arn" = module.lb_controller_irsa.arn }
    }
    # The app needs Ingresses only: Services of type LoadBalancer keep their default.
    enableServiceMutatorWebhook = false
  })]

  depends_on = [module.eks]
}

module "cluster_autoscaler_irsa" {
  #checkov:skip=CKV_TF_1:A registry module pinned to one exact release, as terraform-aws-modules publish them; a commit hash needs a git source, which drops the version.
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts"
  version = "6.5.0"

  name                             = "${var.cluster_name}-cluster-autoscaler"
  attach_cluster_autoscaler_policy = true
  cluster_autoscaler_cluster_names = [module.eks.cluster_name]

  oidc_providers = {
    cluster = {
      provider_arn               = module.eks.oidc_provider_arn
      namespace_service_accounts = ["kube-system:cluster-autoscaler"]
    }
  }
}

locals {
  # The autoscaler's minor version must be the cluster's: the newest patch
  # release of each.
  cluster_autoscaler_tags = { "1.34" = "v1.34.5", "1.35" = "v1.35.2", "1.36" = "v1.36.1" }
}

resource "helm_release" "cluster_autoscaler" {
  name       = "cluster-autoscaler"
  repository = "https://kubernetes.github.io/autoscaler"
  chart      = "cluster-autoscaler"
  version    = "9.59.0"
  namespace  = "kube-system"

  values = [yamlencode({
    cloudProvider = "aws"
    awsRegion     = var.region
    # EKS tags a managed node group's Auto Scaling group for this discovery.
    autoDiscovery = { clusterName = module.eks.cluster_name }
    image = {
      tag = lookup(local.cluster_autoscaler_tags, var.kubernetes_version, "v${var.kubernetes_version}.0")
    }
    rbac = {
      serviceAccount = {
        name        = "cluster-autoscaler"
        annotations = { "eks.amazonaws.com/role-arn" = module.cluster_autoscaler_irsa.arn }
      }
    }
  })]

  depends_on = [module.eks]
}
