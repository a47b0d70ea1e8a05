variable "region" {
  description = "Region of the state bucket."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as eu-west-1."
  }
}

variable "bucket_name" {
  description = "Globally unique name of the Terraform state bucket (for example `acme-deploy-tfstate-123456789012`)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.bucket_name)) && !strcontains(var.bucket_name, "--")
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
