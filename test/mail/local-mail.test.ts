import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { mailServiceOptions } from '../../infra/local/mail/service';
import { requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

interface Summary {
  id: string;
  messageId: string;
  subject: string;
  to: string[];
  attachments: { filename: string; contentType: string }[];
}

/** The local SMTP server started with the services receives real SMTP and shows it in its inbox. */
describe('local mail server', () => {
  it('accepts a message over SMTP and lists it, with its HTML and attachments, in the inbox', async () => {
    await requireServices();
    const o = mailServiceOptions();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: o.smtpPort, secure: false });
    const messageId = `<mail-test-${Date.now()}@analytics.local>`;
    await transport.sendMail({
      from: 'reports@analytics.local',
      to: 'someone@example.com',
      subject: `Inbox check ${messageId}`,
      messageId,
      html: '<h1>Figures</h1><p>42 events</p>',
      attachments: [
        { filename: 'figures.csv', content: 'metric,value\nevents,42\n', contentType: 'text/csv' },
      ],
    });
    transport.close();
    const inbox = `http://127.0.0.1:${o.inboxPort}`;
    const found = await waitFor(
      async () =>
        ((await (await fetch(`${inbox}/api/messages`)).json()) as Summary[]).find(
          (m) => m.messageId === messageId,
        ),
      (m) => m !== undefined,
      { timeoutMs: 10_000 },
    );
    expect(found).toMatchObject({ to: ['someone@example.com'], subject: `Inbox check ${messageId}` });
    expect(found?.attachments).toEqual([
      expect.objectContaining({ filename: 'figures.csv', contentType: 'text/csv' }),
    ]);
    expect(await (await fetch(`${inbox}/api/messages/${found?.id}/html`)).text()).toContain('42 events');
    expect((await fetch(inbox)).status).toBe(200);
  });
});
