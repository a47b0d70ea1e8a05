output "alarm_names" {
  description = "Metric alarm names keyed by what they watch (node_cpu, rds_cpu, rds_storage, rds_connections, alb_5xx when an ALB is set)."
  value       = local.alarm_names
}

output "composite_alarm_name" {
  description = "Composite alarm that is in ALARM when any of alarm_names is; the single signal for the bake step (null when create_composite_alarm is false)."
  value       = one(aws_cloudwatch_composite_alarm.deploy_health[*].alarm_name)
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the environment."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}
