variable "region" {
  description = "AWS region of the cluster and the image repository."
  type        = string
  default     = "us-east-1"
}

variable "cluster_name" {
  description = "Name of the EKS cluster, and prefix of what belongs to it."
  type        = string
  default     = "car-ml"
}

variable "kubernetes_version" {
  # In EKS standard support, and among the versions whose schemas tests/k8s
  # validates the manifests against (tests/infra holds both equal).
  description = "Kubernetes version of the control plane and the nodes."
  type        = string
  default     = "1.35"
}

variable "vpc_cidr" {
  description = "Address range of the VPC: a /20 of private addresses per zone for nodes and pods, a /24 of public ones for load balancers."
  type        = string
  default     = "10.0.0.0/16"
}

variable "az_count" {
  description = "Number of availability zones to spread subnets and nodes over."
  type        = number
  default     = 3
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper) rather than one per zone (survives a zone's loss)."
  type        = bool
  default     = true
}

variable "api_public_cidrs" {
  description = "Addresses allowed to reach the Kubernetes API's public endpoint (kubectl, GitHub's runners); narrow it where you can."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "node_instance_types" {
  # 3 x 4 vCPU hold the eks overlay's minimum (30 pods requesting 250m) with
  # the cluster's own services; the autoscaler adds nodes up to the maximum.
  description = "EC2 instance types of the node group (x86_64; for Graviton, also set node_ami_type)."
  type        = list(string)
  default     = ["c7i.xlarge"]
}

variable "node_ami_type" {
  description = "EKS AMI of the nodes: AL2023_x86_64_STANDARD, or AL2023_ARM_64_STANDARD for Graviton instance types."
  type        = string
  default     = "AL2023_x86_64_STANDARD"

  validation {
    condition     = startswith(var.node_ami_type, "AL2023_")
    error_message = "The nodes' user data is written for Amazon Linux 2023 (nodeadm)."
  }
}

variable "node_capacity_type" {
  description = "ON_DEMAND or SPOT."
  type        = string
  default     = "ON_DEMAND"
}

variable "node_min_size" {
  description = "Fewest nodes: what the cluster's own services need while the app is frozen."
  type        = number
  default     = 2
}

variable "node_desired_size" {
  description = "Nodes at creation; the cluster autoscaler moves it between the minimum and the maximum."
  type        = number
  default     = 3
}

variable "node_max_size" {
  description = "Most nodes: room for every service at its HPA maximum (25 replicas each)."
  type        = number
  default     = 6
}

variable "spin_shim_version" {
  description = "containerd-shim-spin release installed on every node; the Spin it embeds must run the pushed image (docs/DEPLOY.md)."
  type        = string
  default     = "v0.24.0"
}

variable "spin_shim_sha256" {
  description = "SHA-256 of the shim's release tarball per architecture (x86_64, aarch64); the nodes verify it when it is given."
  type        = map(string)
  default     = {}
}

variable "ecr_repository" {
  description = "Name of the ECR repository for the app's image."
  type        = string
  default     = "car-ml"
}

variable "ecr_force_delete" {
  description = "Let `terraform destroy` delete the ECR repository with its images."
  type        = bool
  default     = false
}

variable "observability" {
  description = "Install the OpenTelemetry Collector's back-ends: Jaeger for traces, Prometheus and Grafana (kube-prometheus-stack) for metrics and the dashboard."
  type        = bool
  default     = true
}

variable "github_repository" {
  description = "owner/name of the GitHub repository whose workflows deploy, freeze and thaw; empty: no GitHub roles."
  type        = string
  default     = ""
}

variable "github_environment" {
  description = "GitHub environment of the release workflow's deploy job; only it may assume the deploy role."
  type        = string
  default     = "production"
}

variable "github_schedule_ref" {
  description = "Git ref whose scheduled freeze and thaw runs may assume the schedule role."
  type        = string
  default     = "refs/heads/main"
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider; false when the account has one already (there can be only one)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every AWS resource."
  type        = map(string)
  default = {
    Project   = "car-ml"
    ManagedBy = "terraform"
  }
}
