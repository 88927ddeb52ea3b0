# A small environment: the smallest managed Kafka, one replica of each long-running role,
# instances scaled to zero when idle except the collector, no deletion protection.
project_id  = "analytics-dev-000000"
region      = "us-central1"
environment = "dev"
image       = "us-central1-docker.pkg.dev/analytics-dev-000000/platform/platform:latest"

lake_bucket         = "analytics-dev-000000-lake"
deletion_protection = false

kafka_vcpu_count  = 3
kafka_memory_gib  = 3
kafka_partitions  = 4
speed_replicas    = 1
archiver_replicas = 1
worker_replicas   = 1

ingest_min_instances = 1
ingest_max_instances = 3
serve_min_instances  = 0
serve_max_instances  = 2

clickhouse_organization_id       = "00000000-0000-0000-0000-000000000000"
clickhouse_min_replica_memory_gb = 8
clickhouse_max_replica_memory_gb = 16
clickhouse_replicas              = 2

temporal_region         = "gcp-us-central1"
temporal_retention_days = 7
temporal_api_key_expiry = "2027-06-01T00:00:00Z"

postgres_tier = "db-custom-1-3840"

smtp_host    = "smtp.example.com"
smtp_user    = "reports@example.com"
reports_from = "Analytics reports (dev) <reports@example.com>"
