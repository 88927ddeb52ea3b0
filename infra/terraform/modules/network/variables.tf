variable "name" {
  description = "Prefix of the resources' names."
  type        = string
}

variable "region" {
  description = "Region of the subnet, router and NAT."
  type        = string
}

variable "subnet_cidr" {
  description = "Primary range of the subnet."
  type        = string
}

variable "pods_cidr" {
  description = "Secondary range for GKE pods."
  type        = string
}

variable "services_cidr" {
  description = "Secondary range for GKE services."
  type        = string
}

variable "egress_ip_count" {
  description = "Static NAT addresses."
  type        = number
}
