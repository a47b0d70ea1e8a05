mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  # The provider still validates ARN and URL arguments, so mocked values must have their shape.
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000" }
  }
  mock_resource "aws_eks_cluster" {
    defaults = {
      arn                   = "arn:aws:eks:eu-west-1:123456789012:cluster/orders-test"
      identity              = [{ oidc = [{ issuer = "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF" }] }]
      vpc_config            = { cluster_security_group_id = "sg-0c1u5ter000000001" }
      certificate_authority = [{ data = "bW9jay1jYQ==" }]
    }
  }
}

variables {
  cluster_name        = "orders-test"
  vpc_id              = "vpc-0123456789abcdef0"
  subnet_ids          = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
  cluster_role_arn    = "arn:aws:iam::123456789012:role/orders-test-eks-cluster"
  node_role_arn       = "arn:aws:iam::123456789012:role/orders-test-eks-node"
  node_instance_types = ["t3.medium"]
  node_min_size       = 1
  node_max_size       = 4
  node_desired_size   = 2
  access_roles = {
    pipeline = { principal_arn = "arn:aws:iam::123456789012:role/pipeline-helm-deploy", policy = "admin", namespaces = ["sample-service"] }
    ops      = { principal_arn = "arn:aws:iam::123456789012:role/ops", policy = "cluster-admin" }
  }
}

run "cluster_is_private_encrypted_and_logged" {
  command = apply

  assert {
    condition     = aws_eks_cluster.this.vpc_config[0].endpoint_private_access && !aws_eks_cluster.this.vpc_config[0].endpoint_public_access
    error_message = "The API endpoint must be private by default."
  }

  assert {
    condition     = toset(aws_eks_cluster.this.vpc_config[0].subnet_ids) == toset(var.subnet_ids)
    error_message = "The cluster must use the given private subnets."
  }

  assert {
    condition     = aws_eks_cluster.this.encryption_config[0].resources == toset(["secrets"]) && aws_eks_cluster.this.encryption_config[0].provider[0].key_arn == aws_kms_key.secrets.arn
    error_message = "Kubernetes secrets must be envelope-encrypted with the module's KMS key."
  }

  assert {
    condition     = aws_kms_key.secrets.enable_key_rotation
    error_message = "The secrets key must rotate."
  }

  assert {
    condition     = toset(aws_eks_cluster.this.enabled_cluster_log_types) == toset(["api", "audit", "authenticator", "controllerManager", "scheduler"])
    error_message = "All control-plane log types must be enabled by default."
  }

  assert {
    condition     = aws_cloudwatch_log_group.cluster.name == "/aws/eks/orders-test/cluster" && aws_cloudwatch_log_group.cluster.retention_in_days == 90
    error_message = "The control-plane log group must exist with retention before the cluster."
  }

  assert {
    condition     = aws_iam_openid_connect_provider.cluster.url == aws_eks_cluster.this.identity[0].oidc[0].issuer && aws_iam_openid_connect_provider.cluster.client_id_list == toset(["sts.amazonaws.com"])
    error_message = "IRSA needs an OIDC provider for the cluster issuer."
  }

  assert {
    condition     = aws_eks_cluster.this.access_config[0].authentication_mode == "API"
    error_message = "Access must be managed with access entries."
  }
}

run "node_group_uses_the_capacity_variables" {
  command = apply

  assert {
    condition     = aws_eks_node_group.default.scaling_config[0].min_size == 1 && aws_eks_node_group.default.scaling_config[0].max_size == 4 && aws_eks_node_group.default.scaling_config[0].desired_size == 2
    error_message = "Node group scaling must follow node_min_size, node_max_size and node_desired_size."
  }

  assert {
    condition     = aws_eks_node_group.default.instance_types == tolist(["t3.medium"]) && toset(aws_eks_node_group.default.subnet_ids) == toset(var.subnet_ids)
    error_message = "Nodes must use the given instance types in the private subnets."
  }

  assert {
    condition     = length(aws_eks_node_group.default.remote_access) == 0
    error_message = "Nodes must not open SSH."
  }
}

run "deploy_role_gets_a_namespaced_access_entry" {
  command = apply

  assert {
    condition     = aws_eks_access_entry.this["pipeline"].principal_arn == "arn:aws:iam::123456789012:role/pipeline-helm-deploy"
    error_message = "The pipeline deploy role needs an access entry."
  }

  assert {
    condition     = aws_eks_access_policy_association.this["pipeline"].policy_arn == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy" && aws_eks_access_policy_association.this["pipeline"].access_scope[0].type == "namespace" && aws_eks_access_policy_association.this["pipeline"].access_scope[0].namespaces == toset(["sample-service"])
    error_message = "The deploy role must be admin of its namespaces only."
  }

  assert {
    condition     = aws_eks_access_policy_association.this["ops"].policy_arn == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" && aws_eks_access_policy_association.this["ops"].access_scope[0].type == "cluster"
    error_message = "cluster-admin roles get the cluster admin policy at cluster scope."
  }
}

run "public_endpoint_is_restricted_to_given_cidrs" {
  command = plan

  variables {
    endpoint_public_access = true
    public_access_cidrs    = ["203.0.113.0/24"]
  }

  assert {
    condition     = aws_eks_cluster.this.vpc_config[0].endpoint_public_access && aws_eks_cluster.this.vpc_config[0].public_access_cidrs == toset(["203.0.113.0/24"])
    error_message = "Public access must be limited to public_access_cidrs."
  }
}

# One plan, several bad inputs: the run passes only if every listed variable rejects its value.
run "rejects_bad_input" {
  command = plan
  variables {
    endpoint_public_access = true
    public_access_cidrs    = ["0.0.0.0/0"]
    node_desired_size      = 5
    node_instance_types    = ["t3 medium"]
    kubernetes_version     = "v1.32.1"
    vpc_id                 = "vpc-main"
    access_roles = {
      ops = { principal_arn = "arn:aws:iam::123456789012:role/ops", policy = "cluster-admin", namespaces = ["kube-system"] }
    }
  }
  expect_failures = [var.public_access_cidrs, var.node_desired_size, var.node_instance_types, var.kubernetes_version, var.vpc_id, var.access_roles]
}

run "rejects_public_endpoint_without_cidrs" {
  command = plan
  variables {
    endpoint_public_access = true
  }
  expect_failures = [aws_eks_cluster.this]
}


run "rejects_an_empty_node_group" {
  command = plan
  variables {
    node_min_size = 0
  }
  expect_failures = [var.node_min_size]
}



# The pipeline's in-VPC deploy builds reach the private API endpoint through the cluster security group.
run "deploy_builds_reach_the_api_on_443_only" {
  command = apply

  assert {
    condition     = aws_vpc_security_group_ingress_rule.cluster_api_from_deploy.security_group_id == "sg-0c1u5ter000000001" && aws_vpc_security_group_ingress_rule.cluster_api_from_deploy.referenced_security_group_id == aws_security_group.deploy.id
    error_message = "The cluster security group must admit the deploy security group."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.cluster_api_from_deploy.ip_protocol == "tcp" && aws_vpc_security_group_ingress_rule.cluster_api_from_deploy.from_port == 443 && aws_vpc_security_group_ingress_rule.cluster_api_from_deploy.to_port == 443
    error_message = "The deploy builds may reach the cluster on TCP 443 only."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.cluster_api_from_deploy.cidr_ipv4 == null && aws_vpc_security_group_ingress_rule.cluster_api_from_deploy.cidr_ipv6 == null && aws_vpc_security_group_ingress_rule.cluster_api_from_deploy.prefix_list_id == null
    error_message = "The rule must admit the deploy security group, not an address range."
  }

  assert {
    condition     = aws_security_group.deploy.vpc_id == var.vpc_id && output.deploy_security_group_id == aws_security_group.deploy.id
    error_message = "The deploy security group must be in the cluster's VPC and be the one the module reports."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.deploy_https.security_group_id == aws_security_group.deploy.id && aws_vpc_security_group_egress_rule.deploy_https.ip_protocol == "tcp" && aws_vpc_security_group_egress_rule.deploy_https.from_port == 443 && aws_vpc_security_group_egress_rule.deploy_https.to_port == 443 && aws_vpc_security_group_egress_rule.deploy_https.cidr_ipv4 == "0.0.0.0/0"
    error_message = "Deploy builds need HTTPS out (cluster endpoint, and ECR, STS and EKS through NAT)."
  }
}

# Fluent Bit of the CloudWatch observability add-on would otherwise create these without retention.
run "container_insights_log_groups_have_retention" {
  command = plan

  variables {
    log_retention_days = 30
  }

  assert {
    condition     = toset(keys(aws_cloudwatch_log_group.container_insights)) == toset(["application", "dataplane", "host", "performance"]) && alltrue([for g in aws_cloudwatch_log_group.container_insights : g.retention_in_days == 30 && startswith(g.name, "/aws/containerinsights/orders-test/")])
    error_message = "The four Container Insights log groups of the cluster must exist with retention."
  }
}

# Pods scale on metrics-server's metrics (HPA); nodes scale with the Cluster Autoscaler, whose role
# reaches it through EKS Pod Identity.
run "metrics_server_and_cluster_autoscaler" {
  command = apply

  variables {
    cluster_autoscaler = {
      role_arn        = "arn:aws:iam::123456789012:role/orders-test-cluster-autoscaler"
      namespace       = "kube-system"
      service_account = "cluster-autoscaler"
    }
  }

  assert {
    condition     = contains(keys(aws_eks_addon.this), "metrics-server") && contains(keys(aws_eks_addon.this), "eks-pod-identity-agent") && contains(output.addon_names, "metrics-server")
    error_message = "The metrics-server add-on (for the HPA) and the Pod Identity agent (for the autoscaler) must be installed."
  }

  assert {
    condition = {
      cluster         = aws_eks_pod_identity_association.cluster_autoscaler[0].cluster_name
      namespace       = aws_eks_pod_identity_association.cluster_autoscaler[0].namespace
      service_account = aws_eks_pod_identity_association.cluster_autoscaler[0].service_account
      role_arn        = aws_eks_pod_identity_association.cluster_autoscaler[0].role_arn
      } == {
      cluster         = "orders-test"
      namespace       = "kube-system"
      service_account = "cluster-autoscaler"
      role_arn        = "arn:aws:iam::123456789012:role/orders-test-cluster-autoscaler"
    }
    error_message = "The autoscaler's service account must be associated with its role on this cluster."
  }

  assert {
    condition     = strcontains(output.cluster_autoscaler.manifest, "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/orders-test\n") && strcontains(output.cluster_autoscaler.manifest, "image: registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.0\n") && strcontains(output.cluster_autoscaler.manifest, "serviceAccountName: cluster-autoscaler\n")
    error_message = "The manifest must discover this cluster's node groups, run the autoscaler built for the cluster's minor, as the associated service account."
  }
}

run "no_autoscaler_without_a_role" {
  command = plan

  assert {
    condition     = length(aws_eks_pod_identity_association.cluster_autoscaler) == 0 && output.cluster_autoscaler == null
    error_message = "Without cluster_autoscaler the module must create no association and no manifest."
  }
}

run "rejects_an_autoscaler_built_for_another_minor" {
  command = plan
  variables {
    cluster_autoscaler_version = "1.35.2"
  }
  expect_failures = [var.cluster_autoscaler_version]
}
