locals {
  addon_names = ["vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent", "amazon-cloudwatch-observability", "metrics-server"]
  access_policies = {
    cluster-admin = "AmazonEKSClusterAdminPolicy"
    admin         = "AmazonEKSAdminPolicy"
    edit          = "AmazonEKSEditPolicy"
    view          = "AmazonEKSViewPolicy"
  }
}

data "aws_partition" "current" {}
data "aws_region" "current" {}

resource "aws_kms_key" "secrets" {
  description             = "Envelope encryption of Kubernetes secrets in ${var.cluster_name}"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  tags                    = var.tags
}

resource "aws_kms_alias" "secrets" {
  name          = "alias/${var.cluster_name}-eks-secrets"
  target_key_id = aws_kms_key.secrets.key_id
}

# Created before the cluster so EKS writes into a group with retention instead of a never-expiring one.
resource "aws_cloudwatch_log_group" "cluster" {
  name              = "/aws/eks/${var.cluster_name}/cluster"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "terraform_data" "iam_ready" {
  input = var.iam_dependencies
}

resource "aws_eks_cluster" "this" {
  name     = var.cluster_name
  role_arn = var.cluster_role_arn
  version  = var.kubernetes_version

  enabled_cluster_log_types = var.enabled_log_types

  vpc_config {
    subnet_ids              = var.subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = var.endpoint_public_access
    public_access_cidrs     = var.endpoint_public_access ? var.public_access_cidrs : null
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.secrets.arn
    }
  }

  access_config {
    authentication_mode                         = "API"
    bootstrap_cluster_creator_admin_permissions = false
  }

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.cluster, terraform_data.iam_ready]

  lifecycle {
    precondition {
      condition     = !var.endpoint_public_access || length(var.public_access_cidrs) > 0
      error_message = "endpoint_public_access needs at least one CIDR in public_access_cidrs."
    }
  }
}

# IRSA: lets service accounts assume IAM roles through the cluster's OIDC issuer.
resource "aws_iam_openid_connect_provider" "cluster" {
  url            = aws_eks_cluster.this.identity[0].oidc[0].issuer
  client_id_list = ["sts.amazonaws.com"]
  tags           = var.tags
}

resource "aws_eks_node_group" "default" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "${var.cluster_name}-default"
  node_role_arn   = var.node_role_arn
  subnet_ids      = var.subnet_ids
  instance_types  = var.node_instance_types
  capacity_type   = "ON_DEMAND"
  ami_type        = "AL2023_x86_64_STANDARD"
  disk_size       = var.node_disk_size_gib

  scaling_config {
    min_size     = var.node_min_size
    max_size     = var.node_max_size
    desired_size = var.node_desired_size
  }

  update_config {
    max_unavailable = 1
  }

  tags = var.tags
}

# The CloudWatch observability add-on (Fluent Bit) writes here. Created before the add-on, or Fluent Bit
# creates them first without retention and the apply then fails on the existing groups.
resource "aws_cloudwatch_log_group" "container_insights" {
  for_each          = toset(["application", "dataplane", "host", "performance"])
  name              = "/aws/containerinsights/${var.cluster_name}/${each.key}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

# metrics-server: EKS runs no Metrics Server by default (EKS User Guide, "View resource usage with the
# Kubernetes Metrics Server"), and without it the service's HorizontalPodAutoscaler gets no metric and
# never scales; the EKS community add-on installs it. eks-pod-identity-agent gives the Cluster
# Autoscaler (below) its AWS credentials.
resource "aws_eks_addon" "this" {
  for_each                    = toset(local.addon_names)
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.key
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "PRESERVE"
  tags                        = var.tags

  # coredns and the CloudWatch agent need nodes to schedule on; Fluent Bit needs its log groups.
  depends_on = [aws_eks_node_group.default, aws_cloudwatch_log_group.container_insights]
}

resource "aws_eks_access_entry" "this" {
  for_each      = var.access_roles
  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.value.principal_arn
  type          = "STANDARD"
  tags          = var.tags
}

resource "aws_eks_access_policy_association" "this" {
  for_each      = var.access_roles
  cluster_name  = aws_eks_cluster.this.name
  principal_arn = aws_eks_access_entry.this[each.key].principal_arn
  policy_arn    = "arn:${data.aws_partition.current.partition}:eks::aws:cluster-access-policy/${local.access_policies[each.value.policy]}"

  access_scope {
    type       = length(each.value.namespaces) == 0 ? "cluster" : "namespace"
    namespaces = length(each.value.namespaces) == 0 ? null : each.value.namespaces
  }
}

# In-VPC deploy builds (the pipeline's HelmDeploy CodeBuild project) reach the private API endpoint
# through the cluster security group, and ECR, STS and the EKS API through the NAT gateways.
resource "aws_security_group" "deploy" {
  name        = "${var.cluster_name}-deploy"
  description = "Pipeline deploy builds of ${var.cluster_name}: HTTPS out, nothing in"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.cluster_name}-deploy" })
}

resource "aws_vpc_security_group_egress_rule" "deploy_https" {
  security_group_id = aws_security_group.deploy.id
  description       = "HTTPS to the cluster endpoint and to AWS APIs through NAT"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
  tags              = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "cluster_api_from_deploy" {
  security_group_id            = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
  description                  = "Kubernetes API from the pipeline deploy builds"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.deploy.id
  tags                         = var.tags
}

# --- node autoscaling: Cluster Autoscaler ------------------------------------------------------------
# Pods scale first (the chart's HPA, fed by metrics-server); when they no longer fit, the Cluster
# Autoscaler changes the managed node group's desired size within node_min_size..node_max_size. Its AWS
# role (iam module) reaches it through EKS Pod Identity; it runs from the manifest below (no Helm or
# Kubernetes provider here, and EKS has no Cluster Autoscaler add-on), applied by a cluster admin.

resource "aws_eks_pod_identity_association" "cluster_autoscaler" {
  count           = var.cluster_autoscaler == null ? 0 : 1
  cluster_name    = aws_eks_cluster.this.name
  namespace       = var.cluster_autoscaler.namespace
  service_account = var.cluster_autoscaler.service_account
  role_arn        = var.cluster_autoscaler.role_arn
  tags            = var.tags

  # The agent add-on hands the role's credentials to the pods.
  depends_on = [aws_eks_addon.this]
}

locals {
  cluster_autoscaler_manifest = var.cluster_autoscaler == null ? null : templatefile("${path.module}/cluster-autoscaler.yaml.tftpl", {
    cluster_name    = aws_eks_cluster.this.name
    region          = data.aws_region.current.name
    namespace       = var.cluster_autoscaler.namespace
    service_account = var.cluster_autoscaler.service_account
    image           = "registry.k8s.io/autoscaling/cluster-autoscaler:v${var.cluster_autoscaler_version}"
  })
}
