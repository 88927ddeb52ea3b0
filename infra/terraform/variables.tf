# The names the code relies on, rendered from it into contracts.auto.tfvars.json by
# `./platform infra render` (never edited by hand; a test fails when it is stale).
variable "contracts" {
  description = "Names the code relies on (topics, consumer groups, task queues, search attributes, ports, the BigQuery table, settings), rendered from the code."
  type = object({
    roles               = list(string)
    topics              = object({ events = string, quarantine = string, derived = string, deadletter = string })
    consumer_groups     = object({ speed = string, archiver = string })
    task_queues         = object({ batch = string, reports = string, speed = string })
    search_attributes   = map(string)
    workflow_types      = map(string)
    schedule_ids        = map(string)
    ports               = object({ ingest = number, api = number, ops = number })
    health_path         = string
    metrics_path        = string
    clickhouse_database = string
    bigquery = object({
      dataset          = string
      events_table     = string
      events_schema    = list(object({ name = string, type = string }))
      partition_type   = string
      partition_field  = string
      clustering       = list(string)
      keep_loads_hours = number
    })
    lake_prefixes   = object({ events = string, quarantine = string, views = string, ledger = string })
    settings        = list(string)
    secret_settings = list(string)
    setting_pairs   = list(list(string))
  })
}

variable "project_id" {
  description = "Google Cloud project everything is created in."
  type        = string
}

variable "region" {
  description = "Google Cloud region of every regional resource (e.g. us-central1)."
  type        = string
}

variable "environment" {
  description = "Deployment name (dev, prod): prefixes resource names and labels everything."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,14}$", var.environment))
    error_message = "environment must be 2-15 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "image" {
  description = "Container image of the platform (built from the repository's Dockerfile), e.g. us-docker.pkg.dev/<project>/platform/platform:<git sha>."
  type        = string
}

variable "credentials_version" {
  description = "Bump to rotate the passwords Terraform generates (PostgreSQL, ClickHouse, JWT secret): they are write-only and never stored in the state."
  type        = number
  default     = 1
}

# --- network -------------------------------------------------------------------------------------

variable "subnet_cidr" {
  description = "Primary range of the platform's subnet (Cloud Run egress, Kafka, GKE nodes)."
  type        = string
  default     = "10.10.0.0/20"
}

variable "pods_cidr" {
  description = "Secondary range for GKE pods."
  type        = string
  default     = "10.20.0.0/16"
}

variable "services_cidr" {
  description = "Secondary range for GKE services."
  type        = string
  default     = "10.30.0.0/20"
}

variable "egress_ip_count" {
  description = "Static egress addresses of Cloud NAT: ClickHouse Cloud's IP access list allows exactly these."
  type        = number
  default     = 1
}

# --- lake and BigQuery ---------------------------------------------------------------------------

variable "lake_bucket" {
  description = "Name of the lake bucket (globally unique)."
  type        = string
}

variable "lake_prefix" {
  description = "Prefix of the lake inside its bucket (LAKE_URL=gs://<bucket>/<prefix>)."
  type        = string
  default     = "lake"
}

variable "lake_nearline_after_days" {
  description = "Raw event files older than this move to Nearline (they are read again only by backfills)."
  type        = number
  default     = 30
}

variable "lake_coldline_after_days" {
  description = "Raw event files older than this move to Coldline."
  type        = number
  default     = 180
}

variable "lake_delete_raw_after_days" {
  description = "Delete raw event files older than this (null: keep them; hours older than this can no longer be recomputed)."
  type        = number
  default     = null
}

variable "quarantine_delete_after_days" {
  description = "Delete quarantined (rejected) event files older than this."
  type        = number
  default     = 90
}

variable "noncurrent_versions_delete_after_days" {
  description = "Old object versions (a rewritten file's previous copy, e.g. after a GDPR erasure) are deleted after this many days: an erasure is complete on the store only then."
  type        = number
  default     = 7
}

variable "bigquery_location" {
  description = "Location of the BigQuery dataset and staging bucket (US, EU, or a region)."
  type        = string
  default     = "US"
}

variable "bigquery_partition_expiration_days" {
  description = "Expiration of the raw events table's partitions (null: none). Partitions are by event hour, so this must exceed the age of the oldest hour you may recompute; the engine deletes its own loads after keep_loads_hours."
  type        = number
  default     = null
}

variable "bigquery_max_bytes_billed" {
  description = "Cost guard: the most one BigQuery query may bill (BIGQUERY_MAX_BYTES_BILLED)."
  type        = number
  default     = 107374182400
}

variable "batch_engine" {
  description = "Engine of scheduled batch runs: duckdb (in the worker) or bigquery."
  type        = string
  default     = "duckdb"

  validation {
    condition     = contains(["duckdb", "bigquery"], var.batch_engine)
    error_message = "batch_engine must be duckdb or bigquery."
  }
}

variable "lake_hmac_key_id" {
  description = "Access id of the HMAC key DuckDB reads the lake with (created by hand, runbook step 3; its secret goes to Secret Manager, never to Terraform)."
  type        = string
  default     = ""
}

# --- Kafka ---------------------------------------------------------------------------------------

variable "kafka_vcpu_count" {
  description = "vCPUs of the managed Kafka cluster (at least 3)."
  type        = number
  default     = 3
}

variable "kafka_memory_gib" {
  description = "Memory of the managed Kafka cluster in GiB (1-8 GiB per vCPU)."
  type        = number
  default     = 12
}

variable "kafka_partitions" {
  description = "Partitions of the events topic: the ceiling of speed and archiver consumers per group."
  type        = number
  default     = 12
}

variable "kafka_retention_hours" {
  description = "Retention of the events topic: how far back a consumer can replay (at least the speed view's 48 h horizon)."
  type        = number
  default     = 168

  validation {
    condition     = var.kafka_retention_hours >= 48
    error_message = "kafka_retention_hours must be at least 48: the speed layer rebuilds from 48 hours of events."
  }
}

# --- ClickHouse Cloud ----------------------------------------------------------------------------

variable "clickhouse_organization_id" {
  description = "ClickHouse Cloud organization id."
  type        = string
}

variable "clickhouse_token_key" {
  description = "ClickHouse Cloud API key id (provider authentication)."
  type        = string
  sensitive   = true
}

variable "clickhouse_token_secret" {
  description = "ClickHouse Cloud API key secret (provider authentication)."
  type        = string
  sensitive   = true
}

variable "clickhouse_min_replica_memory_gb" {
  description = "Smallest memory per ClickHouse replica when scaled down."
  type        = number
  default     = 8
}

variable "clickhouse_max_replica_memory_gb" {
  description = "Largest memory per ClickHouse replica when scaled up."
  type        = number
  default     = 32
}

variable "clickhouse_replicas" {
  description = "ClickHouse replicas."
  type        = number
  default     = 3
}

# --- Temporal Cloud ------------------------------------------------------------------------------

variable "temporal_cloud_api_key" {
  description = "Temporal Cloud API key of an account admin (provider authentication only; the roles get their own key)."
  type        = string
  sensitive   = true
}

variable "temporal_region" {
  description = "Temporal Cloud region, prefixed by its cloud (e.g. gcp-us-central1)."
  type        = string
}

variable "temporal_retention_days" {
  description = "How long Temporal Cloud keeps closed workflow histories (backfills, reports)."
  type        = number
  default     = 30
}

variable "temporal_api_key_expiry" {
  description = "Expiry of the roles' Temporal Cloud API key (RFC 3339); rotate before it."
  type        = string
}

# --- PostgreSQL ----------------------------------------------------------------------------------

variable "postgres_tier" {
  description = "Cloud SQL machine tier of the metadata store."
  type        = string
  default     = "db-custom-1-3840"
}

variable "postgres_high_availability" {
  description = "Regional (failover) Cloud SQL instance."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Refuse to destroy stateful resources (Cloud SQL, GKE, buckets with data); set false only to tear an environment down."
  type        = bool
  default     = true
}

# --- compute -------------------------------------------------------------------------------------

variable "ingest_min_instances" {
  description = "Cloud Run instances of the collector kept warm."
  type        = number
  default     = 1
}

variable "ingest_max_instances" {
  description = "Most Cloud Run instances of the collector."
  type        = number
  default     = 20
}

variable "serve_min_instances" {
  description = "Cloud Run instances of the query API kept warm (it also runs report activities)."
  type        = number
  default     = 1
}

variable "serve_max_instances" {
  description = "Most Cloud Run instances of the query API."
  type        = number
  default     = 10
}

variable "speed_replicas" {
  description = "Speed-layer consumer pods (at most kafka_partitions)."
  type        = number
  default     = 2
}

variable "archiver_replicas" {
  description = "Lake archiver pods (at most kafka_partitions)."
  type        = number
  default     = 2
}

variable "worker_replicas" {
  description = "Temporal batch worker pods."
  type        = number
  default     = 2
}

# --- reports -------------------------------------------------------------------------------------

variable "smtp_host" {
  description = "Mail relay reports are sent through."
  type        = string
}

variable "smtp_port" {
  description = "Port of the mail relay."
  type        = number
  default     = 587
}

variable "smtp_user" {
  description = "SMTP login (its password goes to Secret Manager by hand, runbook step 3)."
  type        = string
}

variable "reports_from" {
  description = "Sender of report emails: an address, or 'Name <address>'."
  type        = string
}
