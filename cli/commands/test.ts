import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { killProcesses, markedProcesses } from '../../infra/local/leftovers';
import { localFiles } from '../../core/files/local-files';
import { join } from 'node:path';
import { ensureChromium } from '../../infra/local/chromium/install';
import { ensureGbstats } from '../../infra/local/gbstats/install';
import { ensureNotebook } from '../../infra/local/notebook/install';
import { ensurePrometheus } from '../../infra/local/prometheus/install';
import { ensureTerraformTools } from '../../infra/local/terraform/install';
import { ensureTemporalTestServer } from '../../infra/local/temporal/test-server';
import { REPO_ROOT, stateDir } from '../../infra/local/paths';
import { startedByThisRun, startStack, stopStack } from '../../infra/local/stack';

/** The environment variable that marks the processes of one test run. */
const RUN_MARK = 'PLATFORM_TEST_RUN';

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numFailedTestSuites: number;
}

/**
 * Starts the services the suite needs, runs every test (unit, integration, end-to-end) with
 * vitest, prints `tests: N passed, N failed`, and stops the services it started.
 */
export async function testCommand(extraArgs: string[]): Promise<number> {
  const say = (l: string) => console.log(l);
  // Every process this run starts inherits the mark: the last step finds any still alive.
  const mark = randomUUID();
  process.env[RUN_MARK] = mark;
  ensureChromium(say);
  ensureTemporalTestServer(say);
  ensureGbstats(say);
  ensureNotebook(say);
  ensurePrometheus(say);
  ensureTerraformTools(say);
  const stack = await startStack(say);
  const resultsFile = join(stateDir(), 'test-results.json');
  localFiles.ensureDir(stateDir());
  localFiles.remove(resultsFile);
  let code: number;
  try {
    code = await new Promise<number>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
          'run',
          '--reporter=default',
          '--reporter=json',
          `--outputFile.json=${resultsFile}`,
          ...extraArgs,
        ],
        { cwd: REPO_ROOT, stdio: 'inherit' },
      );
      child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
    });
  } finally {
    const started = startedByThisRun(stack);
    if (Object.values(started).some(Boolean)) {
      say('stopping the services this run started...');
      await stopStack(say, started);
    }
  }
  // The suite's last step: nothing it started may outlive it (a service, a broker of a test's own).
  const left = markedProcesses(RUN_MARK, mark);
  if (left.length > 0) {
    say(`${left.length} processes started by this run were still running after it; stopped now:`);
    for (const p of left) say(`  pid ${p.pid}: ${p.command}`);
    killProcesses(left);
  }
  const results = localFiles.readTextIfExists(resultsFile);
  if (results !== undefined) {
    const r = JSON.parse(results) as VitestJson;
    const skipped = r.numPendingTests + r.numTodoTests;
    // A file that fails to load counts as a failure even though no test in it ran.
    const failed =
      r.numFailedTests +
      (r.numFailedTests === 0 && r.numFailedTestSuites > 0 ? r.numFailedTestSuites : 0) +
      (left.length > 0 ? 1 : 0);
    if (left.length > 0) code = code || 1;
    console.log(
      `tests: ${r.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`,
    );
    // Every test passed yet the run failed: an error outside any test (vitest's "Unhandled Errors").
    if (code !== 0 && failed === 0)
      console.log('the run failed outside any test: see "Unhandled Errors" above');
  } else {
    console.log('tests: 0 passed, 1 failed (the test runner wrote no results)');
    code = code || 1;
  }
  return code;
}
