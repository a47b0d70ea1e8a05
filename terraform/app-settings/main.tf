locals {
  prefix = "/${var.project}/${var.environment}/${var.service}"
}

resource "aws_ssm_parameter" "setting" {
  for_each    = var.settings
  name        = "${local.prefix}/${each.key}"
  description = "${var.service} setting ${each.key} in ${var.environment}"
  type        = "String"
  tier        = "Standard"
  value       = each.value
}
