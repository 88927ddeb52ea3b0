# The long-running roles as Kubernetes deployments on the Autopilot cluster: one Kubernetes service
# account per role bound to its Google service account (Workload Identity), secrets mounted from
# Secret Manager as files (the roles read NAME_FILE), liveness on the ops port, PodMonitoring for
# Managed Prometheus, and a disruption budget so upgrades move one consumer at a time.

locals {
  secrets_dir = "/var/run/platform-secrets"
}

resource "kubernetes_namespace_v1" "this" {
  metadata {
    name = var.namespace
  }
}

resource "kubernetes_service_account_v1" "role" {
  for_each = var.roles
  metadata {
    name        = each.key
    namespace   = kubernetes_namespace_v1.this.metadata[0].name
    annotations = { "iam.gke.io/gcp-service-account" = each.value.service_account }
  }
}

resource "google_service_account_iam_member" "workload_identity" {
  for_each           = var.roles
  service_account_id = "projects/${var.project_id}/serviceAccounts/${each.value.service_account}"
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.project_id}.svc.id.goog[${var.namespace}/${each.key}]"
}

# Which Secret Manager secret becomes which file (GKE's Secret Manager add-on).
resource "kubernetes_manifest" "secrets" {
  for_each = { for r, c in var.roles : r => c if length(c.secrets) > 0 }
  manifest = {
    apiVersion = "secrets-store.csi.x-k8s.io/v1"
    kind       = "SecretProviderClass"
    metadata   = { name = "${each.key}-secrets", namespace = var.namespace }
    spec = {
      provider = "gke"
      parameters = {
        secrets = yamlencode([for setting, secret in each.value.secrets : { resourceName = "${secret}/versions/latest", path = setting }])
      }
    }
  }
}

resource "kubernetes_deployment_v1" "role" {
  for_each = var.roles
  metadata {
    name      = each.key
    namespace = kubernetes_namespace_v1.this.metadata[0].name
    labels    = { app = each.key }
  }

  spec {
    replicas = each.value.replicas
    selector {
      match_labels = { app = each.key }
    }

    # One pod at a time: each replacement is one consumer-group rebalance.
    strategy {
      type = "RollingUpdate"
      rolling_update {
        max_unavailable = "0"
        max_surge       = "1"
      }
    }

    template {
      metadata {
        labels = { app = each.key }
      }

      spec {
        service_account_name = kubernetes_service_account_v1.role[each.key].metadata[0].name
        # Consumers leave their group on SIGTERM; give them the time to commit and leave.
        termination_grace_period_seconds = 60

        container {
          name  = each.key
          image = var.image
          args  = ["run", each.key]

          port {
            name           = "ops"
            container_port = var.ops_port
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
              name  = "${env.key}_FILE"
              value = "${local.secrets_dir}/${env.key}"
            }
          }

          resources {
            requests = { cpu = each.value.cpu, memory = each.value.memory }
            limits   = { cpu = each.value.cpu, memory = each.value.memory }
          }

          liveness_probe {
            http_get {
              path = var.health
              port = "ops"
            }
            period_seconds    = 15
            failure_threshold = 4
          }

          readiness_probe {
            http_get {
              path = var.health
              port = "ops"
            }
            period_seconds = 5
          }

          dynamic "volume_mount" {
            for_each = length(each.value.secrets) > 0 ? [1] : []
            content {
              name       = "secrets"
              mount_path = local.secrets_dir
              read_only  = true
            }
          }
        }

        dynamic "volume" {
          for_each = length(each.value.secrets) > 0 ? [1] : []
          content {
            name = "secrets"
            csi {
              driver            = "secrets-store-gke.csi.k8s.io"
              read_only         = true
              volume_attributes = { secretProviderClass = "${each.key}-secrets" }
            }
          }
        }
      }
    }
  }

  depends_on = [kubernetes_manifest.secrets]
}

resource "kubernetes_pod_disruption_budget_v1" "role" {
  for_each = var.roles
  metadata {
    name      = each.key
    namespace = kubernetes_namespace_v1.this.metadata[0].name
  }
  spec {
    max_unavailable = "1"
    selector {
      match_labels = { app = each.key }
    }
  }
}

# Managed Prometheus scrapes every pod's ops port.
resource "kubernetes_manifest" "pod_monitoring" {
  manifest = {
    apiVersion = "monitoring.googleapis.com/v1"
    kind       = "PodMonitoring"
    metadata   = { name = "platform-roles", namespace = var.namespace }
    spec = {
      selector  = { matchExpressions = [{ key = "app", operator = "In", values = keys(var.roles) }] }
      endpoints = [{ port = "ops", path = var.metrics, interval = "30s" }]
    }
  }
}
