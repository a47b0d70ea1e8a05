output "parameter_prefix" {
  description = "SSM path the service reads its settings from."
  value       = local.prefix
}

output "parameter_names" {
  description = "Names of the published parameters keyed by setting."
  value       = { for k, p in aws_ssm_parameter.setting : k => p.name }
}
