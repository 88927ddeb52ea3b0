import { mailServiceOptions } from '../../infra/local/mail/service';
import { waitFor } from './wait-for';

interface Summary {
  id: string;
  to: string[];
  subject: string;
}

const inbox = () => `http://127.0.0.1:${mailServiceOptions().inboxPort}`;

/** The messages the local mail server received for `to` (any subject), oldest first. */
export async function messagesTo(to: string): Promise<Summary[]> {
  const all = (await (await fetch(`${inbox()}/api/messages`)).json()) as Summary[];
  return all.filter((m) => m.to.includes(to));
}

/**
 * Waits for a message to `to` whose subject contains `subject`, and returns the first link in
 * it to a path starting with `path` (as a person clicks it).
 */
export async function linkFromInbox(to: string, subject: string, path: string): Promise<string> {
  const message = await waitFor(
    async () => (await messagesTo(to)).find((m) => m.subject.includes(subject)),
    (m) => m !== undefined,
    { timeoutMs: 15_000 },
  );
  const html = await (await fetch(`${inbox()}/api/messages/${message?.id}/html`)).text();
  const link = new RegExp(`href="([^"]*${path.replace(/[?]/g, '\\?')}[^"]*)"`).exec(html)?.[1];
  if (!link) throw new Error(`no ${path} link in the message '${message?.subject}'`);
  return link.replace(/&amp;/g, '&');
}
