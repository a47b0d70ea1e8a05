# The composition on its own: how the layers are wired together, with a mocked AWS provider and
# the values of a made-up environment. Each module's own tests check its resources in detail; each
# environment's tests (environments/<env>/tests) check that environment's values.

mock_provider "aws" {
  source = "./tests/aws-mock"
}

# A distinct ARN per role, so a check that one role is wired somewhere fails when another one is.
override_resource {
  target = module.iam.aws_iam_role.cluster
  values = { arn = "arn:aws:iam::123456789012:role/mock-eks-cluster" }
}
override_resource {
  target = module.iam.aws_iam_role.node
  values = { arn = "arn:aws:iam::123456789012:role/mock-eks-node" }
}
override_resource {
  target = module.iam.aws_iam_role.rds_monitoring
  values = { arn = "arn:aws:iam::123456789012:role/mock-rds-monitoring" }
}
override_resource {
  target = module.iam.aws_iam_role.github_deploy
  values = { arn = "arn:aws:iam::123456789012:role/mock-github-deploy" }
}
override_resource {
  target = module.iam.aws_iam_role.cluster_autoscaler
  values = { arn = "arn:aws:iam::123456789012:role/mock-cluster-autoscaler" }
}
override_resource {
  target = module.vpc.aws_iam_role.flow_logs
  values = { arn = "arn:aws:iam::123456789012:role/mock-vpc-flow-logs" }
}

variables {
  environment          = "qa"
  github_org           = "example-org"
  github_repository    = "sample-service"
  deploy_namespaces    = ["sample-service"]
  node_instance_types  = ["t3.medium"]
  node_min_size        = 1
  node_max_size        = 3
  node_desired_size    = 2
  ecr_repository_names = ["sample-service"]

  db_deletion_protection = false
  db_skip_final_snapshot = true

  # Values the pipeline passes as TF_VAR_* in the environments.
  pipeline_deploy_role_arn = "arn:aws:iam::123456789012:role/deploy-pipeline-helm-deploy"
  permissions_boundary_arn = "arn:aws:iam::123456789012:policy/deploy-pipeline-terraform-apply-boundary"
}

run "composition" {
  command = apply

  assert {
    condition     = module.rds.ingress_source_security_group_ids == [module.eks.cluster_security_group_id]
    error_message = "Only the EKS cluster security group may reach the database."
  }

  assert {
    condition     = module.rds.protection.multi_az && module.rds.protection.storage_encrypted && !module.rds.protection.publicly_accessible && module.rds.protection.backup_retention >= 7
    error_message = "The database must be Multi-AZ, encrypted, private and backed up for at least 7 days."
  }

  assert {
    condition     = module.rds.subnet_ids == toset(module.vpc.database_subnet_ids) && toset(module.eks.node_subnet_ids) == toset(module.vpc.private_subnet_ids)
    error_message = "Nodes must run in the private subnets and the database in the database subnets."
  }

  assert {
    condition     = length(setintersection(toset(module.vpc.public_subnet_ids), setunion(module.eks.node_subnet_ids, module.rds.subnet_ids))) == 0
    error_message = "No backend component may live in a public subnet."
  }

  assert {
    condition     = length(module.vpc.subnets_with_public_ip_on_launch) == 0 && length(distinct(module.vpc.azs)) >= 2
    error_message = "Subnets must span at least two zones and never assign public IPs."
  }

  assert {
    condition     = module.eks.endpoint_public_access == var.endpoint_public_access && (!var.endpoint_public_access || !contains(var.public_access_cidrs, "0.0.0.0/0"))
    error_message = "The API endpoint must be private unless restricted CIDRs are configured."
  }

  assert {
    condition     = module.eks.access_principal_arns["pipeline-deploy"] == "arn:aws:iam::123456789012:role/deploy-pipeline-helm-deploy" && module.eks.access_principal_arns["github-deploy"] == "arn:aws:iam::123456789012:role/mock-github-deploy"
    error_message = "The pipeline's and GitHub's deploy roles (exactly those) need EKS access entries."
  }

  assert {
    condition     = module.iam.cluster_role_arn == "arn:aws:iam::123456789012:role/mock-eks-cluster" && module.iam.node_role_arn == "arn:aws:iam::123456789012:role/mock-eks-node" && output.github_deploy_role_arn == "arn:aws:iam::123456789012:role/mock-github-deploy"
    error_message = "Each role must be reported under its own name."
  }

  assert {
    condition     = output.deploy_network.vpcId == module.vpc.vpc_id && output.deploy_network.securityGroupIds == [module.eks.deploy_security_group_id]
    error_message = "deploy_network must name the VPC and the deploy security group the cluster admits."
  }

  assert {
    condition     = length(output.deploy_network.subnetIds) == var.az_count && toset(output.deploy_network.subnetIds) == toset(module.vpc.private_subnet_ids) && length(setintersection(toset(output.deploy_network.subnetIds), setunion(module.vpc.public_subnet_ids, module.vpc.database_subnet_ids))) == 0
    error_message = "deploy_network must list the private subnets (NAT out, cluster endpoint in reach) and nothing else."
  }

  assert {
    condition     = keys(output.deploy_network) == ["securityGroupIds", "subnetIds", "vpcId"]
    error_message = "deploy_network must have the shape of the pipeline config's deployNetwork."
  }

  assert {
    condition     = length(module.iam.role_permissions_boundaries) == 5 && length(module.vpc.role_permissions_boundaries) == 1 && alltrue([for b in values(merge(module.iam.role_permissions_boundaries, module.vpc.role_permissions_boundaries)) : b == var.permissions_boundary_arn])
    error_message = "Every role of the environment must carry the permissions boundary the pipeline's apply role requires."
  }

  assert {
    condition     = module.iam.github_subject == "repo:${var.github_org}/${var.github_repository}:ref:refs/heads/${var.github_branch}"
    error_message = "The GitHub deploy role must trust exactly the configured branch."
  }

  assert {
    condition     = alltrue([for n in values(output.alarm_names) : startswith(n, "${var.project}-${var.environment}-")]) && output.composite_alarm_name == "${var.project}-${var.environment}-deploy-health"
    error_message = "Alarm names must be predictable: <project>-<environment>-<what>."
  }
}

# dev and prod deploy into one account by default: nothing either creates may carry a name the other
# takes in that account, and neither creates the account's one GitHub OIDC provider.
# Pods first (the chart's HPA on metrics-server's metrics), nodes second (Cluster Autoscaler).
run "autoscaling" {
  command = apply

  assert {
    condition     = contains(output.autoscaling.addon_names, "metrics-server") && contains(output.autoscaling.addon_names, "eks-pod-identity-agent")
    error_message = "The cluster must run the metrics-server add-on (HPA metrics) and the Pod Identity agent (autoscaler credentials)."
  }

  assert {
    condition     = output.autoscaling.cluster_autoscaler.role_arn == "arn:aws:iam::123456789012:role/mock-cluster-autoscaler" && output.autoscaling.cluster_autoscaler.namespace == "kube-system" && output.autoscaling.cluster_autoscaler.service_account == "cluster-autoscaler"
    error_message = "The autoscaler's own role (and no other) must be associated with its service account."
  }

  assert {
    condition     = output.autoscaling.node_autoscaling_group_tag == "k8s.io/cluster-autoscaler/${module.eks.cluster_name}" && one([for st in jsondecode(output.autoscaling.cluster_autoscaler_policy).Statement : st.Condition.StringEquals if contains(flatten([st.Action]), "autoscaling:SetDesiredCapacity")]) == { "aws:ResourceTag/k8s.io/cluster-autoscaler/${module.eks.cluster_name}" = "owned" }
    error_message = "The autoscaler may only resize the Auto Scaling groups EKS tags as this cluster's node groups."
  }

  assert {
    condition     = strcontains(output.cluster_autoscaler_manifest, "k8s.io/cluster-autoscaler/${module.eks.cluster_name}\n") && strcontains(output.cluster_autoscaler_manifest, "cluster-autoscaler:v${var.kubernetes_version}.")
    error_message = "The autoscaler's manifest must discover this cluster's node groups with a release built for the cluster's minor."
  }
}

run "dev_in_a_shared_account" {
  command = plan

  variables {
    environment = "dev"
  }

  assert {
    condition     = output.ecr_repository_names == { "sample-service" = "sample-service-dev" } && keys(output.ecr_repository_urls) == ["sample-service-dev"]
    error_message = "The image repository of a service must be named <service>-<environment>."
  }
}

run "prod_in_the_same_account" {
  command = plan

  variables {
    environment            = "prod"
    db_deletion_protection = true
    db_skip_final_snapshot = false
  }

  assert {
    condition     = length(setintersection(toset(run.dev_in_a_shared_account.account_scoped_names), toset(output.account_scoped_names))) == 0
    error_message = "dev and prod must not take the same name in a shared account: ${join(", ", setintersection(toset(run.dev_in_a_shared_account.account_scoped_names), toset(output.account_scoped_names)))}."
  }

  assert {
    condition     = alltrue([for n in ["deploy-prod", "deploy-prod-eks-node", "deploy-prod-github-deploy", "sample-service-prod", "deploy-prod-deploy-health"] : contains(output.account_scoped_names, n)]) && length(output.account_scoped_names) == length(run.dev_in_a_shared_account.account_scoped_names)
    error_message = "account_scoped_names must list the roles, repositories, cluster and alarms of the environment."
  }

  assert {
    condition     = !run.dev_in_a_shared_account.creates_github_oidc_provider && !output.creates_github_oidc_provider
    error_message = "No environment may create the account's GitHub OIDC provider by default (terraform/bootstrap does, once)."
  }
}

run "an_environment_can_still_own_the_github_oidc_provider" {
  command = plan

  variables {
    create_github_oidc_provider = true
  }

  assert {
    condition     = output.creates_github_oidc_provider
    error_message = "create_github_oidc_provider = true must create the provider in this environment."
  }
}

run "composite_alarm_switch_reaches_the_cloudwatch_module" {
  command = plan

  variables {
    create_composite_alarm = false
  }

  assert {
    condition     = output.composite_alarm_name == null && length(output.alarm_names) == 4
    error_message = "create_composite_alarm = false must leave the environment without its composite alarm, and only without it."
  }
}

# One plan, several bad inputs: the run passes only if every listed variable rejects its value.
run "prod_rejects_an_unprotected_database_and_bad_roles" {
  command = plan
  variables {
    environment              = "prod"
    db_deletion_protection   = false
    db_skip_final_snapshot   = true
    pipeline_deploy_role_arn = "arn:aws:iam::123456789012:user/someone"
    permissions_boundary_arn = "arn:aws:iam::123456789012:role/deploy-pipeline-terraform-apply-boundary"
  }
  expect_failures = [var.db_skip_final_snapshot, var.pipeline_deploy_role_arn, var.permissions_boundary_arn]
}
