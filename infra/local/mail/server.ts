/**
 * The local mail server for development and tests: SMTP on MAIL_SMTP_PORT (1025) accepting every
 * message, kept as files in MAIL_DIR, and a web inbox on MAIL_INBOX_PORT (1080): the list at `/`,
 * JSON at `/api/messages`, each message's HTML at `/api/messages/<id>/html` and its source at
 * `/api/messages/<id>.eml`. Run as a daemon by infra/local/mail/service.ts.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const dir = process.env.MAIL_DIR ?? join(process.cwd(), '.local', 'mail', 'messages');
const smtpPort = Number(process.env.MAIL_SMTP_PORT ?? 1025);
const inboxPort = Number(process.env.MAIL_INBOX_PORT ?? 1080);
mkdirSync(dir, { recursive: true });

interface Summary {
  id: string;
  messageId: string | null;
  subject: string;
  from: string;
  to: string[];
  date: string;
  receivedAt: string;
  attachments: { filename: string | null; contentType: string; size: number; cid: string | null }[];
}

const smtp = new SMTPServer({
  authOptional: true,
  // A stop must not wait for clients to say QUIT (the default waits 30 s, past the stop's grace).
  closeTimeout: 1000,
  disabledCommands: ['STARTTLS'],
  size: 25 * 1024 * 1024,
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const raw = Buffer.concat(chunks);
      simpleParser(raw)
        .then((mail) => {
          const id = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
          const summary: Summary = {
            id,
            messageId: mail.messageId ?? null,
            subject: mail.subject ?? '',
            from: mail.from?.text ?? '',
            to: session.envelope.rcptTo.map((r) => r.address),
            date: (mail.date ?? new Date()).toISOString(),
            receivedAt: new Date().toISOString(),
            attachments: mail.attachments.map((a) => ({
              filename: a.filename ?? null,
              contentType: a.contentType,
              size: a.size,
              cid: a.cid ?? null,
            })),
          };
          writeFileSync(join(dir, `${id}.eml`), raw);
          writeFileSync(join(dir, `${id}.html`), typeof mail.html === 'string' ? mail.html : '');
          writeFileSync(join(dir, `${id}.json`), JSON.stringify(summary));
          callback();
        })
        .catch((e: unknown) => callback(e as Error));
    });
  },
});

const list = (): Summary[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .reverse()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Summary);

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

const inbox = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://inbox');
  const send = (status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  };
  const byId = /^\/api\/messages\/([\w-]+)(\.eml|\/html)$/.exec(url.pathname);
  try {
    if (url.pathname === '/api/messages' && req.method === 'DELETE') {
      for (const f of readdirSync(dir)) rmSync(join(dir, f));
      return send(204, 'text/plain', '');
    }
    if (url.pathname === '/api/messages') return send(200, 'application/json', JSON.stringify(list()));
    if (byId) {
      const [, id, kind] = byId;
      const file = join(dir, `${id}${kind === '.eml' ? '.eml' : '.html'}`);
      return send(200, kind === '.eml' ? 'message/rfc822' : 'text/html; charset=utf-8', readFileSync(file));
    }
    if (url.pathname === '/') {
      const rows = list()
        .map(
          (m) =>
            `<tr><td>${escape(m.receivedAt)}</td><td>${escape(m.to.join(', '))}</td><td><a href="/api/messages/${m.id}/html">${escape(m.subject)}</a></td><td>${m.attachments.length}</td></tr>`,
        )
        .join('');
      return send(
        200,
        'text/html; charset=utf-8',
        `<!doctype html><title>Local inbox</title><h1>Local inbox</h1><p>SMTP on port ${smtpPort}; every message sent there shows here.</p>` +
          `<table border="1" cellpadding="4"><tr><th>received</th><th>to</th><th>subject</th><th>attachments</th></tr>${rows}</table>`,
      );
    }
    send(404, 'text/plain', 'not found');
  } catch {
    send(404, 'text/plain', 'not found');
  }
});

smtp.listen(smtpPort, '127.0.0.1', () => console.log(`smtp listening on 127.0.0.1:${smtpPort}`));
inbox.listen(inboxPort, '127.0.0.1', () => console.log(`inbox on http://127.0.0.1:${inboxPort}`));
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => {
    smtp.close(() => inbox.close(() => process.exit(0)));
  });
