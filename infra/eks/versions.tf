terraform {
  # 1.10 for the S3 backend's own state lock (backend.tf.example).
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.28"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "~> 3.1"
    }
    # Applies the SpinKube CRDs and the RuntimeClass from this repository's
    # files; unlike kubernetes_manifest, it needs no cluster at plan time, so
    # one `terraform apply` creates the cluster and what runs in it.
    kubectl = {
      source  = "alekc/kubectl"
      version = "~> 2.4"
    }
  }
}
