import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { createMailer, SendError } from './report-mailer';

/**
 * The mailer against a real SMTP server (smtp-server, in-process) that wants a login and refuses
 * one mailbox: credentials from the settings are used, and failures are sorted into the ones a
 * retry can fix and the ones it cannot.
 */
describe('report mailer over SMTP', () => {
  const received: { from: string; to: string[] }[] = [];
  let server: SMTPServer;
  let port: number;

  beforeAll(async () => {
    server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth(auth, _session, cb) {
        if (auth.username === 'reports' && auth.password === 's3cret') cb(null, { user: 'reports' });
        else cb(new Error('535 invalid login'));
      },
      onRcptTo(address, _session, cb) {
        if (address.address.startsWith('gone@')) {
          const e = new Error('mailbox unavailable') as Error & { responseCode: number };
          e.responseCode = 550;
          cb(e);
        } else cb();
      },
      onData(stream, session, cb) {
        stream.resume();
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          });
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const message = (to: string) => ({ from: 'reports@analytics.local', to, subject: 's', text: 't' });

  it('logs in with SMTP_USER and SMTP_PASSWORD and sends', async () => {
    const mailer = createMailer({ host: '127.0.0.1', port, tls: 'off', user: 'reports', password: 's3cret' });
    expect(await mailer.send(message('cfo@example.com'))).toMatch(/^250/);
    mailer.close();
    expect(received).toContainEqual({ from: 'reports@analytics.local', to: ['cfo@example.com'] });
  });

  it('a refused login is retryable and says which settings to check', async () => {
    const mailer = createMailer({ host: '127.0.0.1', port, tls: 'off', user: 'reports', password: 'wrong' });
    const e = await mailer.send(message('cfo@example.com')).catch((x: unknown) => x);
    mailer.close();
    expect(e).toBeInstanceOf(SendError);
    expect((e as SendError).permanent).toBe(false);
    expect((e as SendError).message).toMatch(/check SMTP_USER and SMTP_PASSWORD/);
  });

  it('a mailbox refused for good is permanent; a server that is not there is not', async () => {
    const mailer = createMailer({ host: '127.0.0.1', port, tls: 'off', user: 'reports', password: 's3cret' });
    const refused = await mailer.send(message('gone@example.com')).catch((x: unknown) => x);
    mailer.close();
    expect(refused).toMatchObject({ permanent: true });
    expect((refused as Error).message).toMatch(/refused the recipient/);
    const nowhere = createMailer({ host: '127.0.0.1', port: 1, tls: 'off' });
    const down = await nowhere.send(message('cfo@example.com')).catch((x: unknown) => x);
    nowhere.close();
    expect(down).toMatchObject({ permanent: false });
    expect((down as Error).message).toMatch(/sending through 127\.0\.0\.1:1 failed/);
  });
});
