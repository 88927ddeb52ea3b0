import { join } from 'node:path';
import { REPO_ROOT, stateDir } from '../paths';
import { assertPortFree, isListening } from '../ports';
import { awaitDaemonReady, startDaemon, stopDaemon } from '../process';

export interface MailServiceOptions {
  smtpPort: number;
  inboxPort: number;
}

export function mailServiceOptions(env: NodeJS.ProcessEnv = process.env): MailServiceOptions {
  return { smtpPort: Number(env.MAIL_SMTP_PORT ?? 1025), inboxPort: Number(env.MAIL_INBOX_PORT ?? 1080) };
}

const dir = () => join(stateDir(), 'mail');
export const mailLogFile = () => join(dir(), 'server.log');
const pidFile = () => join(dir(), 'server.pid');

/** SMTP accepts connections and the inbox answers its API. */
export async function mailAnswers(o: MailServiceOptions): Promise<boolean> {
  try {
    if (!(await isListening(o.smtpPort))) return false;
    const res = await fetch(`http://127.0.0.1:${o.inboxPort}/api/messages`, {
      signal: AbortSignal.timeout(1000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

/** Starts the local SMTP server and web inbox (infra/local/mail/server.ts) as a daemon. */
export async function startMail(
  o: MailServiceOptions = mailServiceOptions(),
): Promise<{ state: 'started' | 'already-running'; where: string; inbox: string; log: string }> {
  const result = (state: 'started' | 'already-running') => ({
    state,
    where: `localhost:${o.smtpPort}`,
    inbox: `http://localhost:${o.inboxPort}`,
    log: mailLogFile(),
  });
  if (await mailAnswers(o)) return result('already-running');
  await assertPortFree(o.smtpPort, 'local SMTP', 'MAIL_SMTP_PORT');
  await assertPortFree(o.inboxPort, 'local mail inbox', 'MAIL_INBOX_PORT');
  const pid = startDaemon({
    name: 'mail',
    command: process.execPath,
    args: [join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(__dirname, 'server.ts')],
    env: {
      ...process.env,
      MAIL_DIR: join(dir(), 'messages'),
      MAIL_SMTP_PORT: String(o.smtpPort),
      MAIL_INBOX_PORT: String(o.inboxPort),
    },
    logFile: mailLogFile(),
    pidFile: pidFile(),
  });
  await awaitDaemonReady(
    { what: 'the local mail server', pid, pidFile: pidFile(), logFile: mailLogFile(), timeoutMs: 30_000 },
    () => mailAnswers(o),
  );
  return result('started');
}

export async function stopMail(): Promise<boolean> {
  return stopDaemon(pidFile(), { graceMs: 5_000 });
}
