variable "project_id" {
  description = "Project of the cluster (the nodes' account is granted there)."
  type        = string
}

variable "name" {
  description = "Cluster name."
  type        = string
}

variable "region" {
  description = "Region of the (regional) cluster."
  type        = string
}

variable "network_id" {
  description = "VPC of the cluster."
  type        = string
}

variable "subnet_id" {
  description = "Subnet of the nodes."
  type        = string
}

variable "pods_range" {
  description = "Secondary range name for pods."
  type        = string
}

variable "services_range" {
  description = "Secondary range name for services."
  type        = string
}

variable "deletion_protection" {
  description = "Refuse to destroy the cluster."
  type        = bool
}

variable "labels" {
  description = "Labels of every resource."
  type        = map(string)
}
