variable "region" {
  type = string
}

variable "database" {
  description = "Writer and reader."
  type        = object({ writer_host = string, reader_host = string })
}

locals {
  services = { backend = 8080, frontend = 3000 }

  backend_environment = {
    REGION         = var.region
    DB_WRITER_HOST = var.database.writer_host
    DB_READER_HOST = var.database.writer_host
  }
}

resource "aws_lb_target_group" "this" {
  for_each = local.services

  name     = each.key
  port     = each.value
  protocol = "HTTP"

  health_check {
    path = "/health"
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = "arn"
  port              = 443

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this["backend"].arn
  }
}

resource "aws_ecs_task_definition" "this" {
  family                = "x"
  container_definitions = jsonencode([])
}

resource "aws_ecs_service" "this" {
  name = "frontend"

  deployment_circuit_breaker {
    enable   = true
    rollback = false
  }
}

resource "aws_cloudwatch_log_group" "this" {
  name = "/ecs/x"
}
