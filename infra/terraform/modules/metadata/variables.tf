variable "name" {
  description = "Instance name."
  type        = string
}

variable "region" {
  description = "Region of the instance."
  type        = string
}

variable "network_id" {
  description = "VPC of the private IP."
  type        = string
}

variable "tier" {
  description = "Machine tier."
  type        = string
}

variable "high_availability" {
  description = "Regional (failover) instance."
  type        = bool
}

variable "credentials_version" {
  description = "Bump to rotate the password."
  type        = number
}

variable "database_url_secret_id" {
  description = "Secret the DATABASE_URL is written to."
  type        = string
}

variable "deletion_protection" {
  description = "Refuse to destroy the instance."
  type        = bool
}

variable "labels" {
  description = "Labels of every resource."
  type        = map(string)
}
