# One region's network: a VPC over two AZs, public subnets for the ALB and
# NAT, private subnets for tasks and Aurora, and the security groups that
# allow only CloudFront and Route53 health checkers -> ALB -> tasks ->
# database. Paths to the other regions' VPCs are the peering module's.

data "aws_availability_zones" "this" {
  region = var.region
  state  = "available"
}

locals {
  # Two AZs: enough for the ALB and an Aurora subnet group, and half the NAT
  # cost of three.
  azs = { for i, az in slice(data.aws_availability_zones.this.names, 0, 2) : az => i }

  # With a single NAT gateway it sits in the first AZ and both private route
  # tables use it.
  nat_azs = var.nat_gateway_per_az ? local.azs : { (keys(local.azs)[0]) = 0 }

  # Tasks and Aurora share the private half of the VPC's upper half (a /19 of
  # a /16): one range that the other regions' security groups and routes can
  # name, since a security group in another region can only be named by CIDR.
  private_range = cidrsubnet(var.cidr_block, 3, 4)
}

resource "aws_vpc" "this" {
  region               = var.region
  cidr_block           = var.cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = var.name }
}

resource "aws_subnet" "public" {
  for_each = local.azs

  region            = var.region
  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = cidrsubnet(var.cidr_block, 4, each.value)

  tags = { Name = "${var.name}-public-${each.key}", Tier = "public" }
}

resource "aws_subnet" "private" {
  for_each = local.azs

  region            = var.region
  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = cidrsubnet(local.private_range, 1, each.value)

  tags = { Name = "${var.name}-private-${each.key}", Tier = "private" }
}

resource "aws_internet_gateway" "this" {
  region = var.region
  vpc_id = aws_vpc.this.id

  tags = { Name = var.name }
}

resource "aws_eip" "nat" {
  for_each = local.nat_azs

  region = var.region
  domain = "vpc"

  tags = { Name = "${var.name}-nat-${each.key}" }
}

resource "aws_nat_gateway" "this" {
  for_each = local.nat_azs

  region        = var.region
  allocation_id = aws_eip.nat[each.key].id
  subnet_id     = aws_subnet.public[each.key].id

  tags       = { Name = "${var.name}-${each.key}" }
  depends_on = [aws_internet_gateway.this]
}

resource "aws_route_table" "public" {
  region = var.region
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name}-public" }
}

resource "aws_route" "public_internet" {
  region                 = var.region
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  for_each = local.azs

  region         = var.region
  subnet_id      = aws_subnet.public[each.key].id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table" "private" {
  for_each = local.azs

  region = var.region
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name}-private-${each.key}" }
}

resource "aws_route" "private_nat" {
  for_each = local.azs

  region                 = var.region
  route_table_id         = aws_route_table.private[each.key].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.nat_gateway_per_az ? each.key : keys(local.nat_azs)[0]].id
}

resource "aws_route_table_association" "private" {
  for_each = local.azs

  region         = var.region
  subnet_id      = aws_subnet.private[each.key].id
  route_table_id = aws_route_table.private[each.key].id
}

# Security groups: only CloudFront (and Route53's health checkers) reach the
# ALB, the ALB reaches only the task ports, the frontend reaches the backend
# directly, and only tasks reach the database on 3306.
#
# The ALB admits CloudFront's origin-facing servers by AWS's managed prefix
# list, and Route53's health checkers by theirs; a prefix list counts its
# weight against the group's rule quota (55 and 25), so each has a group of
# its own.

data "aws_ec2_managed_prefix_list" "cloudfront" {
  region = var.region
  name   = "com.amazonaws.global.cloudfront.origin-facing"
}

data "aws_ec2_managed_prefix_list" "health_checkers" {
  region = var.region
  name   = "com.amazonaws.${var.region}.route53-healthchecks"
}

resource "aws_security_group" "alb" {
  region      = var.region
  name        = "${var.name}-alb"
  description = "ALB: HTTPS from CloudFront's origin-facing servers only"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${var.name}-alb" }
}

resource "aws_vpc_security_group_ingress_rule" "alb_cloudfront" {
  region            = var.region
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from CloudFront"
  prefix_list_id    = data.aws_ec2_managed_prefix_list.cloudfront.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_security_group" "alb_health" {
  region      = var.region
  name        = "${var.name}-alb-health"
  description = "ALB: HTTPS from Route53 health checkers only"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${var.name}-alb-health" }
}

resource "aws_vpc_security_group_ingress_rule" "alb_health_checkers" {
  region            = var.region
  security_group_id = aws_security_group.alb_health.id
  description       = "HTTPS from Route53 health checkers"
  prefix_list_id    = data.aws_ec2_managed_prefix_list.health_checkers.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "alb_tasks" {
  for_each = toset([for p in var.app_ports : tostring(p)])

  region                       = var.region
  security_group_id            = aws_security_group.alb.id
  description                  = "to tasks on ${each.key}"
  referenced_security_group_id = aws_security_group.tasks.id
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.key)
  to_port                      = tonumber(each.key)
}

resource "aws_security_group" "tasks" {
  region      = var.region
  name        = "${var.name}-tasks"
  description = "ECS tasks: only the ALB may connect"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${var.name}-tasks" }
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_alb" {
  for_each = toset([for p in var.app_ports : tostring(p)])

  region                       = var.region
  security_group_id            = aws_security_group.tasks.id
  description                  = "from the ALB on ${each.key}"
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.key)
  to_port                      = tonumber(each.key)
}

# The frontend calls its region's backend by service discovery, not through
# the ALB (which admits only CloudFront).
resource "aws_vpc_security_group_ingress_rule" "tasks_from_tasks" {
  region                       = var.region
  security_group_id            = aws_security_group.tasks.id
  description                  = "frontend to backend on ${var.backend_port}"
  referenced_security_group_id = aws_security_group.tasks.id
  ip_protocol                  = "tcp"
  from_port                    = var.backend_port
  to_port                      = var.backend_port
}

resource "aws_vpc_security_group_egress_rule" "tasks_to_tasks" {
  region                       = var.region
  security_group_id            = aws_security_group.tasks.id
  description                  = "frontend to backend on ${var.backend_port}"
  referenced_security_group_id = aws_security_group.tasks.id
  ip_protocol                  = "tcp"
  from_port                    = var.backend_port
  to_port                      = var.backend_port
}

resource "aws_vpc_security_group_egress_rule" "tasks_https" {
  region            = var.region
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS out: ECR, logs, Secrets Manager, the regional ALB names"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "tasks_db" {
  region                       = var.region
  security_group_id            = aws_security_group.tasks.id
  description                  = "to Aurora on 3306"
  referenced_security_group_id = aws_security_group.db.id
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
}

resource "aws_security_group" "db" {
  region      = var.region
  name        = "${var.name}-db"
  description = "Aurora: only tasks may connect, on 3306"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${var.name}-db" }
}

resource "aws_vpc_security_group_ingress_rule" "db_from_tasks" {
  region                       = var.region
  security_group_id            = aws_security_group.db.id
  description                  = "from tasks on 3306"
  referenced_security_group_id = aws_security_group.tasks.id
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
}

# Optional VPC endpoints: image pulls, logs and secrets stay off the NAT
# gateway (cost and one less path that can fail).

locals {
  interface_endpoints = var.enable_vpc_endpoints ? toset(["ecr.api", "ecr.dkr", "logs", "secretsmanager"]) : toset([])
}

resource "aws_security_group" "endpoints" {
  count = var.enable_vpc_endpoints ? 1 : 0

  region      = var.region
  name        = "${var.name}-endpoints"
  description = "VPC interface endpoints: HTTPS from tasks"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${var.name}-endpoints" }
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_tasks" {
  count = var.enable_vpc_endpoints ? 1 : 0

  region                       = var.region
  security_group_id            = aws_security_group.endpoints[0].id
  description                  = "HTTPS from tasks"
  referenced_security_group_id = aws_security_group.tasks.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
}

resource "aws_vpc_endpoint" "interface" {
  for_each = local.interface_endpoints

  region              = var.region
  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [for s in aws_subnet.private : s.id]
  security_group_ids  = [aws_security_group.endpoints[0].id]

  tags = { Name = "${var.name}-${each.key}" }
}

resource "aws_vpc_endpoint" "s3" {
  count = var.enable_vpc_endpoints ? 1 : 0

  region            = var.region
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [for rt in aws_route_table.private : rt.id]

  tags = { Name = "${var.name}-s3" }
}

# Optional VPC flow logs of rejected traffic: what a blocked path between
# regions looks like from inside (cost: CloudWatch Logs ingestion per GB).

resource "aws_cloudwatch_log_group" "flow" {
  count = var.enable_flow_logs ? 1 : 0

  region            = var.region
  name              = "/vpc/${var.name}/flow"
  retention_in_days = var.log_retention_days
}

data "aws_iam_policy_document" "flow_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "flow_write" {
  count = var.enable_flow_logs ? 1 : 0

  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${aws_cloudwatch_log_group.flow[0].arn}:*"]
  }
}

resource "aws_iam_role" "flow" {
  count = var.enable_flow_logs ? 1 : 0

  name               = "${var.name}-flow-logs"
  assume_role_policy = data.aws_iam_policy_document.flow_assume.json
}

resource "aws_iam_role_policy" "flow" {
  count = var.enable_flow_logs ? 1 : 0

  name   = "write-flow-logs"
  role   = aws_iam_role.flow[0].id
  policy = data.aws_iam_policy_document.flow_write[0].json
}

resource "aws_flow_log" "this" {
  count = var.enable_flow_logs ? 1 : 0

  region               = var.region
  vpc_id               = aws_vpc.this.id
  traffic_type         = "REJECT"
  log_destination_type = "cloud-watch-logs"
  log_destination      = aws_cloudwatch_log_group.flow[0].arn
  iam_role_arn         = aws_iam_role.flow[0].arn
}
