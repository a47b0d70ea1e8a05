output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = aws_eks_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the EKS cluster."
  value       = aws_eks_cluster.this.arn
}

output "cluster_endpoint" {
  description = "Kubernetes API endpoint."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_certificate_authority" {
  description = "Base64 CA certificate of the API endpoint."
  value       = aws_eks_cluster.this.certificate_authority[0].data
}

output "cluster_security_group_id" {
  description = "Security group EKS attaches to the control plane and to the managed nodes."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "oidc_provider_arn" {
  description = "IAM OIDC provider for IRSA."
  value       = aws_iam_openid_connect_provider.cluster.arn
}

output "oidc_issuer_url" {
  description = "OIDC issuer URL of the cluster."
  value       = aws_eks_cluster.this.identity[0].oidc[0].issuer
}

output "node_group_name" {
  description = "Name of the managed node group."
  value       = aws_eks_node_group.default.node_group_name
}

output "node_autoscaling_group_names" {
  description = "Auto Scaling groups behind the managed node group (for node CPU alarms)."
  value       = flatten([for r in aws_eks_node_group.default.resources : [for g in r.autoscaling_groups : g.name]])
}

output "secrets_kms_key_arn" {
  description = "KMS key encrypting Kubernetes secrets."
  value       = aws_kms_key.secrets.arn
}

output "log_group_name" {
  description = "Control-plane log group."
  value       = aws_cloudwatch_log_group.cluster.name
}

output "node_subnet_ids" {
  description = "Subnets the managed nodes run in."
  value       = aws_eks_node_group.default.subnet_ids
}

output "node_capacity" {
  description = "Instance types and scaling of the managed node group."
  value = {
    instance_types = aws_eks_node_group.default.instance_types
    min_size       = aws_eks_node_group.default.scaling_config[0].min_size
    max_size       = aws_eks_node_group.default.scaling_config[0].max_size
    desired_size   = aws_eks_node_group.default.scaling_config[0].desired_size
  }
}

output "endpoint_public_access" {
  description = "Whether the Kubernetes API is reachable from outside the VPC."
  value       = aws_eks_cluster.this.vpc_config[0].endpoint_public_access
}

output "access_principal_arns" {
  description = "IAM principals with an EKS access entry, keyed like access_roles."
  value       = { for k, e in aws_eks_access_entry.this : k => e.principal_arn }
}

output "deploy_security_group_id" {
  description = "Security group for in-VPC deploy builds; the cluster security group admits 443 from it."
  value       = aws_security_group.deploy.id
}

output "container_insights_log_group_names" {
  description = "Container Insights log groups created with retention before the CloudWatch observability add-on."
  value       = [for g in aws_cloudwatch_log_group.container_insights : g.name]
}

output "addon_names" {
  description = "EKS add-ons installed on the cluster (metrics-server feeds the HorizontalPodAutoscaler; eks-pod-identity-agent serves Pod Identity)."
  value       = sort(keys(aws_eks_addon.this))
}

output "cluster_autoscaler" {
  description = "The Cluster Autoscaler's Pod Identity association (namespace, service account, role) and its Kubernetes manifest, which a cluster admin applies (`terraform output -raw cluster_autoscaler_manifest | kubectl apply -f -`); null without an autoscaler."
  value = var.cluster_autoscaler == null ? null : {
    namespace       = aws_eks_pod_identity_association.cluster_autoscaler[0].namespace
    service_account = aws_eks_pod_identity_association.cluster_autoscaler[0].service_account
    role_arn        = aws_eks_pod_identity_association.cluster_autoscaler[0].role_arn
    image           = "registry.k8s.io/autoscaling/cluster-autoscaler:v${var.cluster_autoscaler_version}"
    manifest        = local.cluster_autoscaler_manifest
  }
}
