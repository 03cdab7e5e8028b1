output "vpc_id" {
  description = "The VPC's id."
  value       = aws_vpc.this.id
}

output "public_subnet_ids" {
  description = "Public subnets (ALB, NAT), one per AZ."
  value       = [for s in aws_subnet.public : s.id]
}

output "private_subnet_ids" {
  description = "Private subnets (tasks, Aurora), one per AZ."
  value       = [for s in aws_subnet.private : s.id]
}

output "alb_security_group_ids" {
  description = "Security groups of the ALB: CloudFront, and Route53 health checkers."
  value       = [aws_security_group.alb.id, aws_security_group.alb_health.id]
}

output "task_security_group_id" {
  description = "Security group of the ECS tasks."
  value       = aws_security_group.tasks.id
}

output "db_security_group_id" {
  description = "Security group of the Aurora cluster."
  value       = aws_security_group.db.id
}

output "cidr_block" {
  description = "The VPC's IPv4 range."
  value       = aws_vpc.this.cidr_block
}

output "private_range" {
  description = "The range holding every private subnet (tasks and Aurora): what other regions route to and admit."
  value       = local.private_range
}

output "private_route_table_ids" {
  description = "Private route table by AZ (the peering module adds routes to the other regions)."
  value       = { for az, rt in aws_route_table.private : az => rt.id }
}
