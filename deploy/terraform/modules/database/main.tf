# Aurora Global Database: one aurora-mysql global cluster, the primary
# cluster in var.primary_region, a secondary in every other region, all
# Serverless v2 and encrypted with a key in their own region.
#
# Provider traps handled here:
# - members carry ignore_changes on global_cluster_identifier,
#   replication_source_identifier and engine_version (AWS changes them on
#   switchover, failover and minor upgrades; Terraform must not undo that);
# - secondaries depend on the primary's instances (a secondary cannot join a
#   global cluster whose primary has no instance yet);
# - no managed master password (not supported for global clusters): a
#   generated password goes, write-only, to Secrets Manager and the primary;
# - switchover and failover are run outside Terraform (docs/deploy.md).

locals {
  secondaries = { for r, v in var.regions : r => v if r != var.primary_region }

  instances = merge([
    for r in keys(var.regions) : {
      for i in range(var.instances_per_cluster) : "${r}-${i}" => { region = r, index = i }
    }
  ]...)
}

resource "aws_kms_key" "this" {
  for_each = var.regions

  region                  = each.key
  description             = "${var.name} Aurora storage in ${each.key}"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

resource "aws_db_subnet_group" "this" {
  for_each = var.regions

  region     = each.key
  name       = "${var.name}-${each.key}"
  subnet_ids = each.value.subnet_ids
}

resource "aws_rds_global_cluster" "this" {
  region                    = var.primary_region
  global_cluster_identifier = var.name
  engine                    = "aurora-mysql"
  engine_version            = var.engine_version
  database_name             = var.database_name
  storage_encrypted         = true
  deletion_protection       = var.deletion_protection

  lifecycle {
    ignore_changes = [engine_version]
  }
}

ephemeral "aws_secretsmanager_random_password" "master" {
  region              = var.primary_region
  password_length     = 32
  exclude_punctuation = true
}

# The keys that sign consistency tokens (CONSISTENCY_TOKEN_KEY) and form
# tokens (CSRF_KEY), and the operators' token for health-check writes
# (HEALTH_CHECK_TOKEN): generated like the password, never in state.
ephemeral "aws_secretsmanager_random_password" "token_key" {
  region              = var.primary_region
  password_length     = 48
  exclude_punctuation = true
}

ephemeral "aws_secretsmanager_random_password" "csrf_key" {
  region              = var.primary_region
  password_length     = 48
  exclude_punctuation = true
}

ephemeral "aws_secretsmanager_random_password" "health_check_token" {
  region              = var.primary_region
  password_length     = 40
  exclude_punctuation = true
}

# One secret, in the primary region, replicated by Secrets Manager to every
# other region: a region added later gets a replica of the same value, never
# a password of its own that its cluster does not have. The replicas are
# read-only copies; rotation (optional) rotates the primary and Secrets
# Manager propagates the new value to them.
resource "aws_secretsmanager_secret" "db" {
  region                  = var.primary_region
  name                    = "${var.name}/db"
  description             = "Aurora credentials for ${var.name}; read by ECS as DB_PASSWORD in every region"
  recovery_window_in_days = 7

  dynamic "replica" {
    for_each = local.secondaries

    content {
      region = replica.key
    }
  }
}

resource "aws_secretsmanager_secret_version" "db" {
  region    = var.primary_region
  secret_id = aws_secretsmanager_secret.db.id
  secret_string_wo = jsonencode({
    engine   = "mysql"
    host     = aws_rds_global_cluster.this.endpoint
    port     = 3306
    dbname   = var.database_name
    username = var.master_username
    password = ephemeral.aws_secretsmanager_random_password.master.random_password
    # The services' own keys ride in the same secret, so every region has
    # the same ones: a token or a form one region issued holds in another.
    token_key          = ephemeral.aws_secretsmanager_random_password.token_key.random_password
    csrf_key           = ephemeral.aws_secretsmanager_random_password.csrf_key.random_password
    health_check_token = ephemeral.aws_secretsmanager_random_password.health_check_token.random_password
  })
  secret_string_wo_version = var.password_version
}

# Rotation needs a rotation function that can reach the writer (the
# single-user MySQL function deployed into the VPCs); without one,
# rotation_lambda_arn stays empty and the password changes only when
# password_version is bumped.
resource "aws_secretsmanager_secret_rotation" "db" {
  count = var.rotation_lambda_arn == "" ? 0 : 1

  region              = var.primary_region
  secret_id           = aws_secretsmanager_secret.db.id
  rotation_lambda_arn = var.rotation_lambda_arn

  rotation_rules {
    automatically_after_days = var.rotation_days
  }

  depends_on = [aws_secretsmanager_secret_version.db]
}




resource "aws_rds_cluster" "primary" {
  region                     = var.primary_region
  cluster_identifier         = "${var.name}-${var.primary_region}"
  global_cluster_identifier  = aws_rds_global_cluster.this.id
  engine                     = aws_rds_global_cluster.this.engine
  engine_version             = aws_rds_global_cluster.this.engine_version
  engine_mode                = "provisioned"
  database_name              = var.database_name
  master_username            = var.master_username
  master_password_wo         = ephemeral.aws_secretsmanager_random_password.master.random_password
  master_password_wo_version = var.password_version

  db_subnet_group_name   = aws_db_subnet_group.this[var.primary_region].name
  vpc_security_group_ids = [var.regions[var.primary_region].security_group_id]
  storage_encrypted      = true
  kms_key_id             = aws_kms_key.this[var.primary_region].arn

  backup_retention_period   = var.backup_retention_days
  preferred_backup_window   = "17:00-18:00"
  copy_tags_to_snapshot     = true
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = "${var.name}-${var.primary_region}-final"

  serverlessv2_scaling_configuration {
    min_capacity = var.min_capacity
    max_capacity = var.max_capacity
  }

  lifecycle {
    ignore_changes = [global_cluster_identifier, replication_source_identifier, engine_version]
  }
}

resource "aws_rds_cluster" "secondary" {
  for_each = local.secondaries

  region                    = each.key
  cluster_identifier        = "${var.name}-${each.key}"
  global_cluster_identifier = aws_rds_global_cluster.this.id
  engine                    = aws_rds_global_cluster.this.engine
  engine_version            = aws_rds_global_cluster.this.engine_version
  engine_mode               = "provisioned"

  db_subnet_group_name   = aws_db_subnet_group.this[each.key].name
  vpc_security_group_ids = [each.value.security_group_id]
  storage_encrypted      = true
  kms_key_id             = aws_kms_key.this[each.key].arn

  backup_retention_period   = var.backup_retention_days
  preferred_backup_window   = "17:00-18:00"
  copy_tags_to_snapshot     = true
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = "${var.name}-${each.key}-final"

  serverlessv2_scaling_configuration {
    min_capacity = var.min_capacity
    max_capacity = var.max_capacity
  }

  lifecycle {
    ignore_changes = [global_cluster_identifier, replication_source_identifier, engine_version]
  }

  depends_on = [aws_rds_cluster_instance.primary]
}

resource "aws_rds_cluster_instance" "primary" {
  for_each = { for k, v in local.instances : k => v if v.region == var.primary_region }

  region              = var.primary_region
  identifier          = "${var.name}-${each.key}"
  cluster_identifier  = aws_rds_cluster.primary.id
  engine              = aws_rds_cluster.primary.engine
  engine_version      = aws_rds_cluster.primary.engine_version
  instance_class      = "db.serverless"
  promotion_tier      = each.value.index
  publicly_accessible = false

  lifecycle {
    ignore_changes = [engine_version]
  }
}

resource "aws_rds_cluster_instance" "secondary" {
  for_each = { for k, v in local.instances : k => v if v.region != var.primary_region }

  region              = each.value.region
  identifier          = "${var.name}-${each.key}"
  cluster_identifier  = aws_rds_cluster.secondary[each.value.region].id
  engine              = aws_rds_cluster.secondary[each.value.region].engine
  engine_version      = aws_rds_cluster.secondary[each.value.region].engine_version
  instance_class      = "db.serverless"
  promotion_tier      = each.value.index
  publicly_accessible = false

  lifecycle {
    ignore_changes = [engine_version]
  }
}
