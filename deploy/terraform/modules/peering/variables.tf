variable "name" {
  description = "Name prefix for the peering connections."
  type        = string
}

variable "regions" {
  description = "Each region's network: VPC, its private range (tasks and Aurora), private route tables by AZ, and the task and database security groups."
  type = map(object({
    vpc_id                  = string
    private_range           = string
    private_route_table_ids = map(string)
    task_security_group_id  = string
    db_security_group_id    = string
  }))

  validation {
    condition     = length(var.regions) >= 2
    error_message = "Peering needs at least two regions."
  }
}
