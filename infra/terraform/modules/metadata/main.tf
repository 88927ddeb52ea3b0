# The metadata store: Cloud SQL for PostgreSQL on a private IP (dashboards, write keys,
# definitions, erasures). The roles run the migrations at start. The password is generated
# ephemerally and written write-only to the user and to the DATABASE_URL secret: not in the state.

resource "google_sql_database_instance" "this" {
  name                = var.name
  region              = var.region
  database_version    = "POSTGRES_15"
  deletion_protection = var.deletion_protection

  settings {
    tier              = var.tier
    availability_type = var.high_availability ? "REGIONAL" : "ZONAL"
    user_labels       = var.labels

    ip_configuration {
      ipv4_enabled    = false
      private_network = var.network_id
      ssl_mode        = "ENCRYPTED_ONLY"
    }

    backup_configuration {
      enabled                        = true
      point_in_time_recovery_enabled = true
    }
  }
}

resource "google_sql_database" "platform" {
  name     = "platform"
  instance = google_sql_database_instance.this.name
}

ephemeral "random_password" "db" {
  length  = 32
  special = false
}

resource "google_sql_user" "platform" {
  name                = "platform"
  instance            = google_sql_database_instance.this.name
  password_wo         = ephemeral.random_password.db.result
  password_wo_version = var.credentials_version
}

# TLS without verification: Cloud SQL's server certificate comes from its own per-instance CA,
# and the connection stays on the VPC's private IP.
resource "google_secret_manager_secret_version" "database_url" {
  secret                 = var.database_url_secret_id
  secret_data_wo         = "postgres://${google_sql_user.platform.name}:${ephemeral.random_password.db.result}@${google_sql_database_instance.this.private_ip_address}:5432/${google_sql_database.platform.name}?sslmode=no-verify"
  secret_data_wo_version = var.credentials_version
}
