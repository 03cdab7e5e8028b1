variable "cidr_block" {
  type = string
}

output "vpc_id" {
  value = var.cidr_block
}

variable "settings" {
  type = object({
    name = string
    size = optional(number, 1)
  })
  default = null
}

output "settings" {
  value = var.settings
}
