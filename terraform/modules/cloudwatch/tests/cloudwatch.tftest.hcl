mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
}

variables {
  name                      = "orders-test"
  cluster_name              = "orders-test"
  rds_identifier            = "orders-test"
  rds_allocated_storage_gib = 20
  alarm_actions             = ["arn:aws:sns:eu-west-1:123456789012:deploy-notifications"]
}

run "alarms_have_predictable_names" {
  command = plan

  assert {
    condition = output.alarm_names == {
      node_cpu        = "orders-test-node-cpu-high"
      rds_cpu         = "orders-test-rds-cpu-high"
      rds_storage     = "orders-test-rds-free-storage-low"
      rds_connections = "orders-test-rds-connections-high"
    }
    error_message = "Alarm names must follow <name>-<what>-<high|low> so the bake step can watch them."
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.alb_5xx) == 0
    error_message = "No ALB alarm may exist before the load balancer is known."
  }

  assert {
    condition     = aws_cloudwatch_composite_alarm.deploy_health[0].alarm_name == "orders-test-deploy-health" && strcontains(aws_cloudwatch_composite_alarm.deploy_health[0].alarm_rule, "ALARM(\"orders-test-rds-cpu-high\")") && output.composite_alarm_name == "orders-test-deploy-health"
    error_message = "The composite alarm must exist by default and combine the metric alarms."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.rds_storage.threshold == 20 * 1073741824 / 10 && aws_cloudwatch_metric_alarm.rds_storage.comparison_operator == "LessThanThreshold"
    error_message = "The storage alarm must fire below 10% of the allocated bytes."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.rds_cpu.dimensions.DBInstanceIdentifier == "orders-test" && aws_cloudwatch_metric_alarm.node_cpu.dimensions.ClusterName == "orders-test"
    error_message = "Alarms must watch the given database and cluster."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.rds_connections.alarm_actions == toset(var.alarm_actions)
    error_message = "Alarms must notify the given topics."
  }
}

run "alb_alarm_once_the_load_balancer_is_known" {
  command = apply

  variables {
    alb_arn_suffix = "app/k8s-sample-0123abcd/0123456789abcdef"
  }

  assert {
    condition     = output.alarm_names.alb_5xx == "orders-test-alb-5xx-high" && aws_cloudwatch_metric_alarm.alb_5xx[0].alarm_name == "orders-test-alb-5xx-high"
    error_message = "The ALB 5xx alarm must exist with its predictable name."
  }

  assert {
    condition     = toset([for q in aws_cloudwatch_metric_alarm.alb_5xx[0].metric_query : q.metric[0].metric_name if length(q.metric) > 0]) == toset(["HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count"])
    error_message = "The ALB alarm must count load balancer and target 5xx."
  }

  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets) == 5
    error_message = "The dashboard must show alarms, node CPU, RDS CPU/connections, RDS storage and ALB 5xx."
  }
}

# The environment passes the instance's current allocated storage, which storage autoscaling grows.
run "storage_alarm_follows_the_allocated_storage" {
  command = plan

  variables {
    rds_allocated_storage_gib          = 57
    rds_free_storage_threshold_percent = 15
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.rds_storage.threshold == 57 * 1073741824 * 15 / 100
    error_message = "The storage alarm threshold must be the given percentage of the given allocated storage."
  }
}

# A local apply against moto_server (no PutCompositeAlarm) turns the composite alarm off; the metric
# alarms and the dashboard stay.
run "composite_alarm_can_be_turned_off" {
  command = apply

  variables {
    create_composite_alarm = false
  }

  assert {
    condition     = length(aws_cloudwatch_composite_alarm.deploy_health) == 0 && output.composite_alarm_name == null
    error_message = "create_composite_alarm = false must create no composite alarm and report none."
  }

  assert {
    condition     = length(output.alarm_names) == 4 && length(one([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.properties.alarms if w.type == "alarm"])) == 4
    error_message = "Without the composite alarm the metric alarms and the dashboard's alarm widget must stay."
  }
}

# One plan, several bad inputs: the run passes only if every listed variable rejects its value.
run "rejects_bad_input" {
  command = plan
  variables {
    alarm_actions              = ["arn:aws:lambda:eu-west-1:123456789012:function:x"]
    node_cpu_threshold_percent = 150
    alb_arn_suffix             = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1"
  }
  expect_failures = [var.alarm_actions, var.node_cpu_threshold_percent, var.alb_arn_suffix]
}
