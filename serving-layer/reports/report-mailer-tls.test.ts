import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer, SendError } from './report-mailer';

/**
 * SMTP_TLS against a real SMTP server (smtp-server, in-process) with a certificate of a private CA
 * made for the test: STARTTLS and TLS from the start both deliver when SMTP_CA_FILE names the CA,
 * the login travels only inside TLS, and an untrusted certificate is refused, never sent to.
 */
describe('report mailer over TLS', () => {
  const servers: SMTPServer[] = [];
  const sessions: { secure: boolean; user: unknown; to: string[] }[] = [];
  let caFile: string;
  let starttlsPort: number;
  let tlsPort: number;

  const listen = async (secure: boolean, key: string, cert: string) => {
    const server = new SMTPServer({
      secure,
      key,
      cert,
      // Logins only over TLS (smtp-server refuses AUTH on a plain connection).
      allowInsecureAuth: false,
      onAuth(auth, _s, cb) {
        if (auth.username === 'reports' && auth.password === 's3cret') cb(null, { user: 'reports' });
        else cb(new Error('535 invalid login'));
      },
      onData(stream, session, cb) {
        stream.resume();
        stream.on('end', () => {
          sessions.push({
            secure: session.secure,
            user: session.user,
            to: session.envelope.rcptTo.map((r) => r.address),
          });
          cb();
        });
      },
    });
    // A client refusing the certificate drops the connection mid-handshake; the server reports it.
    server.on('error', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return (server.server.address() as { port: number }).port;
  };

  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    });
    caFile = join(mkdtempSync(join(tmpdir(), 'smtp-ca-')), 'ca.pem');
    writeFileSync(caFile, pems.cert);
    starttlsPort = await listen(false, pems.private, pems.cert);
    tlsPort = await listen(true, pems.private, pems.cert);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });

  const message = (to: string) => ({ from: 'reports@analytics.local', to, subject: 's', text: 't' });
  const login = () => ({ user: 'reports', password: 's3cret', caFile });

  it('SMTP_TLS=starttls upgrades before logging in and sending', async () => {
    const mailer = createMailer({ host: 'localhost', port: starttlsPort, tls: 'starttls', ...login() });
    expect(await mailer.send(message('a@example.com'))).toMatch(/^250/);
    mailer.close();
    expect(sessions).toContainEqual({ secure: true, user: 'reports', to: ['a@example.com'] });
  });

  it('SMTP_TLS=tls speaks TLS from the first byte', async () => {
    const mailer = createMailer({ host: 'localhost', port: tlsPort, tls: 'tls', ...login() });
    expect(await mailer.send(message('b@example.com'))).toMatch(/^250/);
    mailer.close();
    expect(sessions).toContainEqual({ secure: true, user: 'reports', to: ['b@example.com'] });
  });

  it('a certificate nobody vouches for is refused: nothing is sent', async () => {
    const before = sessions.length;
    const mailer = createMailer({
      host: 'localhost',
      port: starttlsPort,
      tls: 'starttls',
      user: 'reports',
      password: 's3cret',
    });
    const e = await mailer.send(message('c@example.com')).catch((x: unknown) => x);
    mailer.close();
    expect(e).toBeInstanceOf(SendError);
    expect((e as Error).message).toMatch(/certificate/i);
    expect(sessions).toHaveLength(before);
  });
});
