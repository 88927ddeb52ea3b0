# The Parquet lake and the BigQuery engine's staging bucket. Objects are written whole (no rename
# on an object store; see the README's batch layer), so readers never see a partial file.

locals {
  events     = "${var.prefix}/${var.lake_prefixes.events}"
  quarantine = "${var.prefix}/${var.lake_prefixes.quarantine}"
  ledger     = "${var.prefix}/${var.lake_prefixes.ledger}"
}

resource "google_storage_bucket" "lake" {
  name                        = var.bucket
  location                    = var.location
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = !var.deletion_protection
  labels                      = var.labels

  # A rewritten file (an erasure, a replayed range) keeps its previous copy for a while: a bad
  # rewrite can be undone, and the copy is deleted on schedule (an erasure completes then).
  versioning {
    enabled = true
  }

  # Raw files are written once per Kafka range, so their age is their partition's age.
  lifecycle_rule {
    condition {
      age            = var.nearline_after_days
      matches_prefix = [local.events]
    }
    action {
      type          = "SetStorageClass"
      storage_class = "NEARLINE"
    }
  }

  lifecycle_rule {
    condition {
      age            = var.coldline_after_days
      matches_prefix = [local.events]
    }
    action {
      type          = "SetStorageClass"
      storage_class = "COLDLINE"
    }
  }

  dynamic "lifecycle_rule" {
    for_each = var.delete_raw_after_days == null ? [] : [var.delete_raw_after_days]
    content {
      condition {
        age            = lifecycle_rule.value
        matches_prefix = [local.events]
      }
      action {
        type = "Delete"
      }
    }
  }

  lifecycle_rule {
    condition {
      age            = var.quarantine_delete_after_days
      matches_prefix = [local.quarantine]
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.noncurrent_versions_delete_after_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }
}

resource "google_storage_bucket" "staging" {
  name                        = "${var.bucket}-bq-staging"
  location                    = var.staging_location
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  labels                      = var.labels

  lifecycle_rule {
    condition {
      age = var.staging_delete_after_days
    }
    action {
      type = "Delete"
    }
  }
}

# Writers of the lake: the archiver (event files), the worker (views, erasure rewrites), the
# speed layer (late-event markers).
resource "google_storage_bucket_iam_member" "lake_writers" {
  for_each = toset(["archiver", "worker", "speed"])
  bucket   = google_storage_bucket.lake.name
  role     = "roles/storage.objectUser"
  member   = "serviceAccount:${var.service_accounts[each.key]}"
}

# Every role that uses the lake checks at start that its bucket exists (bucket metadata: not in
# the object roles).
resource "google_storage_bucket_iam_member" "lake_checkers" {
  for_each = toset(["archiver", "worker", "speed", "serve"])
  bucket   = google_storage_bucket.lake.name
  role     = "roles/storage.legacyBucketReader"
  member   = "serviceAccount:${var.service_accounts[each.key]}"
}

# The query API reads the lake...
resource "google_storage_bucket_iam_member" "serve_reads" {
  bucket = google_storage_bucket.lake.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${var.service_accounts["serve"]}"
}

# ...and writes only the report ledger under it.
resource "google_storage_bucket_iam_member" "serve_ledger" {
  bucket = google_storage_bucket.lake.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${var.service_accounts["serve"]}"

  condition {
    title      = "report-ledger-only"
    expression = "resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.lake.name}/objects/${local.ledger}\")"
  }
}

resource "google_storage_bucket_iam_member" "staging_worker" {
  bucket = google_storage_bucket.staging.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${var.service_accounts["worker"]}"
}
