variable "namespace" {
  description = "Namespace name (Temporal Cloud appends the account id)."
  type        = string
}

variable "region" {
  description = "Temporal Cloud region (e.g. gcp-us-central1)."
  type        = string
}

variable "retention_days" {
  description = "Retention of closed workflow histories."
  type        = number
}

variable "search_attributes" {
  description = "Search attribute name => type (Keyword, Int, Datetime...), as the code declares them."
  type        = map(string)
}

variable "api_key_expiry" {
  description = "Expiry of the roles' API key (RFC 3339)."
  type        = string
}

variable "temporal_api_key_secret_id" {
  description = "Secret the roles' API key is written to."
  type        = string
}
