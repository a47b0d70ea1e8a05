mock_provider "aws" {}

variables {
  repository_names     = ["sample-service", "team/worker"]
  keep_tagged_images   = 25
  untagged_expiry_days = 3
}

run "repositories_are_immutable_scanned_and_pruned" {
  command = apply

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_tag_mutability == "IMMUTABLE"])
    error_message = "Image tags must be immutable."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_scanning_configuration[0].scan_on_push])
    error_message = "Every push must be scanned."
  }

  assert {
    condition     = length(aws_ecr_registry_scanning_configuration.this) == 0
    error_message = "Basic scanning must leave the registry's scanning configuration alone."
  }

  assert {
    condition     = keys(aws_ecr_lifecycle_policy.this) == keys(aws_ecr_repository.this)
    error_message = "Every repository needs a lifecycle policy."
  }

  assert {
    condition = alltrue([for p in aws_ecr_lifecycle_policy.this : anytrue([
      for r in jsondecode(p.policy).rules : r.selection.tagStatus == "untagged" && r.selection.countType == "sinceImagePushed" && r.selection.countNumber == 3 && r.action.type == "expire"
    ])])
    error_message = "Untagged images must expire after untagged_expiry_days."
  }

  assert {
    condition = alltrue([for p in aws_ecr_lifecycle_policy.this : anytrue([
      for r in jsondecode(p.policy).rules : r.selection.tagStatus == "tagged" && r.selection.countType == "imageCountMoreThan" && r.selection.countNumber == 25 && r.action.type == "expire"
    ])])
    error_message = "Only the keep_tagged_images most recent tagged images may be kept."
  }

  assert {
    condition     = alltrue([for p in aws_ecr_lifecycle_policy.this : length(distinct([for r in jsondecode(p.policy).rules : r.rulePriority])) == length(jsondecode(p.policy).rules)])
    error_message = "Lifecycle rule priorities must be unique."
  }
}

# One plan, several bad inputs: the run passes only if every listed variable rejects its value.
run "rejects_bad_input" {
  command = plan
  variables {
    repository_names     = ["Sample-Service"]
    keep_tagged_images   = 0
    untagged_expiry_days = 0
  }
  expect_failures = [var.repository_names, var.keep_tagged_images, var.untagged_expiry_days]
}

run "enhanced_scanning_is_the_registry_setting_for_these_repositories" {
  command = apply
  variables {
    scan_type = "enhanced"
  }

  assert {
    condition     = aws_ecr_registry_scanning_configuration.this[0].scan_type == "ENHANCED"
    error_message = "Enhanced scanning must set the registry's scan type to ENHANCED."
  }

  assert {
    condition     = sort([for f in one(aws_ecr_registry_scanning_configuration.this[0].rule).repository_filter : f.filter]) == sort(var.repository_names)
    error_message = "The continuous-scan rule must name exactly this module's repositories."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : !r.image_scanning_configuration[0].scan_on_push])
    error_message = "With enhanced scanning the repository's scan_on_push is not used and stays off."
  }
}

run "rejects_unknown_scan_type" {
  command = plan
  variables {
    scan_type = "deep"
  }
  expect_failures = [var.scan_type]
}
