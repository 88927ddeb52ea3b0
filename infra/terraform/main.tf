# The platform on Google Cloud: managed Kafka, ClickHouse Cloud, Temporal Cloud, a GCS lake,
# BigQuery, Cloud SQL; ingest and serve on Cloud Run, the consumers and the batch worker on GKE
# Autopilot. Every name the code relies on comes from var.contracts (contracts.auto.tfvars.json).

provider "google" {
  project = var.project_id
  region  = var.region
}

provider "clickhouse" {
  organization_id = var.clickhouse_organization_id
  token_key       = var.clickhouse_token_key
  token_secret    = var.clickhouse_token_secret
}

provider "temporalcloud" {
  api_key = var.temporal_cloud_api_key
}

data "google_client_config" "current" {}

provider "kubernetes" {
  host                   = "https://${module.workers_cluster.endpoint}"
  token                  = data.google_client_config.current.access_token
  cluster_ca_certificate = base64decode(module.workers_cluster.ca_certificate)
}

locals {
  name   = "analytics-${var.environment}"
  labels = { platform = "analytics", environment = var.environment }
}

module "network" {
  source          = "./modules/network"
  name            = local.name
  region          = var.region
  subnet_cidr     = var.subnet_cidr
  pods_cidr       = var.pods_cidr
  services_cidr   = var.services_cidr
  egress_ip_count = var.egress_ip_count
}

module "identity" {
  source     = "./modules/identity"
  project_id = var.project_id
  name       = local.name
  roles      = var.contracts.roles
}

module "lake" {
  source                                = "./modules/lake"
  bucket                                = var.lake_bucket
  prefix                                = var.lake_prefix
  location                              = var.region
  lake_prefixes                         = var.contracts.lake_prefixes
  staging_location                      = var.bigquery_location
  nearline_after_days                   = var.lake_nearline_after_days
  coldline_after_days                   = var.lake_coldline_after_days
  delete_raw_after_days                 = var.lake_delete_raw_after_days
  quarantine_delete_after_days          = var.quarantine_delete_after_days
  noncurrent_versions_delete_after_days = var.noncurrent_versions_delete_after_days
  staging_delete_after_days             = ceil(var.contracts.bigquery.keep_loads_hours / 24) + 1
  service_accounts                      = module.identity.emails
  deletion_protection                   = var.deletion_protection
  labels                                = local.labels
}

module "bigquery" {
  source                    = "./modules/bigquery"
  project_id                = var.project_id
  location                  = var.bigquery_location
  dataset                   = var.contracts.bigquery.dataset
  table                     = var.contracts.bigquery
  partition_expiration_days = var.bigquery_partition_expiration_days
  worker_service_account    = module.identity.emails["worker"]
  serve_service_account     = module.identity.emails["serve"]
  deletion_protection       = var.deletion_protection
  labels                    = local.labels
}

module "kafka" {
  source          = "./modules/kafka"
  project_id      = var.project_id
  name            = local.name
  region          = var.region
  subnet_id       = module.network.subnet_id
  vcpu_count      = var.kafka_vcpu_count
  memory_bytes    = var.kafka_memory_gib * 1073741824
  topics          = var.contracts.topics
  partitions      = var.kafka_partitions
  retention_hours = var.kafka_retention_hours
  # The roles that produce or consume (worker: an erasure waits for the consumer groups' offsets).
  client_service_accounts = [for r in ["ingest", "speed", "archiver", "worker"] : module.identity.emails[r]]
  labels                  = local.labels
}

module "secrets" {
  source              = "./modules/secrets"
  name                = local.name
  credentials_version = var.credentials_version
  readers             = local.secret_readers
  service_accounts    = module.identity.emails
  labels              = local.labels
}

module "metadata" {
  source                 = "./modules/metadata"
  name                   = local.name
  region                 = var.region
  network_id             = module.network.network_id
  tier                   = var.postgres_tier
  high_availability      = var.postgres_high_availability
  credentials_version    = var.credentials_version
  database_url_secret_id = module.secrets.ids["database-url"]
  deletion_protection    = var.deletion_protection
  labels                 = local.labels
  # The private IP needs the VPC's peering with Google's service producers first.
  depends_on = [module.network]
}

module "clickhouse" {
  source                   = "./modules/clickhouse"
  name                     = local.name
  region                   = var.region
  allowed_ips              = module.network.egress_ips
  min_replica_memory_gb    = var.clickhouse_min_replica_memory_gb
  max_replica_memory_gb    = var.clickhouse_max_replica_memory_gb
  replicas                 = var.clickhouse_replicas
  credentials_version      = var.credentials_version
  clickhouse_url_secret_id = module.secrets.ids["clickhouse-url"]
}

module "temporal" {
  source                     = "./modules/temporal"
  namespace                  = local.name
  region                     = var.temporal_region
  retention_days             = var.temporal_retention_days
  search_attributes          = var.contracts.search_attributes
  api_key_expiry             = var.temporal_api_key_expiry
  temporal_api_key_secret_id = module.secrets.ids["temporal-api-key"]
}

# What every role reads, by the names core/config/config.ts reads (outputs.tf exports the same map).
locals {
  lake_url = "gs://${module.lake.bucket}/${var.lake_prefix}"
  env = {
    PLATFORM_ENV              = "production"
    LOG_LEVEL                 = "info"
    OPS_HOST                  = "0.0.0.0"
    OPS_PORT                  = tostring(var.contracts.ports.ops)
    KAFKA_BROKERS             = module.kafka.bootstrap_address
    KAFKA_SASL_MECHANISM      = "google-oauthbearer"
    KAFKA_PARTITIONS          = tostring(var.kafka_partitions)
    TEMPORAL_ADDRESS          = module.temporal.grpc_address
    TEMPORAL_NAMESPACE        = module.temporal.namespace_id
    TEMPORAL_TASK_QUEUE       = var.contracts.task_queues.batch
    REPORTS_TASK_QUEUE        = var.contracts.task_queues.reports
    SPEED_TASK_QUEUE          = var.contracts.task_queues.speed
    CLICKHOUSE_DATABASE       = var.contracts.clickhouse_database
    LAKE_URL                  = local.lake_url
    LAKE_GCS_PROJECT          = var.project_id
    BATCH_ENGINE              = var.batch_engine
    BIGQUERY_PROJECT          = var.project_id
    BIGQUERY_LOCATION         = var.bigquery_location
    BIGQUERY_DATASET          = module.bigquery.dataset_id
    BIGQUERY_STAGING_URL      = "gs://${module.lake.staging_bucket}/loads"
    BIGQUERY_MAX_BYTES_BILLED = tostring(var.bigquery_max_bytes_billed)
    SMTP_HOST                 = var.smtp_host
    SMTP_PORT                 = tostring(var.smtp_port)
    SMTP_TLS                  = var.smtp_port == 465 ? "tls" : "starttls"
    REPORTS_FROM              = var.reports_from
  }
}

# Secret settings, each read from its own Secret Manager secret, by the roles that need it only.
locals {
  secret_settings = {
    JWT_SECRET           = "jwt-secret"
    DATABASE_URL         = "database-url"
    CLICKHOUSE_URL       = "clickhouse-url"
    TEMPORAL_API_KEY     = "temporal-api-key"
    SMTP_PASSWORD        = "smtp-password"
    LAKE_GCS_HMAC_SECRET = "lake-hmac-secret"
  }
  secret_readers = {
    # Every role: production refuses to start without it (it also keys the IP hashes).
    jwt-secret = var.contracts.roles
    # PostgreSQL: write keys (ingest), dashboards and definitions (serve), erasures (worker, speed).
    database-url = ["ingest", "serve", "worker", "speed"]
    # ClickHouse: the speed view written (speed), read (serve), erased from (speed, worker).
    clickhouse-url   = ["speed", "serve", "worker"]
    temporal-api-key = ["serve", "worker", "speed"]
    smtp-password    = ["serve"]
    # DuckDB reads the lake with it: the batch engine (worker) and the batch view reader (serve).
    lake-hmac-secret = ["serve", "worker"]
  }
  role_secrets = {
    for role in var.contracts.roles : role => {
      for setting, secret in local.secret_settings : setting => module.secrets.ids[secret]
      if contains(local.secret_readers[secret], role) && !contains(local.unpaired_secrets, secret)
    }
  }
  # A secret whose plain half is not set yet (the HMAC key before runbook step 5) is given to
  # no role: the pair is then absent, not half there.
  unpaired_secrets = [for setting, p in local.paired_env : p.secret if p.value == ""]
  # Plain settings that go with a secret one (the roles check both or neither at start): given to
  # the secret's readers only, beside it.
  paired_env = {
    SMTP_USER            = { value = var.smtp_user, secret = "smtp-password" }
    LAKE_GCS_HMAC_KEY_ID = { value = var.lake_hmac_key_id, secret = "lake-hmac-secret" }
  }
  role_env = {
    for role in var.contracts.roles : role => {
      for setting, p in local.paired_env : setting => p.value
      if contains(local.secret_readers[p.secret], role) && p.value != ""
    }
  }
}

module "http_roles" {
  source     = "./modules/http-roles"
  name       = local.name
  region     = var.region
  image      = var.image
  network_id = module.network.network_id
  subnet_id  = module.network.subnet_id
  env        = local.env
  ops_port   = var.contracts.ports.ops
  health     = var.contracts.health_path
  metrics    = var.contracts.metrics_path
  services = {
    ingest = {
      port            = var.contracts.ports.ingest
      env             = merge(local.role_env["ingest"], { INGEST_HOST = "0.0.0.0", INGEST_PORT = tostring(var.contracts.ports.ingest) })
      secrets         = local.role_secrets["ingest"]
      service_account = module.identity.emails["ingest"]
      min_instances   = var.ingest_min_instances
      max_instances   = var.ingest_max_instances
      # One Node process uses one core: the capacity model counts collectors per core.
      cpu    = "1"
      memory = "1Gi"
    }
    serve = {
      port            = var.contracts.ports.api
      env             = merge(local.role_env["serve"], { API_HOST = "0.0.0.0", API_PORT = tostring(var.contracts.ports.api) })
      secrets         = local.role_secrets["serve"]
      service_account = module.identity.emails["serve"]
      min_instances   = var.serve_min_instances
      max_instances   = var.serve_max_instances
      cpu             = "2"
      memory          = "4Gi"
    }
  }
  labels = local.labels
}

module "workers_cluster" {
  source              = "./modules/workers-cluster"
  project_id          = var.project_id
  name                = local.name
  region              = var.region
  network_id          = module.network.network_id
  subnet_id           = module.network.subnet_id
  pods_range          = module.network.pods_range_name
  services_range      = module.network.services_range_name
  deletion_protection = var.deletion_protection
  labels              = local.labels
}

module "stream_roles" {
  source     = "./modules/stream-roles"
  project_id = var.project_id
  namespace  = local.name
  image      = var.image
  env        = local.env
  ops_port   = var.contracts.ports.ops
  health     = var.contracts.health_path
  metrics    = var.contracts.metrics_path
  roles = {
    speed = {
      replicas        = var.speed_replicas
      env             = local.role_env["speed"]
      secrets         = local.role_secrets["speed"]
      service_account = module.identity.emails["speed"]
      cpu             = "2"
      memory          = "4Gi"
    }
    archiver = {
      replicas        = var.archiver_replicas
      env             = local.role_env["archiver"]
      secrets         = local.role_secrets["archiver"]
      service_account = module.identity.emails["archiver"]
      cpu             = "1"
      memory          = "2Gi"
    }
    worker = {
      replicas        = var.worker_replicas
      env             = local.role_env["worker"]
      secrets         = local.role_secrets["worker"]
      service_account = module.identity.emails["worker"]
      cpu             = "2"
      memory          = "8Gi"
    }
  }
  depends_on = [module.workers_cluster]
}
