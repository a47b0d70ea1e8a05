variable "region" {
  description = "Region of the state bucket: the region of the pipeline stack. null = the provider's region from AWS_REGION (or the profile)."
  type        = string
  default     = null

  validation {
    condition     = var.region == null || can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as eu-west-1 (or unset, to use AWS_REGION)."
  }
}

variable "bucket_name" {
  description = "Name of the Terraform state bucket. null = `<account>-<region>-terraform-state`, the bucket the pipeline's TerraformPlan and TerraformApply builds use (TF_STATE_BUCKET); set it only for state the pipeline never reads."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || (can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.bucket_name)) && !strcontains(coalesce(var.bucket_name, "-"), "--"))
    error_message = "bucket_name must be 3-63 lowercase letters, digits or single hyphens, starting and ending with a letter or digit."
  }
}

variable "noncurrent_version_expiry_days" {
  description = "Days old state versions are kept before they expire (state history for recovery)."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_expiry_days >= 30
    error_message = "noncurrent_version_expiry_days must be at least 30 so a bad apply can be rolled back from history."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub Actions OIDC provider, which the environments' GitHub deploy roles trust. false when the account already has one (for example from a bootstrap in another region)."
  type        = bool
  nullable    = false
  default     = true
}
