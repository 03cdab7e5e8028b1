variable "name" {
  description = "Name prefix: each region's cluster, user, ACL, subnet group and security group is NAME-REGION-queue."
  type        = string
}

variable "regions" {
  description = "Every region with a queue: its VPC, the private subnets the cluster's nodes go in, and the security group of the tasks that may connect."
  type = map(object({
    vpc_id                   = string
    subnet_ids               = list(string)
    client_security_group_id = string
  }))

  validation {
    condition     = alltrue([for r in values(var.regions) : length(r.subnet_ids) >= 2])
    error_message = "Give each region at least two subnets in different Availability Zones, so a replica can live in another AZ."
  }
}

variable "node_type" {
  description = "MemoryDB node type. A queue of pending leads is small; the smallest Graviton type is enough."
  type        = string
  default     = "db.t4g.small"
}

variable "replicas_per_shard" {
  description = "Replicas per shard. At least 1 keeps a node in another AZ ready to take over; the Multi-AZ transaction log keeps the data either way."
  type        = number
  default     = 1

  validation {
    condition     = var.replicas_per_shard >= 0 && var.replicas_per_shard <= 5
    error_message = "replicas_per_shard must be between 0 and 5."
  }
}

variable "engine_version" {
  description = "Redis OSS engine version of the clusters; streams and consumer groups need 5.0 or later."
  type        = string
  default     = "7.1"
}

variable "user_name" {
  description = "The backend's MemoryDB user (QUEUE_USER)."
  type        = string
  default     = "backend"
}

variable "password" {
  description = "The backend's password (QUEUE_PASSWORD), 16 to 128 characters. It is in the state: aws_memorydb_user has no write-only password argument."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.password) >= 16 && length(var.password) <= 128
    error_message = "MemoryDB passwords are 16 to 128 characters."
  }
}

variable "snapshot_retention_days" {
  description = "Days of daily snapshots kept, on top of the transaction log."
  type        = number
  default     = 1
}

variable "alarm_topic_arns" {
  description = "SNS topic that gets each region's MemoryDB events (failovers, node replacements), by region (observability's alarm_topic_arns). Empty: none."
  type        = map(string)
  default     = {}
}
