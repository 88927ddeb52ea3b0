# The BigQuery engine's dataset and raw events table, shaped exactly as the engine creates it
# (contracts.bigquery is rendered from batch-layer/bigquery-engine.ts): hour partitions on the
# event's time, clustered by project, event and load.

resource "google_bigquery_dataset" "this" {
  dataset_id                 = var.dataset
  location                   = var.location
  description                = "Analytics platform: raw events loaded for batch recomputation."
  delete_contents_on_destroy = !var.deletion_protection
  labels                     = var.labels
}

resource "google_bigquery_table" "events" {
  dataset_id          = google_bigquery_dataset.this.dataset_id
  table_id            = var.table.events_table
  deletion_protection = var.deletion_protection
  clustering          = var.table.clustering
  labels              = var.labels
  schema              = jsonencode([for f in var.table.events_schema : { name = f.name, type = f.type, mode = "NULLABLE" }])

  time_partitioning {
    type          = var.table.partition_type
    field         = var.table.partition_field
    expiration_ms = var.partition_expiration_days == null ? null : var.partition_expiration_days * 86400000
  }
}

resource "google_bigquery_dataset_iam_member" "worker" {
  dataset_id = google_bigquery_dataset.this.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${var.worker_service_account}"
}

# Jobs are a project-level permission in BigQuery.
resource "google_project_iam_member" "worker_jobs" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${var.worker_service_account}"
}

# The serving API reads persons and sessions of the hours BigQuery computed from the same table.
resource "google_bigquery_dataset_iam_member" "serve" {
  dataset_id = google_bigquery_dataset.this.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = "serviceAccount:${var.serve_service_account}"
}

resource "google_project_iam_member" "serve_jobs" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${var.serve_service_account}"
}
