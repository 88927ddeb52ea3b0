import type { ClickHouseClient } from '@clickhouse/client';
import type { WorkflowHandle } from '@temporalio/client';
import { simpleParser, type ParsedMail } from 'mailparser';
import { mintToken } from '../../core/auth/jwt';
import { createClickHouse } from '../../core/clickhouse/client';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import type { ScheduledReportResult } from '../../core/reports/figures';
import type { ReportDeps } from '../../serving-layer/reports/report-activities';
import { startReportWorker } from '../../serving-layer/reports/report-worker';
import { startServingApi } from '../../serving-layer/server';
import { applyClickHouseSchema } from '../../speed-layer/schema';
import { startBatchHarness } from './batch-harness';
import { waitFor } from './wait-for';

export interface InboxMessage {
  id: string;
  messageId: string;
  subject: string;
  to: string[];
  attachments: { filename: string | null; contentType: string; size: number; cid: string | null }[];
}

/**
 * What a report test runs, as the roles would: the serving API with its report worker, the batch
 * worker running the `scheduledReport` workflow, and a Temporal client, all on one config.
 */
export async function startReportStack(config: Config, opts: Partial<Pick<ReportDeps, 'afterSent'>> = {}) {
  const log = createLogger({ test: 'reports' }, 'error');
  const clickhouse: ClickHouseClient = createClickHouse(config);
  await applyClickHouseSchema(clickhouse, config.clickhouse.database);
  const { app, url, metrics, quality, insights } = await startServingApi(
    { config, clickhouse },
    { host: '127.0.0.1', port: 0 },
  );
  const reports = await startReportWorker({
    config,
    metrics,
    log,
    overrides: {
      quality,
      insights: { definition: async (project, id) => (await insights.get(project, id))?.definition },
      ...opts,
    },
  });
  const batch = await startBatchHarness(config, 'reports');
  const client = batch.client;
  // Reports created through `api` are deleted with the stack: their schedules live in the shared
  // Temporal server and would otherwise fire in later runs.
  const created = new Map<string, string>();
  const token = (project: string, scope: 'read' | 'admin' = 'admin') =>
    mintToken(config.auth.jwtSecret, { project, scopes: [scope] });
  return {
    clickhouse,
    url,
    client,
    token,
    async api(method: string, path: string, bearer: string, body?: unknown) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      const parsed = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
      if (method === 'POST' && path === '/v1/reports' && res.status === 201) {
        created.set((parsed?.report as { id: string }).id, parsed?.schedule as string);
      }
      return { status: res.status, body: parsed };
    },
    /** The workflow run the report's schedule started most recently after `known` runs. */
    async nextRun(reportId: string, known: number): Promise<WorkflowHandle> {
      const scheduleId = created.get(reportId);
      if (!scheduleId) throw new Error(`report ${reportId} was not created through this stack's api`);
      const handle = client.schedule.getHandle(scheduleId);
      const d = await waitFor(
        () => handle.describe(),
        (x) => x.info.recentActions.length > known,
        { timeoutMs: 30_000 },
      );
      const run = d.info.recentActions.at(-1);
      if (!run || d.info.recentActions.length <= known)
        throw new Error(`schedule of ${reportId} did not start a run`);
      return client.workflow.getHandle(run.action.workflow.workflowId);
    },
    async result(run: WorkflowHandle): Promise<ScheduledReportResult> {
      return (await run.result()) as ScheduledReportResult;
    },
    async stop() {
      for (const scheduleId of created.values()) {
        await client.schedule
          .getHandle(scheduleId)
          .delete()
          .catch(() => {}); // deleted by the test already
      }
      await batch.stop();
      await reports.stop();
      await app.close();
      await clickhouse.close();
    },
  };
}

/** The local inbox's messages to `recipient` whose subject starts with `subject`. */
export async function inboxMessages(
  inbox: string,
  recipient: string,
  subject: string,
): Promise<InboxMessage[]> {
  const all = (await (await fetch(`${inbox}/api/messages`)).json()) as InboxMessage[];
  return all.filter((m) => m.to.includes(recipient) && m.subject.startsWith(subject));
}

/** A message from the inbox, parsed; `keepCidLinks` leaves cid: image references as sent. */
export async function parsedMessage(
  inbox: string,
  id: string,
  opts: { keepCidLinks?: boolean } = {},
): Promise<ParsedMail> {
  return simpleParser(
    Buffer.from(await (await fetch(`${inbox}/api/messages/${id}.eml`)).arrayBuffer()),
    opts,
  );
}

/** The report CSV attached to a message, as rows of cells (header first). */
export function csvRows(mail: ParsedMail): string[][] {
  const csv = mail.attachments.find((a) => a.contentType.startsWith('text/csv'));
  return (csv?.content.toString('utf8') ?? '')
    .trim()
    .split('\r\n')
    .map((l) => l.split(','));
}
