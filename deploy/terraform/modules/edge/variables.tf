variable "name" {
  description = "Name prefix for health checks, the distribution and the web ACL."
  type        = string
}

variable "domain_name" {
  description = "The site's apex name; its Route53 public zone must already exist (delegated at the registrar)."
  type        = string
}

variable "regions" {
  description = "Each serving region's ALB: DNS name and canonical hosted zone."
  type = map(object({
    alb_dns_name = string
    alb_zone_id  = string
  }))
}

variable "locations_file" {
  description = "Path of deploy/geo/locations.json, the one location-to-region table (the lab's edge reads it too)."
  type        = string
}

variable "edge_file" {
  description = "Path of deploy/geo/edge.json: CloudFront's origins, origin group, cache policies and behaviors, and each region's stand-in (the lab's edge reads it too)."
  type        = string
}

variable "origin_header" {
  description = "The secret header CloudFront adds to every origin request (the ALBs require it)."
  type = object({
    name  = string
    value = string
  })
  sensitive = true
}

variable "health_check" {
  description = "Route53 health checks of each region's /healthz: seconds between checks (10 or 30) and failures before unhealthy."
  type = object({
    request_interval  = optional(number, 10)
    failure_threshold = optional(number, 3)
  })
  default = {}
}

variable "price_class" {
  description = "CloudFront price class; PriceClass_200 includes Korea and the US."
  type        = string
  default     = "PriceClass_200"
}

variable "enable_waf" {
  description = "Attach a WAF web ACL (AWS managed rule groups: common, known bad inputs, SQL injection; and a per-IP rate limit) to the distribution."
  type        = bool
  default     = true
}

variable "waf_rate_limit" {
  description = "Requests per IP in any 5-minute window before WAF blocks it."
  type        = number
  default     = 2000
}
