output "bucket" {
  description = "Lake bucket name."
  value       = google_storage_bucket.lake.name
}

output "staging_bucket" {
  description = "Staging bucket of BigQuery loads."
  value       = google_storage_bucket.staging.name
}
