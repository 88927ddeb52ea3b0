terraform {
  required_version = ">= 1.11.0"

  required_providers {
    temporalcloud = {
      source  = "temporalio/temporalcloud"
      version = "~> 1.1"
    }
    google = {
      source  = "hashicorp/google"
      version = "~> 7.0"
    }
  }
}
