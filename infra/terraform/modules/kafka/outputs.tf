output "bootstrap_address" {
  description = "Bootstrap address (KAFKA_BROKERS)."
  value       = "bootstrap.${google_managed_kafka_cluster.this.cluster_id}.${var.region}.managedkafka.${var.project_id}.cloud.goog:9092"
}
