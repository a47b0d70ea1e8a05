# Every output comes from the composition (modules/environment), under the same name.

output "region" {
  description = "AWS region the environment was applied in."
  value       = module.environment.region
}

output "vpc_id" {
  description = "VPC of the environment."
  value       = module.environment.vpc_id
}

output "cluster_name" {
  description = "EKS cluster the pipeline deploys to (`aws eks update-kubeconfig --name ...`)."
  value       = module.environment.cluster_name
}

output "deploy_network" {
  description = "Network of the pipeline's in-VPC Helm deploys, shaped like the pipeline config's deployNetwork: paste `terraform output -json deploy_network` there."
  value       = module.environment.deploy_network
}

output "cluster_endpoint" {
  description = "Private Kubernetes API endpoint."
  value       = module.environment.cluster_endpoint
}

output "oidc_provider_arn" {
  description = "IRSA OIDC provider of the cluster."
  value       = module.environment.oidc_provider_arn
}

output "ecr_repository_names" {
  description = "ECR repository of each service in this environment (<service>-<environment>), keyed by service: the repository the pipeline's image build pushes to."
  value       = module.environment.ecr_repository_names
}

output "ecr_repository_urls" {
  description = "Image repositories keyed by name."
  value       = module.environment.ecr_repository_urls
}

output "db_address" {
  description = "Host name of the PostgreSQL instance."
  value       = module.environment.db_address
}

output "db_master_user_secret_arn" {
  description = "Secrets Manager secret with the RDS-managed master credentials."
  value       = module.environment.db_master_user_secret_arn
}

output "github_deploy_role_arn" {
  description = "Role GitHub Actions assumes from the pinned branch."
  value       = module.environment.github_deploy_role_arn
}

output "alarm_names" {
  description = "Alarms the pipeline's VerifyDeployment (bake) step watches."
  value       = module.environment.alarm_names
}

output "composite_alarm_name" {
  description = "Single alarm that is in ALARM when any of alarm_names is (null when create_composite_alarm is false)."
  value       = module.environment.composite_alarm_name
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the environment."
  value       = module.environment.dashboard_name
}

output "kubernetes_version" {
  description = "Kubernetes minor version of the cluster."
  value       = module.environment.kubernetes_version
}

output "cluster_autoscaler_manifest" {
  description = "Kubernetes manifest of the Cluster Autoscaler (ServiceAccount, RBAC, Deployment) for this cluster; a cluster admin applies it after the first apply and after each Kubernetes minor upgrade: `terraform output -raw cluster_autoscaler_manifest | kubectl apply -f -`."
  value       = module.environment.cluster_autoscaler_manifest
}
