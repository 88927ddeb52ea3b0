# Secret Manager: one secret per secret setting, readable only by the roles that use it. Values
# Terraform makes (the JWT secret here; database and ClickHouse URLs in their modules) are
# ephemeral and written write-only: they never enter the state. Values from outside (the SMTP
# password, the lake's HMAC secret) are added by hand (runbook, step 3).

resource "google_secret_manager_secret" "this" {
  for_each  = var.readers
  secret_id = "${var.name}-${each.key}"
  labels    = var.labels

  replication {
    auto {}
  }
}

resource "google_secret_manager_secret_iam_member" "readers" {
  for_each = merge([
    for secret, roles in var.readers : { for role in roles : "${secret}/${role}" => { secret = secret, role = role } }
  ]...)
  secret_id = google_secret_manager_secret.this[each.value.secret].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${var.service_accounts[each.value.role]}"
}

ephemeral "random_password" "jwt" {
  length  = 48
  special = false
}

resource "google_secret_manager_secret_version" "jwt" {
  secret                 = google_secret_manager_secret.this["jwt-secret"].id
  secret_data_wo         = ephemeral.random_password.jwt.result
  secret_data_wo_version = var.credentials_version
}
