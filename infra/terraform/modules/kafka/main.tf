# Google Cloud Managed Service for Apache Kafka: the cluster, reachable from the platform's subnet,
# and the topics the code uses (contracts.topics). Clients authenticate as their own service
# account (SASL OAUTHBEARER), so no credential is created here.

locals {
  hour_ms = 3600000
  # The dead-letter and quarantine topics are kept longer: people read them days later.
  topic_settings = {
    events     = { partitions = var.partitions, retention_ms = var.retention_hours * local.hour_ms }
    quarantine = { partitions = max(1, floor(var.partitions / 4)), retention_ms = 30 * 24 * local.hour_ms }
    derived    = { partitions = var.partitions, retention_ms = var.retention_hours * local.hour_ms }
    deadletter = { partitions = max(1, floor(var.partitions / 4)), retention_ms = 30 * 24 * local.hour_ms }
  }
}

resource "google_managed_kafka_cluster" "this" {
  cluster_id = var.name
  location   = var.region
  labels     = var.labels

  capacity_config {
    vcpu_count   = var.vcpu_count
    memory_bytes = var.memory_bytes
  }

  gcp_config {
    access_config {
      network_configs {
        subnet = var.subnet_id
      }
    }
  }

  rebalance_config {
    mode = "AUTO_REBALANCE_ON_SCALE_UP"
  }
}

resource "google_managed_kafka_topic" "this" {
  for_each           = local.topic_settings
  topic_id           = var.topics[each.key]
  cluster            = google_managed_kafka_cluster.this.cluster_id
  location           = var.region
  partition_count    = each.value.partitions
  replication_factor = 3
  configs = {
    "retention.ms"        = tostring(each.value.retention_ms)
    "cleanup.policy"      = "delete"
    "min.insync.replicas" = "2"
  }
}

resource "google_project_iam_member" "clients" {
  for_each = toset(var.client_service_accounts)
  project  = var.project_id
  role     = "roles/managedkafka.client"
  member   = "serviceAccount:${each.value}"
}
