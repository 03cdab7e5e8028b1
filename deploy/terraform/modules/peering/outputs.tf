output "connection_ids" {
  description = "Peering connection id by region pair (REQUESTER_ACCEPTER)."
  value       = { for k, c in aws_vpc_peering_connection.this : k => c.id }
}
