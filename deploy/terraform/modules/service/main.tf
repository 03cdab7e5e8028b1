# One region's serving path: an ALB that serves only requests carrying
# CloudFront's secret origin header (/api/* to the backend on 3001, the rest
# to the frontend on 3000) and /healthz for Route53's health checkers, an
# ECS cluster with both as Fargate services, the frontend finding the
# backend by service discovery, the migration task, autoscaling, logs and
# IAM roles.

locals {
  services = {
    backend  = { port = 3001, image = var.images.backend }
    frontend = { port = 3000, image = var.images.frontend }
  }

  # Exactly the environment the services read (ARCHITECTURE.md). The offline
  # checks compare these names with the services' own EnvNames().
  backend_environment = {
    REGION         = var.region
    PORT           = "3001"
    DB_WRITER_HOST = var.database.writer_host
    DB_READER_HOST = var.database.reader_host
    DB_PORT        = "3306"
    DB_NAME        = var.database.name
    DB_USER        = var.database.user
    # The backend reads the secret again when the database refuses the
    # password DB_PASSWORD gave it at start (a rotation).
    DB_PASSWORD_SECRET = var.database.secret_arn
    LOG_LEVEL          = var.log_level
    # The ALB and the frontends (which pass on the address they were
    # given) are the proxies. The address the ALB sees is a CloudFront
    # edge's, which many viewers share (the WAF rate rule limits each
    # viewer): the per-address budget here is a backstop, set well above
    # one visitor's need.
    TRUSTED_PROXIES  = var.trusted_proxies
    WRITE_RATE_LIMIT = "600"
    WRITE_RATE_BURST = "100"
    QUEUE_USER       = var.queue.user
    QUEUE_TLS        = "true"
    QUEUE_CLUSTER    = "true"
  }
  backend_secrets = {
    DB_PASSWORD           = "${var.database.secret_arn}:password::"
    CONSISTENCY_TOKEN_KEY = "${var.database.secret_arn}:token_key::"
    HEALTH_CHECK_TOKEN    = "${var.database.secret_arn}:health_check_token::"
    QUEUE_ADDR            = var.queue.addr_parameter
    QUEUE_PASSWORD        = var.queue.password_parameter
  }
  frontend_environment = {
    REGION           = var.region
    PORT             = "3000"
    BACKEND_URL      = "http://backend.${aws_service_discovery_private_dns_namespace.this.name}:3001"
    REGION_ENDPOINTS = var.region_endpoints
    TRUSTED_PROXIES  = var.trusted_proxies
    PUBLIC_ORIGINS   = "https://${var.domain_name},https://www.${var.domain_name}"
    METRICS_PORT     = "9100"
    LOG_LEVEL        = var.log_level
  }
  frontend_secrets = {
    CSRF_KEY = "${var.database.secret_arn}:csrf_key::"
  }

  environment = { backend = local.backend_environment, frontend = local.frontend_environment }
  secrets     = { backend = local.backend_secrets, frontend = local.frontend_secrets }
}

# TLS for the ALB: CloudFront connects with the origin's name as SNI:
# origin.DOMAIN and failover.origin.DOMAIN (geolocation), REGION.origin.DOMAIN
# (this region), so the certificate covers *.DOMAIN and *.origin.DOMAIN.

resource "aws_acm_certificate" "this" {
  region                    = var.region
  domain_name               = "*.${var.domain_name}"
  subject_alternative_names = ["*.origin.${var.domain_name}"]
  validation_method         = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "validation" {
  for_each = {
    for o in aws_acm_certificate.this.domain_validation_options : o.domain_name => o
  }

  zone_id = var.zone_id
  name    = each.value.resource_record_name
  type    = each.value.resource_record_type
  records = [each.value.resource_record_value]
  ttl     = 300

  # The three regions' certificates ask for the same validation record.
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  region                  = var.region
  certificate_arn         = aws_acm_certificate.this.arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

resource "aws_lb" "this" {
  region                     = var.region
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.public_subnet_ids
  security_groups            = var.alb_security_group_ids
  drop_invalid_header_fields = true
  idle_timeout               = 60
}

resource "aws_lb_target_group" "this" {
  for_each = local.services

  region      = var.region
  name        = "${var.name}-${each.key}"
  port        = each.value.port
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id

  # Draining waits for in-flight requests; the services shut down within
  # their own SHUTDOWN_TIMEOUT (10 s), so 30 s is plenty.
  deregistration_delay = 30

  # /healthz answers while the process is alive. 10 s x 3 failures takes a
  # dead task out in about 30 s; 2 successes put a new one in within 20 s.
  # /readyz is not used here: during an Aurora switchover every task would
  # turn unready at once and the ALB would have nothing to send to, while
  # the backend itself answers 503 with a reason and recovers in seconds.
  health_check {
    path                = "/healthz"
    port                = "traffic-port"
    protocol            = "HTTP"
    matcher             = "200"
    interval            = var.health_check.interval
    timeout             = var.health_check.timeout
    healthy_threshold   = var.health_check.healthy_threshold
    unhealthy_threshold = var.health_check.unhealthy_threshold
  }
}

# Only CloudFront knows the origin header, so a request without it came
# around CloudFront (and its WAF) and gets 403. Route53's health checkers
# cannot send a header: /healthz alone is served to them. /metrics and the
# backend's operator view under /internal/ describe the inside of the
# deployment and are not served to the internet at all; the public
# /api/region (health, writer region, lag, queue depth) is.

resource "aws_lb_listener" "https" {
  region            = var.region
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = aws_acm_certificate_validation.this.certificate_arn

  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "application/json"
      status_code  = "403"
      message_body = jsonencode({ error = { code = "forbidden", message = "this address serves CloudFront only" } })
    }
  }
}

resource "aws_lb_listener_rule" "internal" {
  region       = var.region
  listener_arn = aws_lb_listener.https.arn
  priority     = 1

  action {
    type = "fixed-response"

    fixed_response {
      content_type = "application/json"
      status_code  = "404"
      message_body = jsonencode({ error = { code = "not_found", message = "not served here" } })
    }
  }

  condition {
    path_pattern {
      values = ["/metrics", "/internal/*"]
    }
  }
}

resource "aws_lb_listener_rule" "health" {
  region       = var.region
  listener_arn = aws_lb_listener.https.arn
  priority     = 5

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this["frontend"].arn
  }

  condition {
    path_pattern {
      values = ["/healthz"]
    }
  }
}

resource "aws_lb_listener_rule" "api" {
  region       = var.region
  listener_arn = aws_lb_listener.https.arn
  priority     = 10

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this["backend"].arn
  }

  condition {
    path_pattern {
      values = ["/api/*"]
    }
  }

  condition {
    http_header {
      http_header_name = var.origin_header.name
      values           = [var.origin_header.value]
    }
  }
}

resource "aws_lb_listener_rule" "site" {
  region       = var.region
  listener_arn = aws_lb_listener.https.arn
  priority     = 20

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this["frontend"].arn
  }

  condition {
    http_header {
      http_header_name = var.origin_header.name
      values           = [var.origin_header.value]
    }
  }
}

# The frontend finds the backend's tasks by name in a private DNS namespace
# (ECS registers each task's address), not through the ALB.

resource "aws_service_discovery_private_dns_namespace" "this" {
  region = var.region
  name   = "${var.name}.internal"
  vpc    = var.vpc_id
}

resource "aws_service_discovery_service" "backend" {
  region = var.region
  name   = "backend"

  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.this.id
    routing_policy = "MULTIVALUE"

    dns_records {
      type = "A"
      ttl  = 10
    }
  }

  health_check_custom_config {
    failure_threshold = 1
  }
}

# ECS: one cluster, Container Insights on (RunningTaskCount alarms read it),
# FARGATE and FARGATE_SPOT available to the services.

resource "aws_ecs_cluster" "this" {
  region = var.region
  name   = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  region             = var.region
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
    base              = 1
  }
}

resource "aws_cloudwatch_log_group" "this" {
  for_each = local.services

  region            = var.region
  name              = "/ecs/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
}

data "aws_iam_policy_document" "assume_tasks" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-execution"
  assume_role_policy = data.aws_iam_policy_document.assume_tasks.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "read_db_secret" {
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.database.secret_arn]
  }
}

data "aws_iam_policy_document" "read_queue_parameters" {
  statement {
    actions   = ["ssm:GetParameters"]
    resources = [for p in [var.queue.addr_parameter, var.queue.password_parameter] : "arn:aws:ssm:${var.region}:*:parameter${p}"]
  }
}

resource "aws_iam_role_policy" "read_queue_parameters" {
  name   = "read-queue-parameters"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.read_queue_parameters.json
}

resource "aws_iam_role_policy" "read_db_secret" {
  name   = "read-db-secret"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.read_db_secret.json
}

resource "aws_iam_role" "task" {
  name               = "${var.name}-task"
  assume_role_policy = data.aws_iam_policy_document.assume_tasks.json
}

# The backend itself reads the secret again after a rotation.
resource "aws_iam_role_policy" "task_read_db_secret" {
  name   = "read-db-secret"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.read_db_secret.json
}

resource "aws_ecs_task_definition" "this" {
  for_each = local.services

  region                   = var.region
  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.tasks[each.key].cpu
  memory                   = var.tasks[each.key].memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  container_definitions = jsonencode([{
    name                   = each.key
    image                  = "${each.value.image}:${var.image_tag}"
    essential              = true
    readonlyRootFilesystem = true
    portMappings           = [{ containerPort = each.value.port, protocol = "tcp" }]
    environment            = [for k in sort(keys(local.environment[each.key])) : { name = k, value = local.environment[each.key][k] }]
    secrets                = [for k in sort(keys(local.secrets[each.key])) : { name = k, valueFrom = local.secrets[each.key][k] }]
    stopTimeout            = 15
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this[each.key].name
        awslogs-region        = var.region
        awslogs-stream-prefix = each.key
      }
    }
  }])
}

resource "aws_ecs_service" "this" {
  for_each = local.services

  region                            = var.region
  name                              = each.key
  cluster                           = aws_ecs_cluster.this.id
  task_definition                   = aws_ecs_task_definition.this[each.key].arn
  desired_count                     = var.tasks[each.key].desired
  health_check_grace_period_seconds = 30
  enable_ecs_managed_tags           = true
  propagate_tags                    = "SERVICE"

  # The backend stays on on-demand Fargate; the frontend keeps one on-demand
  # task and puts the rest on Spot by frontend_spot_weight.
  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    base              = 1
    weight            = 1
  }

  dynamic "capacity_provider_strategy" {
    for_each = each.key == "frontend" && var.frontend_spot_weight > 0 ? [var.frontend_spot_weight] : []

    content {
      capacity_provider = "FARGATE_SPOT"
      weight            = capacity_provider_strategy.value
    }
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  load_balancer {
    target_group_arn = aws_lb_target_group.this[each.key].arn
    container_name   = each.key
    container_port   = each.value.port
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [var.task_security_group_id]
    assign_public_ip = false
  }

  lifecycle {
    # Autoscaling owns the running count after the first apply.
    ignore_changes = [desired_count]
  }

  dynamic "service_registries" {
    for_each = each.key == "backend" ? [aws_service_discovery_service.backend.arn] : []

    content {
      registry_arn = service_registries.value
    }
  }

  depends_on = [aws_lb_listener_rule.api, aws_lb_listener_rule.site, aws_ecs_cluster_capacity_providers.this]
}

resource "aws_appautoscaling_target" "this" {
  for_each = local.services

  region             = var.region
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this[each.key].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.tasks[each.key].min
  max_capacity       = var.tasks[each.key].max
}

resource "aws_appautoscaling_policy" "cpu" {
  for_each = local.services

  region             = var.region
  name               = "${var.name}-${each.key}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.this[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.this[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.tasks[each.key].cpu_target
    scale_in_cooldown  = 120
    scale_out_cooldown = 30

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

# The schema migration: the backend image run once as `backend migrate up`
# against the global writer endpoint, by make deploy before the services
# roll (scripts/deploy.sh), in whichever region holds the writer.
resource "aws_ecs_task_definition" "migrate" {
  region                   = var.region
  family                   = "${var.name}-migrate"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  container_definitions = jsonencode([{
    name                   = "migrate"
    image                  = "${var.images.backend}:${var.image_tag}"
    command                = ["migrate", "up"]
    essential              = true
    readonlyRootFilesystem = true
    environment            = [for k in sort(keys(local.backend_environment)) : { name = k, value = local.backend_environment[k] }]
    secrets                = [for k in sort(keys(local.backend_secrets)) : { name = k, valueFrom = local.backend_secrets[k] }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this["backend"].name
        awslogs-region        = var.region
        awslogs-stream-prefix = "migrate"
      }
    }
  }])
}
