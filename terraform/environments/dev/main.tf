# The environment is composed once, in modules/environment; this root only gives it this
# environment's values (terraform.tfvars and the pipeline's TF_VAR_*) and its own state.

module "environment" {
  source = "../../modules/environment"

  project                      = var.project
  environment                  = var.environment
  vpc_cidr                     = var.vpc_cidr
  az_count                     = var.az_count
  single_nat_gateway           = var.single_nat_gateway
  github_org                   = var.github_org
  github_repository            = var.github_repository
  github_branch                = var.github_branch
  create_github_oidc_provider  = var.create_github_oidc_provider
  github_oidc_provider_arn     = var.github_oidc_provider_arn
  pipeline_deploy_role_arn     = var.pipeline_deploy_role_arn
  permissions_boundary_arn     = var.permissions_boundary_arn
  deploy_namespaces            = var.deploy_namespaces
  cluster_admin_role_arns      = var.cluster_admin_role_arns
  kubernetes_version           = var.kubernetes_version
  cluster_autoscaler_version   = var.cluster_autoscaler_version
  node_instance_types          = var.node_instance_types
  node_min_size                = var.node_min_size
  node_max_size                = var.node_max_size
  node_desired_size            = var.node_desired_size
  endpoint_public_access       = var.endpoint_public_access
  public_access_cidrs          = var.public_access_cidrs
  ecr_repository_names         = var.ecr_repository_names
  ecr_keep_tagged_images       = var.ecr_keep_tagged_images
  ecr_scan_type                = var.ecr_scan_type
  db_instance_class            = var.db_instance_class
  db_allocated_storage_gib     = var.db_allocated_storage_gib
  db_max_allocated_storage_gib = var.db_max_allocated_storage_gib
  db_backup_retention_days     = var.db_backup_retention_days
  db_deletion_protection       = var.db_deletion_protection
  db_skip_final_snapshot       = var.db_skip_final_snapshot
  log_retention_days           = var.log_retention_days
  alarm_sns_topic_arns         = var.alarm_sns_topic_arns
  alb_arn_suffix               = var.alb_arn_suffix
  create_composite_alarm       = var.create_composite_alarm
  rds_connections_threshold    = var.rds_connections_threshold
}

# Before the composition moved into modules/environment its modules were called from this root;
# these blocks carry their existing state over instead of destroying and recreating everything.
moved {
  from = module.vpc
  to   = module.environment.module.vpc
}

moved {
  from = module.iam
  to   = module.environment.module.iam
}

moved {
  from = module.eks
  to   = module.environment.module.eks
}

moved {
  from = module.ecr
  to   = module.environment.module.ecr
}

moved {
  from = module.rds
  to   = module.environment.module.rds
}

moved {
  from = module.cloudwatch
  to   = module.environment.module.cloudwatch
}
