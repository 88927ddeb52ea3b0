bucket = "analytics-dev-terraform-state"
prefix = "platform"
