# Composition order: network -> IAM -> compute -> data -> observability. Each layer reads only
# outputs of the layers above it, so there are no cycles.

locals {
  name = "${var.project}-${var.environment}"
  tags = {
    Project     = var.project
    Environment = var.environment
  }
  # Environments may share an AWS account, so everything named in it carries the environment: the
  # image repository of service s is "<s>-<environment>" (ECR names are unique per account and region).
  ecr_repository_names = { for s in var.ecr_repository_names : s => "${s}-${var.environment}" }
  # The GitHub OIDC provider is unique per account (one per URL), so terraform/bootstrap creates it once
  # and every environment of the account finds it here, unless told to create it or given its ARN.
  github_oidc_provider_arn = var.create_github_oidc_provider ? "" : (
    var.github_oidc_provider_arn != "" ? var.github_oidc_provider_arn : one(data.aws_iam_openid_connect_provider.github[*].arn)
  )
}

data "aws_region" "current" {}

data "aws_iam_openid_connect_provider" "github" {
  count = !var.create_github_oidc_provider && var.github_oidc_provider_arn == "" ? 1 : 0
  url   = "https://token.actions.githubusercontent.com"
}

module "vpc" {
  source = "../vpc"

  name                     = local.name
  cluster_name             = local.name
  cidr_block               = var.vpc_cidr
  az_count                 = var.az_count
  single_nat_gateway       = var.single_nat_gateway
  flow_log_retention_days  = var.log_retention_days
  permissions_boundary_arn = var.permissions_boundary_arn
  tags                     = local.tags
}

module "iam" {
  source = "../iam"

  name                        = local.name
  cluster_name                = local.name
  github_org                  = var.github_org
  github_repository           = var.github_repository
  github_branch               = var.github_branch
  create_github_oidc_provider = var.create_github_oidc_provider
  github_oidc_provider_arn    = local.github_oidc_provider_arn
  ecr_repository_names        = values(local.ecr_repository_names)
  permissions_boundary_arn    = var.permissions_boundary_arn
  tags                        = local.tags
}

module "eks" {
  source = "../eks"

  cluster_name           = local.name
  kubernetes_version     = var.kubernetes_version
  vpc_id                 = module.vpc.vpc_id
  subnet_ids             = module.vpc.private_subnet_ids
  cluster_role_arn       = module.iam.cluster_role_arn
  node_role_arn          = module.iam.node_role_arn
  iam_dependencies       = module.iam.policy_attachment_ids
  node_instance_types    = var.node_instance_types
  node_min_size          = var.node_min_size
  node_max_size          = var.node_max_size
  node_desired_size      = var.node_desired_size
  endpoint_public_access = var.endpoint_public_access
  public_access_cidrs    = var.public_access_cidrs
  log_retention_days     = var.log_retention_days
  cluster_autoscaler = {
    role_arn        = module.iam.cluster_autoscaler.role_arn
    namespace       = module.iam.cluster_autoscaler.namespace
    service_account = module.iam.cluster_autoscaler.service_account
  }
  cluster_autoscaler_version = var.cluster_autoscaler_version
  access_roles = merge(
    {
      pipeline-deploy = { principal_arn = var.pipeline_deploy_role_arn, policy = "admin", namespaces = var.deploy_namespaces }
      github-deploy   = { principal_arn = module.iam.github_deploy_role_arn, policy = "admin", namespaces = var.deploy_namespaces }
    },
    { for arn in var.cluster_admin_role_arns : "admin-${element(split("/", arn), length(split("/", arn)) - 1)}" => { principal_arn = arn, policy = "cluster-admin" } },
  )
  tags = local.tags
}

module "ecr" {
  source = "../ecr"

  repository_names   = values(local.ecr_repository_names)
  keep_tagged_images = var.ecr_keep_tagged_images
  scan_type          = var.ecr_scan_type
  tags               = local.tags
}

module "rds" {
  source = "../rds"

  identifier                = local.name
  vpc_id                    = module.vpc.vpc_id
  subnet_ids                = module.vpc.database_subnet_ids
  allowed_security_group_id = module.eks.cluster_security_group_id
  instance_class            = var.db_instance_class
  allocated_storage_gib     = var.db_allocated_storage_gib
  max_allocated_storage_gib = var.db_max_allocated_storage_gib
  backup_retention_days     = var.db_backup_retention_days
  deletion_protection       = var.db_deletion_protection
  skip_final_snapshot       = var.db_skip_final_snapshot
  monitoring_role_arn       = module.iam.rds_monitoring_role_arn
  log_retention_days        = var.log_retention_days
  tags                      = local.tags
}

module "cloudwatch" {
  source = "../cloudwatch"

  name                      = local.name
  cluster_name              = module.eks.cluster_name
  rds_identifier            = module.rds.identifier
  rds_allocated_storage_gib = module.rds.allocated_storage_gib
  rds_connections_threshold = var.rds_connections_threshold
  alb_arn_suffix            = var.alb_arn_suffix
  alarm_actions             = var.alarm_sns_topic_arns
  create_composite_alarm    = var.create_composite_alarm
  tags                      = local.tags
}

# The Container Insights log groups moved from the cloudwatch to the eks module (they must exist before
# the add-on that writes to them); keep the existing groups instead of recreating them.
moved {
  from = module.cloudwatch.aws_cloudwatch_log_group.container_insights
  to   = module.eks.aws_cloudwatch_log_group.container_insights
}
