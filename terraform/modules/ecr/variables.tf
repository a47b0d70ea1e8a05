variable "repository_names" {
  description = "ECR repositories to create, one per service image."
  type        = list(string)

  validation {
    condition     = length(var.repository_names) > 0 && alltrue([for n in var.repository_names : can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", n)) && length(n) >= 2 && length(n) <= 256])
    error_message = "repository_names must be a non-empty list of ECR names: lowercase letters, digits and single '.', '_', '-' or '/' separators, 2-256 characters."
  }
}

variable "keep_tagged_images" {
  description = "Number of most recent tagged images each repository keeps; older ones expire."
  type        = number
  default     = 30

  validation {
    condition     = var.keep_tagged_images >= 1 && var.keep_tagged_images <= 1000 && floor(var.keep_tagged_images) == var.keep_tagged_images
    error_message = "keep_tagged_images must be a whole number from 1 to 1000."
  }
}

variable "untagged_expiry_days" {
  description = "Days after which untagged images (failed or superseded pushes) expire."
  type        = number
  default     = 7

  validation {
    condition     = var.untagged_expiry_days >= 1 && var.untagged_expiry_days <= 365
    error_message = "untagged_expiry_days must be between 1 and 365."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "scan_type" {
  description = "Image scanning of these repositories: \"basic\" (scan on push) or \"enhanced\" (Amazon Inspector, continuous). The pipeline's config key scanType; the deploy pipeline's scan gate waits for scans of this kind."
  type        = string
  default     = "basic"

  validation {
    condition     = contains(["basic", "enhanced"], var.scan_type)
    error_message = "scan_type must be \"basic\" or \"enhanced\"."
  }
}
