variable "bucket" {
  description = "Lake bucket name."
  type        = string
}

variable "prefix" {
  description = "Prefix of the lake inside the bucket."
  type        = string
}

variable "location" {
  description = "Location of the lake bucket (the region the roles run in)."
  type        = string
}

variable "lake_prefixes" {
  description = "Top-level folders of the lake (contracts.lake_prefixes)."
  type        = object({ events = string, quarantine = string, views = string, ledger = string })
}

variable "staging_location" {
  description = "Location of the staging bucket: BigQuery loads only from its own location."
  type        = string
}

variable "nearline_after_days" {
  description = "Raw event files move to Nearline after this many days."
  type        = number
}

variable "coldline_after_days" {
  description = "Raw event files move to Coldline after this many days."
  type        = number
}

variable "delete_raw_after_days" {
  description = "Raw event files are deleted after this many days (null: never)."
  type        = number
  default     = null
}

variable "quarantine_delete_after_days" {
  description = "Quarantined event files are deleted after this many days."
  type        = number
}

variable "noncurrent_versions_delete_after_days" {
  description = "Previous versions of rewritten files are deleted after this many days."
  type        = number
}

variable "staging_delete_after_days" {
  description = "Staged load files are deleted after this many days."
  type        = number
}

variable "service_accounts" {
  description = "Service account email of each role."
  type        = map(string)
}

variable "deletion_protection" {
  description = "Refuse to destroy a bucket that holds objects."
  type        = bool
}

variable "labels" {
  description = "Labels of every resource."
  type        = map(string)
}
