# GKE Autopilot for the long-running roles (speed, archiver, worker). Why not Cloud Run: these
# roles serve no requests; they hold Kafka consumer-group membership and Temporal task-queue polls
# for hours, so they want a fixed replica count, rolling updates one pod at a time (one rebalance
# at a time), disruption budgets, liveness probes on the ops port that restart a stuck consumer,
# and Managed Prometheus scraping it through PodMonitoring. Autopilot bills per pod, like Cloud
# Run, and runs them as their own service accounts through Workload Identity (no keys).

# The nodes' own identity: what a node needs (logs, metrics, pulling the image), not the
# Compute Engine default account's project-wide editor role. Pods run as their roles' accounts.
resource "google_service_account" "nodes" {
  account_id   = substr("${var.name}-nodes", 0, 30)
  display_name = "${var.name} GKE nodes"
}

resource "google_project_iam_member" "nodes" {
  for_each = toset([
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/artifactregistry.reader",
  ])
  project = var.project_id
  role    = each.key
  member  = "serviceAccount:${google_service_account.nodes.email}"
}

resource "google_container_cluster" "this" {
  name                = var.name
  location            = var.region
  enable_autopilot    = true
  network             = var.network_id
  subnetwork          = var.subnet_id
  deletion_protection = var.deletion_protection
  resource_labels     = var.labels

  ip_allocation_policy {
    cluster_secondary_range_name  = var.pods_range
    services_secondary_range_name = var.services_range
  }

  # Nodes without public addresses: egress through the VPC's NAT.
  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = false
  }

  cluster_autoscaling {
    auto_provisioning_defaults {
      service_account = google_service_account.nodes.email
      oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]
    }
  }

  release_channel {
    channel = "REGULAR"
  }

  # Secret Manager secrets mounted as files (the roles read NAME_FILE).
  secret_manager_config {
    enabled = true
  }

  monitoring_config {
    managed_prometheus {
      enabled = true
    }
  }
}
