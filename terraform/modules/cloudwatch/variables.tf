variable "name" {
  description = "Prefix of every alarm and the dashboard (for example `orders-dev`); the pipeline's bake step watches `<name>-*` alarms."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "cluster_name" {
  description = "EKS cluster whose Container Insights metrics the node alarm watches."
  type        = string
}

variable "rds_identifier" {
  description = "RDS instance identifier the database alarms watch."
  type        = string
}

variable "rds_allocated_storage_gib" {
  description = "Allocated storage of the instance, to turn the free-storage percentage into bytes."
  type        = number
}

variable "alb_arn_suffix" {
  description = "ARN suffix (`app/<name>/<id>`) of the service's load balancer, created by the AWS Load Balancer Controller on first deploy. Empty = no ALB alarm yet."
  type        = string
  default     = ""

  validation {
    condition     = var.alb_arn_suffix == "" || can(regex("^app/[A-Za-z0-9-]+/[0-9a-f]+$", var.alb_arn_suffix))
    error_message = "alb_arn_suffix must be empty or look like app/<load-balancer-name>/<hex id>."
  }
}

variable "alarm_actions" {
  description = "SNS topic ARNs notified when an alarm changes to ALARM or back to OK."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.alarm_actions : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", a))])
    error_message = "alarm_actions must contain SNS topic ARNs only."
  }
}

variable "node_cpu_threshold_percent" {
  description = "Average node CPU utilisation that raises the node alarm."
  type        = number
  default     = 80

  validation {
    condition     = var.node_cpu_threshold_percent > 0 && var.node_cpu_threshold_percent <= 100
    error_message = "node_cpu_threshold_percent must be greater than 0 and at most 100."
  }
}

variable "rds_cpu_threshold_percent" {
  description = "Database CPU utilisation that raises the RDS CPU alarm."
  type        = number
  default     = 80

  validation {
    condition     = var.rds_cpu_threshold_percent > 0 && var.rds_cpu_threshold_percent <= 100
    error_message = "rds_cpu_threshold_percent must be greater than 0 and at most 100."
  }
}

variable "rds_free_storage_threshold_percent" {
  description = "Free storage, as a percentage of allocated storage, below which the storage alarm fires."
  type        = number
  default     = 10

  validation {
    condition     = var.rds_free_storage_threshold_percent > 0 && var.rds_free_storage_threshold_percent < 100
    error_message = "rds_free_storage_threshold_percent must be between 0 and 100 (exclusive)."
  }
}

variable "rds_connections_threshold" {
  description = "Number of database connections that raises the connections alarm."
  type        = number
  default     = 100

  validation {
    condition     = var.rds_connections_threshold >= 1
    error_message = "rds_connections_threshold must be at least 1."
  }
}

variable "alb_5xx_threshold" {
  description = "5xx responses per minute (load balancer plus targets) that raise the ALB alarm."
  type        = number
  default     = 10

  validation {
    condition     = var.alb_5xx_threshold >= 1
    error_message = "alb_5xx_threshold must be at least 1."
  }
}

variable "create_composite_alarm" {
  description = "Create the composite alarm <name>-deploy-health (ALARM when any metric alarm is). Turn it off only where CloudWatch has no PutCompositeAlarm, such as a local apply against moto_server 5.2.1."
  type        = bool
  nullable    = false
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
