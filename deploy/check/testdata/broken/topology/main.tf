# A deployment with the mistakes the topology checks exist to catch.

terraform {
  backend "s3" {
    dynamodb_table = "locks"
  }

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "regions" {
  description = "Only two regions: Seoul is missing."
  type        = map(string)
  default     = { "us-east-1" = "use1", "us-west-2" = "usw2" }
}

variable "loose" {
  default = 1
}

module "service" {
  source   = "./modules/service"
  for_each = var.regions

  region = each.key
  database = {
    writer_host = module.database.global_writer_endpoint
    reader_host = module.database.reader_endpoints["us-east-1"]
  }
}

module "database" {
  source = "./modules/database"
}

module "edge" {
  source         = "./modules/edge"
  locations_file = "${path.module}/locations.json"
}

output "db_password" {
  value = module.database.master_password
}

variable "replicas" {
  description = "A default that breaks its own rule."
  type        = number
  default     = 7

  validation {
    condition     = var.replicas >= 1 && var.replicas <= 5
    error_message = "replicas must be 1 to 5."
  }
}
