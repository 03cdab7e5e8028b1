# The global edge: Route53 geolocation for the apex name, a name per region,
# health checks per region, and CloudFront in front with an ACM certificate
# from us-east-1 (the only region CloudFront takes certificates from).

data "aws_route53_zone" "this" {
  name         = var.domain_name
  private_zone = false
}

locals {
  locations = jsondecode(file(var.locations_file))

  # One record per location in the shared table: continents, countries, US
  # states (Route53 subdivisions), and the default "*". Route53 answers with
  # the most specific match.
  geo_records = merge(
    { for c, r in local.locations.continents : "continent-${c}" => { continent = c, country = null, subdivision = null, region = r } },
    { for c, r in local.locations.countries : "country-${c}" => { continent = null, country = c, subdivision = null, region = r } },
    { for s, r in local.locations.us_states : "us-${s}" => { continent = null, country = "US", subdivision = s, region = r } },
    { default = { continent = null, country = "*", subdivision = null, region = local.locations.default } },
  )

  cdn_name = "${var.cdn_subdomain}.${var.domain_name}"

  geo_origin      = "geo"
  api_origin      = "geo-api"
  failover_origin = "region-${var.failover_region}"
  origin_group    = "geo-with-failover"
}

resource "aws_route53_record" "regional" {
  for_each = var.regions

  zone_id = data.aws_route53_zone.this.zone_id
  name    = "${each.key}.${var.domain_name}"
  type    = "A"

  alias {
    name                   = each.value.alb_dns_name
    zone_id                = each.value.alb_zone_id
    evaluate_target_health = true
  }
}

resource "aws_route53_health_check" "region" {
  for_each = var.regions

  fqdn              = aws_route53_record.regional[each.key].fqdn
  type              = "HTTPS"
  port              = 443
  resource_path     = "/healthz"
  request_interval  = var.health_check.request_interval
  failure_threshold = var.health_check.failure_threshold
  measure_latency   = true

  tags = { Name = "${var.name}-${each.key}" }
}

resource "aws_route53_record" "geo" {
  for_each = local.geo_records

  zone_id         = data.aws_route53_zone.this.zone_id
  name            = var.domain_name
  type            = "A"
  set_identifier  = each.key
  health_check_id = aws_route53_health_check.region[each.value.region].id

  geolocation_routing_policy {
    continent   = each.value.continent
    country     = each.value.country
    subdivision = each.value.subdivision
  }

  alias {
    name                   = var.regions[each.value.region].alb_dns_name
    zone_id                = var.regions[each.value.region].alb_zone_id
    evaluate_target_health = true
  }

  lifecycle {
    precondition {
      condition     = contains(keys(var.regions), each.value.region)
      error_message = "locations.json names a region that is not deployed."
    }
  }
}

# CloudFront certificate: us-east-1 only.

resource "aws_acm_certificate" "cdn" {
  region            = "us-east-1"
  domain_name       = local.cdn_name
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "cdn_validation" {
  for_each = {
    for o in aws_acm_certificate.cdn.domain_validation_options : o.domain_name => o
  }

  zone_id         = data.aws_route53_zone.this.zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "cdn" {
  region                  = "us-east-1"
  certificate_arn         = aws_acm_certificate.cdn.arn
  validation_record_fqdns = [for r in aws_route53_record.cdn_validation : r.fqdn]
}

data "aws_cloudfront_cache_policy" "optimized" {
  name = "Managed-CachingOptimized"
}

data "aws_cloudfront_cache_policy" "disabled" {
  name = "Managed-CachingDisabled"
}

data "aws_cloudfront_origin_request_policy" "all_viewer_except_host" {
  name = "Managed-AllViewerExceptHostHeader"
}

# Origins: "geo" is the apex name, so Route53 geolocation picks the region
# nearest the CloudFront edge; the failover origin is one region's own name.
# An origin group holds exactly two origins and serves only GET, HEAD and
# OPTIONS, so /api/* (which takes POST) goes to "geo" directly.

resource "aws_cloudfront_distribution" "this" {
  enabled         = true
  is_ipv6_enabled = true
  comment         = "${var.name}: site via geolocation origin with failover"
  aliases         = [local.cdn_name]
  price_class     = var.price_class
  http_version    = "http2and3"
  web_acl_id      = var.enable_waf ? aws_wafv2_web_acl.this[0].arn : null

  # Origins in the group give up fast (2 tries x 5 s instead of CloudFront's
  # 3 x 10 s): a GET fails over after at most two 5 s connection attempts.
  origin {
    origin_id           = local.geo_origin
    domain_name         = var.domain_name
    connection_attempts = 2
    connection_timeout  = 5

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  # The same name for /api/*: no failover is possible for a POST, so it
  # keeps CloudFront's default retries.
  origin {
    origin_id           = local.api_origin
    domain_name         = var.domain_name
    connection_attempts = 3
    connection_timeout  = 10

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  origin {
    origin_id           = local.failover_origin
    domain_name         = "${var.failover_region}.${var.domain_name}"
    connection_attempts = 2
    connection_timeout  = 5

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  origin_group {
    origin_id = local.origin_group

    failover_criteria {
      status_codes = [500, 502, 503, 504]
    }

    member {
      origin_id = local.geo_origin
    }

    member {
      origin_id = local.failover_origin
    }
  }

  default_cache_behavior {
    target_origin_id         = local.origin_group
    viewer_protocol_policy   = "redirect-to-https"
    allowed_methods          = ["GET", "HEAD", "OPTIONS"]
    cached_methods           = ["GET", "HEAD"]
    compress                 = true
    cache_policy_id          = data.aws_cloudfront_cache_policy.optimized.id
    origin_request_policy_id = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
  }

  ordered_cache_behavior {
    path_pattern             = "/api/*"
    target_origin_id         = local.api_origin
    viewer_protocol_policy   = "https-only"
    allowed_methods          = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    cached_methods           = ["GET", "HEAD"]
    compress                 = true
    cache_policy_id          = data.aws_cloudfront_cache_policy.disabled.id
    origin_request_policy_id = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    acm_certificate_arn      = aws_acm_certificate_validation.cdn.certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }
}

resource "aws_route53_record" "cdn" {
  for_each = toset(["A", "AAAA"])

  zone_id = data.aws_route53_zone.this.zone_id
  name    = local.cdn_name
  type    = each.key

  alias {
    name                   = aws_cloudfront_distribution.this.domain_name
    zone_id                = aws_cloudfront_distribution.this.hosted_zone_id
    evaluate_target_health = false
  }
}

# Optional WAF: a per-IP rate limit in front of everything, CloudFront scope
# (us-east-1).

resource "aws_wafv2_web_acl" "this" {
  count = var.enable_waf ? 1 : 0

  region = "us-east-1"
  name   = "${var.name}-edge"
  scope  = "CLOUDFRONT"

  default_action {
    allow {}
  }

  rule {
    name     = "rate-limit-per-ip"
    priority = 1

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit              = var.waf_rate_limit
        aggregate_key_type = "IP"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-rate-limit"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.name}-edge"
    sampled_requests_enabled   = true
  }
}
