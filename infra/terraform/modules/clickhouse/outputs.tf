output "https_host" {
  description = "Host of the service's HTTPS interface."
  value       = local.https.host
}
