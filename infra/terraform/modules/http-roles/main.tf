# The HTTP roles (ingest, serve) as Cloud Run services: HTTPS on their run.app address, autoscaled
# by requests, egress through the VPC (Kafka, Cloud SQL) and its NAT (ClickHouse, Temporal Cloud).
# CPU stays allocated between requests: the collector's producer lingers and flushes, and serve
# runs the report activities and the live feed. Health is the ops port's /health; Managed
# Prometheus scrapes its /metrics through Cloud Run's collector sidecar.

resource "google_cloud_run_v2_service" "role" {
  for_each            = var.services
  name                = "${var.name}-${each.key}"
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = false
  labels              = var.labels

  template {
    service_account = each.value.service_account

    scaling {
      min_instance_count = each.value.min_instances
      max_instance_count = each.value.max_instances
    }

    vpc_access {
      egress = "ALL_TRAFFIC"
      network_interfaces {
        network    = var.network_id
        subnetwork = var.subnet_id
      }
    }

    containers {
      name  = each.key
      image = var.image
      args  = ["run", each.key]

      ports {
        container_port = each.value.port
      }

      resources {
        limits = {
          cpu    = each.value.cpu
          memory = each.value.memory
        }
        cpu_idle = false
      }

      dynamic "env" {
        for_each = merge(var.env, each.value.env)
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = each.value.secrets
        content {
          name = env.key
          value_source {
            secret_key_ref {
              secret  = env.value
              version = "latest"
            }
          }
        }
      }

      startup_probe {
        period_seconds    = 5
        failure_threshold = 24
        http_get {
          path = var.health
          port = var.ops_port
        }
      }

      liveness_probe {
        period_seconds    = 15
        failure_threshold = 4
        http_get {
          path = var.health
          port = var.ops_port
        }
      }
    }

    containers {
      name       = "prometheus"
      image      = var.prometheus_sidecar_image
      depends_on = [each.key]
      volume_mounts {
        name       = "prometheus-config"
        mount_path = "/etc/rungmp"
      }
    }

    volumes {
      name = "prometheus-config"
      secret {
        secret = google_secret_manager_secret.prometheus_config.secret_id
        items {
          version = "latest"
          path    = "config.yaml"
        }
      }
    }
  }

  depends_on = [google_secret_manager_secret_iam_member.prometheus_config]
}

# What the collector sidecar scrapes: the ops port. Cloud Run mounts configuration from Secret
# Manager only, though nothing in it is secret.
resource "google_secret_manager_secret" "prometheus_config" {
  secret_id = "${var.name}-run-prometheus-config"
  labels    = var.labels

  replication {
    auto {}
  }
}

resource "google_secret_manager_secret_version" "prometheus_config" {
  secret = google_secret_manager_secret.prometheus_config.id
  secret_data = yamlencode({
    apiVersion = "monitoring.googleapis.com/v1beta"
    kind       = "RunMonitoring"
    metadata   = { name = "analytics-platform" }
    spec = {
      endpoints = [{ port = tostring(var.ops_port), path = var.metrics, interval = "30s" }]
    }
  })
}

resource "google_secret_manager_secret_iam_member" "prometheus_config" {
  for_each  = var.services
  secret_id = google_secret_manager_secret.prometheus_config.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${each.value.service_account}"
}

# The collector is called by applications' SDKs (write keys authenticate them) and the API by
# browsers and scripts (tokens): both are public at the HTTP level.
resource "google_cloud_run_v2_service_iam_member" "public" {
  for_each = var.services
  name     = google_cloud_run_v2_service.role[each.key].name
  location = var.region
  role     = "roles/run.invoker"
  member   = "allUsers"
}
