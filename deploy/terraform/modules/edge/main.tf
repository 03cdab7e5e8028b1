# The global edge. Visitors reach only CloudFront (apex and www); CloudFront
# reaches the regions by origin-only names that Route53 answers:
#
#   origin.DOMAIN            geolocation, each location to its region's failover pair
#   failover.origin.DOMAIN   geolocation, each location to its region's stand-in
#   REGION.ha.origin.DOMAIN  failover pair: REGION (health-checked), else its stand-in
#   REGION.origin.DOMAIN     the region's ALB
#
# CloudFront's behaviors, origins, origin group and cache policies come from
# deploy/geo/edge.json, which the lab's edge reads too.

data "aws_route53_zone" "this" {
  name         = var.domain_name
  private_zone = false
}

locals {
  locations = jsondecode(file(var.locations_file))
  edge      = jsondecode(file(var.edge_file))

  # One record per location in the shared table: continents, countries, US
  # states (Route53 subdivisions), and the default "*". Route53 answers with
  # the most specific match.
  geo_records = merge(
    { for c, r in local.locations.continents : "continent-${c}" => { continent = c, country = null, subdivision = null, region = r } },
    { for c, r in local.locations.countries : "country-${c}" => { continent = null, country = c, subdivision = null, region = r } },
    { for s, r in local.locations.us_states : "us-${s}" => { continent = null, country = "US", subdivision = s, region = r } },
    { default = { continent = null, country = "*", subdivision = null, region = local.locations.default } },
  )

  stand_in = local.edge.failover_regions

  origin_zone = "origin.${var.domain_name}"
  public_names = {
    apex = var.domain_name
    www  = "www.${var.domain_name}"
  }

  # Origins from edge.json, plus one per region for /_region/REGION/*.
  origins = merge(
    { for id, o in local.edge.origins : id => { domain_name = "${o.name}.${var.domain_name}", attempts = o.connection_attempts, timeout = o.connection_timeout } },
    { for r in keys(var.regions) : "region-${r}" => { domain_name = "${r}.${local.origin_zone}", attempts = 3, timeout = 10 } },
  )

  managed_policies = { for n, p in local.edge.cache_policies : n => p.managed if try(p.managed, "") != "" }
  own_policies     = { for n, p in local.edge.cache_policies : n => p if try(p.managed, "") == "" }
  policy_ids = merge(
    { for n, p in data.aws_cloudfront_cache_policy.managed : n => p.id },
    { for n, p in aws_cloudfront_cache_policy.this : n => p.id },
  )

  # Behaviors in order; "*" is the default behavior, the rest ordered ones,
  # then one per region for /_region/REGION/*.
  ordered = concat(
    [for b in local.edge.behaviors : b if b.path != "*"],
    [for r in sort(keys(var.regions)) : {
      path         = "${local.edge.region_paths.prefix}${r}/*"
      methods      = local.edge.region_paths.methods
      target       = "region-${r}"
      cache_policy = local.edge.region_paths.cache_policy
    }],
  )
  default_behavior = one([for b in local.edge.behaviors : b if b.path == "*"])
}

# Each region's own origin-only name, and its health check.

resource "aws_route53_record" "regional" {
  for_each = var.regions

  zone_id = data.aws_route53_zone.this.zone_id
  name    = "${each.key}.${local.origin_zone}"
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

# A failover pair per region: the region while its health check passes,
# else its stand-in. Geolocation falls back to the default record only if
# that record is healthy, so the default and every location point at a
# pair, never at one region alone.

resource "aws_route53_record" "pair_primary" {
  for_each = var.regions

  zone_id         = data.aws_route53_zone.this.zone_id
  name            = "${each.key}.ha.${local.origin_zone}"
  type            = "A"
  set_identifier  = "${each.key}-primary"
  health_check_id = aws_route53_health_check.region[each.key].id

  failover_routing_policy {
    type = "PRIMARY"
  }

  alias {
    name                   = aws_route53_record.regional[each.key].fqdn
    zone_id                = data.aws_route53_zone.this.zone_id
    evaluate_target_health = true
  }
}

resource "aws_route53_record" "pair_secondary" {
  for_each = var.regions

  zone_id         = data.aws_route53_zone.this.zone_id
  name            = "${each.key}.ha.${local.origin_zone}"
  type            = "A"
  set_identifier  = "${each.key}-secondary"
  health_check_id = aws_route53_health_check.region[local.stand_in[each.key]].id

  failover_routing_policy {
    type = "SECONDARY"
  }

  alias {
    name                   = aws_route53_record.regional[local.stand_in[each.key]].fqdn
    zone_id                = data.aws_route53_zone.this.zone_id
    evaluate_target_health = true
  }

  lifecycle {
    precondition {
      condition     = contains(keys(var.regions), local.stand_in[each.key]) && local.stand_in[each.key] != each.key
      error_message = "edge.json failover_regions must name another deployed region for every region."
    }
  }
}

resource "aws_route53_record" "geo" {
  for_each = local.geo_records

  zone_id        = data.aws_route53_zone.this.zone_id
  name           = local.origin_zone
  type           = "A"
  set_identifier = each.key

  geolocation_routing_policy {
    continent   = each.value.continent
    country     = each.value.country
    subdivision = each.value.subdivision
  }

  alias {
    name                   = aws_route53_record.pair_primary[each.value.region].name
    zone_id                = data.aws_route53_zone.this.zone_id
    evaluate_target_health = true
  }

  lifecycle {
    precondition {
      condition     = contains(keys(var.regions), each.value.region)
      error_message = "locations.json names a region that is not deployed."
    }
  }
}

# The origin group's secondary: the same locations, each to the stand-in of
# the region the primary picked, so a failed-over request never goes back
# to the region that just failed it.
resource "aws_route53_record" "geo_failover" {
  for_each = local.geo_records

  zone_id        = data.aws_route53_zone.this.zone_id
  name           = "failover.${local.origin_zone}"
  type           = "A"
  set_identifier = each.key

  geolocation_routing_policy {
    continent   = each.value.continent
    country     = each.value.country
    subdivision = each.value.subdivision
  }

  alias {
    name                   = aws_route53_record.regional[local.stand_in[each.value.region]].fqdn
    zone_id                = data.aws_route53_zone.this.zone_id
    evaluate_target_health = true
  }
}

# CloudFront: certificate in us-east-1 (the only region CloudFront takes
# certificates from) for the public names.

resource "aws_acm_certificate" "cdn" {
  region                    = "us-east-1"
  domain_name               = local.public_names.apex
  subject_alternative_names = [local.public_names.www]
  validation_method         = "DNS"

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

data "aws_cloudfront_cache_policy" "managed" {
  for_each = local.managed_policies

  name = each.value
}

# Pages: minimum TTL 0, so CloudFront caches only what the origin's
# Cache-Control allows, keyed by what makes a page differ. A minimum above 0
# would cache even no-store pages (a form's token, a lead's confirmation).
resource "aws_cloudfront_cache_policy" "this" {
  for_each = local.own_policies

  name        = "${var.name}-${each.key}"
  comment     = "${var.name} ${each.key}: from deploy/geo/edge.json"
  min_ttl     = each.value.min_ttl
  default_ttl = each.value.default_ttl
  max_ttl     = each.value.max_ttl

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = true
    enable_accept_encoding_gzip   = true

    cookies_config {
      cookie_behavior = length(each.value.cookies) > 0 ? "whitelist" : "none"

      dynamic "cookies" {
        for_each = length(each.value.cookies) > 0 ? [each.value.cookies] : []

        content {
          items = cookies.value
        }
      }
    }

    headers_config {
      header_behavior = "none"
    }

    query_strings_config {
      query_string_behavior = each.value.query_strings == "all" ? "all" : (length(each.value.query_strings) > 0 ? "whitelist" : "none")

      dynamic "query_strings" {
        for_each = each.value.query_strings == "all" ? [] : (length(each.value.query_strings) > 0 ? [each.value.query_strings] : [])

        content {
          items = query_strings.value
        }
      }
    }
  }
}

data "aws_cloudfront_origin_request_policy" "all_viewer_except_host" {
  name = "Managed-AllViewerExceptHostHeader"
}

# /_region/REGION/* reaches REGION's origin without the prefix.
resource "aws_cloudfront_function" "strip_region" {
  name    = "${var.name}-strip-region"
  runtime = "cloudfront-js-2.0"
  comment = "Removes the /_region/REGION prefix before the origin sees the path"
  publish = true
  code    = <<-JS
    function handler(event) {
      var r = event.request;
      r.uri = r.uri.replace(/^\/_region\/[a-z0-9-]+/, "") || "/";
      return r;
    }
  JS
}

resource "aws_cloudfront_distribution" "this" {
  enabled         = true
  is_ipv6_enabled = true
  comment         = "${var.name}: behaviors from deploy/geo/edge.json"
  aliases         = values(local.public_names)
  price_class     = var.price_class
  http_version    = "http2and3"
  web_acl_id      = var.enable_waf ? aws_wafv2_web_acl.this[0].arn : null

  dynamic "origin" {
    for_each = local.origins

    content {
      origin_id           = origin.key
      domain_name         = origin.value.domain_name
      connection_attempts = origin.value.attempts
      connection_timeout  = origin.value.timeout

      # The ALBs serve only requests that carry this header.
      custom_header {
        name  = var.origin_header.name
        value = var.origin_header.value
      }

      custom_origin_config {
        http_port              = 80
        https_port             = 443
        origin_protocol_policy = "https-only"
        origin_ssl_protocols   = ["TLSv1.2"]
      }
    }
  }

  dynamic "origin_group" {
    for_each = local.edge.origin_groups

    content {
      origin_id = origin_group.key

      failover_criteria {
        status_codes = origin_group.value.status_codes
      }

      member {
        origin_id = origin_group.value.primary
      }

      member {
        origin_id = origin_group.value.secondary
      }
    }
  }

  default_cache_behavior {
    target_origin_id         = local.default_behavior.target
    viewer_protocol_policy   = "redirect-to-https"
    allowed_methods          = local.default_behavior.methods
    cached_methods           = ["GET", "HEAD"]
    compress                 = true
    cache_policy_id          = local.policy_ids[local.default_behavior.cache_policy]
    origin_request_policy_id = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
  }

  dynamic "ordered_cache_behavior" {
    for_each = local.ordered

    content {
      path_pattern             = ordered_cache_behavior.value.path
      target_origin_id         = ordered_cache_behavior.value.target
      viewer_protocol_policy   = "redirect-to-https"
      allowed_methods          = ordered_cache_behavior.value.methods
      cached_methods           = ["GET", "HEAD"]
      compress                 = true
      cache_policy_id          = local.policy_ids[ordered_cache_behavior.value.cache_policy]
      origin_request_policy_id = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id

      dynamic "function_association" {
        for_each = startswith(ordered_cache_behavior.value.path, local.edge.region_paths.prefix) ? [aws_cloudfront_function.strip_region.arn] : []

        content {
          event_type   = "viewer-request"
          function_arn = function_association.value
        }
      }
    }
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

# The public names are CloudFront's and nothing else's.
resource "aws_route53_record" "public" {
  for_each = { for p in setproduct(keys(local.public_names), ["A", "AAAA"]) : "${p[0]}-${p[1]}" => { name = local.public_names[p[0]], type = p[1] } }

  zone_id = data.aws_route53_zone.this.zone_id
  name    = each.value.name
  type    = each.value.type

  alias {
    name                   = aws_cloudfront_distribution.this.domain_name
    zone_id                = aws_cloudfront_distribution.this.hosted_zone_id
    evaluate_target_health = false
  }
}

# WAF in front of everything (CloudFront scope, us-east-1): AWS's managed
# baseline rule groups, then a per-IP rate limit.

locals {
  managed_rule_groups = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet"]
}

resource "aws_wafv2_web_acl" "this" {
  count = var.enable_waf ? 1 : 0

  region = "us-east-1"
  name   = "${var.name}-edge"
  scope  = "CLOUDFRONT"

  default_action {
    allow {}
  }

  dynamic "rule" {
    for_each = local.managed_rule_groups

    content {
      name     = rule.value
      priority = rule.key + 1

      override_action {
        none {}
      }

      statement {
        managed_rule_group_statement {
          vendor_name = "AWS"
          name        = rule.value
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${var.name}-${rule.value}"
        sampled_requests_enabled   = true
      }
    }
  }

  rule {
    name     = "rate-limit-per-ip"
    priority = 10

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
