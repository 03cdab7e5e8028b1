locals {
  name = var.project

  # REGION_ENDPOINTS for the frontend's latency panel: every region through
  # CloudFront's /_region/REGION/ paths (the ALBs serve only CloudFront).
  region_endpoints = join(",", [for r in sort(keys(var.regions)) : "${r}=https://www.${var.domain_name}/_region/${r}"])

  locations_file = "${path.module}/../../geo/locations.json"
  edge_file      = "${path.module}/../../geo/edge.json"
}

# The header CloudFront adds to every origin request and the ALBs require:
# generated here, so it is known only to the distribution and the listeners.
resource "random_password" "origin_header" {
  length  = 48
  special = false
}

locals {
  origin_header = { name = "X-Origin-Verify", value = random_password.origin_header.result }
}

data "aws_route53_zone" "this" {
  name         = var.domain_name
  private_zone = false
}

module "registry" {
  source   = "../modules/registry"
  for_each = var.regions

  name   = local.name
  region = each.key
}

module "network" {
  source   = "../modules/network"
  for_each = var.regions

  name                 = "${local.name}-${each.value.short}"
  region               = each.key
  cidr_block           = each.value.cidr
  nat_gateway_per_az   = var.nat_gateway_per_az
  enable_vpc_endpoints = var.enable_vpc_endpoints
  enable_flow_logs     = var.baseline.flow_logs
  log_retention_days   = var.log_retention_days
}

module "peering" {
  source = "../modules/peering"

  name = local.name
  regions = {
    for r, n in module.network : r => {
      vpc_id                  = n.vpc_id
      private_range           = n.private_range
      private_route_table_ids = n.private_route_table_ids
      task_security_group_id  = n.task_security_group_id
      db_security_group_id    = n.db_security_group_id
    }
  }
}

module "database" {
  source = "../modules/database"

  name           = local.name
  primary_region = var.primary_region
  regions = {
    for r, n in module.network : r => {
      subnet_ids        = n.private_subnet_ids
      security_group_id = n.db_security_group_id
    }
  }
  min_capacity          = var.db_min_capacity
  max_capacity          = var.db_max_capacity
  backup_retention_days = var.db_backup_retention_days
  deletion_protection   = var.db_deletion_protection
  rotation_lambda_arn   = var.db_rotation_lambda_arn
}

module "queue" {
  source = "../modules/queue"

  name = local.name
  regions = {
    for r, n in module.network : r => {
      vpc_id                   = n.vpc_id
      subnet_ids               = n.private_subnet_ids
      client_security_group_id = n.task_security_group_id
    }
  }
  password         = var.queue_password
  alarm_topic_arns = module.observability.alarm_topic_arns
}

module "service" {
  source   = "../modules/service"
  for_each = var.regions

  name                   = "${local.name}-${each.value.short}"
  region                 = each.key
  vpc_id                 = module.network[each.key].vpc_id
  public_subnet_ids      = module.network[each.key].public_subnet_ids
  private_subnet_ids     = module.network[each.key].private_subnet_ids
  alb_security_group_ids = module.network[each.key].alb_security_group_ids
  origin_header          = local.origin_header
  task_security_group_id = module.network[each.key].task_security_group_id
  zone_id                = data.aws_route53_zone.this.zone_id
  domain_name            = var.domain_name
  images                 = module.registry[each.key].repository_urls
  image_tag              = var.image_tag
  queue = {
    user               = module.queue.user_names[each.key]
    addr_parameter     = module.queue.addr_parameter_names[each.key]
    password_parameter = module.queue.password_parameter_names[each.key]
  }
  region_endpoints     = local.region_endpoints
  log_retention_days   = var.log_retention_days
  tasks                = var.tasks
  frontend_spot_weight = var.frontend_spot_weight

  database = {
    writer_host = module.database.global_writer_endpoint
    reader_host = module.database.reader_endpoints[each.key]
    name        = module.database.database_name
    user        = module.database.master_username
    secret_arn  = module.database.secret_arns[each.key]
  }
  # The ALB's subnets are in the VPC: only it may say who the client is.
  trusted_proxies = each.value.cidr
}

module "edge" {
  source = "../modules/edge"

  name           = local.name
  domain_name    = var.domain_name
  locations_file = local.locations_file
  edge_file      = local.edge_file
  origin_header  = local.origin_header
  enable_waf     = var.enable_waf
  regions = {
    for r, s in module.service : r => {
      alb_dns_name = s.alb_dns_name
      alb_zone_id  = s.alb_zone_id
    }
  }
}

module "observability" {
  source = "../modules/observability"

  name             = local.name
  primary_region   = var.primary_region
  health_check_ids = module.edge.health_check_ids
  alarm_email      = var.alarm_email
  daily_budget_usd = var.daily_budget_usd
  regions = {
    for r, s in module.service : r => {
      alb_arn_suffix            = s.alb_arn_suffix
      target_group_arn_suffixes = s.target_group_arn_suffixes
      cluster_name              = s.cluster_name
      service_names             = s.service_names
      db_cluster_identifier     = module.database.cluster_identifiers[r]
      queue_cluster_name        = module.queue.cluster_names[r]
    }
  }
}

module "audit" {
  source = "../modules/audit"

  name        = local.name
  home_region = var.primary_region
  regions     = keys(var.regions)
  cloudtrail  = var.baseline.cloudtrail
  guardduty   = var.baseline.guardduty
}
