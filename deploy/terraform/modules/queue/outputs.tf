output "endpoints" {
  description = "host:port of each region's cluster endpoint (QUEUE_ADDR), by region."
  value       = { for r, c in aws_memorydb_cluster.this : r => "${c.cluster_endpoint[0].address}:${c.cluster_endpoint[0].port}" }
}

output "user_names" {
  description = "The backend's MemoryDB user in each region (QUEUE_USER), by region."
  value       = { for r, u in aws_memorydb_user.backend : r => u.user_name }
}

output "security_group_ids" {
  description = "Security group of each region's cluster, by region."
  value       = { for r, s in aws_security_group.this : r => s.id }
}

output "cluster_names" {
  description = "Each region's MemoryDB cluster name (the ClusterName dimension of its metrics), by region."
  value       = { for r, c in aws_memorydb_cluster.this : r => c.name }
}

# Names, not ARNs: ECS takes a parameter's name in its own region, and a
# name tells nothing secret.
output "addr_parameter_names" {
  description = "SSM parameter holding each region's cluster address (QUEUE_ADDR), by region."
  value       = { for r in keys(var.regions) : r => local.addr_parameter }
  depends_on  = [aws_ssm_parameter.addr]
}

output "password_parameter_names" {
  description = "SSM SecureString parameter holding the backend's password (QUEUE_PASSWORD), by region."
  value       = { for r in keys(var.regions) : r => local.credential_parameter }
  depends_on  = [aws_ssm_parameter.password]
}
