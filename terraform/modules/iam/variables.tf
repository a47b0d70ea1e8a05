variable "name" {
  description = "Name prefix for the roles (for example `orders-dev`)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "cluster_name" {
  description = "Name of the EKS cluster the deploy role may describe (the cluster is created later, so this is a name, not an ARN)."
  type        = string
}

variable "github_org" {
  description = "GitHub organisation or user that owns the repository allowed to assume the deploy role."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$", var.github_org))
    error_message = "github_org must be a GitHub owner name: 1-39 letters, digits or inner hyphens (no wildcards)."
  }
}

variable "github_repository" {
  description = "Repository name (without the owner) allowed to assume the deploy role."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,100}$", var.github_repository)) && !contains([".", ".."], var.github_repository)
    error_message = "github_repository must be a repository name of letters, digits, '.', '_' or '-' (no owner, no wildcards)."
  }
}

variable "github_branch" {
  description = "The one branch whose workflows may assume the deploy role (pinned exactly in the trust policy)."
  type        = string
  default     = "main"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]{1,200}$", var.github_branch)) && !startswith(var.github_branch, "refs/") && !strcontains(var.github_branch, "..")
    error_message = "github_branch must be a plain branch name such as main or release/v2: no wildcards (* ?), no 'refs/heads/' prefix, no '..'."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub Actions OIDC provider. Set false when the account already has one and pass its ARN."
  type        = bool
  default     = true
}

variable "github_oidc_provider_arn" {
  description = "ARN of an existing token.actions.githubusercontent.com OIDC provider (used when create_github_oidc_provider is false)."
  type        = string
  default     = ""

  validation {
    condition     = var.github_oidc_provider_arn == "" || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.github_oidc_provider_arn))
    error_message = "github_oidc_provider_arn must be empty or the ARN of the token.actions.githubusercontent.com OIDC provider."
  }
}

variable "ecr_repository_names" {
  description = "ECR repositories the deploy role may push images to."
  type        = list(string)
  default     = []
}

variable "permissions_boundary_arn" {
  description = "Managed policy set as the permissions boundary of every role this module creates (null = none). The pipeline's Terraform apply role may only create roles that carry its own boundary."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[A-Za-z0-9+=,.@_/-]+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be null or an IAM managed policy ARN such as arn:aws:iam::123456789012:policy/deploy-terraform-apply-boundary."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
