variable "name" {
  description = "Prefix of the services' names."
  type        = string
}

variable "region" {
  description = "Region of the services."
  type        = string
}

variable "image" {
  description = "The platform's container image."
  type        = string
}

variable "network_id" {
  description = "VPC the services send their traffic through."
  type        = string
}

variable "subnet_id" {
  description = "Subnet of the services' direct VPC egress."
  type        = string
}

variable "env" {
  description = "Settings every role reads, by environment variable name."
  type        = map(string)
}

variable "ops_port" {
  description = "The ops port (/health, /metrics)."
  type        = number
}

variable "health" {
  description = "Health path on the ops port."
  type        = string
}

variable "metrics" {
  description = "Prometheus path on the ops port."
  type        = string
}

variable "services" {
  description = "Role => its port, own settings, secrets (setting => secret id), service account and size."
  type = map(object({
    port            = number
    env             = map(string)
    secrets         = map(string)
    service_account = string
    min_instances   = number
    max_instances   = number
    cpu             = string
    memory          = string
  }))
}

variable "prometheus_sidecar_image" {
  description = "Cloud Run's Managed Prometheus collector."
  type        = string
  default     = "us-docker.pkg.dev/cloud-ops-agents-artifacts/cloud-run-gmp-sidecar/cloud-run-gmp-sidecar:1.2.0"
}

variable "labels" {
  description = "Labels of every resource."
  type        = map(string)
}
