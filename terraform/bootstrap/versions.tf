terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }
  }

  # Local state on purpose: this root creates the bucket every other state lives in.
  # Keep its terraform.tfstate safe (or migrate it into the bucket afterwards, see README).
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      ManagedBy = "terraform"
      Stack     = "state-bootstrap"
    }
  }
}
