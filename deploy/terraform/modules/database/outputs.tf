output "global_cluster_identifier" {
  description = "Identifier of the global cluster (for switchover-global-cluster and failover-global-cluster)."
  value       = aws_rds_global_cluster.this.id
}

output "global_writer_endpoint" {
  description = "The global writer endpoint: always the current primary's writer, whichever region holds it (DB_WRITER_HOST)."
  value       = aws_rds_global_cluster.this.endpoint
}

output "reader_endpoints" {
  description = "Each region's cluster reader endpoint (DB_READER_HOST), by region."
  value = merge(
    { (var.primary_region) = aws_rds_cluster.primary.reader_endpoint },
    { for r, c in aws_rds_cluster.secondary : r => c.reader_endpoint },
  )
}

output "cluster_identifiers" {
  description = "Regional cluster identifiers by region (CloudWatch DBClusterIdentifier)."
  value = merge(
    { (var.primary_region) = aws_rds_cluster.primary.cluster_identifier },
    { for r, c in aws_rds_cluster.secondary : r => c.cluster_identifier },
  )
}

output "secret_arns" {
  description = "ARN of the credentials secret in each region: the primary and its replicas, whose ARNs differ only in the region (the value itself is never in state)."
  value       = { for r in keys(var.regions) : r => replace(aws_secretsmanager_secret.db.arn, ":${var.primary_region}:", ":${r}:") }
}

output "database_name" {
  description = "The schema name (DB_NAME)."
  value       = var.database_name
}

output "master_username" {
  description = "The database user the services connect as (DB_USER)."
  value       = var.master_username
}
