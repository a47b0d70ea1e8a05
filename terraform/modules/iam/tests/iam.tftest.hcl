mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
}

variables {
  name                 = "orders-test"
  cluster_name         = "orders-test"
  github_org           = "example-org"
  github_repository    = "sample-service"
  github_branch        = "main"
  ecr_repository_names = ["sample-service"]
}

run "deploy_role_trusts_exactly_one_branch" {
  command = apply

  assert {
    condition     = jsondecode(aws_iam_role.github_deploy.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == "repo:example-org/sample-service:ref:refs/heads/main"
    error_message = "The trust policy must pin the token subject to the repository's main branch."
  }

  assert {
    condition     = jsondecode(aws_iam_role.github_deploy.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    error_message = "The trust policy must pin the audience to sts.amazonaws.com."
  }

  assert {
    condition     = keys(jsondecode(aws_iam_role.github_deploy.assume_role_policy).Statement[0].Condition) == ["StringEquals"]
    error_message = "The trust policy must use StringEquals only (no StringLike wildcards)."
  }

  assert {
    condition     = length(jsondecode(aws_iam_role.github_deploy.assume_role_policy).Statement) == 1 && jsondecode(aws_iam_role.github_deploy.assume_role_policy).Statement[0].Action == "sts:AssumeRoleWithWebIdentity"
    error_message = "The deploy role must be assumable through web identity only."
  }

  assert {
    condition     = jsondecode(aws_iam_role.github_deploy.assume_role_policy).Statement[0].Principal.Federated == aws_iam_openid_connect_provider.github[0].arn
    error_message = "The deploy role must trust the GitHub OIDC provider."
  }

  assert {
    condition     = aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com" && aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"])
    error_message = "The OIDC provider must be GitHub's with the STS audience."
  }

  assert {
    condition     = contains(flatten([for s in jsondecode(aws_iam_role_policy.github_deploy.policy).Statement : s.Resource]), "arn:aws:ecr:eu-west-1:123456789012:repository/sample-service")
    error_message = "The deploy role may push to the listed repositories."
  }

  assert {
    condition     = toset([for a in aws_iam_role_policy_attachment.node : a.policy_arn]) == toset(["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy", "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly", "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"])
    error_message = "The node role must carry exactly the worker, CNI, ECR read, SSM and CloudWatch agent policies."
  }
}

run "existing_oidc_provider_is_reused" {
  command = plan

  variables {
    github_branch               = "release/v2"
    create_github_oidc_provider = false
    github_oidc_provider_arn    = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0
    error_message = "No OIDC provider may be created when an existing one is passed."
  }

  assert {
    condition     = jsondecode(aws_iam_role.github_deploy.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == "repo:example-org/sample-service:ref:refs/heads/release/v2"
    error_message = "Branches with slashes must be pinned verbatim."
  }
}

# The autoscaler may change only the Auto Scaling groups EKS tags as this cluster's node groups, and
# only EKS Pod Identity may assume its role, for its one service account on this cluster.
run "cluster_autoscaler_is_scoped_to_this_clusters_node_groups" {
  command = apply

  assert {
    condition = jsondecode(aws_iam_role.cluster_autoscaler.assume_role_policy).Statement == [{
      Effect    = "Allow"
      Principal = { Service = "pods.eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
      Condition = {
        StringEquals = {
          "aws:RequestTag/eks-cluster-arn"            = "arn:aws:eks:eu-west-1:123456789012:cluster/orders-test"
          "aws:RequestTag/kubernetes-namespace"       = "kube-system"
          "aws:RequestTag/kubernetes-service-account" = "cluster-autoscaler"
        }
      }
    }]
    error_message = "Only EKS Pod Identity may assume the autoscaler's role, for kube-system/cluster-autoscaler on this cluster."
  }

  assert {
    condition = [for st in jsondecode(aws_iam_role_policy.cluster_autoscaler.policy).Statement : st if length(setintersection(toset(flatten([st.Action])), toset(["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]))) > 0] == [{
      Sid       = "ScaleThisClustersNodeGroups"
      Effect    = "Allow"
      Action    = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
      Resource  = "arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:*:autoScalingGroupName/*"
      Condition = { StringEquals = { "aws:ResourceTag/k8s.io/cluster-autoscaler/orders-test" = "owned" } }
    }]
    error_message = "Scaling and terminating must be allowed once, only on Auto Scaling groups tagged k8s.io/cluster-autoscaler/<this cluster> = owned."
  }

  assert {
    condition     = alltrue([for st in jsondecode(aws_iam_role_policy.cluster_autoscaler.policy).Statement : st.Resource != "*" || alltrue([for a in flatten([st.Action]) : can(regex("^(autoscaling|ec2):(Describe|Get)[A-Za-z]+$", a))])])
    error_message = "Only Describe*/Get* actions may apply to every resource."
  }

  assert {
    condition     = one([for st in jsondecode(aws_iam_role_policy.cluster_autoscaler.policy).Statement : st.Resource if contains(flatten([st.Action]), "eks:DescribeNodegroup")]) == "arn:aws:eks:eu-west-1:123456789012:nodegroup/orders-test/*/*"
    error_message = "eks:DescribeNodegroup must be limited to this cluster's node groups."
  }

  assert {
    condition     = output.cluster_autoscaler.role_arn == aws_iam_role.cluster_autoscaler.arn && output.cluster_autoscaler.namespace == "kube-system" && output.cluster_autoscaler.service_account == "cluster-autoscaler"
    error_message = "The module must report the autoscaler's role and service account for the Pod Identity association."
  }
}

run "roles_have_no_boundary_by_default" {
  command = plan

  assert {
    condition     = length(output.role_permissions_boundaries) == 5 && alltrue([for b in values(output.role_permissions_boundaries) : b == null])
    error_message = "Without permissions_boundary_arn no role may get a boundary."
  }
}

run "every_role_carries_the_permissions_boundary" {
  command = plan
  variables {
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/deploy-pipeline-terraform-apply-boundary"
  }

  assert {
    condition = {
      cluster        = aws_iam_role.cluster.permissions_boundary
      node           = aws_iam_role.node.permissions_boundary
      rds_monitoring = aws_iam_role.rds_monitoring.permissions_boundary
      github_deploy  = aws_iam_role.github_deploy.permissions_boundary
      autoscaler     = aws_iam_role.cluster_autoscaler.permissions_boundary
    } == { for k in ["cluster", "node", "rds_monitoring", "github_deploy", "autoscaler"] : k => var.permissions_boundary_arn }
    error_message = "Every role must carry the permissions boundary the pipeline requires."
  }

  assert {
    condition     = output.role_permissions_boundaries == { for n in ["orders-test-eks-cluster", "orders-test-eks-node", "orders-test-rds-monitoring", "orders-test-github-deploy", "orders-test-cluster-autoscaler"] : n => var.permissions_boundary_arn }
    error_message = "role_permissions_boundaries must report all five roles with the boundary."
  }
}

run "rejects_a_boundary_that_is_not_a_policy_arn" {
  command = plan
  variables {
    permissions_boundary_arn = "deploy-pipeline-terraform-apply-boundary"
  }
  expect_failures = [var.permissions_boundary_arn]
}

run "rejects_a_wildcard_branch" {
  command = plan
  variables {
    github_branch = "*"
  }
  expect_failures = [var.github_branch]
}

# One plan, several bad inputs: the run passes only if every listed variable rejects its value.
run "rejects_a_full_ref_and_owner_wildcards" {
  command = plan
  variables {
    github_branch     = "refs/heads/main"
    github_repository = "example-org/sample-service"
    github_org        = "example-*"
  }
  expect_failures = [var.github_branch, var.github_repository, var.github_org]
}

run "requires_an_arn_when_not_creating_the_provider" {
  command = plan
  variables {
    create_github_oidc_provider = false
  }
  expect_failures = [terraform_data.oidc_provider_input]
}
