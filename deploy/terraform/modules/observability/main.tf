# Alarms go to an SNS topic in their own region (CloudWatch alarms can only
# notify a topic in the same region); the metrics that exist only in
# us-east-1 (Route53 health checks, billing) notify a topic there, whatever
# the primary region is. Every alarm holds whichever region is the writer:
# replication lag is watched on every cluster, and a cluster that is the
# writer publishes no lag, which is not a breach. Dashboards: one per region
# and a global one in the primary region.

locals {
  tg_alarms = merge([
    for r, v in var.regions : {
      for svc, tg in v.target_group_arn_suffixes : "${r}-${svc}" => { region = r, service = svc, target_group = tg, alb = v.alb_arn_suffix }
    }
  ]...)

  task_alarms = merge([
    for r, v in var.regions : {
      for svc, name in v.service_names : "${r}-${svc}" => { region = r, cluster = v.cluster_name, service = name }
    }
  ]...)

  queues = { for r, v in var.regions : r => v.queue_cluster_name if v.queue_cluster_name != null }

  # Route53 health check and billing metrics exist only in us-east-1.
  metrics_home = "us-east-1"
}

resource "aws_sns_topic" "alarms" {
  for_each = var.regions

  region = each.key
  name   = "${var.name}-alarms"
}

resource "aws_sns_topic_subscription" "email" {
  for_each = var.alarm_email == "" ? {} : var.regions

  region    = each.key
  topic_arn = aws_sns_topic.alarms[each.key].arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_sns_topic" "global" {
  region = local.metrics_home
  name   = "${var.name}-global-alarms"
}

resource "aws_sns_topic_subscription" "global_email" {
  count = var.alarm_email == "" ? 0 : 1

  region    = local.metrics_home
  topic_arn = aws_sns_topic.global.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

# On every cluster: after a switchover any of them may be a secondary. The
# writer publishes no replication lag, so missing data is not a breach.
resource "aws_cloudwatch_metric_alarm" "replication_lag" {
  for_each = var.regions

  region              = each.key
  alarm_name          = "${var.name}-${each.key}-replication-lag"
  alarm_description   = "Aurora global replication to ${each.key} is behind by more than ${var.replication_lag_threshold_ms} ms"
  namespace           = "AWS/RDS"
  metric_name         = "AuroraGlobalDBReplicationLag"
  dimensions          = { DBClusterIdentifier = each.value.db_cluster_identifier }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.replication_lag_threshold_ms
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms[each.key].arn]
  ok_actions          = [aws_sns_topic.alarms[each.key].arn]
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_targets" {
  for_each = local.tg_alarms

  region              = each.value.region
  alarm_name          = "${var.name}-${each.key}-unhealthy-targets"
  alarm_description   = "The ${each.value.service} target group in ${each.value.region} has unhealthy targets"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = { LoadBalancer = each.value.alb, TargetGroup = each.value.target_group }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms[each.value.region].arn]
  ok_actions          = [aws_sns_topic.alarms[each.value.region].arn]
}

resource "aws_cloudwatch_metric_alarm" "error_rate" {
  for_each = var.regions

  region              = each.key
  alarm_name          = "${var.name}-${each.key}-5xx-rate"
  alarm_description   = "More than ${var.error_rate_threshold_percent}% of answers in ${each.key} are 5xx (targets and the ALB itself)"
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.error_rate_threshold_percent
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms[each.key].arn]
  ok_actions          = [aws_sns_topic.alarms[each.key].arn]

  metric_query {
    id          = "rate"
    expression  = "100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / FILL(requests, 1)"
    label       = "5xx %"
    return_data = true
  }

  metric_query {
    id = "target5xx"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      dimensions  = { LoadBalancer = each.value.alb_arn_suffix }
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "elb5xx"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      dimensions  = { LoadBalancer = each.value.alb_arn_suffix }
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "requests"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      dimensions  = { LoadBalancer = each.value.alb_arn_suffix }
      period      = 60
      stat        = "Sum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "running_tasks" {
  for_each = local.task_alarms

  region              = each.value.region
  alarm_name          = "${var.name}-${each.key}-running-tasks"
  alarm_description   = "No ${each.value.service} task is running in ${each.value.region}"
  namespace           = "ECS/ContainerInsights"
  metric_name         = "RunningTaskCount"
  dimensions          = { ClusterName = each.value.cluster, ServiceName = each.value.service }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 2
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alarms[each.value.region].arn]
  ok_actions          = [aws_sns_topic.alarms[each.value.region].arn]
}

resource "aws_cloudwatch_metric_alarm" "health_check" {
  for_each = var.health_check_ids

  region              = local.metrics_home
  alarm_name          = "${var.name}-${each.key}-route53-health"
  alarm_description   = "Route53 health check of ${each.key} fails"
  namespace           = "AWS/Route53"
  metric_name         = "HealthCheckStatus"
  dimensions          = { HealthCheckId = each.value }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 2
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.global.arn]
  ok_actions          = [aws_sns_topic.global.arn]
}

# EstimatedCharges is month-to-date and updates a few times a day, so the
# alarm watches its rate: dollars per second over six hours, times a day.
resource "aws_cloudwatch_metric_alarm" "billing" {
  region              = local.metrics_home
  alarm_name          = "${var.name}-daily-spend"
  alarm_description   = "Spend is running above ${var.daily_budget_usd} USD per day"
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.daily_budget_usd
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.global.arn]

  metric_query {
    id          = "daily"
    expression  = "RATE(charges) * 86400"
    label       = "USD per day"
    return_data = true
  }

  metric_query {
    id = "charges"

    metric {
      namespace   = "AWS/Billing"
      metric_name = "EstimatedCharges"
      dimensions  = { Currency = "USD" }
      period      = 21600
      stat        = "Maximum"
    }
  }
}

resource "aws_cloudwatch_dashboard" "region" {
  for_each = var.regions

  region         = each.key
  dashboard_name = "${var.name}-${each.key}"
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title = "Requests and 5xx", region = each.key, stat = "Sum", period = 60
          metrics = [
            ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", each.value.alb_arn_suffix],
            [".", "HTTPCode_Target_5XX_Count", ".", "."],
            [".", "HTTPCode_ELB_5XX_Count", ".", "."],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title   = "Target response time (p99)", region = each.key, stat = "p99", period = 60
          metrics = [["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", each.value.alb_arn_suffix]]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title   = "Running tasks", region = each.key, stat = "Minimum", period = 60
          metrics = [for svc, name in each.value.service_names : ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", each.value.cluster_name, "ServiceName", name]]
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title = "Aurora", region = each.key, period = 60
          metrics = concat(
            [["AWS/RDS", "ServerlessDatabaseCapacity", "DBClusterIdentifier", each.value.db_cluster_identifier, { stat = "Average" }]],
            [["AWS/RDS", "AuroraGlobalDBReplicationLag", "DBClusterIdentifier", each.value.db_cluster_identifier, { stat = "Maximum" }]],
          )
        }
      },
    ]
  })
}

resource "aws_cloudwatch_dashboard" "global" {
  region         = var.primary_region
  dashboard_name = "${var.name}-global"
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title   = "Requests by region", stat = "Sum", period = 60, region = var.primary_region
          metrics = [for r, v in var.regions : ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", v.alb_arn_suffix, { region = r, label = r }]]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title   = "Replication lag (ms)", stat = "Maximum", period = 60, region = var.primary_region
          metrics = [for r, v in var.regions : ["AWS/RDS", "AuroraGlobalDBReplicationLag", "DBClusterIdentifier", v.db_cluster_identifier, { region = r, label = r }]]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title   = "Route53 health checks", stat = "Minimum", period = 60, region = "us-east-1"
          metrics = [for r, id in var.health_check_ids : ["AWS/Route53", "HealthCheckStatus", "HealthCheckId", id, { label = r }]]
        }
      },
      {
        type = "alarm", x = 12, y = 6, width = 12, height = 6
        properties = {
          title  = "Alarms (${local.metrics_home})"
          alarms = concat([for a in aws_cloudwatch_metric_alarm.health_check : a.arn], [aws_cloudwatch_metric_alarm.billing.arn])
        }
      },
    ]
  })
}

# The write queue (MemoryDB): a busy engine slows every journaled write,
# and a wrong password is someone trying the door.
resource "aws_cloudwatch_metric_alarm" "queue_cpu" {
  for_each = local.queues

  region              = each.key
  alarm_name          = "${var.name}-${each.key}-queue-engine-cpu"
  alarm_description   = "The write queue's engine in ${each.key} is busy: journaled writes and drains slow down"
  namespace           = "AWS/MemoryDB"
  metric_name         = "EngineCPUUtilization"
  dimensions          = { ClusterName = each.value }
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms[each.key].arn]
  ok_actions          = [aws_sns_topic.alarms[each.key].arn]
}

resource "aws_cloudwatch_metric_alarm" "queue_auth_failures" {
  for_each = local.queues

  region              = each.key
  alarm_name          = "${var.name}-${each.key}-queue-auth-failures"
  alarm_description   = "Sign-ins to the write queue in ${each.key} failed"
  namespace           = "AWS/MemoryDB"
  metric_name         = "AuthenticationFailures"
  dimensions          = { ClusterName = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms[each.key].arn]
}
