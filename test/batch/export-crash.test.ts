import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../core/config/config';
import { localFiles } from '../../core/files/local-files';
import { ensureNotebook } from '../../infra/local/notebook/install';
import type { ExportProgress } from '../../workflows/export-events.workflow';
import { WORKFLOW_TYPES } from '../../workflows/ids';
import { exited, roleEnv, startRole } from '../helpers/child-role';
import { writeLake } from '../helpers/lake';
import { generateEvents } from '../helpers/speed-harness';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

const DAY = 86_400_000;
const FIRST = '2026-03-01';
const START = Date.parse(`${FIRST}T00:00:00Z`);

/**
 * A bulk export of three days survives its worker killed with SIGKILL after a day's file was
 * written and before it was put in place: a second worker resumes the workflow, and each day is
 * one Parquet file holding that day's events of the project, each once, as DuckDB (from PyPI, as
 * an analyst attaches an export) reads them back.
 */
describe('exportEvents: a file per day, exactly once, through a worker killed mid-way', () => {
  let config: Config;
  let temporal: Connection;
  let client: Client;
  let python: string;
  const project = `exp${randomUUID().slice(0, 8)}`;
  // Spread over three days, with events sent twice (client retries): the lake holds both copies.
  const events = generateEvents(3000, {
    start: START,
    spreadMinutes: 3 * 24 * 60,
    duplicates: 40,
    projectId: project,
  });
  const others = generateEvents(200, { start: START, spreadMinutes: 24 * 60, projectId: `${project}-other` });

  beforeAll(async () => {
    await requireServices();
    python = ensureNotebook();
    config = isolatedConfig('export');
    await writeLake(config.lake.root, [...events, ...others], `part-${Date.now()}`);
    temporal = await Connection.connect({ address: config.temporal.address });
    client = new Client({ connection: temporal, namespace: config.temporal.namespace });
  }, 120_000);
  afterAll(async () => temporal?.close());

  it('writes each day once, with the lake’s events of the day', async () => {
    const out = join(config.stateDir, 'exported');
    const first = startRole(
      'worker',
      roleEnv(config, { PLATFORM_FAILPOINTS: 'export-day-written', LOG_LEVEL: 'warn' }),
      'pipe',
    );
    let stderr = '';
    first.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    const handle = await client.workflow.start(WORKFLOW_TYPES.exportEvents, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `export-${project}`,
      args: [
        {
          project,
          from: FIRST,
          to: new Date(START + 3 * DAY).toISOString().slice(0, 10),
          toUrl: `file://${out}`,
        },
      ],
    });
    const reached = await waitFor(
      async () => /failpoint export-day-written reached/.test(stderr),
      (r) => r,
      { timeoutMs: 90_000, intervalMs: 50 },
    );
    expect(reached, stderr).toBe(true);
    first.kill('SIGKILL');
    await exited(first);

    const second = startRole('worker', roleEnv(config));
    let result: ExportProgress;
    try {
      result = (await handle.result()) as ExportProgress;
    } finally {
      second.kill('SIGTERM');
      await exited(second);
    }
    const truth = new Map<string, Set<string>>();
    for (const e of events) {
      const day = e.timestamp.slice(0, 10);
      if (!truth.has(day)) truth.set(day, new Set());
      truth.get(day)!.add(e.eventId);
    }
    const unique = [...truth.values()].reduce((n, s) => n + s.size, 0);
    expect(result).toMatchObject({ days: 3, done: 3, rows: unique });
    expect(result.files.map((f) => f.day)).toEqual([...truth.keys()].sort());

    // One file per day and nothing else: no second copy, no part left by the killed attempt.
    const folder = join(out, `project=${project}`);
    expect(localFiles.list(folder)).toEqual([...truth.keys()].sort().map((d) => `date=${d}`));
    for (const d of truth.keys())
      expect(localFiles.list(join(folder, `date=${d}`))).toEqual(['events.parquet']);

    // Read back as an analyst would attach it: DuckDB over the export's files, by day.
    const read = execFileSync(
      python,
      [
        '-c',
        `import duckdb, json, sys
rows = duckdb.sql("SELECT date::VARCHAR, list(event_id ORDER BY event_id), count(*) FROM read_parquet(?, hive_partitioning = true) GROUP BY ALL ORDER BY 1", params=[sys.argv[1]]).fetchall()
print(json.dumps(rows))`,
        `${folder}/*/events.parquet`,
      ],
      { encoding: 'utf8' },
    );
    const back = JSON.parse(read) as [string, string[], number][];
    expect(back.map(([d, ids, n]) => [d, n, ids.length])).toEqual(
      [...truth].sort(([a], [b]) => (a < b ? -1 : 1)).map(([d, s]) => [d, s.size, s.size]),
    );
    for (const [d, ids] of back) expect(ids).toEqual([...truth.get(d)!].sort());
  }, 240_000);
});
