output "trail_bucket" {
  description = "The CloudTrail bucket, when the trail is on."
  value       = one(aws_s3_bucket.trail[*].id)
}
