bucket = "analytics-prod-terraform-state"
prefix = "platform"
