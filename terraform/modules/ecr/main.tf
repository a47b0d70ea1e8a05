resource "aws_ecr_repository" "this" {
  for_each = toset(var.repository_names)
  name     = each.key

  # The pipeline deploys by digest and tags by commit; a tag must never move to another image.
  image_tag_mutability = "IMMUTABLE"

  # Basic scanning scans each push; with enhanced scanning the registry's configuration (below) decides
  # and the repository setting is ignored.
  image_scanning_configuration {
    scan_on_push = var.scan_type == "basic"
  }

  encryption_configuration {
    encryption_type = "AES256"
  }

  tags = var.tags
}

resource "aws_ecr_lifecycle_policy" "this" {
  for_each   = aws_ecr_repository.this
  repository = each.value.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Expire untagged images after ${var.untagged_expiry_days} days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = var.untagged_expiry_days
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the ${var.keep_tagged_images} most recent tagged images"
        selection = {
          tagStatus      = "tagged"
          tagPatternList = ["*"]
          countType      = "imageCountMoreThan"
          countNumber    = var.keep_tagged_images
        }
        action = { type = "expire" }
      },
    ]
  })
}

# Enhanced scanning is a setting of the registry, which is one per account and Region
# (PutRegistryScanningConfiguration, Amazon ECR API Reference): it lives here, beside the repositories
# it names, with one continuous-scan rule filtered to this module's repositories. Environments that
# share an account and Region share this one configuration, so each apply sets the rule to its own
# repositories: give them the same scan_type, and keep enhanced scanning in one environment per
# account and Region (or one composition that lists every repository).
resource "aws_ecr_registry_scanning_configuration" "this" {
  count     = var.scan_type == "enhanced" ? 1 : 0
  scan_type = "ENHANCED"

  rule {
    scan_frequency = "CONTINUOUS_SCAN"
    dynamic "repository_filter" {
      for_each = toset(var.repository_names)
      content {
        filter      = repository_filter.value
        filter_type = "WILDCARD"
      }
    }
  }
}
