output "zone_id" {
  description = "The Route53 zone of the domain."
  value       = data.aws_route53_zone.this.zone_id
}

output "name_servers" {
  description = "The zone's authoritative servers (scripts/test-dns.sh asks them)."
  value       = data.aws_route53_zone.this.name_servers
}

output "regional_names" {
  description = "Each region's origin-only name, pointing at its ALB."
  value       = { for r, rec in aws_route53_record.regional : r => rec.fqdn }
}

output "health_check_ids" {
  description = "Route53 health check id by region."
  value       = { for r, hc in aws_route53_health_check.region : r => hc.id }
}

output "cloudfront_domain_name" {
  description = "The distribution's own name (*.cloudfront.net)."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "cloudfront_distribution_id" {
  description = "The distribution's id."
  value       = aws_cloudfront_distribution.this.id
}

output "public_names" {
  description = "The names CloudFront serves the site under (apex and www)."
  value       = values(local.public_names)
}

output "geo_locations" {
  description = "Geolocation record key to region, as deployed."
  value       = { for k, v in local.geo_records : k => v.region }
}
