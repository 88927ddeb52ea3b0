import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';

const DIR = join(__dirname, '..', 'test', 'fixtures', 'histories');
const recorded = readdirSync(DIR).filter((f) => f.endsWith('.json'));

/**
 * (protobufjs is a direct dependency of the project so that one copy serves every Temporal
 * package: with two copies, reading a JSON history fails with "type must be a Type".)
 *
 * Workflow code must stay deterministic: today's code replays histories recorded from earlier
 * runs (test/fixtures/histories, re-recorded by its record.ts after a deliberate change).
 */
describe('recorded workflow histories replay on the current code', () => {
  it('has recordings of every workflow', () => {
    expect(recorded.sort()).toEqual([
      'backfill.json',
      'dailyRollup.json',
      'dailyRollupTwoAtATime.json',
      'exportEvents.json',
      'hourlyRecompute.json',
      'lateDataRepair.json',
      'scheduledReport.json',
    ]);
  });

  it.each(recorded)('%s', async (file) => {
    const { workflowId, history } = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as {
      workflowId: string;
      history: unknown;
    };
    // runReplayHistory takes the JSON export (as `temporal workflow show -o json` writes it) as is.
    await Worker.runReplayHistory({ workflowsPath: join(__dirname, 'workflows.ts') }, history, workflowId);
  });
});
