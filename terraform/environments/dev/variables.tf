# Pass-through declarations: each variable is described, defaulted and validated once, in
# modules/environment/variables.tf. null (the default here) means "the composition's default".
# The values of this environment are in terraform.tfvars; the pipeline passes the TF_VAR_* ones.

variable "region" {
  description = "AWS region of the environment: the region of the pipeline stack. Never in terraform.tfvars (it would override the pipeline's). null = the provider takes it from AWS_REGION, which CodeBuild sets to the build's (the stack's) region; TF_VAR_region sets it explicitly."
  type        = string
  default     = null

  validation {
    condition     = var.region == null || can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as eu-west-1 (or unset, to use AWS_REGION)."
  }
}

variable "project" {
  type    = string
  default = null
}

variable "environment" {
  type = string
}

variable "vpc_cidr" {
  type    = string
  default = null
}

variable "az_count" {
  type    = number
  default = null
}

variable "single_nat_gateway" {
  type    = bool
  default = null
}

variable "github_org" {
  type = string
}

variable "github_repository" {
  type = string
}

variable "github_branch" {
  type    = string
  default = null
}

variable "create_github_oidc_provider" {
  type    = bool
  default = null
}

variable "github_oidc_provider_arn" {
  type    = string
  default = null
}

variable "pipeline_deploy_role_arn" {
  description = "Role of the pipeline's HelmDeploy build (from the CDK stack); it gets an EKS access entry."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", var.pipeline_deploy_role_arn))
    error_message = "pipeline_deploy_role_arn must be an IAM role ARN such as arn:aws:iam::123456789012:role/deploy."
  }
}

variable "permissions_boundary_arn" {
  description = "Managed policy set as the permissions boundary of every IAM role of the environment (null = none). The pipeline passes its Terraform apply boundary as TF_VAR_permissions_boundary_arn; the apply role may only create roles that carry it."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[A-Za-z0-9+=,.@_/-]+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be null or an IAM managed policy ARN such as arn:aws:iam::123456789012:policy/deploy-terraform-apply-boundary."
  }
}

variable "deploy_namespaces" {
  type    = list(string)
  default = null
}

variable "cluster_admin_role_arns" {
  type    = list(string)
  default = null
}

variable "kubernetes_version" {
  type    = string
  default = null
}

variable "cluster_autoscaler_version" {
  type    = string
  default = null
}

variable "node_instance_types" {
  type = list(string)
}

variable "node_min_size" {
  type = number
}

variable "node_max_size" {
  type = number
}

variable "node_desired_size" {
  type = number
}

variable "endpoint_public_access" {
  type    = bool
  default = null
}

variable "public_access_cidrs" {
  type    = list(string)
  default = null
}

variable "ecr_repository_names" {
  type = list(string)
}

variable "ecr_keep_tagged_images" {
  type    = number
  default = null
}

# Set by the pipeline's TerraformPlan/TerraformApply builds (TF_VAR_ecr_scan_type) from its scanType.
variable "ecr_scan_type" {
  type    = string
  default = null
}

variable "db_instance_class" {
  type    = string
  default = null
}

variable "db_allocated_storage_gib" {
  type    = number
  default = null
}

variable "db_max_allocated_storage_gib" {
  type    = number
  default = null
}

variable "db_backup_retention_days" {
  type    = number
  default = null
}

variable "db_deletion_protection" {
  type = bool
}

variable "db_skip_final_snapshot" {
  type = bool
}

variable "log_retention_days" {
  type    = number
  default = null
}

variable "alarm_sns_topic_arns" {
  type    = list(string)
  default = null
}

variable "alb_arn_suffix" {
  type    = string
  default = null
}

variable "create_composite_alarm" {
  type    = bool
  default = null
}

variable "rds_connections_threshold" {
  type    = number
  default = null
}
