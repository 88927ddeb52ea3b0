output "emails" {
  description = "Service account email of each role."
  value       = { for r, sa in google_service_account.role : r => sa.email }
}

output "names" {
  description = "Service account resource name of each role (for Workload Identity bindings)."
  value       = { for r, sa in google_service_account.role : r => sa.name }
}
