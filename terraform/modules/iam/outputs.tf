output "cluster_role_arn" {
  description = "Role the EKS control plane assumes."
  value       = aws_iam_role.cluster.arn
}

output "node_role_arn" {
  description = "Role of the EKS managed node group's instances."
  value       = aws_iam_role.node.arn
}

output "node_role_name" {
  description = "Name of the node role."
  value       = aws_iam_role.node.name
}

output "rds_monitoring_role_arn" {
  description = "Role RDS enhanced monitoring uses to publish OS metrics."
  value       = aws_iam_role.rds_monitoring.arn
}

output "github_deploy_role_arn" {
  description = "Role GitHub Actions assumes from the pinned repository and branch."
  value       = aws_iam_role.github_deploy.arn
}

output "github_subject" {
  description = "The exact token subject the deploy role trusts."
  value       = local.github_subject
}

output "policy_attachment_ids" {
  description = "IDs of the managed policy attachments, so the cluster and node group can wait for them."
  value = concat(
    [aws_iam_role_policy_attachment.cluster.id],
    [for a in aws_iam_role_policy_attachment.node : a.id],
  )
}

output "role_permissions_boundaries" {
  description = "Permissions boundary of each role the module creates, keyed by role name (null when none is set)."
  value = {
    for r in [aws_iam_role.cluster, aws_iam_role.node, aws_iam_role.rds_monitoring, aws_iam_role.github_deploy, aws_iam_role.cluster_autoscaler] : r.name => r.permissions_boundary
  }
}

output "creates_github_oidc_provider" {
  description = "Whether this module creates the account's GitHub OIDC provider (false when it uses an existing one)."
  value       = length(aws_iam_openid_connect_provider.github) > 0
}

output "cluster_autoscaler" {
  description = "The Cluster Autoscaler's identity: its role (for the EKS Pod Identity association), the namespace and service account it may be used from, and its permissions policy (JSON)."
  value = {
    role_arn        = aws_iam_role.cluster_autoscaler.arn
    namespace       = local.cluster_autoscaler_namespace
    service_account = local.cluster_autoscaler_service_account
    policy          = aws_iam_role_policy.cluster_autoscaler.policy
  }
}
