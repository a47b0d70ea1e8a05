# Inputs of one environment. environments/<env> passes each of them through from its terraform.tfvars
# (and the TF_VAR_* values of the pipeline); a null from there means "this default".

variable "project" {
  description = "Short project name; resources are named `<project>-<environment>`."
  type        = string
  nullable    = false
  default     = "deploy"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.project))
    error_message = "project must be 2-21 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name (dev, staging, prod, ...)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment must be 2-10 lowercase letters or digits, starting with a letter (for example dev or prod)."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC."
  type        = string
  nullable    = false
  default     = "10.0.0.0/16"
}

variable "az_count" {
  description = "Availability zones to use (2-4)."
  type        = number
  nullable    = false
  default     = 2
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones instead of one per zone."
  type        = bool
  nullable    = false
  default     = false
}

# --- IAM ----------------------------------------------------------------------------------

variable "github_org" {
  description = "Owner of the GitHub repository whose workflows may assume the deploy role."
  type        = string
}

variable "github_repository" {
  description = "GitHub repository (name only) whose workflows may assume the deploy role."
  type        = string
}

variable "github_branch" {
  description = "The one branch whose workflows may assume the deploy role."
  type        = string
  nullable    = false
  default     = "main"
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider in this environment. Off by default: there is one per account, terraform/bootstrap creates it, and every environment of the account uses it (so two environments can share an account). Turn it on only in an account whose provider comes from nowhere else, in one environment."
  type        = bool
  nullable    = false
  default     = false
}

variable "github_oidc_provider_arn" {
  description = "ARN of the account's GitHub OIDC provider when create_github_oidc_provider is false; empty = look it up by its URL (token.actions.githubusercontent.com)."
  type        = string
  nullable    = false
  default     = ""
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
  description = "Namespaces the deploy roles administer (empty = the whole cluster)."
  type        = list(string)
  nullable    = false
  default     = []
}

variable "cluster_admin_role_arns" {
  description = "Roles of the people who operate the cluster; they get cluster-admin access entries."
  type        = list(string)
  nullable    = false
  default     = []

  validation {
    condition     = alltrue([for a in var.cluster_admin_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", a))])
    error_message = "cluster_admin_role_arns must contain IAM role ARNs only."
  }
}

# --- compute ------------------------------------------------------------------------------

variable "kubernetes_version" {
  description = "Kubernetes minor version of the cluster. The pipeline's Helm 4.2 supports 1.33-1.36 and its kubectl 1.36 supports 1.35-1.37 (lib/tool-versions.ts; test/terraform/tool-version-skew.test.ts fails outside both), and EKS must offer it (EKS User Guide, kubernetes-versions-standard: \"Kubernetes 1.36 is now available in Amazon EKS\")."
  type        = string
  nullable    = false
  default     = "1.36"
}

variable "cluster_autoscaler_version" {
  description = "Cluster Autoscaler release; its minor must equal kubernetes_version (the eks module refuses another)."
  type        = string
  nullable    = false
  default     = "1.36.0"
}

variable "node_instance_types" {
  description = "Instance types of the managed node group."
  type        = list(string)
}

variable "node_min_size" {
  description = "Fewest nodes."
  type        = number
}

variable "node_max_size" {
  description = "Most nodes."
  type        = number
}

variable "node_desired_size" {
  description = "Nodes to start with."
  type        = number
}

variable "endpoint_public_access" {
  description = "Expose the Kubernetes API publicly, restricted to public_access_cidrs."
  type        = bool
  nullable    = false
  default     = false
}

variable "public_access_cidrs" {
  description = "CIDRs allowed to the public API endpoint."
  type        = list(string)
  nullable    = false
  default     = []
}

variable "ecr_repository_names" {
  description = "Services with an image, one ECR repository each, named <service>-<environment> (output ecr_repository_names), so environments sharing an account never collide."
  type        = list(string)

  validation {
    condition     = length(var.ecr_repository_names) == length(distinct(var.ecr_repository_names))
    error_message = "ecr_repository_names must not list a service twice."
  }
}

variable "ecr_keep_tagged_images" {
  description = "Tagged images each repository keeps."
  type        = number
  nullable    = false
  default     = 30
}

variable "ecr_scan_type" {
  description = "Image scanning: \"basic\" (scan on push) or \"enhanced\" (Amazon Inspector); the pipeline sets it from its scanType (TF_VAR_ecr_scan_type)."
  type        = string
  nullable    = false
  default     = "basic"
}

# --- data ---------------------------------------------------------------------------------

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  nullable    = false
  default     = "db.t4g.medium"
}

variable "db_allocated_storage_gib" {
  description = "Initial database storage in GiB."
  type        = number
  nullable    = false
  default     = 20
}

variable "db_max_allocated_storage_gib" {
  description = "Storage autoscaling ceiling in GiB."
  type        = number
  nullable    = false
  default     = 100
}

variable "db_backup_retention_days" {
  description = "Days of automated backups (7-35)."
  type        = number
  nullable    = false
  default     = 7
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database."
  type        = bool
}

variable "db_skip_final_snapshot" {
  description = "Delete the database without a final snapshot."
  type        = bool

  validation {
    condition     = var.environment != "prod" || (!var.db_skip_final_snapshot && var.db_deletion_protection)
    error_message = "prod must keep db_deletion_protection = true and db_skip_final_snapshot = false."
  }
}

# --- observability ------------------------------------------------------------------------

variable "log_retention_days" {
  description = "Retention of the VPC flow, EKS control-plane, RDS and Container Insights log groups."
  type        = number
  nullable    = false
  default     = 90
}

variable "alarm_sns_topic_arns" {
  description = "SNS topics notified by the alarms (for example the pipeline's notification topic)."
  type        = list(string)
  nullable    = false
  default     = []
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the service load balancer once the first deploy created it (empty before)."
  type        = string
  nullable    = false
  default     = ""
}

variable "create_composite_alarm" {
  description = "Create the composite alarm <project>-<environment>-deploy-health. Keep it on in AWS; turn it off (TF_VAR_create_composite_alarm=false) for a local apply against moto_server 5.2.1, which does not implement PutCompositeAlarm."
  type        = bool
  nullable    = false
  default     = true
}

variable "rds_connections_threshold" {
  description = "Database connections that raise the connections alarm."
  type        = number
  nullable    = false
  default     = 100
}
