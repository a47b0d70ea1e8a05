variable "project" {
  description = "Project name, as in the infrastructure environment."
  type        = string
  default     = "deploy"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.project))
    error_message = "project must be 2-21 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Environment the settings belong to."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment must be 2-10 lowercase letters or digits, starting with a letter."
  }
}

variable "region" {
  description = "AWS region of the environment."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as eu-west-1."
  }
}

variable "service" {
  description = "Service the settings are for (its Kubernetes namespace has the same name)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.service))
    error_message = "service must be a DNS label: lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "settings" {
  description = "Plain application settings, published as SSM String parameters under /<project>/<environment>/<service>/."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.settings) : can(regex("^[A-Za-z0-9_.-]{1,100}$", k))])
    error_message = "settings keys must be 1-100 letters, digits, '.', '_' or '-' (no slashes)."
  }

  validation {
    # Case-insensitive; PASS and PWD only as a whole word, so PASSENGER_LIMIT passes and DB_PASS does not.
    condition     = alltrue([for k in keys(var.settings) : !can(regex("(?i)(passw(or)?d|secret|token|credential|private_?key|api_?key|access_?key|dsn|database_?url|connection_?string|(^|[_.-])(pass|pwd)($|[_.-]))", k))])
    error_message = "settings must not hold secrets (a key names a password, secret, token, credential, API, access or private key, DSN, database URL or connection string); keep those in Secrets Manager."
  }
}
