output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "IPv4 CIDR of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "azs" {
  description = "Availability zones the subnets span."
  value       = local.azs
}

output "public_subnet_ids" {
  description = "Public subnets (internet-facing load balancer and NAT gateways only)."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnets for the EKS control-plane interfaces and worker nodes."
  value       = aws_subnet.private[*].id
}

output "database_subnet_ids" {
  description = "Isolated subnets (no route out of the VPC) for the database."
  value       = aws_subnet.database[*].id
}

output "nat_gateway_ids" {
  description = "NAT gateways giving the private subnets outbound access."
  value       = aws_nat_gateway.this[*].id
}

output "flow_log_group_name" {
  description = "CloudWatch log group receiving the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_logs.name
}

output "subnets_with_public_ip_on_launch" {
  description = "Subnets that would give instances a public IP (expected: none)."
  value       = [for s in concat(aws_subnet.public, aws_subnet.private, aws_subnet.database) : s.id if s.map_public_ip_on_launch]
}

output "role_permissions_boundaries" {
  description = "Permissions boundary of each role the module creates, keyed by role name (null when none is set)."
  value       = { (aws_iam_role.flow_logs.name) = aws_iam_role.flow_logs.permissions_boundary }
}
