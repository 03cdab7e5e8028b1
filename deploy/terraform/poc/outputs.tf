output "regions" {
  description = "Per region: ALB name, ECS cluster and services, repositories (scripts read this after apply)."
  value = {
    for r, s in module.service : r => {
      alb_dns_name = s.alb_dns_name
      cluster_name = s.cluster_name
      services     = values(s.service_names)
      repositories = module.registry[r].repository_urls
      url          = "https://www.${var.domain_name}/_region/${r}"
    }
  }
}

output "global_writer_endpoint" {
  description = "Aurora global writer endpoint (DB_WRITER_HOST)."
  value       = module.database.global_writer_endpoint
}

output "reader_endpoints" {
  description = "Aurora reader endpoint by region (DB_READER_HOST)."
  value       = module.database.reader_endpoints
}

output "global_cluster_identifier" {
  description = "Global cluster id for switchover-global-cluster / failover-global-cluster."
  value       = module.database.global_cluster_identifier
}

output "cloudfront_url" {
  description = "The site through CloudFront."
  value       = "https://www.${var.domain_name}"
}

output "migration" {
  description = "Per region: how make deploy runs the migration task (cluster, task definition, subnets, security groups)."
  value       = { for r, s in module.service : r => s.migration }
}

output "cloudfront_distribution_id" {
  description = "The CloudFront distribution (make deploy waits for it to be deployed)."
  value       = module.edge.cloudfront_distribution_id
}

output "apex_url" {
  description = "The site at the apex (CloudFront too)."
  value       = "https://${var.domain_name}"
}

output "name_servers" {
  description = "The zone's authoritative servers (for scripts/test-dns.sh)."
  value       = module.edge.name_servers
}

output "alarm_topic_arns" {
  description = "SNS alarm topic by region."
  value       = module.observability.alarm_topic_arns
}

output "database_secret_arns" {
  description = "The database secret's ARN by region (it also holds the services' keys and the operators' health_check_token, which the evidence drill reads)."
  value       = module.database.secret_arns
}
