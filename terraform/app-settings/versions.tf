terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }
  }

  # Its own state per environment and service (key app-settings/<env>/<service>.tfstate), so an
  # application change never plans, locks or risks the cluster and the database.
  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      Service     = var.service
      ManagedBy   = "terraform"
      Stack       = "app-settings"
    }
  }
}
