output "endpoint" {
  description = "Control plane address."
  value       = google_container_cluster.this.endpoint
}

output "ca_certificate" {
  description = "Control plane CA (base64)."
  value       = google_container_cluster.this.master_auth[0].cluster_ca_certificate
}
