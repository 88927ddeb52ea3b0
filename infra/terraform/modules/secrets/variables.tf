variable "name" {
  description = "Prefix of the secrets' ids."
  type        = string
}

variable "readers" {
  description = "Secret key => the roles that may read it."
  type        = map(list(string))
}

variable "service_accounts" {
  description = "Service account email of each role."
  type        = map(string)
}

variable "credentials_version" {
  description = "Bump to generate the JWT secret again."
  type        = number
}

variable "labels" {
  description = "Labels of every resource."
  type        = map(string)
}
