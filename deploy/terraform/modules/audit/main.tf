# The account's audit baseline, each part switched by a variable: one
# multi-region CloudTrail trail into an S3 bucket of its own, and a
# GuardDuty detector in every serving region.

data "aws_caller_identity" "this" {}

resource "aws_s3_bucket" "trail" {
  count = var.cloudtrail ? 1 : 0

  region        = var.home_region
  bucket        = "${var.name}-trail-${data.aws_caller_identity.this.account_id}"
  force_destroy = false
}

resource "aws_s3_bucket_public_access_block" "trail" {
  count = var.cloudtrail ? 1 : 0

  region                  = var.home_region
  bucket                  = aws_s3_bucket.trail[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

data "aws_iam_policy_document" "trail" {
  count = var.cloudtrail ? 1 : 0

  statement {
    sid       = "AclCheck"
    actions   = ["s3:GetBucketAcl"]
    resources = [aws_s3_bucket.trail[0].arn]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
  }

  statement {
    sid       = "Write"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.trail[0].arn}/AWSLogs/${data.aws_caller_identity.this.account_id}/*"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "s3:x-amz-acl"
      values   = ["bucket-owner-full-control"]
    }
  }
}

resource "aws_s3_bucket_policy" "trail" {
  count = var.cloudtrail ? 1 : 0

  region = var.home_region
  bucket = aws_s3_bucket.trail[0].id
  policy = data.aws_iam_policy_document.trail[0].json
}

resource "aws_cloudtrail" "this" {
  count = var.cloudtrail ? 1 : 0

  region                        = var.home_region
  name                          = var.name
  s3_bucket_name                = aws_s3_bucket.trail[0].id
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true

  depends_on = [aws_s3_bucket_policy.trail]
}

resource "aws_guardduty_detector" "this" {
  for_each = var.guardduty ? toset(var.regions) : toset([])

  region = each.key
  enable = true
}
