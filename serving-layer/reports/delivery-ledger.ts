import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LedgerEntry {
  messageId: string;
  recipient: string;
  sentAt: string;
  /** The mail server's answer when it accepted the message. */
  response: string;
}

/**
 * Which report emails were accepted by the mail server, one file per Message-ID. Sending checks it
 * first, so an activity retried after a send that went through (or a second run for the same
 * period) does not send again. A claim file keeps two concurrent senders of the same email apart;
 * a claim older than `claimTtlMs` belongs to a sender that died, and is taken over.
 *
 * SMTP has no transaction to join: a sender killed between the server's "250 accepted" and the
 * ledger write would send once more on retry. That window is the time of one file write; the
 * stable Message-ID lets receiving servers and clients drop such a duplicate.
 */
export class DeliveryLedger {
  constructor(
    private readonly dir: string,
    private readonly claimTtlMs = 120_000,
    private readonly now: () => number = Date.now,
  ) {}

  private file(messageId: string, kind: 'sent' | 'claim'): string {
    return join(this.dir, `${createHash('sha256').update(messageId).digest('hex')}.${kind}`);
  }

  async sent(messageId: string): Promise<LedgerEntry | undefined> {
    try {
      return JSON.parse(await readFile(this.file(messageId, 'sent'), 'utf8')) as LedgerEntry;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** 'claimed': this caller sends; 'busy': another sender has held it for less than the TTL. */
  async claim(messageId: string, owner: string): Promise<'claimed' | 'busy'> {
    await mkdir(this.dir, { recursive: true });
    const file = this.file(messageId, 'claim');
    try {
      await writeFile(file, owner, { flag: 'wx' });
      return 'claimed';
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const held = await stat(file).catch(() => undefined);
    if (held && this.now() - held.mtimeMs < this.claimTtlMs && (await readFile(file, 'utf8')) !== owner) {
      return 'busy';
    }
    // Stale (its sender died) or our own from an earlier attempt: take it over.
    await writeFile(file, owner);
    return 'claimed';
  }

  /** Records an accepted send; atomic (rename), so a reader sees all of it or nothing. */
  async record(entry: LedgerEntry): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = this.file(entry.messageId, 'sent');
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(entry));
    await rename(tmp, file);
  }
}
