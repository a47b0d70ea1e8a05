data "aws_region" "current" {}

locals {
  alarm_names = merge(
    {
      node_cpu        = "${var.name}-node-cpu-high"
      rds_cpu         = "${var.name}-rds-cpu-high"
      rds_storage     = "${var.name}-rds-free-storage-low"
      rds_connections = "${var.name}-rds-connections-high"
    },
    var.alb_arn_suffix == "" ? {} : { alb_5xx = "${var.name}-alb-5xx-high" },
  )
  free_storage_threshold_bytes = var.rds_allocated_storage_gib * 1073741824 * var.rds_free_storage_threshold_percent / 100
  rds_dimensions               = { DBInstanceIdentifier = var.rds_identifier }
}

resource "aws_cloudwatch_metric_alarm" "node_cpu" {
  alarm_name          = local.alarm_names.node_cpu
  alarm_description   = "Average CPU of the EKS nodes of ${var.cluster_name} above ${var.node_cpu_threshold_percent}%"
  namespace           = "ContainerInsights"
  metric_name         = "node_cpu_utilization"
  dimensions          = { ClusterName = var.cluster_name }
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.node_cpu_threshold_percent
  treat_missing_data  = "missing"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "rds_cpu" {
  alarm_name          = local.alarm_names.rds_cpu
  alarm_description   = "CPU of ${var.rds_identifier} above ${var.rds_cpu_threshold_percent}%"
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = local.rds_dimensions
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.rds_cpu_threshold_percent
  treat_missing_data  = "missing"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "rds_storage" {
  alarm_name          = local.alarm_names.rds_storage
  alarm_description   = "Free storage of ${var.rds_identifier} below ${var.rds_free_storage_threshold_percent}% of allocated"
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  dimensions          = local.rds_dimensions
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = local.free_storage_threshold_bytes
  treat_missing_data  = "missing"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "rds_connections" {
  alarm_name          = local.alarm_names.rds_connections
  alarm_description   = "Connections to ${var.rds_identifier} above ${var.rds_connections_threshold}"
  namespace           = "AWS/RDS"
  metric_name         = "DatabaseConnections"
  dimensions          = local.rds_dimensions
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.rds_connections_threshold
  treat_missing_data  = "missing"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

# 5xx produced by the load balancer itself plus those returned by the targets.
resource "aws_cloudwatch_metric_alarm" "alb_5xx" {
  count               = var.alb_arn_suffix == "" ? 0 : 1
  alarm_name          = "${var.name}-alb-5xx-high"
  alarm_description   = "More than ${var.alb_5xx_threshold} HTTP 5xx a minute on ${var.alb_arn_suffix}"
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alb_5xx_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags

  metric_query {
    id          = "total"
    expression  = "FILL(elb, 0) + FILL(target, 0)"
    label       = "HTTP 5xx"
    return_data = true
  }

  metric_query {
    id = "elb"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      dimensions  = { LoadBalancer = var.alb_arn_suffix }
      stat        = "Sum"
      period      = 60
    }
  }

  metric_query {
    id = "target"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      dimensions  = { LoadBalancer = var.alb_arn_suffix }
      stat        = "Sum"
      period      = 60
    }
  }
}

# One alarm for a bake step that wants a single signal: ALARM when any alarm above is. Optional
# because some emulators (moto 5.2.1) do not implement PutCompositeAlarm; see create_composite_alarm.
resource "aws_cloudwatch_composite_alarm" "deploy_health" {
  count             = var.create_composite_alarm ? 1 : 0
  alarm_name        = "${var.name}-deploy-health"
  alarm_description = "Any ${var.name} service alarm in ALARM"
  alarm_rule        = join(" OR ", [for n in values(local.alarm_names) : "ALARM(\"${n}\")"])
  alarm_actions     = var.alarm_actions
  ok_actions        = var.alarm_actions
  tags              = var.tags

  depends_on = [
    aws_cloudwatch_metric_alarm.node_cpu,
    aws_cloudwatch_metric_alarm.rds_cpu,
    aws_cloudwatch_metric_alarm.rds_storage,
    aws_cloudwatch_metric_alarm.rds_connections,
    aws_cloudwatch_metric_alarm.alb_5xx,
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = concat(
      [
        {
          type   = "alarm"
          x      = 0
          y      = 0
          width  = 24
          height = 3
          properties = {
            title = "Alarms"
            alarms = concat(
              [
                aws_cloudwatch_metric_alarm.node_cpu.arn,
                aws_cloudwatch_metric_alarm.rds_cpu.arn,
                aws_cloudwatch_metric_alarm.rds_storage.arn,
                aws_cloudwatch_metric_alarm.rds_connections.arn,
              ],
              aws_cloudwatch_metric_alarm.alb_5xx[*].arn,
              aws_cloudwatch_composite_alarm.deploy_health[*].arn,
            )
          }
        },
        {
          type   = "metric"
          x      = 0
          y      = 3
          width  = 12
          height = 6
          properties = {
            title   = "EKS node CPU %"
            region  = data.aws_region.current.name
            metrics = [["ContainerInsights", "node_cpu_utilization", "ClusterName", var.cluster_name]]
            stat    = "Average"
            period  = 60
          }
        },
        {
          type   = "metric"
          x      = 12
          y      = 3
          width  = 12
          height = 6
          properties = {
            title   = "RDS CPU % and connections"
            region  = data.aws_region.current.name
            metrics = [["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", var.rds_identifier], [".", "DatabaseConnections", ".", ".", { yAxis = "right" }]]
            stat    = "Average"
            period  = 60
          }
        },
        {
          type   = "metric"
          x      = 0
          y      = 9
          width  = 12
          height = 6
          properties = {
            title   = "RDS free storage (bytes)"
            region  = data.aws_region.current.name
            metrics = [["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", var.rds_identifier]]
            stat    = "Minimum"
            period  = 300
          }
        },
      ],
      var.alb_arn_suffix == "" ? [] : [{
        type   = "metric"
        x      = 12
        y      = 9
        width  = 12
        height = 6
        properties = {
          title   = "ALB 5xx per minute"
          region  = data.aws_region.current.name
          metrics = [["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", var.alb_arn_suffix], [".", "HTTPCode_Target_5XX_Count", ".", "."]]
          stat    = "Sum"
          period  = 60
        }
      }],
    )
  })
}

# The composite alarm was a single resource before it became optional.
moved {
  from = aws_cloudwatch_composite_alarm.deploy_health
  to   = aws_cloudwatch_composite_alarm.deploy_health[0]
}
