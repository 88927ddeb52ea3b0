variable "project_id" {
  description = "Project of the accounts."
  type        = string
}

variable "name" {
  description = "Prefix of the accounts' display names."
  type        = string
}

variable "roles" {
  description = "The platform's roles (contracts.roles)."
  type        = list(string)
}
