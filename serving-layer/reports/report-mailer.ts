import { localFiles } from '../../core/files/local-files';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type { Config } from '../../core/config/config';

/** An SMTP failure, sorted into what a retry can fix and what it cannot. */
export class SendError extends Error {
  constructor(
    message: string,
    /** The server refused the recipient for good (5xx to RCPT TO): retrying will not help. */
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export interface Mailer {
  /** Sends one message; resolves with the server's acceptance line, or throws a SendError. */
  send(message: Mail.Options): Promise<string>;
  close(): void;
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
}

/**
 * SMTP through nodemailer, configured by SMTP_HOST, SMTP_PORT, SMTP_TLS, SMTP_USER, SMTP_PASSWORD
 * and SMTP_CA_FILE. Certificates are always verified: a private CA is trusted by naming it.
 */
export function createMailer(smtp: Config['reports']['smtp']): Mailer {
  const where = `${smtp.host}:${smtp.port}`;
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.tls === 'tls',
    requireTLS: smtp.tls === 'starttls',
    ignoreTLS: smtp.tls === 'off',
    ...(smtp.user !== undefined ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
    tls: { minVersion: 'TLSv1.2', ...(smtp.caFile ? { ca: localFiles.readBytes(smtp.caFile) } : {}) },
    // A server that is down should fail the attempt quickly; the workflow's retries wait.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(message) {
      try {
        const info = (await transport.sendMail(message)) as { response: string };
        return info.response;
      } catch (e) {
        const err = e as SmtpError;
        const code = err.responseCode ?? 0;
        const rcpt = err.command === 'RCPT TO' || err.code === 'EENVELOPE';
        if (code >= 500 && rcpt) {
          throw new SendError(
            `the mail server at ${where} refused the recipient: ${err.response ?? err.message}`,
            true,
          );
        }
        if (err.code === 'EAUTH') {
          throw new SendError(
            `the mail server at ${where} refused the login: check SMTP_USER and SMTP_PASSWORD (${err.message})`,
            false,
          );
        }
        throw new SendError(`sending through ${where} failed: ${err.message}`, false);
      }
    },
    close: () => transport.close(),
  };
}
