variable "name" {
  description = "Name prefix for this region's resources, e.g. hyundai-poc-use1 (ALB and target group names allow 32 characters)."
  type        = string

  validation {
    condition     = length(var.name) <= 23
    error_message = "name must be at most 23 characters so NAME-frontend fits a 32-character target group name."
  }
}

variable "region" {
  description = "AWS region of this ALB, ECS cluster and services."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the region."
  type        = string
}

variable "public_subnet_ids" {
  description = "Subnets of the ALB."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Subnets of the tasks."
  type        = list(string)
}

variable "alb_security_group_ids" {
  description = "Security groups of the ALB (CloudFront's prefix list, Route53 health checkers' prefix list)."
  type        = list(string)
}

variable "origin_header" {
  description = "The header CloudFront adds to every origin request; the ALB serves only requests that carry it (and /healthz)."
  type = object({
    name  = string
    value = string
  })
  sensitive = true
}

variable "task_security_group_id" {
  description = "Security group of the tasks."
  type        = string
}

variable "zone_id" {
  description = "Route53 zone that validates the ALB certificate."
  type        = string
}

variable "domain_name" {
  description = "The site's apex name; the ALB certificate covers *.DOMAIN and *.origin.DOMAIN (the origin-only names CloudFront connects to)."
  type        = string
}

variable "images" {
  description = "Image repository URL by service (backend, frontend), without tag."
  type = object({
    backend  = string
    frontend = string
  })
}

variable "image_tag" {
  description = "Image tag to run: the git SHA that make deploy built and pushed."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{7,40}$", var.image_tag))
    error_message = "image_tag must be a git SHA (7 to 40 hex characters)."
  }
}

variable "database" {
  description = "How the backend reaches Aurora: the global writer endpoint, this region's reader endpoint, schema, user, and the secret holding the password and the services' keys (token_key, csrf_key, health_check_token)."
  type = object({
    writer_host = string
    reader_host = string
    name        = string
    user        = string
    secret_arn  = string
  })
}

variable "queue" {
  description = "How the backend reaches the region's write queue (MemoryDB): its user, and the names of the SSM parameters (in this region) holding the cluster's address and the password."
  type = object({
    user               = string
    addr_parameter     = string
    password_parameter = string
  })
}

variable "trusted_proxies" {
  description = "CIDRs whose X-Forwarded-For and X-Forwarded-Proto the services believe: the VPC range that holds the ALB's subnets (TRUSTED_PROXIES)."
  type        = string
}

variable "region_endpoints" {
  description = "REGION_ENDPOINTS for the frontend's latency panel: region=https://URL pairs, comma separated."
  type        = string
}

variable "log_level" {
  description = "LOG_LEVEL of both services."
  type        = string
  default     = "info"
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention for the services' log groups."
  type        = number
  default     = 14
}

variable "tasks" {
  description = "Size and scaling of each service: Fargate CPU units and MiB, desired count, autoscaling bounds and the CPU target."
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

  validation {
    condition     = alltrue([for k in ["backend", "frontend"] : contains(keys(var.tasks), k)])
    error_message = "tasks must size both backend and frontend."
  }
}

variable "frontend_spot_weight" {
  description = "Share of frontend tasks beyond the first on Fargate Spot, as a weight against 1 on-demand (0 turns Spot off). The backend always runs on-demand: it holds the data path."
  type        = number
  default     = 1
}

variable "health_check" {
  description = "ALB target health check on /healthz: seconds between checks, and checks to turn healthy or unhealthy."
  type = object({
    interval            = optional(number, 10)
    timeout             = optional(number, 5)
    healthy_threshold   = optional(number, 2)
    unhealthy_threshold = optional(number, 3)
  })
  default = {}
}
