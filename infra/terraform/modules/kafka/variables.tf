variable "project_id" {
  description = "Project of the cluster."
  type        = string
}

variable "name" {
  description = "Cluster id."
  type        = string
}

variable "region" {
  description = "Region of the cluster."
  type        = string
}

variable "subnet_id" {
  description = "Subnet the brokers' endpoints are placed in."
  type        = string
}

variable "vcpu_count" {
  description = "vCPUs of the cluster."
  type        = number
}

variable "memory_bytes" {
  description = "Memory of the cluster in bytes."
  type        = number
}

variable "topics" {
  description = "Topic names (contracts.topics)."
  type        = object({ events = string, quarantine = string, derived = string, deadletter = string })
}

variable "partitions" {
  description = "Partitions of the events topic (the others are far smaller and take a quarter, at least 1)."
  type        = number
}

variable "retention_hours" {
  description = "Retention of the events topic."
  type        = number
}

variable "client_service_accounts" {
  description = "Service accounts allowed to produce and consume."
  type        = list(string)
}

variable "labels" {
  description = "Labels of every resource."
  type        = map(string)
}
