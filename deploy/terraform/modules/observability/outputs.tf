output "alarm_topic_arns" {
  description = "SNS topic every alarm of a region notifies, by region."
  value       = { for r, t in aws_sns_topic.alarms : r => t.arn }
}

output "dashboard_names" {
  description = "CloudWatch dashboards: one per region and the global one."
  value       = concat([for d in aws_cloudwatch_dashboard.region : d.dashboard_name], [aws_cloudwatch_dashboard.global.dashboard_name])
}
