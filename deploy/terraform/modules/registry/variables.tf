variable "name" {
  description = "Repository name prefix, e.g. hyundai-poc (repositories are NAME/backend and NAME/frontend)."
  type        = string
}

variable "region" {
  description = "AWS region the repositories live in; every region pulls its images locally."
  type        = string
}

variable "services" {
  description = "Service images to hold."
  type        = set(string)
  default     = ["backend", "frontend"]
}

variable "keep_images" {
  description = "How many images each repository keeps; older ones expire."
  type        = number
  default     = 30
}

variable "force_delete" {
  description = "Allow destroying a repository that still holds images (POC teardown)."
  type        = bool
  default     = false
}
