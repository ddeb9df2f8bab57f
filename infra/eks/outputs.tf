output "region" {
  value = var.region
}

output "cluster_name" {
  value = module.eks.cluster_name
}

output "update_kubeconfig" {
  description = "Points kubectl at the cluster, as the context named like the cluster."
  value       = "aws eks update-kubeconfig --region ${var.region} --name ${module.eks.cluster_name} --alias ${module.eks.cluster_name}"
}

output "ecr_repository_url" {
  description = "Where `spin deploy --registry` pushes the image."
  value       = aws_ecr_repository.app.repository_url
}

output "registry_login" {
  value = "aws ecr get-login-password --region ${var.region} | spin registry login --username AWS --password-stdin ${split("/", aws_ecr_repository.app.repository_url)[0]}"
}

output "spin_deploy" {
  value = "SPIN_DEPLOY_PLUGIN=kdeploy spin deploy --registry ${aws_ecr_repository.app.repository_url} --overlay eks --context ${module.eks.cluster_name}"
}

output "github_variables" {
  description = "The repository variables the workflows read (`gh variable set NAME --body VALUE`)."
  value = local.github ? {
    AWS_REGION            = var.region
    EKS_CLUSTER           = module.eks.cluster_name
    ECR_REPOSITORY_URL    = aws_ecr_repository.app.repository_url
    AWS_DEPLOY_ROLE_ARN   = aws_iam_role.github["deploy"].arn
    AWS_SCHEDULE_ROLE_ARN = aws_iam_role.github["schedule"].arn
  } : null
}
