variable "name" {
  description = "Name of the trail and prefix of its bucket."
  type        = string
}

variable "home_region" {
  description = "Region of the trail and its bucket (the trail records every region)."
  type        = string
}

variable "regions" {
  description = "Regions that get a GuardDuty detector."
  type        = list(string)
}

variable "cloudtrail" {
  description = "A multi-region CloudTrail trail into a private S3 bucket."
  type        = bool
  default     = false
}

variable "guardduty" {
  description = "A GuardDuty detector in every region of regions."
  type        = bool
  default     = false
}
