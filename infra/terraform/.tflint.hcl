# tflint's bundled Terraform ruleset (offline); the Google ruleset is a plugin download, not
# reachable from where this is checked.
plugin "terraform" {
  enabled = true
  preset  = "all"
}

# Outputs in capitals are the roles' environment variables, by their exact names (outputs.tf).
rule "terraform_naming_convention" {
  enabled = true

  output {
    custom = "^([A-Z][A-Z0-9_]*|[a-z][a-z0-9_]*)$"
  }
}
