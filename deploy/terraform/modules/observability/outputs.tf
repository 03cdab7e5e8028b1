output "alarm_topic_arns" {
  description = "SNS topic every alarm of a region notifies, by region, and the us-east-1 topic of the Route53 health and billing alarms (key global)."
  value       = merge({ for r, t in aws_sns_topic.alarms : r => t.arn }, { global = aws_sns_topic.global.arn })
}

output "dashboard_names" {
  description = "CloudWatch dashboards: one per region and the global one."
  value       = concat([for d in aws_cloudwatch_dashboard.region : d.dashboard_name], [aws_cloudwatch_dashboard.global.dashboard_name])
}
