# The region's durable write queue: one MemoryDB cluster per region (a Redis
# stream of pending leads, see docs/data-path.md). MemoryDB keeps every write
# in a Multi-AZ transaction log before it answers, so a lead the queue took
# survives the loss of a node. Clusters are TLS-only, and the backend signs
# in as its own user through an ACL that allows nothing else.

locals {
  prefix               = { for r in keys(var.regions) : r => "${var.name}-${r}-queue" }
  addr_parameter       = "/${var.name}/queue/addr"
  credential_parameter = "/${var.name}/queue/password"
}

resource "aws_security_group" "this" {
  for_each = var.regions

  region      = each.key
  name        = local.prefix[each.key]
  description = "MemoryDB queue: reached by the backend tasks only"
  vpc_id      = each.value.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "tasks" {
  for_each = var.regions

  region                       = each.key
  security_group_id            = aws_security_group.this[each.key].id
  referenced_security_group_id = each.value.client_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  description                  = "backend tasks"
}

resource "aws_memorydb_subnet_group" "this" {
  for_each = var.regions

  region      = each.key
  name        = local.prefix[each.key]
  description = "Private subnets of the queue in ${each.key}"
  subnet_ids  = each.value.subnet_ids
}

resource "aws_memorydb_user" "backend" {
  for_each = var.regions

  region    = each.key
  user_name = "${var.user_name}-${each.key}"
  # The stream, its indexes and its dead letters only, with the stream and
  # scripting commands the queue uses: no admin, no other keys.
  access_string = "on ~{writes}:* &* -@all +@stream +@hash +@scripting +@connection +@read +xautoclaim -@dangerous"

  authentication_mode {
    type      = "password"
    passwords = [var.password]
  }
}

# The backend gets the cluster's address and its password from these
# parameters (QUEUE_ADDR, QUEUE_PASSWORD), which ECS reads at task start.
resource "aws_ssm_parameter" "addr" {
  for_each = var.regions

  region      = each.key
  name        = local.addr_parameter
  description = "host:port of the write queue in ${each.key} (QUEUE_ADDR)"
  type        = "String"
  value       = "${aws_memorydb_cluster.this[each.key].cluster_endpoint[0].address}:${aws_memorydb_cluster.this[each.key].port}"
}

resource "aws_ssm_parameter" "password" {
  for_each = var.regions

  region      = each.key
  name        = local.credential_parameter
  description = "Password of the backend's MemoryDB user in ${each.key} (QUEUE_PASSWORD)"
  type        = "SecureString"
  value       = var.password
}

resource "aws_memorydb_acl" "this" {
  for_each = var.regions

  region     = each.key
  name       = local.prefix[each.key]
  user_names = [aws_memorydb_user.backend[each.key].user_name]
}

resource "aws_memorydb_cluster" "this" {
  for_each = var.regions

  region                     = each.key
  name                       = local.prefix[each.key]
  description                = "Durable write queue of ${each.key}"
  engine                     = "redis"
  engine_version             = var.engine_version
  node_type                  = var.node_type
  num_shards                 = 1
  num_replicas_per_shard     = var.replicas_per_shard
  acl_name                   = aws_memorydb_acl.this[each.key].name
  subnet_group_name          = aws_memorydb_subnet_group.this[each.key].name
  security_group_ids         = [aws_security_group.this[each.key].id]
  tls_enabled                = true
  port                       = 6379
  snapshot_retention_limit   = var.snapshot_retention_days
  auto_minor_version_upgrade = true
  sns_topic_arn              = lookup(var.alarm_topic_arns, each.key, null)
}
