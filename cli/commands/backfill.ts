import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowIdConflictPolicy } from '@temporalio/client';
import { BATCH_ENGINES, isBatchEngine } from '../../core/batch-engines';
import { loadConfig } from '../../core/config/config';
import { UserFacingError } from '../../core/errors';
import { WORKFLOW_TYPES } from '../../workflows/ids';
import type { BackfillInput, BackfillProgress, BackfillResult } from '../../workflows/types';
import { requireOption, type ParsedArgs } from '../args';
import { connectTemporal } from '../temporal-client';

function bar(p: BackfillProgress, width = 30): string {
  const filled = Math.round((p.percent / 100) * width);
  const bytes = p.bytes?.processed ? `, ${p.bytes.processed} bytes processed` : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(p.percent).padStart(3)}%  ${p.done}/${p.total} hours, ${p.running} running, ${p.failed} failed, ${p.events} events${bytes}`;
}

/**
 * `backfill --from ISO --to ISO [--engine duckdb|bigquery] [--concurrency N] [--projects a,b] [--force]
 * [--retry-failed]`: starts the `backfill` workflow (or joins the one already running for the same
 * range) and shows its progress. The same run is visible in the Temporal Web UI. Hours whose view
 * already matches the lake are kept unless --force; --retry-failed recomputes only the hours the
 * last backfill of the range failed.
 */
export async function backfillCommand(args: ParsedArgs): Promise<number> {
  const from = requireOption(
    args,
    'from',
    './platform backfill --from 2026-01-01T00:00:00Z --to 2026-01-02T00:00:00Z',
  );
  const to = requireOption(
    args,
    'to',
    './platform backfill --from 2026-01-01T00:00:00Z --to 2026-01-02T00:00:00Z',
  );
  for (const [name, v] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!Number.isFinite(Date.parse(v)))
      throw new UserFacingError(
        `--${name} '${v}' is not an ISO-8601 time`,
        'for example 2026-01-31T00:00:00Z',
      );
  }
  if (Date.parse(from) >= Date.parse(to))
    throw new UserFacingError('--from must be before --to', 'swap them?');
  const config = loadConfig();
  const engine = typeof args.options.engine === 'string' ? args.options.engine : config.batch.engine;
  if (!isBatchEngine(engine))
    throw new UserFacingError(`unknown engine '${engine}'`, `engines: ${BATCH_ENGINES.join(', ')}`);
  const projects =
    typeof args.options.projects === 'string' && args.options.projects !== ''
      ? args.options.projects.split(',')
      : undefined;
  const input: BackfillInput = {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    engine,
    ...(projects ? { projects } : {}),
  };
  if (typeof args.options.concurrency === 'string') input.concurrency = Number(args.options.concurrency);
  if (args.options.force === true) input.force = true;

  const client = await connectTemporal(config);
  let workflowId = `backfill-${input.from}-${input.to}`;
  if (args.options['retry-failed'] === true) {
    // The last run of the range (it followed its continue-as-new chain) says which hours failed.
    const previous = (await client.workflow
      .getHandle(workflowId)
      .result()
      .catch(() => {
        throw new UserFacingError(
          `no finished backfill ${workflowId} to retry`,
          'run the backfill without --retry-failed first',
        );
      })) as BackfillResult;
    if (previous.failedHours.length === 0) {
      console.log(`backfill ${workflowId} has no failed hours`);
      await client.connection.close();
      return 0;
    }
    input.hours = previous.failedHours;
    workflowId = `${workflowId}-retry-${Date.now()}`;
  }
  const handle = await client.workflow.start(WORKFLOW_TYPES.backfill, {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    staticSummary: `Backfill ${input.from} .. ${input.to} (${engine})`,
  });
  console.log(`backfill ${workflowId}`);
  console.log(
    `  watch it in the Temporal UI: ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`,
  );
  const tty = process.stdout.isTTY;
  let last = '';
  const result = handle.result() as Promise<BackfillResult>;
  let finished = false;
  void result.finally(() => (finished = true)).catch(() => {});
  while (!finished) {
    const p = await handle.query<BackfillProgress>('progress').catch(() => undefined);
    if (p) {
      const line = bar(p);
      if (line !== last) process.stdout.write(tty ? `\r${line}` : `${line}\n`);
      last = line;
    }
    await sleep(500);
  }
  const r = await result;
  process.stdout.write(`${tty ? '\r' : ''}${bar(r)}\n`);
  console.log(`done: ${r.done} hours up to date, ${r.events} events`);
  await client.connection.close();
  if (r.failed > 0) {
    console.log(
      `${r.failed} hours failed: ${r.failedHours.slice(0, 10).join(', ')}${r.failed > 10 ? ', ...' : ''}`,
    );
    console.log(`retry them: ./platform backfill --from ${input.from} --to ${input.to} --retry-failed`);
    return 1;
  }
  return 0;
}
