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

output "alb_security_group_id" {
  description = "Security group of the ALB."
  value       = aws_security_group.alb.id
}

output "task_security_group_id" {
  description = "Security group of the ECS tasks."
  value       = aws_security_group.tasks.id
}

output "db_security_group_id" {
  description = "Security group of the Aurora cluster."
  value       = aws_security_group.db.id
}
