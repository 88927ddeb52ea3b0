variable "name" {
  description = "Service name."
  type        = string
}

variable "region" {
  description = "Google Cloud region of the service."
  type        = string
}

variable "allowed_ips" {
  description = "Addresses allowed to connect (the platform's egress)."
  type        = list(string)
}

variable "min_replica_memory_gb" {
  description = "Smallest memory per replica."
  type        = number
}

variable "max_replica_memory_gb" {
  description = "Largest memory per replica."
  type        = number
}

variable "replicas" {
  description = "Number of replicas."
  type        = number
}

variable "credentials_version" {
  description = "Bump to rotate the password."
  type        = number
}

variable "clickhouse_url_secret_id" {
  description = "Secret the CLICKHOUSE_URL is written to."
  type        = string
}
