# Plan only: the bucket has prevent_destroy, so a mocked apply could not be torn down. Mocked values
# are used during plan so the policy (built from the bucket ARN) is known and can be asserted on.
mock_provider "aws" {
  override_during = plan
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::acme-deploy-tfstate-123456789012" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
}

variables {
  region      = "eu-west-1"
  bucket_name = "acme-deploy-tfstate-123456789012"
}

run "state_bucket_is_versioned_encrypted_private_and_tls_only" {
  command = plan

  assert {
    condition     = aws_s3_bucket_versioning.state.versioning_configuration[0].status == "Enabled"
    error_message = "State history needs versioning."
  }

  assert {
    condition     = one([for r in aws_s3_bucket_server_side_encryption_configuration.state.rule : r.apply_server_side_encryption_by_default[0].sse_algorithm]) == "aws:kms"
    error_message = "State must be encrypted at rest with KMS."
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.state.block_public_acls,
      aws_s3_bucket_public_access_block.state.block_public_policy,
      aws_s3_bucket_public_access_block.state.ignore_public_acls,
      aws_s3_bucket_public_access_block.state.restrict_public_buckets,
    ])
    error_message = "All public access must be blocked."
  }

  assert {
    condition = anytrue([for s in jsondecode(aws_s3_bucket_policy.state.policy).Statement :
      s.Effect == "Deny" && s.Action == "s3:*" && try(s.Condition.Bool["aws:SecureTransport"], "") == "false"
    ])
    error_message = "The bucket policy must deny every request without TLS."
  }
}

run "old_state_versions_and_lock_delete_markers_expire" {
  command = plan

  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.state.rule[0].noncurrent_version_expiration).noncurrent_days == var.noncurrent_version_expiry_days
    error_message = "Old state versions must expire."
  }

  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.state.rule[0].expiration).expired_object_delete_marker == true
    error_message = "Delete markers left by removed lock files must expire."
  }
}

run "creates_the_accounts_github_oidc_provider_once" {
  command = plan

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 1 && aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com" && aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"])
    error_message = "The bootstrap must create the account's GitHub OIDC provider with the STS audience (the environments only look it up)."
  }
}

run "leaves_an_existing_github_oidc_provider_alone" {
  command = plan

  variables {
    create_github_oidc_provider = false
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0 && output.github_oidc_provider_arn == null
    error_message = "create_github_oidc_provider = false must create no provider."
  }
}

# Without bucket_name the bucket is the one the pipeline's Terraform stages use.
run "default_bucket_is_the_pipelines" {
  command = plan

  variables {
    region      = null
    bucket_name = null
  }

  assert {
    condition     = aws_s3_bucket.state.bucket == "123456789012-eu-west-1-terraform-state"
    error_message = "The default state bucket must be <account>-<region>-terraform-state, the name the pipeline's Terraform builds use."
  }

  assert {
    condition     = strcontains(output.backend_config_example, "-backend-config=bucket=123456789012-eu-west-1-terraform-state -backend-config=key=sample-service/dev/infra.tfstate -backend-config=region=eu-west-1")
    error_message = "The example init must use the stages' bucket and key."
  }
}

run "rejects_an_invalid_bucket_name" {
  command = plan
  variables {
    bucket_name = "Terraform_State"
  }
  expect_failures = [var.bucket_name]
}
