# Temporal Cloud: the platform's namespace (API-key authentication), its search attributes
# (contracts.search_attributes: the Web UI filters backfills by them), and a service account with
# write access to this namespace only, whose API key the roles read from Secret Manager.
# The provider returns an API key's token only when it creates it, so that token is kept in the
# state: the state bucket must be readable by operators only (runbook).

resource "temporalcloud_namespace" "this" {
  name           = var.namespace
  regions        = [var.region]
  api_key_auth   = true
  retention_days = var.retention_days
}

resource "temporalcloud_namespace_search_attribute" "this" {
  for_each     = var.search_attributes
  namespace_id = temporalcloud_namespace.this.id
  name         = each.key
  # The code names the types as the server's API does (Keyword, Int, Datetime); the provider takes them lower-case.
  type = lower(each.value)
}

resource "temporalcloud_service_account" "platform" {
  name           = "${var.namespace}-platform"
  account_access = "none"
  namespace_accesses = [
    {
      namespace_id = temporalcloud_namespace.this.id
      permission   = "write"
    }
  ]
}

resource "temporalcloud_apikey" "platform" {
  display_name = "${var.namespace}-platform"
  owner_type   = "service-account"
  owner_id     = temporalcloud_service_account.platform.id
  expiry_time  = var.api_key_expiry
}

resource "google_secret_manager_secret_version" "api_key" {
  secret                 = var.temporal_api_key_secret_id
  secret_data_wo         = temporalcloud_apikey.platform.token
  secret_data_wo_version = parseint(formatdate("YYYYMMDDhhmmss", var.api_key_expiry), 10)
}
