terraform {
  # 1.11: write-only arguments keep the database password out of state.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  # Partial configuration: bucket, key and region come from backend.hcl
  # (see README.md); use_lockfile locks with an S3 object, no DynamoDB table.
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}

# One provider for all three regions: every regional resource sets the
# provider v6 `region` argument, so modules run under for_each per region.
provider "aws" {
  region = var.primary_region

  default_tags {
    tags = {
      Project     = var.project
      Environment = "poc"
      ManagedBy   = "terraform"
    }
  }
}
