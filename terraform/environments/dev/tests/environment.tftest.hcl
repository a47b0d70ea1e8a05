# Identical in every environment: it runs this root with its own terraform.tfvars (loaded from the
# configuration directory) and a mocked AWS provider, and checks the values this environment gets.
# How the layers are wired is tested once, in modules/environment/tests.

mock_provider "aws" {
  source = "../../modules/environment/tests/aws-mock"
}

# Values the pipeline passes as TF_VAR_* (they are not in terraform.tfvars, which would override them).
variables {
  pipeline_deploy_role_arn = "arn:aws:iam::123456789012:role/deploy-pipeline-helm-deploy"
  permissions_boundary_arn = "arn:aws:iam::123456789012:policy/deploy-pipeline-terraform-apply-boundary"
}

run "environment_values" {
  command = apply

  assert {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "This test knows the values of dev and prod only; extend it for ${var.environment}."
  }

  assert {
    condition = var.environment != "dev" || module.environment.node_capacity == {
      instance_types = tolist(["t3.medium"])
      min_size       = 1
      max_size       = 4
      desired_size   = 2
    }
    error_message = "dev must run 1-4 t3.medium nodes, 2 desired."
  }

  assert {
    condition = var.environment != "prod" || module.environment.node_capacity == {
      instance_types = tolist(["t3.large"])
      min_size       = 2
      max_size       = 8
      desired_size   = 3
    }
    error_message = "prod must run 2-8 t3.large nodes, 3 desired."
  }

  assert {
    condition     = var.environment != "prod" || (module.environment.database_protection.deletion_protection && module.environment.database_protection.final_snapshot && module.environment.database_protection.backup_retention == 30)
    error_message = "prod must protect the database from deletion, take a final snapshot and keep 30 days of backups."
  }

  assert {
    condition     = var.environment != "dev" || (!module.environment.database_protection.deletion_protection && !module.environment.database_protection.final_snapshot && module.environment.database_protection.backup_retention == 7)
    error_message = "dev must keep 7 days of backups and may delete the database without a final snapshot."
  }

  assert {
    condition     = module.environment.database_protection.multi_az && module.environment.database_protection.storage_encrypted && !module.environment.database_protection.publicly_accessible
    error_message = "Every environment's database must be Multi-AZ, encrypted and private."
  }

  assert {
    condition     = length(output.deploy_network.subnetIds) == (var.environment == "prod" ? 3 : 2)
    error_message = "dev must span 2 zones and prod 3 (deploy_network lists one private subnet per zone)."
  }

  assert {
    condition     = output.cluster_name == "deploy-${var.environment}" && alltrue([for n in values(output.alarm_names) : startswith(n, "deploy-${var.environment}-")])
    error_message = "The cluster and alarms must be named deploy-<environment>, the names the pipeline config uses."
  }

  assert {
    condition     = output.ecr_repository_names == { "sample-service" = "sample-service-${var.environment}" }
    error_message = "The sample service's images must go to sample-service-<environment>, so dev and prod can share an account."
  }

  assert {
    condition     = contains(module.environment.autoscaling.addon_names, "metrics-server") && module.environment.autoscaling.cluster_autoscaler.service_account == "cluster-autoscaler" && strcontains(output.cluster_autoscaler_manifest, "k8s.io/cluster-autoscaler/deploy-${var.environment}\n")
    error_message = "Every environment must scale pods (metrics-server) and nodes (Cluster Autoscaler of its own cluster)."
  }

  assert {
    condition     = !module.environment.creates_github_oidc_provider
    error_message = "The environment must use the account's GitHub OIDC provider from terraform/bootstrap, not create a second one."
  }
}

# The inputs this root checks itself: the provider's region and the pipeline's roles.
run "rejects_a_bad_region_and_bad_pipeline_roles" {
  command = plan
  variables {
    region                   = "Ireland"
    pipeline_deploy_role_arn = "arn:aws:iam::123456789012:user/someone"
    permissions_boundary_arn = "arn:aws:iam::123456789012:role/deploy-pipeline-terraform-apply-boundary"
  }
  expect_failures = [var.region, var.pipeline_deploy_role_arn, var.permissions_boundary_arn]
}
