# Roles for the repository's GitHub Actions workflows, assumed through
# GitHub's OIDC tokens (no long-lived keys), each by one kind of run only:
# `deploy` by the release workflow's job in the protected environment,
# `schedule` by the freeze and thaw runs of the default branch.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  github          = var.github_repository != ""
  github_oidc_url = "token.actions.githubusercontent.com"
  github_oidc_provider_arn = (var.create_github_oidc_provider
    ? one(aws_iam_openid_connect_provider.github[*].arn)
  : "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/${local.github_oidc_url}")

  github_subjects = local.github ? {
    deploy   = "repo:${var.github_repository}:environment:${var.github_environment}"
    schedule = "repo:${var.github_repository}:ref:${var.github_schedule_ref}"
  } : {}

  # The Kubernetes group that scripts/freeze and scripts/thaw need, and no more.
  freeze_thaw_group = "car-ml-freeze-thaw"

  github_access_entries = local.github ? {
    github_deploy = {
      # The overlay creates the car-ml Namespace, and the smoke test reads
      # the API keys' Secret: a deployment needs the whole cluster.
      principal_arn = aws_iam_role.github["deploy"].arn
      policy_associations = {
        admin = {
          policy_arn   = "arn:${data.aws_partition.current.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
          access_scope = { type = "cluster" }
        }
      }
    }
    github_schedule = {
      principal_arn     = aws_iam_role.github["schedule"].arn
      kubernetes_groups = [local.freeze_thaw_group]
    }
  } : {}
}

resource "aws_iam_openid_connect_provider" "github" {
  count = local.github && var.create_github_oidc_provider ? 1 : 0

  url            = "https://${local.github_oidc_url}"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "github_trust" {
  for_each = local.github_subjects

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_url}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_url}:sub"
      values   = [each.value]
    }
  }
}

resource "aws_iam_role" "github" {
  for_each = local.github_subjects

  name               = "${var.cluster_name}-github-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.github_trust[each.key].json
}

data "aws_iam_policy_document" "github_deploy" {
  #checkov:skip=CKV_AWS_356:ecr:GetAuthorizationToken acts on no resource; AWS accepts only "*" for it.
  statement {
    sid       = "RegistryLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PushAndPull"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImages",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = [aws_ecr_repository.app.arn]
  }

  statement {
    sid       = "Kubeconfig"
    actions   = ["eks:DescribeCluster"]
    resources = [module.eks.cluster_arn]
  }
}

data "aws_iam_policy_document" "github_schedule" {
  statement {
    sid       = "Kubeconfig"
    actions   = ["eks:DescribeCluster"]
    resources = [module.eks.cluster_arn]
  }
}

resource "aws_iam_role_policy" "github" {
  for_each = local.github_subjects

  name = "${var.cluster_name}-github-${each.key}"
  role = aws_iam_role.github[each.key].id
  policy = {
    deploy   = data.aws_iam_policy_document.github_deploy.json
    schedule = data.aws_iam_policy_document.github_schedule.json
  }[each.key]
}

# What scripts/k8s-freeze-thaw calls kubectl for, in any namespace.
resource "kubectl_manifest" "freeze_thaw_role" {
  count = local.github ? 1 : 0

  yaml_body = yamlencode({
    apiVersion = "rbac.authorization.k8s.io/v1"
    kind       = "ClusterRole"
    metadata   = { name = local.freeze_thaw_group }
    rules = [
      { apiGroups = ["core.spinkube.dev"], resources = ["spinapps"], verbs = ["get", "list", "patch"] },
      { apiGroups = ["apps"], resources = ["deployments"], verbs = ["get", "list"] },
      { apiGroups = ["apps"], resources = ["deployments/scale"], verbs = ["get", "patch", "update"] },
      { apiGroups = ["autoscaling"], resources = ["horizontalpodautoscalers"], verbs = ["get", "list", "create", "update", "delete"] },
      { apiGroups = [""], resources = ["configmaps"], verbs = ["get", "create", "delete"] },
    ]
  })

  depends_on = [module.eks]
}

resource "kubectl_manifest" "freeze_thaw_binding" {
  count = local.github ? 1 : 0

  yaml_body = yamlencode({
    apiVersion = "rbac.authorization.k8s.io/v1"
    kind       = "ClusterRoleBinding"
    metadata   = { name = local.freeze_thaw_group }
    roleRef    = { apiGroup = "rbac.authorization.k8s.io", kind = "ClusterRole", name = local.freeze_thaw_group }
    subjects   = [{ apiGroup = "rbac.authorization.k8s.io", kind = "Group", name = local.freeze_thaw_group }]
  })

  depends_on = [kubectl_manifest.freeze_thaw_role]
}
