import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowIdConflictPolicy } from '@temporalio/client';
import { loadConfig } from '../../core/config/config';
import { UserFacingError } from '../../core/errors';
import { ExportTargetError, openExportTarget } from '../../core/lake/export-target';
import { WORKFLOW_TYPES } from '../../workflows/ids';
import {
  exportDays,
  type ExportEventsInput,
  type ExportProgress,
} from '../../workflows/export-events.workflow';
import { requireOption, type ParsedArgs } from '../args';
import { connectTemporal } from '../temporal-client';

const EXAMPLE =
  './platform export --project demo --from 2026-12-01 --to 2026-12-08 [--to-url file:///data/exports]';

function bar(p: ExportProgress, width = 30): string {
  const filled = Math.round((p.percent / 100) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(p.percent).padStart(3)}%  ${p.done}/${p.days} days, ${p.rows} events, ${p.bytes} bytes`;
}

/**
 * `export --project P --from DAY --to DAY [--format parquet] [--to-url file://|s3://|gs://]`: starts
 * the `exportEvents` workflow (or joins the one already running for the same export) and shows
 * its progress, also in the Temporal Web UI. One Parquet file per day with events,
 * `project=P/date=D/events.parquet`, under the lake's `exports/` or the URL given.
 */
export async function exportCommand(args: ParsedArgs): Promise<number> {
  const project = requireOption(args, 'project', EXAMPLE);
  const from = requireOption(args, 'from', EXAMPLE);
  const to = requireOption(args, 'to', EXAMPLE);
  const format = typeof args.options.format === 'string' ? args.options.format : 'parquet';
  if (format !== 'parquet')
    throw new UserFacingError(`--format ${format} is not one exports write`, 'use --format parquet');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(project))
    throw new UserFacingError(`'${project}' is not a project id`, EXAMPLE);
  try {
    exportDays(from, to);
  } catch (e) {
    throw new UserFacingError((e as Error).message, EXAMPLE);
  }
  const config = loadConfig();
  const toUrl = typeof args.options['to-url'] === 'string' ? args.options['to-url'] : undefined;
  let shown: string;
  try {
    shown = openExportTarget(config.lake, toUrl).shown;
  } catch (e) {
    if (e instanceof ExportTargetError) throw new UserFacingError(e.message, EXAMPLE);
    throw e;
  }
  const input: ExportEventsInput = { project, from, to, ...(toUrl ? { toUrl } : {}) };
  const client = await connectTemporal(config);
  const workflowId = `export-${project}-${from}-${to}${toUrl ? `-${Buffer.from(toUrl).toString('base64url').slice(0, 40)}` : ''}`;
  const handle = await client.workflow.start(WORKFLOW_TYPES.exportEvents, {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    staticSummary: `Export ${project} ${from} .. ${to} to ${shown}`,
  });
  console.log(`export ${workflowId} to ${shown}`);
  console.log(
    `  watch it in the Temporal UI: ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`,
  );
  const tty = process.stdout.isTTY;
  let last = '';
  const result = handle.result() as Promise<ExportProgress>;
  let finished = false;
  void result.finally(() => (finished = true)).catch(() => {});
  while (!finished) {
    const p = await handle.query<ExportProgress>('progress').catch(() => undefined);
    if (p) {
      const line = bar(p);
      if (line !== last) process.stdout.write(tty ? `\r${line}` : `${line}\n`);
      last = line;
    }
    await sleep(500);
  }
  const r = await result;
  process.stdout.write(`${tty ? '\r' : ''}${bar(r)}\n`);
  console.log(`done: ${r.files.length} files with events under ${shown}`);
  await client.connection.close();
  return 0;
}
