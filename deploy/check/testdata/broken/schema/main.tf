# Deliberate mistakes, one per kind the schema check must catch.

resource "aws_lb_listner" "typo" {
  port = 443
}

resource "aws_vpc" "this" {
  cidr_blocks = "10.0.0.0/16"
  arn         = "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1"
}

resource "aws_rds_cluster" "member" {
  cluster_identifier = "member"

  lifecycle {
    ignore_changes = [global_cluster_id]
  }
}

resource "aws_cloudfront_distribution" "this" {
  enabled = true

  origin_group {
    origin_id = "group"

    failover_criteria {
      status_codes = [500]
    }

    member {
      origin_id = "a"
    }

    member {
      origin_id = "b"
    }

    member {
      origin_id = "c"
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }

  origin {
    origin_id   = "a"
    domain_name = "a.example.com"
  }
}

resource "aws_lb_target_group" "this" {
  name = "tg"

  tags {
    Name = "tg"
  }

  healthcheck {
    path = "/healthz"
  }
}

resource "aws_ecs_service" "this" {
  name                       = "svc"
  deployment_circuit_breaker = { enable = true, rollback = true }
}

data "aws_route53_zonez" "this" {
  name = "example.com"
}

resource "aws_wafv2_web_acl" "edge" {
  name  = "edge"
  scope = "CLOUDFRONT"
}

resource "aws_lb" "types" {
  name                       = "types"
  subnets                    = "subnet-1"
  enable_deletion_protection = "maybe"
  idle_timeout               = "sixty"
}
