variable "cidr_block" {
  type = string
}

output "vpc_id" {
  value = var.cidr_block
}
