variable "name" {
  description = "Name prefix for topics, alarms and dashboards."
  type        = string
}

variable "primary_region" {
  description = "Region of the global dashboard."
  type        = string
  default     = "us-east-1"
}

variable "regions" {
  description = "What to watch in each region: the ALB and target groups, the ECS cluster and services, the regional Aurora cluster (any of which may be the writer), and the region's MemoryDB write queue."
  type = map(object({
    alb_arn_suffix            = string
    target_group_arn_suffixes = map(string)
    cluster_name              = string
    service_names             = map(string)
    db_cluster_identifier     = string
    queue_cluster_name        = optional(string)
  }))
}

variable "health_check_ids" {
  description = "Route53 health check id by region."
  type        = map(string)
}

variable "alarm_email" {
  description = "Address subscribed to every alarm topic; empty subscribes no one (confirm the email AWS sends)."
  type        = string
  default     = ""
}

variable "replication_lag_threshold_ms" {
  description = "Aurora global replication lag that raises an alarm, in milliseconds."
  type        = number
  default     = 1000
}

variable "error_rate_threshold_percent" {
  description = "ALB 5xx answers as a percentage of requests that raises an alarm."
  type        = number
  default     = 5
}

variable "daily_budget_usd" {
  description = "Spend per day (USD) above which the billing alarm fires. Needs billing alerts turned on in the account."
  type        = number
  default     = 50
}
