data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  # The exact subject GitHub puts in tokens of workflows running on the pinned branch.
  github_subject  = "repo:${var.github_org}/${var.github_repository}:ref:refs/heads/${var.github_branch}"
  oidc_issuer     = "token.actions.githubusercontent.com"
  oidc_provider   = var.create_github_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.github_oidc_provider_arn
  cluster_arn     = "arn:${local.partition}:eks:${local.region}:${local.account_id}:cluster/${var.cluster_name}"
  repository_arns = [for r in var.ecr_repository_names : "arn:${local.partition}:ecr:${local.region}:${local.account_id}:repository/${r}"]
}

resource "terraform_data" "oidc_provider_input" {
  lifecycle {
    precondition {
      condition     = var.create_github_oidc_provider || var.github_oidc_provider_arn != ""
      error_message = "Pass github_oidc_provider_arn when create_github_oidc_provider is false."
    }
  }
}

# --- EKS control plane ---------------------------------------------------------------------

resource "aws_iam_role" "cluster" {
  name = "${var.name}-eks-cluster"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
    }]
  })
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
}

# --- EKS worker nodes ----------------------------------------------------------------------

resource "aws_iam_role" "node" {
  name = "${var.name}-eks-node"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset([
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
    # Session Manager instead of SSH: nodes need no key pair and no inbound port.
    "AmazonSSMManagedInstanceCore",
    # Container Insights metrics and logs (amazon-cloudwatch-observability add-on).
    "CloudWatchAgentServerPolicy",
  ])
  role       = aws_iam_role.node.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/${each.key}"
}

# --- RDS enhanced monitoring ---------------------------------------------------------------

resource "aws_iam_role" "rds_monitoring" {
  name = "${var.name}-rds-monitoring"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy_attachment" "rds_monitoring" {
  role       = aws_iam_role.rds_monitoring.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

# --- Cluster Autoscaler (EKS Pod Identity) -------------------------------------------------

locals {
  # The service account the autoscaler runs as (the eks module associates it with this role, and its
  # Kubernetes manifest creates it).
  cluster_autoscaler_namespace       = "kube-system"
  cluster_autoscaler_service_account = "cluster-autoscaler"
}

# Assumed only by EKS Pod Identity for the autoscaler's service account on this cluster: Pod Identity
# sets these session tags when it assumes a role (EKS User Guide, "Create IAM role with trust policy
# required by EKS Pod Identity": the tags restrict which service accounts, namespaces and clusters can
# use the role).
resource "aws_iam_role" "cluster_autoscaler" {
  name        = "${var.name}-cluster-autoscaler"
  description = "Cluster Autoscaler of ${var.cluster_name} (EKS Pod Identity, ${local.cluster_autoscaler_namespace}/${local.cluster_autoscaler_service_account})."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "pods.eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
      Condition = {
        StringEquals = {
          "aws:RequestTag/eks-cluster-arn"            = local.cluster_arn
          "aws:RequestTag/kubernetes-namespace"       = local.cluster_autoscaler_namespace
          "aws:RequestTag/kubernetes-service-account" = local.cluster_autoscaler_service_account
        }
      }
    }]
  })
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

# Least privilege after the Cluster Autoscaler's AWS documentation (cluster-autoscaler/cloudprovider/aws
# README, "IAM Policy"): reading Auto Scaling groups, launch templates and instance types needs "*"
# (these Describe calls take no resource); changing a group is limited to the groups EKS tags as this
# cluster's. EKS tags the Auto Scaling groups of managed node groups for the autoscaler's auto-discovery
# (EKS User Guide, "Managed node groups": "Amazon EKS tags managed node group resources so that they are
# configured to use the Kubernetes Cluster Autoscaler"): k8s.io/cluster-autoscaler/<cluster> = owned.
resource "aws_iam_role_policy" "cluster_autoscaler" {
  name = "cluster-autoscaler"
  role = aws_iam_role.cluster_autoscaler.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ScaleThisClustersNodeGroups"
        Effect   = "Allow"
        Action   = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
        Resource = "arn:${local.partition}:autoscaling:${local.region}:${local.account_id}:autoScalingGroup:*:autoScalingGroupName/*"
        Condition = {
          StringEquals = { "aws:ResourceTag/k8s.io/cluster-autoscaler/${var.cluster_name}" = "owned" }
        }
      },
      {
        Sid    = "DiscoverNodeGroups"
        Effect = "Allow"
        Action = [
          "autoscaling:DescribeAutoScalingGroups",
          "autoscaling:DescribeAutoScalingInstances",
          "autoscaling:DescribeLaunchConfigurations",
          "autoscaling:DescribeScalingActivities",
          "autoscaling:DescribeTags",
          "ec2:DescribeImages",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeLaunchTemplateVersions",
          "ec2:GetInstanceTypesFromInstanceRequirements",
        ]
        Resource = "*"
      },
      {
        Sid      = "DescribeThisClustersNodeGroups"
        Effect   = "Allow"
        Action   = ["eks:DescribeNodegroup"]
        Resource = "arn:${local.partition}:eks:${local.region}:${local.account_id}:nodegroup/${var.cluster_name}/*/*"
      },
    ]
  })
}

# --- GitHub Actions deploy role ------------------------------------------------------------

resource "aws_iam_openid_connect_provider" "github" {
  count          = var.create_github_oidc_provider ? 1 : 0
  url            = "https://${local.oidc_issuer}"
  client_id_list = ["sts.amazonaws.com"]
  tags           = var.tags
}

resource "aws_iam_role" "github_deploy" {
  name                 = "${var.name}-github-deploy"
  description          = "Assumed by GitHub Actions workflows of ${var.github_org}/${var.github_repository} on ${var.github_branch} only."
  max_session_duration = 3600
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = local.oidc_provider }
      Action    = "sts:AssumeRoleWithWebIdentity"
      # StringEquals, not StringLike: a wildcard here would let any branch or fork assume the role.
      Condition = {
        StringEquals = {
          "${local.oidc_issuer}:aud" = "sts.amazonaws.com"
          "${local.oidc_issuer}:sub" = local.github_subject
        }
      }
    }]
  })
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "github_deploy" {
  name = "deploy"
  role = aws_iam_role.github_deploy.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "DescribeCluster"
          Effect   = "Allow"
          Action   = ["eks:DescribeCluster"]
          Resource = local.cluster_arn
        },
        {
          Sid      = "EcrLogin"
          Effect   = "Allow"
          Action   = ["ecr:GetAuthorizationToken"]
          Resource = "*"
        },
      ],
      length(local.repository_arns) == 0 ? [] : [{
        Sid    = "PushImages"
        Effect = "Allow"
        Action = [
          "ecr:BatchCheckLayerAvailability",
          "ecr:BatchGetImage",
          "ecr:CompleteLayerUpload",
          "ecr:DescribeImages",
          "ecr:DescribeImageScanFindings",
          "ecr:InitiateLayerUpload",
          "ecr:PutImage",
          "ecr:UploadLayerPart",
        ]
        Resource = local.repository_arns
      }],
    )
  })
}
