# Deliberate mistakes for tflint's terraform rules.

terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

variable "unused" {
  default = "x"
}

variable "name" {}

resource "aws_s3_bucket" "this" {
  bucket = "${var.name}"
}
