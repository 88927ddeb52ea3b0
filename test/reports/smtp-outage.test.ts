import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../core/config/config';
import type { Delivery } from '../../core/reports/figures';
import { mailAnswers } from '../../infra/local/mail/service';
import { REPO_ROOT } from '../../infra/local/paths';
import { exited } from '../helpers/child-role';
import { freePort } from '../helpers/free-port';
import { inboxMessages, startReportStack } from '../helpers/report-stack';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

/**
 * Delivery through failures: the mail server is down when the schedule fires, and the activity
 * that finally sends loses its completion once (as when a worker dies right after sending). The
 * workflow keeps retrying and each recipient still gets exactly one email.
 */
describe('scheduled report delivery through an SMTP outage', () => {
  let config: Config;
  let stack: Awaited<ReturnType<typeof startReportStack>>;
  let smtpPort: number;
  let inboxPort: number;
  let mail: ChildProcess | undefined;
  const mailDir = mkdtempSync(join(tmpdir(), 'platform-mail-'));
  const project = `out-${randomUUID().slice(0, 6)}`;
  const recipients = [`ops-${project}@example.com`, `ceo-${project}@example.com`];
  const lostCompletions: Delivery[] = [];

  /** The real local mail server (the one ./platform up runs), on this test's own ports. */
  const startMail = async () => {
    // One process (tsx as a loader, not its launcher): the SIGKILL below ends the server itself,
    // not a launcher that would leave it running.
    mail = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'infra/local/mail/server.ts')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        MAIL_DIR: mailDir,
        MAIL_SMTP_PORT: String(smtpPort),
        MAIL_INBOX_PORT: String(inboxPort),
      },
      stdio: 'ignore',
    });
    await waitFor(
      () => mailAnswers({ smtpPort, inboxPort }),
      (up) => up,
      { timeoutMs: 30_000 },
    );
  };

  beforeAll(async () => {
    await requireServices();
    [smtpPort, inboxPort] = [await freePort(), await freePort()];
    config = isolatedConfig('report-outage', { SMTP_PORT: String(smtpPort) });
    stack = await startReportStack(config, {
      // The first email accepted loses its completion: Temporal retries an activity that did send.
      afterSent: (d) => {
        if (lostCompletions.length === 0) {
          lostCompletions.push(d);
          throw new Error(`worker lost after sending to ${d.recipient}`);
        }
      },
    });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    mail?.kill('SIGKILL');
    if (mail) await exited(mail);
  });

  it('retries while the mail server is down and delivers exactly once when it is back', async () => {
    const admin = await stack.token(project);
    const created = await stack.api('POST', '/v1/reports', admin, {
      name: 'Outage check',
      metrics: ['events'],
      period: 'weekly',
      timeZone: 'America/New_York',
      recipients,
    });
    expect(created.status).toBe(201);
    const reportId = (created.body?.report as { id: string }).id;
    expect((await stack.api('POST', `/v1/reports/${reportId}/run`, admin)).status).toBe(202);
    const run = await stack.nextRun(reportId, 0);

    // Nothing listens on the SMTP port: the deliveries fail and are retried, the run stays open.
    const failing = await waitFor(
      async () => (await run.describe()).raw.pendingActivities ?? [],
      (acts) => acts.length === recipients.length && acts.every((a) => (a.attempt ?? 0) >= 2),
      { timeoutMs: 60_000 },
    );
    expect(failing.map((a) => a.activityType?.name)).toEqual(['deliverReport', 'deliverReport']);
    expect(failing[0]?.lastFailure?.message).toMatch(
      new RegExp(`sending through localhost:${smtpPort} failed`),
    );
    expect((await run.describe()).status.name).toBe('RUNNING');

    await startMail();
    const result = await stack.result(run);
    expect(lostCompletions).toHaveLength(1);
    const byRecipient = new Map(result.deliveries.map((d) => [d.recipient, d]));
    // The recipient whose completion was lost: the retry found the ledger entry and sent nothing.
    expect(byRecipient.get(lostCompletions[0]?.recipient as string)).toMatchObject({
      status: 'already-sent',
      messageId: lostCompletions[0]?.messageId,
    });
    const inbox = `http://127.0.0.1:${inboxPort}`;
    for (const to of recipients) {
      expect(byRecipient.has(to)).toBe(true);
      const got = await inboxMessages(inbox, to, 'Outage check: ');
      expect(got.map((m) => m.messageId)).toEqual([byRecipient.get(to)?.messageId]);
    }
    // Every message the server received is one of the two: nothing else went out.
    const all = (await (await fetch(`${inbox}/api/messages`)).json()) as unknown[];
    expect(all).toHaveLength(recipients.length);
  });
});
