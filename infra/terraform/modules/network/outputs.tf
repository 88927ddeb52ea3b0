output "network_id" {
  description = "The VPC."
  value       = google_compute_network.this.id
}

output "subnet_id" {
  description = "The platform's subnet."
  value       = google_compute_subnetwork.this.id
}

output "pods_range_name" {
  description = "Secondary range name for GKE pods."
  value       = google_compute_subnetwork.this.secondary_ip_range[0].range_name
}

output "services_range_name" {
  description = "Secondary range name for GKE services."
  value       = google_compute_subnetwork.this.secondary_ip_range[1].range_name
}

output "egress_ips" {
  description = "Static egress addresses."
  value       = google_compute_address.egress[*].address
}
