# The speed view's ClickHouse: a ClickHouse Cloud service on Google Cloud in the platform's region,
# reachable only from the platform's NAT addresses. The speed role creates the database and tables
# at start (sql/clickhouse). The default user's password is ephemeral and write-only: it reaches
# the service and the CLICKHOUSE_URL secret, never the state.

ephemeral "random_password" "default_user" {
  length      = 32
  special     = false
  min_lower   = 1
  min_upper   = 1
  min_numeric = 1
}

resource "clickhouse_service" "this" {
  name                  = var.name
  cloud_provider        = "gcp"
  region                = var.region
  idle_scaling          = false
  num_replicas          = var.replicas
  min_replica_memory_gb = var.min_replica_memory_gb
  max_replica_memory_gb = var.max_replica_memory_gb
  password_wo           = ephemeral.random_password.default_user.result
  password_wo_version   = var.credentials_version

  ip_access = [for ip in var.allowed_ips : { source = "${ip}/32", description = "analytics platform egress (Cloud NAT)" }]
}

locals {
  https = one([for e in clickhouse_service.this.endpoints : e if e.protocol == "https"])
}

resource "google_secret_manager_secret_version" "clickhouse_url" {
  secret                 = var.clickhouse_url_secret_id
  secret_data_wo         = "https://default:${ephemeral.random_password.default_user.result}@${local.https.host}:${local.https.port}"
  secret_data_wo_version = var.credentials_version
}
