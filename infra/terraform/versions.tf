terraform {
  # Write-only attributes (passwords that never enter the state) need 1.11.
  required_version = ">= 1.11.0"

  # State lives in a GCS bucket created once by hand (runbook, step 1); environments/<env>/backend.hcl names it.
  backend "gcs" {}

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.0"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.38"
    }
    clickhouse = {
      source  = "ClickHouse/clickhouse"
      version = "~> 3.21"
    }
    temporalcloud = {
      source  = "temporalio/temporalcloud"
      version = "~> 1.1"
    }
  }
}
