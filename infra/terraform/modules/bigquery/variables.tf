variable "project_id" {
  description = "Project of the dataset (and of the worker's jobs)."
  type        = string
}

variable "location" {
  description = "Dataset location."
  type        = string
}

variable "dataset" {
  description = "Dataset id (contracts.bigquery.dataset)."
  type        = string
}

variable "table" {
  description = "The raw events table's contract (contracts.bigquery)."
  type = object({
    events_table     = string
    events_schema    = list(object({ name = string, type = string }))
    partition_type   = string
    partition_field  = string
    clustering       = list(string)
    keep_loads_hours = number
  })
}

variable "partition_expiration_days" {
  description = "Partition expiration (null: none). Must exceed the age of the oldest hour that may be recomputed."
  type        = number
  default     = null
}

variable "worker_service_account" {
  description = "The batch worker's service account: it loads and queries."
  type        = string
}

variable "serve_service_account" {
  description = "The serving API's service account: it queries the loaded events (persons, sessions)."
  type        = string
}

variable "deletion_protection" {
  description = "Refuse to destroy the table."
  type        = bool
}

variable "labels" {
  description = "Labels of every resource."
  type        = map(string)
}
