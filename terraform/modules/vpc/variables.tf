variable "name" {
  description = "Name prefix for every resource of the network (for example `orders-dev`)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "cidr_block" {
  description = "IPv4 CIDR of the VPC; a /16 to /20 so each of the 12 subnet slots is a /20 to /24."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && can(regex("^[0-9.]+/(1[6-9]|20)$", var.cidr_block))
    error_message = "cidr_block must be a valid IPv4 CIDR with a prefix length between /16 and /20, such as 10.0.0.0/16."
  }
}

variable "az_count" {
  description = "Number of availability zones to spread subnets over (the database needs at least 2)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4 && floor(var.az_count) == var.az_count
    error_message = "az_count must be a whole number from 2 to 4: Multi-AZ RDS and EKS need subnets in at least two zones."
  }
}

variable "single_nat_gateway" {
  description = "One shared NAT gateway (cheaper) instead of one per zone (survives the loss of a zone)."
  type        = bool
  default     = false
}

variable "cluster_name" {
  description = "EKS cluster name the subnets are tagged for, so the load balancer controller can discover them."
  type        = string
}

variable "flow_log_retention_days" {
  description = "Days the VPC flow log group keeps records."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be one of the CloudWatch Logs retention values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
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
