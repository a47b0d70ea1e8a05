variable "cluster_name" {
  description = "Name of the EKS cluster."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9-]{0,99}$", var.cluster_name))
    error_message = "cluster_name must start with a letter and hold at most 100 letters, digits or hyphens."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the control plane and nodes, for example 1.36. It must stay within the support window of the pipeline's Helm and kubectl (lib/tool-versions.ts)."
  type        = string
  default     = "1.36"

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as 1.36 (no patch level, no leading 'v')."
  }
}

variable "vpc_id" {
  description = "VPC of the cluster; the deploy security group is created in it."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must be a VPC id such as vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  description = "Private subnets (at least two zones) for the control-plane interfaces and the nodes."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must list at least two private subnets in different availability zones."
  }
}

variable "cluster_role_arn" {
  description = "IAM role the control plane assumes (from the iam module)."
  type        = string
}

variable "node_role_arn" {
  description = "IAM role of the node instances (from the iam module)."
  type        = string
}

variable "node_instance_types" {
  description = "EC2 instance types of the managed node group."
  type        = list(string)
  default     = ["t3.medium"]

  validation {
    condition     = length(var.node_instance_types) > 0 && alltrue([for t in var.node_instance_types : can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", t))])
    error_message = "node_instance_types must be a non-empty list of EC2 instance types such as t3.medium."
  }
}

variable "node_min_size" {
  description = "Fewest nodes the group scales in to."
  type        = number
  default     = 1

  validation {
    condition     = var.node_min_size >= 1 && floor(var.node_min_size) == var.node_min_size
    error_message = "node_min_size must be a whole number of at least 1 (system pods need a node)."
  }
}

variable "node_max_size" {
  description = "Most nodes the group scales out to."
  type        = number
  default     = 4

  validation {
    condition     = var.node_max_size >= var.node_min_size && var.node_max_size <= 100
    error_message = "node_max_size must be at least node_min_size and at most 100."
  }
}

variable "node_desired_size" {
  description = "Nodes the group starts with."
  type        = number
  default     = 2

  validation {
    condition     = var.node_desired_size >= var.node_min_size && var.node_desired_size <= var.node_max_size
    error_message = "node_desired_size must lie between node_min_size and node_max_size."
  }
}

variable "node_disk_size_gib" {
  description = "Root volume size of each node in GiB."
  type        = number
  default     = 50

  validation {
    condition     = var.node_disk_size_gib >= 20 && var.node_disk_size_gib <= 1000
    error_message = "node_disk_size_gib must be between 20 and 1000."
  }
}

variable "endpoint_public_access" {
  description = "Expose the Kubernetes API endpoint publicly (restricted to public_access_cidrs). Private access is always on."
  type        = bool
  default     = false
}

variable "public_access_cidrs" {
  description = "CIDRs allowed to reach the public API endpoint when endpoint_public_access is true."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.public_access_cidrs : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "public_access_cidrs must be valid IPv4 CIDRs and must not contain 0.0.0.0/0 (turn public access off instead)."
  }
}

variable "enabled_log_types" {
  description = "Control-plane log types sent to CloudWatch Logs."
  type        = list(string)
  default     = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  validation {
    condition     = alltrue([for t in var.enabled_log_types : contains(["api", "audit", "authenticator", "controllerManager", "scheduler"], t)])
    error_message = "enabled_log_types may only contain api, audit, authenticator, controllerManager and scheduler."
  }
}

variable "log_retention_days" {
  description = "Days the control-plane and Container Insights log groups keep records."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the CloudWatch Logs retention values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "access_roles" {
  description = <<-EOT
    IAM roles given Kubernetes access through EKS access entries, keyed by a stable name. `policy` is one of
    cluster-admin, admin, edit, view; `namespaces` limits the policy to those namespaces (empty = whole cluster).
  EOT
  type = map(object({
    principal_arn = string
    policy        = string
    namespaces    = optional(list(string), [])
  }))
  default = {}

  validation {
    condition     = alltrue([for r in values(var.access_roles) : contains(["cluster-admin", "admin", "edit", "view"], r.policy)])
    error_message = "access_roles[*].policy must be one of cluster-admin, admin, edit, view."
  }

  validation {
    condition     = alltrue([for r in values(var.access_roles) : r.policy != "cluster-admin" || length(r.namespaces) == 0])
    error_message = "access_roles with policy cluster-admin cannot be limited to namespaces; use admin or edit for namespace scope."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the secrets encryption key is deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "iam_dependencies" {
  description = "IDs of IAM policy attachments the cluster must wait for (so deletes happen in the right order)."
  type        = list(string)
  default     = []
}

variable "cluster_autoscaler" {
  description = "The Cluster Autoscaler's IAM role (iam module output cluster_autoscaler) and the namespace and service account it runs as; the module associates them through EKS Pod Identity and renders its manifest. null = no node autoscaler."
  type = object({
    role_arn        = string
    namespace       = string
    service_account = string
  })
  default = null
}

variable "cluster_autoscaler_version" {
  description = "Cluster Autoscaler release (registry.k8s.io/autoscaling/cluster-autoscaler), whose minor must be the cluster's: the autoscaler is built for one Kubernetes minor."
  type        = string
  nullable    = false
  default     = "1.36.0"

  validation {
    condition     = can(regex("^1\\.[0-9]+\\.[0-9]+$", var.cluster_autoscaler_version)) && try(join(".", slice(split(".", var.cluster_autoscaler_version), 0, 2)) == var.kubernetes_version, false)
    error_message = "cluster_autoscaler_version must be a release such as 1.36.0 whose minor equals kubernetes_version (raise both together)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
