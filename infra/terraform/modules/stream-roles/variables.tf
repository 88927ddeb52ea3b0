variable "project_id" {
  description = "Project (the Workload Identity pool is <project>.svc.id.goog)."
  type        = string
}

variable "namespace" {
  description = "Kubernetes namespace of the roles."
  type        = string
}

variable "image" {
  description = "The platform's container image."
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

variable "roles" {
  description = "Role => replicas, own settings, secrets (setting => secret id), service account and size."
  type = map(object({
    replicas        = number
    env             = map(string)
    secrets         = map(string)
    service_account = string
    cpu             = string
    memory          = string
  }))
}
