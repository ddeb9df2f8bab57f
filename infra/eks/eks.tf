locals {
  shim_arch = startswith(var.node_ami_type, "AL2023_ARM_64") ? "aarch64" : "x86_64"
  shim_args = concat(
    ["--shim", var.spin_shim_version],
    contains(keys(var.spin_shim_sha256), local.shim_arch) ? ["--sha256", var.spin_shim_sha256[local.shim_arch]] : [],
  )

  # The shim goes on through the launch template's user data rather than
  # SpinKube's runtime-class-manager: the node runs the same script that
  # tests/infra checks against a real containerd, before the kubelet starts,
  # so no pod is ever scheduled onto a node without it, and nothing more
  # runs in the cluster with the rights to rewrite its nodes.
  node_user_data = templatefile("${path.module}/templates/node-user-data.sh.tftpl", {
    install_script = chomp(file("${path.module}/../node/install-spin-shim.sh"))
    install_args   = join(" ", local.shim_args)
  })
}

module "eks" {
  #checkov:skip=CKV_TF_1:A registry module pinned to one exact release, as terraform-aws-modules publish them; a commit hash needs a git source, which drops the version.
  source  = "terraform-aws-modules/eks/aws"
  version = "21.19.0"

  name               = var.cluster_name
  kubernetes_version = var.kubernetes_version
  # A version past standard support would cost $0.60 an hour instead of
  # $0.10: upgrade instead of paying for extended support.
  upgrade_policy = { support_type = "STANDARD" }

  endpoint_public_access       = true
  endpoint_public_access_cidrs = var.api_public_cidrs
  # Whoever runs `terraform apply` administers the cluster (an access entry).
  enable_cluster_creator_admin_permissions = true

  vpc_id     = module.vpc.vpc_id
  subnet_ids = module.vpc.private_subnets

  addons = {
    vpc-cni        = { before_compute = true }
    kube-proxy     = {}
    coredns        = {}
    metrics-server = {} # the HPAs' CPU metrics
  }

  eks_managed_node_groups = {
    spin = {
      ami_type       = var.node_ami_type
      instance_types = var.node_instance_types
      capacity_type  = var.node_capacity_type
      min_size       = var.node_min_size
      max_size       = var.node_max_size
      desired_size   = var.node_desired_size

      # EKS joins this shell part, in a MIME multipart, with its own nodeadm part.
      cloudinit_pre_nodeadm = [{
        content_type = "text/x-shellscript"
        content      = local.node_user_data
      }]
    }
  }

  access_entries = local.github_access_entries
}
