output "region" {
  description = "AWS region the environment was applied in (the provider's region)."
  value       = data.aws_region.current.name
}

output "vpc_id" {
  description = "VPC of the environment."
  value       = module.vpc.vpc_id
}

output "cluster_name" {
  description = "EKS cluster the pipeline deploys to (`aws eks update-kubeconfig --name ...`)."
  value       = module.eks.cluster_name
}

output "deploy_network" {
  description = "Network of the pipeline's in-VPC Helm deploys, shaped like the pipeline config's deployNetwork: paste `terraform output -json deploy_network` there."
  value = {
    vpcId            = module.vpc.vpc_id
    subnetIds        = module.vpc.private_subnet_ids
    securityGroupIds = [module.eks.deploy_security_group_id]
  }
}

output "cluster_endpoint" {
  description = "Private Kubernetes API endpoint."
  value       = module.eks.cluster_endpoint
}

output "oidc_provider_arn" {
  description = "IRSA OIDC provider of the cluster."
  value       = module.eks.oidc_provider_arn
}

output "ecr_repository_names" {
  description = "ECR repository of each service in this environment (<service>-<environment>), keyed by service: the repository the pipeline's image build pushes to."
  value       = local.ecr_repository_names
}

output "ecr_repository_urls" {
  description = "Image repositories keyed by name."
  value       = module.ecr.repository_urls
}

output "db_address" {
  description = "Host name of the PostgreSQL instance."
  value       = module.rds.address
}

output "db_master_user_secret_arn" {
  description = "Secrets Manager secret with the RDS-managed master credentials."
  value       = module.rds.master_user_secret_arn
}

output "github_deploy_role_arn" {
  description = "Role GitHub Actions assumes from the pinned branch."
  value       = module.iam.github_deploy_role_arn
}

output "alarm_names" {
  description = "Alarms the pipeline's VerifyDeployment (bake) step watches."
  value       = module.cloudwatch.alarm_names
}

output "composite_alarm_name" {
  description = "Single alarm that is in ALARM when any of alarm_names is (null when create_composite_alarm is false)."
  value       = module.cloudwatch.composite_alarm_name
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the environment."
  value       = module.cloudwatch.dashboard_name
}

output "node_capacity" {
  description = "Instance types and scaling of the managed node group."
  value       = module.eks.node_capacity
}

output "database_protection" {
  description = "How the database is protected: Multi-AZ, encryption, public access, backup retention, deletion protection, final snapshot."
  value       = module.rds.protection
}

output "creates_github_oidc_provider" {
  description = "Whether this environment creates the account's GitHub OIDC provider (by default terraform/bootstrap does, once per account)."
  value       = module.iam.creates_github_oidc_provider
}

output "account_scoped_names" {
  description = "Names this environment takes in its AWS account and region (IAM roles, ECR repositories, the cluster, the database, log groups, alarms, the dashboard). Environments sharing an account must not share any of them."
  value = sort(concat(
    keys(module.iam.role_permissions_boundaries),
    keys(module.vpc.role_permissions_boundaries),
    values(local.ecr_repository_names),
    [module.eks.cluster_name, module.eks.log_group_name, module.rds.identifier, module.vpc.flow_log_group_name, module.cloudwatch.dashboard_name],
    values(module.cloudwatch.alarm_names),
    module.cloudwatch.composite_alarm_name == null ? [] : [module.cloudwatch.composite_alarm_name],
  ))
}

output "tags" {
  description = "Tags of every resource of the environment (Project, Environment); the environment roots also use them as the provider's default tags."
  value       = local.tags
}

output "kubernetes_version" {
  description = "Kubernetes minor version of the cluster."
  value       = var.kubernetes_version
}

output "autoscaling" {
  description = "How the environment scales: the EKS add-ons (metrics-server feeds the HorizontalPodAutoscaler) and the Cluster Autoscaler's Pod Identity association, image and IAM policy (JSON)."
  value = {
    addon_names                = module.eks.addon_names
    cluster_autoscaler         = module.eks.cluster_autoscaler == null ? null : { for k, v in module.eks.cluster_autoscaler : k => v if k != "manifest" }
    cluster_autoscaler_policy  = module.iam.cluster_autoscaler.policy
    node_autoscaling_group_tag = "k8s.io/cluster-autoscaler/${module.eks.cluster_name}"
  }
}

output "cluster_autoscaler_manifest" {
  description = "Kubernetes manifest of the Cluster Autoscaler (ServiceAccount, RBAC, Deployment) for this cluster; a cluster admin applies it after the first apply and after each Kubernetes minor upgrade: `terraform output -raw cluster_autoscaler_manifest | kubectl apply -f -`."
  value       = module.eks.cluster_autoscaler == null ? null : module.eks.cluster_autoscaler.manifest
}
