# Deliberate mistakes the reference check must catch.

variable "region" {
  type = string
}

locals {
  name = "x-${var.regoin}"
}

module "net" {
  source = "./modules/net"

  cidr = "10.0.0.0/16"
  settings = {
    size   = 2
    colour = "red"
  }
}

resource "aws_vpc" "this" {
  region     = var.region
  cidr_block = local.missing
}

resource "aws_subnet" "this" {
  vpc_id     = aws_vpc.other.id
  cidr_block = module.net.vpc
  region     = data.aws_region.here.name
}

output "id" {
  value = module.nothere.id
}

variable "forgotten" {
  description = "Declared, never wired."
  type        = string
  default     = "x"
}

resource "aws_eip" "single" {
  domain = each.key
}

resource "aws_eip" "many" {
  for_each = toset(["a"])

  domain = "vpc-${count.index}"
}
