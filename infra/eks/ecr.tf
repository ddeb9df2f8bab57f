resource "aws_ecr_repository" "app" {
  #checkov:skip=CKV_AWS_51:Deployments pin the digest that was pushed (kdeploy), so a moved tag never changes what runs, and a re-run release can push its tag again.
  name                 = var.ecr_repository
  image_tag_mutability = "MUTABLE"
  force_delete         = var.ecr_force_delete

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
  }
}

resource "aws_ecr_lifecycle_policy" "app" {
  repository = aws_ecr_repository.app.name

  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the 50 newest images: rollbacks go back one release, rarely fifty."
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = 50
      }
      action = { type = "expire" }
    }]
  })
}
