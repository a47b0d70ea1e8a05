terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }
  }

  # Partial configuration: bucket, key and region come from `terraform init -backend-config=...`,
  # so dev and prod share this file and still keep one state each (see terraform/README.md).
  # Locking uses an S3 lock file next to the state; no DynamoDB table.
  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }
}
