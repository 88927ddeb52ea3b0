output "private_ip" {
  description = "Private address of the instance."
  value       = google_sql_database_instance.this.private_ip_address
}
