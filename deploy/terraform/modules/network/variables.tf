variable "name" {
  description = "Name prefix for every resource, e.g. hyundai-poc-use1."
  type        = string
}

variable "region" {
  description = "AWS region this network lives in (provider v6 per-resource region)."
  type        = string
}

variable "cidr_block" {
  description = "The VPC's IPv4 range; a /16 gives /20 public subnets from the start and /20 private subnets in the /19 at its middle."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && tonumber(split("/", var.cidr_block)[1]) <= 20
    error_message = "cidr_block must be a valid IPv4 CIDR of /20 or larger."
  }
}

variable "nat_gateway_per_az" {
  description = "One NAT gateway per AZ (survives an AZ loss) instead of one shared NAT gateway (cheaper, fine for the POC)."
  type        = bool
  default     = false
}

variable "enable_vpc_endpoints" {
  description = "Interface endpoints for ECR, CloudWatch Logs and Secrets Manager plus the S3 gateway, so tasks reach them without the NAT gateway."
  type        = bool
  default     = false
}

variable "app_ports" {
  description = "Container ports the ALB may reach on tasks: frontend and backend."
  type        = list(number)
  default     = [3000, 3001]
}

variable "backend_port" {
  description = "The backend's port, which the frontend calls directly."
  type        = number
  default     = 3001
}

variable "enable_flow_logs" {
  description = "VPC flow logs of rejected traffic to CloudWatch Logs (charged per GB ingested and stored)."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the flow log group."
  type        = number
  default     = 14
}
