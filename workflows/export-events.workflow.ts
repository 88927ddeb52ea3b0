/**
 * The `exportEvents` workflow: a project's events of a range of days written as Parquet, one
 * file per day (`project=P/date=D/events.parquet`), to the lake's store or a folder or bucket the
 * operator names. Each day is one activity that writes its file whole under a fixed name, so a
 * worker killed mid-way resumes where it was and no day is written twice. Progress shows in the
 * Temporal Web UI (the current details, the memo) and answers the `progress` query the CLI polls.
 */
import {
  defineQuery,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
} from '@temporalio/workflow';
import type { createExportActivities, ExportedDay } from './export-activities';

const DAY = 86_400_000;

export interface ExportEventsInput {
  project: string;
  /** First day, YYYY-MM-DD (UTC). */
  from: string;
  /** Day after the last one, YYYY-MM-DD: the range is [from, to). */
  to: string;
  /** file:///..., s3://..., gs://...; the lake's own `exports/` when absent. */
  toUrl?: string;
}

export interface ExportProgress {
  days: number;
  done: number;
  rows: number;
  bytes: number;
  percent: number;
  files: ExportedDay[];
}

export const exportProgressQuery = defineQuery<ExportProgress>('progress');

const exporter = proxyActivities<ReturnType<typeof createExportActivities>>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** The days of [from, to), as YYYY-MM-DD. */
export function exportDays(from: string, to: string): string[] {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!day.test(from) || !day.test(to)) throw new Error(`export days are YYYY-MM-DD: got '${from}'..'${to}'`);
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t < Date.parse(`${to}T00:00:00Z`); t += DAY)
    days.push(new Date(t).toISOString().slice(0, 10));
  if (days.length === 0) throw new Error(`nothing to export: ${from} is not before ${to}`);
  if (days.length > 3660) throw new Error('an export covers at most ten years of days');
  return days;
}

export async function exportEvents(input: ExportEventsInput): Promise<ExportProgress> {
  const days = exportDays(input.from, input.to);
  const progress: ExportProgress = { days: days.length, done: 0, rows: 0, bytes: 0, percent: 0, files: [] };
  setHandler(exportProgressQuery, () => progress);
  const report = () => {
    progress.percent = Math.floor((progress.done * 100) / progress.days);
    setCurrentDetails(
      `Export of ${input.project}, ${input.from} .. ${input.to}: ${progress.done}/${progress.days} days (${progress.percent}%), ` +
        `${progress.rows} events, ${progress.bytes} bytes written`,
    );
    upsertMemo({ progress: { ...progress, files: progress.files.slice(-20) } });
  };
  report();
  for (const day of days) {
    const file = await exporter.exportDay({
      project: input.project,
      day,
      ...(input.toUrl ? { toUrl: input.toUrl } : {}),
    });
    progress.done++;
    progress.rows += file.rows;
    progress.bytes += file.bytes;
    if (file.file) progress.files.push(file);
    report();
  }
  return progress;
}
