# One service account per role, so each gets only what it uses (granted where the resource is:
# the lake module grants the bucket, bigquery the dataset, secrets each secret, kafka the cluster).
# No keys: Cloud Run runs as the account, GKE pods through Workload Identity.

resource "google_service_account" "role" {
  for_each     = toset(var.roles)
  account_id   = substr("${var.name}-${each.key}", 0, 30)
  display_name = "${var.name} ${each.key} role"
}

# Every role writes logs and metrics (Managed Prometheus), nothing more at project level.
resource "google_project_iam_member" "telemetry" {
  for_each = {
    for pair in setproduct(var.roles, ["roles/logging.logWriter", "roles/monitoring.metricWriter"]) :
    "${pair[0]}/${pair[1]}" => { role = pair[0], grant = pair[1] }
  }
  project = var.project_id
  role    = each.value.grant
  member  = "serviceAccount:${google_service_account.role[each.value.role].email}"
}
