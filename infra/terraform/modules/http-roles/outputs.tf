output "urls" {
  description = "HTTPS address of each service."
  value       = { for r, s in google_cloud_run_v2_service.role : r => s.uri }
}
