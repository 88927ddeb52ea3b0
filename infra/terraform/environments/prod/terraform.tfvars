# Sized from bench/RESULTS.md's capacity model for 1 M events/s sustained (100 M events/day is far
# below it): see the runbook's scaling section before changing these.
project_id  = "analytics-prod-000000"
region      = "us-central1"
environment = "prod"
image       = "us-central1-docker.pkg.dev/analytics-prod-000000/platform/platform:REPLACE_WITH_GIT_SHA"

lake_bucket         = "analytics-prod-000000-lake"
deletion_protection = true

# Each figure below is a row of the capacity model (bench/RESULTS.md) with 30% headroom.
kafka_vcpu_count      = 30  # Kafka brokers: 10 at replication 3, 3 vCPUs each
kafka_memory_gib      = 120 # 4 GiB per vCPU
kafka_partitions      = 48  # partitions of `events`: 24 speed consumers and 14 archivers, room to double
kafka_retention_hours = 168
speed_replicas        = 24 # speed consumers: 55,499 events/s each
archiver_replicas     = 14 # lake archivers: 96,560 events/s each
worker_replicas       = 3  # batch recompute, DuckDB on the object store: 3 workers keep up with hours of 3.6 B events

ingest_min_instances = 15 # collector processes, one core each: 90,100 events/s each
ingest_max_instances = 30
serve_min_instances  = 2 # one per 4,000 req/s of dashboard traffic
serve_max_instances  = 20

clickhouse_organization_id       = "00000000-0000-0000-0000-000000000000"
clickhouse_min_replica_memory_gb = 32
clickhouse_max_replica_memory_gb = 120
clickhouse_replicas              = 3

temporal_region         = "gcp-us-central1"
temporal_retention_days = 30
temporal_api_key_expiry = "2027-06-01T00:00:00Z"

postgres_tier              = "db-custom-2-7680"
postgres_high_availability = true

batch_engine                       = "bigquery"
bigquery_location                  = "US"
bigquery_partition_expiration_days = null

smtp_host    = "smtp.example.com"
smtp_user    = "reports@example.com"
reports_from = "Analytics reports <reports@example.com>"
