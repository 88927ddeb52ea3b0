import type { Config } from '../../core/config/config';
import type { Mailer } from '../reports/report-mailer';

/**
 * Emails one link (a sign-in or an invitation) through the relay reports use. The link's host is
 * PUBLIC_URL, never the request's Host header: a forged header cannot send someone a link to
 * another site.
 */
export async function mailLink(
  mailer: Mailer,
  config: Config,
  to: string,
  what: { subject: string; intro: string; path: string; expires: string },
): Promise<void> {
  const link = `${config.access.publicUrl}${what.path}`;
  const escaped = link.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  await mailer.send({
    from: config.reports.from,
    to,
    subject: what.subject,
    text: `${what.intro}\n\n${link}\n\nThe link works once and ${what.expires}. If you did not expect it, ignore this message.`,
    html:
      `<p>${what.intro.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>` +
      `<p><a href="${escaped}">${escaped}</a></p>` +
      `<p>The link works once and ${what.expires}. If you did not expect it, ignore this message.</p>`,
  });
}
