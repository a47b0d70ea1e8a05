provider "aws" {
  # null = AWS_REGION (the pipeline stack's region in its CodeBuild builds); see variable "region".
  region = var.region

  default_tags {
    # Project and Environment as the composition resolves them (its defaults apply when the tfvars are silent).
    tags = merge(module.environment.tags, {
      ManagedBy = "terraform"
      Stack     = "infrastructure"
    })
  }
}
