import { createHash } from 'node:crypto';
import type { Config } from '../../core/config/config';
import { LocalStorage } from '../../core/lake/local-storage';
import { openLake } from '../../core/lake/open-lake';
import type { LakeStorage } from '../../core/lake/storage';

/** The ledger's folder beside an object-store lake (infra/terraform lets serve write only there). */
export const LEDGER_PREFIX = 'reports-deliveries';

/** The ledger's storage: REPORTS_LEDGER_DIR, or beside an object-store lake (see Config.reports). */
export function ledgerStorage(config: Pick<Config, 'lake' | 'reports'>): LakeStorage {
  const { lake, reports } = config;
  if (!reports.ledgerOnLake) return new LocalStorage(reports.ledgerDir);
  const under = (prefix: string) => (prefix ? `${prefix}/${LEDGER_PREFIX}` : LEDGER_PREFIX);
  return openLake({
    ...lake,
    ...(lake.s3 ? { s3: { ...lake.s3, prefix: under(lake.s3.prefix) } } : {}),
    ...(lake.gcs ? { gcs: { ...lake.gcs, prefix: under(lake.gcs.prefix) } } : {}),
  });
}

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
 * a claim older than `claimTtlMs` belongs to a sender that died, and is taken over. The files go
 * through the lake's storage interface, so the ledger can live on an object store too.
 *
 * SMTP has no transaction to join: a sender killed between the server's "250 accepted" and the
 * ledger write would send once more on retry. That window is the time of one file write; the
 * stable Message-ID lets receiving servers and clients drop such a duplicate.
 */
export class DeliveryLedger {
  private readonly store: LakeStorage;

  constructor(
    dir: string | LakeStorage,
    private readonly claimTtlMs = 120_000,
    private readonly now: () => number = Date.now,
  ) {
    this.store = typeof dir === 'string' ? new LocalStorage(dir) : dir;
  }

  private file(messageId: string, kind: 'sent' | 'claim'): string {
    return `${createHash('sha256').update(messageId).digest('hex')}.${kind}`;
  }

  async sent(messageId: string): Promise<LedgerEntry | undefined> {
    const bytes = await this.store.read(this.file(messageId, 'sent'));
    return bytes && (JSON.parse(bytes.toString('utf8')) as LedgerEntry);
  }

  /** 'claimed': this caller sends; 'busy': another sender has held it for less than the TTL. */
  async claim(messageId: string, owner: string): Promise<'claimed' | 'busy'> {
    const file = this.file(messageId, 'claim');
    // The claim says who holds it and since when: no file time is needed, whatever the storage.
    const claim = () => JSON.stringify({ owner, at: this.now() });
    if (await this.store.create(file, claim())) return 'claimed';
    const held = await this.store.read(file);
    const h = held && (JSON.parse(held.toString('utf8')) as { owner: string; at: number });
    if (h && this.now() - h.at < this.claimTtlMs && h.owner !== owner) return 'busy';
    // Stale (its sender died) or our own from an earlier attempt: take it over.
    await this.store.write(file, claim());
    return 'claimed';
  }

  /** Records an accepted send, written whole: a reader sees all of it or nothing. */
  async record(entry: LedgerEntry): Promise<void> {
    await this.store.write(this.file(entry.messageId, 'sent'), JSON.stringify(entry));
  }
}
