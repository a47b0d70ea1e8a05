mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = { names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }
  }
  # The provider still validates ARN arguments, so mocked ARNs must look like ARNs.
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vpc/orders-test/flow-logs" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/orders-test-vpc-flow-logs" }
  }
}

variables {
  name         = "orders-test"
  cluster_name = "orders-test"
  cidr_block   = "10.10.0.0/16"
  az_count     = 3
}

run "private_subnets_span_zones_without_public_ips" {
  command = apply

  assert {
    condition     = length(aws_subnet.private) == 3 && length(distinct(aws_subnet.private[*].availability_zone)) == 3
    error_message = "There must be one private subnet in each of the three zones."
  }

  assert {
    condition     = alltrue([for s in concat(aws_subnet.private, aws_subnet.database, aws_subnet.public) : s.map_public_ip_on_launch == false])
    error_message = "No subnet may hand out public IPs on launch."
  }

  assert {
    condition     = length(distinct(aws_subnet.database[*].availability_zone)) >= 2
    error_message = "Database subnets must span at least two zones for Multi-AZ."
  }

  assert {
    condition     = alltrue([for r in aws_route.private_nat : r.nat_gateway_id != null && r.gateway_id == null])
    error_message = "Private subnets must leave the VPC through NAT only, never straight through the internet gateway."
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 3 && alltrue([for n in aws_nat_gateway.this : contains(aws_subnet.public[*].id, n.subnet_id)])
    error_message = "Each zone gets a NAT gateway in a public subnet."
  }

  assert {
    condition     = alltrue([for a in aws_route_table_association.database : a.route_table_id == aws_route_table.database.id]) && !contains(concat(aws_route.private_nat[*].route_table_id, [aws_route.public_internet.route_table_id]), aws_route_table.database.id)
    error_message = "Database subnets must have no route out of the VPC: no route of the module may target their route table."
  }

  assert {
    condition     = aws_flow_log.this.traffic_type == "ALL" && aws_flow_log.this.log_destination == aws_cloudwatch_log_group.flow_logs.arn
    error_message = "VPC flow logs must record all traffic to the flow log group."
  }

  assert {
    condition     = aws_subnet.public[0].tags["kubernetes.io/role/elb"] == "1" && aws_subnet.private[0].tags["kubernetes.io/role/internal-elb"] == "1"
    error_message = "Subnets must carry the load balancer discovery tags."
  }

  # Inline routes and rules cannot be seen here (a mocked provider leaves computed blocks empty); the
  # layout test checks that the database route table and the default security group declare none.
  assert {
    condition     = aws_default_security_group.this.vpc_id == aws_vpc.this.id
    error_message = "The deny-all default security group must manage the module's VPC."
  }
}

run "single_nat_gateway_is_shared" {
  command = plan

  variables {
    single_nat_gateway = true
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1 && length(aws_route.private_nat) == 3
    error_message = "single_nat_gateway must create one NAT gateway used by every private route table."
  }
}

run "flow_logs_role_has_no_boundary_by_default" {
  command = plan

  assert {
    condition     = aws_iam_role.flow_logs.permissions_boundary == null && keys(output.role_permissions_boundaries) == ["orders-test-vpc-flow-logs"] && alltrue([for b in values(output.role_permissions_boundaries) : b == null])
    error_message = "Without permissions_boundary_arn the flow logs role must have no boundary."
  }
}

run "flow_logs_role_carries_the_permissions_boundary" {
  command = plan
  variables {
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/deploy-pipeline-terraform-apply-boundary"
  }

  assert {
    condition     = aws_iam_role.flow_logs.permissions_boundary == var.permissions_boundary_arn
    error_message = "The flow logs role must carry the permissions boundary the pipeline requires."
  }

  assert {
    condition     = output.role_permissions_boundaries == { "orders-test-vpc-flow-logs" = var.permissions_boundary_arn }
    error_message = "role_permissions_boundaries must report the flow logs role with its boundary."
  }
}

# One plan, several bad inputs: the run passes only if every listed variable rejects its value.
run "rejects_a_single_zone_and_an_oversized_cidr" {
  command = plan
  variables {
    az_count                 = 1
    cidr_block               = "10.0.0.0/8"
    name                     = "Orders"
    permissions_boundary_arn = "arn:aws:iam::123456789012:role/deploy-pipeline-terraform-apply-boundary"
  }
  expect_failures = [var.az_count, var.cidr_block, var.name, var.permissions_boundary_arn]
}

run "rejects_a_malformed_cidr" {
  command = plan
  variables {
    cidr_block = "10.0.0.300/16"
  }
  expect_failures = [var.cidr_block]
}
