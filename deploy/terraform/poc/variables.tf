variable "project" {
  description = "Project name: resource name prefix and the Project tag on everything."
  type        = string
  default     = "hyundai-poc"
}

variable "domain_name" {
  description = "The site's apex name; its public Route53 zone must exist."
  type        = string
  default     = "hyundai-poc.com"
}

variable "primary_region" {
  description = "Region of the Aurora primary (the writer), the global dashboard and us-east-1-only alarms."
  type        = string
  default     = "us-east-1"
}

variable "regions" {
  description = "Serving regions: a short code for names and the VPC range of each."
  type = map(object({
    short = string
    cidr  = string
  }))
  default = {
    "us-east-1"      = { short = "use1", cidr = "10.10.0.0/16" }
    "us-west-2"      = { short = "usw2", cidr = "10.20.0.0/16" }
    "ap-northeast-2" = { short = "apne2", cidr = "10.30.0.0/16" }
  }
}

variable "image_tag" {
  description = "Image tag to deploy: the git SHA make deploy built and pushed (terraform apply -var image_tag=SHA)."
  type        = string
}

variable "nat_gateway_per_az" {
  description = "One NAT gateway per AZ instead of one per region."
  type        = bool
  default     = false
}

variable "enable_vpc_endpoints" {
  description = "VPC endpoints for ECR, CloudWatch Logs, Secrets Manager and S3."
  type        = bool
  default     = false
}

variable "db_min_capacity" {
  description = "Aurora Serverless v2 minimum ACUs (at least 0.5: a global primary cannot pause)."
  type        = number
  default     = 0.5
}

variable "db_max_capacity" {
  description = "Aurora Serverless v2 maximum ACUs."
  type        = number
  default     = 16
}

variable "db_backup_retention_days" {
  description = "Aurora backup retention in days."
  type        = number
  default     = 7
}

variable "db_deletion_protection" {
  description = "Deletion protection on the Aurora clusters; turn off only to tear the POC down."
  type        = bool
  default     = true
}

variable "tasks" {
  description = "Per-service Fargate size and autoscaling bounds; omitted fields take the service module's defaults."
  type = map(object({
    cpu        = optional(number, 256)
    memory     = optional(number, 512)
    desired    = optional(number, 2)
    min        = optional(number, 2)
    max        = optional(number, 6)
    cpu_target = optional(number, 60)
  }))
  default = {
    backend  = {}
    frontend = {}
  }
}

variable "frontend_spot_weight" {
  description = "Frontend tasks beyond the first run on Fargate Spot at this weight against 1 on-demand; 0 turns Spot off."
  type        = number
  default     = 1
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention for the services."
  type        = number
  default     = 14
}

variable "enable_waf" {
  description = "WAF in front of CloudFront: AWS managed rule groups (common, known bad inputs, SQL injection) and a per-IP rate limit."
  type        = bool
  default     = true
}

variable "baseline" {
  description = "Account-wide production baseline: VPC flow logs (rejected traffic), a multi-region CloudTrail trail, GuardDuty in every region. Off for the POC, on in prod.tfvars.example; costs in docs/deploy.md."
  type = object({
    flow_logs  = optional(bool, false)
    cloudtrail = optional(bool, false)
    guardduty  = optional(bool, false)
  })
  default = {}
}

variable "db_rotation_lambda_arn" {
  description = "Rotation function for the database secret (empty: no rotation schedule)."
  type        = string
  default     = ""
}

variable "alarm_email" {
  description = "Address that receives every alarm; empty for none."
  type        = string
  default     = ""
}

variable "daily_budget_usd" {
  description = "Daily spend (USD) above which the billing alarm fires."
  type        = number
  default     = 50
}

variable "queue_password" {
  description = "Password of the backend's MemoryDB user in every region's write queue (TF_VAR_queue_password; 16-128 characters)."
  type        = string
  sensitive   = true
}
