variable "locations_file" {
  description = "The location table."
  type        = string
}

locals {
  locations = jsondecode(file(var.locations_file))
  records = merge(
    { for c, r in local.locations.continents : "continent-${c}" => { continent = c, country = null, subdivision = null, region = r } },
    { for s, r in local.locations.us_states : "us-${s}" => { continent = null, country = "US", subdivision = s, region = r } },
  )
}

resource "aws_route53_record" "geo" {
  for_each = local.records

  zone_id        = "Z1"
  name           = "example.com"
  type           = "A"
  set_identifier = each.key

  geolocation_routing_policy {
    continent   = each.value.continent
    country     = each.value.country
    subdivision = each.value.subdivision
  }

  alias {
    name                   = "alb"
    zone_id                = "Z2"
    evaluate_target_health = false
  }
}

resource "aws_cloudfront_distribution" "this" {
  enabled = true

  origin {
    origin_id   = "a"
    domain_name = "a.example.com"
  }

  origin_group {
    origin_id = "group"

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

  default_cache_behavior {
    target_origin_id = "group"
    allowed_methods  = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
  }
}

resource "aws_cloudwatch_metric_alarm" "targets" {
  alarm_name  = "targets"
  metric_name = "UnHealthyHostCount"
  dimensions  = { TargetGroup = "tg" }
}

resource "aws_cloudwatch_metric_alarm" "lag" {
  alarm_name    = "lag"
  metric_name   = "AuroraGlobalDBReplicationLag"
  threshold     = 5000
  alarm_actions = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "billing" {
  region        = "us-west-2"
  alarm_name    = "billing"
  metric_name   = "EstimatedCharges"
  alarm_actions = [aws_sns_topic.alarms.arn]
}

resource "aws_sns_topic" "alarms" {
  name = "alarms"
}

variable "domain_name" {
  description = "The apex."
  type        = string
  default     = "example.com"
}
