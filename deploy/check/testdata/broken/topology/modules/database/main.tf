resource "aws_rds_global_cluster" "this" {
  global_cluster_identifier = "g"
  engine                    = "aurora-postgresql"
}

resource "aws_rds_cluster" "primary" {
  global_cluster_identifier   = aws_rds_global_cluster.this.id
  engine                      = "aurora-mysql"
  master_username             = "admin"
  manage_master_user_password = true
  storage_encrypted           = false

  serverlessv2_scaling_configuration {
    min_capacity = 0
    max_capacity = 4
  }

  lifecycle {
    ignore_changes = [global_cluster_identifier, engine_version]
  }
}

resource "aws_rds_cluster" "secondary" {
  global_cluster_identifier = aws_rds_global_cluster.this.id
  engine                    = "aurora-mysql"
  storage_encrypted         = true
}

output "reader_endpoints" {
  value = { "us-east-1" = aws_rds_cluster.primary.reader_endpoint }
}

output "global_writer_endpoint" {
  value = aws_rds_cluster.primary.endpoint
}

output "master_password" {
  value = aws_rds_cluster.primary.master_password
}
