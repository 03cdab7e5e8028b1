variable "name" {
  description = "Name prefix: the global cluster is NAME and each regional cluster NAME-REGION."
  type        = string
}

variable "primary_region" {
  description = "Region of the primary (writer) cluster."
  type        = string
}

variable "regions" {
  description = "Every region with a cluster, the primary included: its private subnets and the database security group."
  type = map(object({
    subnet_ids        = list(string)
    security_group_id = string
  }))

  validation {
    condition     = length(var.regions) >= 2
    error_message = "A global database needs the primary region and at least one secondary."
  }
}

variable "engine_version" {
  description = "Aurora MySQL version (3.x is MySQL 8.0-compatible) supported by Global Database and Serverless v2 in every region."
  type        = string
  default     = "8.0.mysql_aurora.3.10.3"

  validation {
    condition     = startswith(var.engine_version, "8.0.mysql_aurora.3.")
    error_message = "Use Aurora MySQL 3 (MySQL 8.0-compatible)."
  }
}

variable "min_capacity" {
  description = "Serverless v2 minimum ACUs per instance. A global database's primary cannot scale to 0 (no auto-pause), so 0.5 is the floor."
  type        = number
  default     = 0.5

  validation {
    condition     = var.min_capacity >= 0.5 && var.min_capacity * 2 == floor(var.min_capacity * 2)
    error_message = "min_capacity must be at least 0.5 ACU (0 ACU auto-pause is not available to a global database) in 0.5 steps."
  }
}

variable "max_capacity" {
  description = "Serverless v2 maximum ACUs per instance."
  type        = number
  default     = 16

  validation {
    condition     = var.max_capacity >= 1 && var.max_capacity <= 256
    error_message = "max_capacity must be between 1 and 256 ACUs."
  }
}

variable "instances_per_cluster" {
  description = "Serverless v2 instances in each regional cluster. With 1, the primary region's reader endpoint reaches the writer instance; 2 adds a local reader and a failover target inside the region."
  type        = number
  default     = 1
}

variable "database_name" {
  description = "Schema created in the cluster (the services' DB_NAME)."
  type        = string
  default     = "marketing"
}

variable "master_username" {
  description = "Master user name. Its password is generated, written only to Secrets Manager and the cluster (write-only arguments), never to state."
  type        = string
  default     = "marketing_admin"
}

variable "password_version" {
  description = "Bump to generate and set a new master password (write-only arguments are sent only when this changes)."
  type        = number
  default     = 1
}

variable "backup_retention_days" {
  description = "Automated backup retention in days."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be 1 to 35."
  }
}

variable "deletion_protection" {
  description = "Protect the global and regional clusters from deletion."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Skip the final snapshot when a cluster is destroyed (POC teardown only)."
  type        = bool
  default     = false
}

variable "rotation_lambda_arn" {
  description = "Secrets Manager rotation function for the master secret (single-user MySQL rotation, deployed where it reaches the writer); empty turns rotation off."
  type        = string
  default     = ""
}

variable "rotation_days" {
  description = "Days between automatic rotations when rotation_lambda_arn is set."
  type        = number
  default     = 30

  validation {
    condition     = var.rotation_days >= 1 && var.rotation_days <= 1000
    error_message = "rotation_days must be 1 to 1000."
  }
}
