output "namespace_id" {
  description = "Namespace id (TEMPORAL_NAMESPACE)."
  value       = temporalcloud_namespace.this.id
}

output "grpc_address" {
  description = "gRPC endpoint for API-key clients (TEMPORAL_ADDRESS)."
  value       = temporalcloud_namespace.this.endpoints.grpc_address
}

output "web_address" {
  description = "Web UI of the namespace."
  value       = temporalcloud_namespace.this.endpoints.web_address
}
