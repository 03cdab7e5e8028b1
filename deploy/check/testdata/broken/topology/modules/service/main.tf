variable "region" {
  type = string
}

variable "database" {
  description = "Writer and reader."
  type        = object({ writer_host = string, reader_host = string })
}

locals {
  services = { backend = 8080, frontend = 3000 }

  backend_secrets = {
    DB_PASSWORD = "${var.database.secret_arn}:password::"
  }

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
  execution_role_arn    = aws_iam_role.execution.arn
}

resource "aws_iam_role" "execution" {
  name               = "execution"
  assume_role_policy = "{}"
}

resource "aws_iam_role" "task" {
  name               = "task"
  assume_role_policy = "{}"
}

data "aws_iam_policy_document" "read" {
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.database.secret_arn]
  }
}

# The grant goes to the task role; ECS pulls secrets with the execution role.
resource "aws_iam_role_policy" "read" {
  name   = "read"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.read.json
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

resource "aws_security_group" "alb" {
  name = "alb"

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "tasks" {
  name = "tasks"
}

resource "aws_security_group" "db" {
  name = "db"
}

resource "aws_vpc_security_group_ingress_rule" "tasks_open" {
  security_group_id = aws_security_group.tasks.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 3000
  to_port           = 3001
}

resource "aws_vpc_security_group_ingress_rule" "db_wide" {
  security_group_id            = aws_security_group.db.id
  referenced_security_group_id = aws_security_group.tasks.id
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3307
}
