# Outputs in capitals are named exactly after the environment variables the roles read
# (core/config/config.ts; the contract test refuses any other capitalized name): a role started anywhere
# else (an operator's machine pointed at this environment, a one-off job) takes them as they are.
# `terraform output -json env` is the whole set; secret settings are Secret Manager secret ids.

output "env" {
  description = "Every non-secret setting the roles share, by environment variable name."
  value       = local.env
}

output "role_env" {
  description = "Settings of one role only, by role: those that go with a secret only its readers get."
  value       = local.role_env
}

output "secret_env" {
  description = "Secret settings: the Secret Manager secret each is read from (values never leave Secret Manager)."
  value       = { for setting, secret in local.secret_settings : setting => module.secrets.ids[secret] }
}

output "KAFKA_BROKERS" {
  description = "Bootstrap address of the managed Kafka cluster."
  value       = module.kafka.bootstrap_address
}

output "KAFKA_SASL_MECHANISM" {
  description = "How roles authenticate to Kafka: their own service account (OAUTHBEARER)."
  value       = local.env.KAFKA_SASL_MECHANISM
}

output "TEMPORAL_ADDRESS" {
  description = "Temporal Cloud gRPC endpoint of the namespace (API-key authentication)."
  value       = module.temporal.grpc_address
}

output "TEMPORAL_NAMESPACE" {
  description = "Temporal Cloud namespace id."
  value       = module.temporal.namespace_id
}

output "LAKE_URL" {
  description = "The Parquet lake."
  value       = local.lake_url
}

output "BIGQUERY_PROJECT" {
  description = "Project of the BigQuery dataset."
  value       = var.project_id
}

output "BIGQUERY_DATASET" {
  description = "Dataset of the raw events table."
  value       = module.bigquery.dataset_id
}

output "BIGQUERY_STAGING_URL" {
  description = "Where load jobs read the hours' staged files."
  value       = local.env.BIGQUERY_STAGING_URL
}

output "BIGQUERY_LOCATION" {
  description = "Location of the dataset."
  value       = var.bigquery_location
}

output "CLICKHOUSE_DATABASE" {
  description = "Database of the speed view (created by the speed role at start)."
  value       = var.contracts.clickhouse_database
}

output "ingest_url" {
  description = "HTTPS endpoint of the collector (Segment SDKs' apiHost)."
  value       = module.http_roles.urls["ingest"]
}

output "api_url" {
  description = "HTTPS endpoint of the query API and web app."
  value       = module.http_roles.urls["serve"]
}

output "temporal_web_url" {
  description = "Temporal Cloud Web UI of the namespace (backfills are started and watched there)."
  value       = module.temporal.web_address
}

output "egress_ips" {
  description = "Addresses the platform reaches ClickHouse Cloud and Temporal Cloud from."
  value       = module.network.egress_ips
}
