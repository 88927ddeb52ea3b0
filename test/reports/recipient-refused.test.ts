import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReportStack } from '../helpers/report-stack';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { freePort } from '../helpers/free-port';

/**
 * A mailbox the mail server refuses for good (550) fails that recipient alone, without retries,
 * and the run says so; the other recipients still get their email.
 */
describe('scheduled report to a refused mailbox', () => {
  let stack: Awaited<ReturnType<typeof startReportStack>>;
  let server: SMTPServer;
  const received: string[][] = [];
  const project = `ref-${randomUUID().slice(0, 6)}`;

  beforeAll(async () => {
    await requireServices();
    const port = await freePort();
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onRcptTo(address, _session, cb) {
        if (!address.address.startsWith('left-the-company@')) return cb();
        const e = new Error('5.1.1 mailbox unavailable') as Error & { responseCode: number };
        e.responseCode = 550;
        cb(e);
      },
      onData(stream, session, cb) {
        stream.resume();
        stream.on('end', () => {
          received.push(session.envelope.rcptTo.map((r) => r.address));
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    stack = await startReportStack(
      isolatedConfig('report-refused', { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port) }),
    );
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fails only that recipient, at once, and names it', async () => {
    const admin = await stack.token(project);
    const recipients = [`left-the-company@example.com`, `cto-${project}@example.com`];
    const created = await stack.api('POST', '/v1/reports', admin, {
      name: 'Refusal check',
      metrics: ['events'],
      period: 'daily',
      recipients,
    });
    expect(created.status).toBe(201);
    const reportId = (created.body?.report as { id: string }).id;
    expect((await stack.api('POST', `/v1/reports/${reportId}/run`, admin)).status).toBe(202);
    const run = await stack.nextRun(reportId, 0);
    const failure = await run.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as { type?: string; message: string };
    expect(cause.type).toBe('ReportNotDelivered');
    expect(cause.message).toMatch(
      /was not delivered to left-the-company@example\.com; 1 other recipients got it/,
    );
    expect(received).toEqual([[`cto-${project}@example.com`]]);
    const runs = (await stack.api('GET', `/v1/reports/${reportId}/runs`, admin)).body?.runs;
    expect(runs).toEqual([expect.objectContaining({ status: 'FAILED', failure: cause.message })]);
    // Refused for good: one attempt, no retries.
    const history = await run.fetchHistory();
    const failedAttempts = (history.events ?? []).filter((e) => e.activityTaskFailedEventAttributes);
    expect(failedAttempts).toHaveLength(1);
  });
});
