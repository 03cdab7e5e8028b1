# tflint's built-in terraform rules only: the AWS ruleset is a plugin that
# cannot be downloaded here; the provider schema check covers resources.
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
