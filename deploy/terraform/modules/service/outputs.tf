output "alb_dns_name" {
  description = "The ALB's DNS name (Route53 alias target)."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "The ALB's canonical hosted zone (Route53 alias zone)."
  value       = aws_lb.this.zone_id
}

output "alb_arn_suffix" {
  description = "The ALB's ARN suffix (CloudWatch LoadBalancer dimension)."
  value       = aws_lb.this.arn_suffix
}

output "target_group_arn_suffixes" {
  description = "Target group ARN suffix by service (CloudWatch TargetGroup dimension)."
  value       = { for k, tg in aws_lb_target_group.this : k => tg.arn_suffix }
}

output "cluster_name" {
  description = "The ECS cluster's name (aws ecs wait services-stable --cluster)."
  value       = aws_ecs_cluster.this.name
}

output "service_names" {
  description = "ECS service name by service."
  value       = { for k, s in aws_ecs_service.this : k => s.name }
}

output "migration" {
  description = "How scripts/deploy.sh runs the migration task here: cluster, task definition, and its network."
  value = {
    cluster         = aws_ecs_cluster.this.name
    task_definition = aws_ecs_task_definition.migrate.arn
    subnets         = var.private_subnet_ids
    security_groups = [var.task_security_group_id]
  }
}
