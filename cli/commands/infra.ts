import { join } from 'node:path';
import { UserFacingError } from '../../core/errors';
import { checkTerraform } from '../../infra/local/terraform/check';
import { contractProblems, type Contracts } from '../../infra/local/terraform/contract';
import { ensureTerraformTools } from '../../infra/local/terraform/install';
import { REPO_ROOT } from '../../infra/local/paths';
import { CONTRACTS_FILE, contractsStale, renderContracts, writeContracts } from '../terraform-contracts';

export const TERRAFORM_ROOT = join(REPO_ROOT, 'infra', 'terraform');

/**
 * `infra render`: writes infra/terraform/contracts.auto.tfvars.json from the code.
 * `infra check`: what can be checked without Terraform's providers (fmt, Terraform's loader,
 * tflint, the contract checks); prints each finding and fails when there is one.
 */
export async function infraCommand(sub: string | undefined): Promise<number> {
  if (sub === 'render') {
    const changed = writeContracts();
    console.log(`${changed ? 'wrote' : 'unchanged:'} ${CONTRACTS_FILE}`);
    return 0;
  }
  if (sub === 'check') {
    ensureTerraformTools((l) => console.log(l));
    const findings = await checkTerraform(TERRAFORM_ROOT);
    const contracts = (renderContracts() as { contracts: Contracts }).contracts;
    const sections: [string, string[]][] = [
      ['terraform fmt -check', findings.fmt],
      ["Terraform's configuration loader", findings.load],
      ['tflint (terraform ruleset)', findings.tflint],
      ['contracts', contractProblems(findings.modules, contracts)],
    ];
    if (contractsStale())
      sections[3]![1].unshift(`${CONTRACTS_FILE} is stale: run ./platform infra render and commit it`);
    let failed = 0;
    for (const [name, list] of sections) {
      console.log(`${list.length === 0 ? 'ok  ' : 'FAIL'} ${name}`);
      for (const l of list) console.log(`     ${l}`);
      failed += list.length;
    }
    return failed === 0 ? 0 : 1;
  }
  throw new UserFacingError(
    `unknown infra command '${sub ?? ''}'`,
    'use ./platform infra render or ./platform infra check',
  );
}
